// SOL configuration parameters — IPMI 2.0 Table 26-5: the value of each parameter 0-8. The commands that carry them,
// Set/Get SOL Configuration Parameters (§26.2, §26.3), are in protocols/ipmi/commands/sol-config.ts.
import { parameterTable } from '../ipmi/commands/config-parameters.js';

/** Parameter selectors, Table 26-5. */
export const SolParameter = {
  SET_IN_PROGRESS: 0,
  ENABLE: 1,
  AUTHENTICATION: 2,
  CHARACTER_INTERVAL: 3,
  RETRY: 4,
  NON_VOLATILE_BIT_RATE: 5,
  VOLATILE_BIT_RATE: 6,
  PAYLOAD_CHANNEL: 7,
  PAYLOAD_PORT: 8,
} as const;

/** Parameters 5 and 6 [3:0]: 0 = use the serial port's setting; 6-10 = 9.6 to 115.2 kbps. */
export const SolBitRate = { SERIAL_SETTING: 0x00, BPS_9600: 0x06, BPS_19200: 0x07, BPS_38400: 0x08, BPS_57600: 0x09, BPS_115200: 0x0a } as const;

/** Data bytes of each parameter (after the revision byte in a Get response). */
export const SOL_PARAMETER_LENGTHS: Readonly<Record<number, number>> = { 0: 1, 1: 1, 2: 1, 3: 2, 4: 2, 5: 1, 6: 1, 7: 1, 8: 2 };

/** The value of one parameter, in Table 26-5 field order. Units are the wire units (5 ms, 10 ms). */
export type SolParameterValue =
  | { parameter: 0; setInProgress: number } // SetInProgress (protocols/ipmi/commands/config-parameters.ts)
  | { parameter: 1; enabled: boolean }
  | { parameter: 2; forceEncryption: boolean; forceAuthentication: boolean; privilege: number }
  | { parameter: 3; accumulateInterval: number; sendThreshold: number }
  | { parameter: 4; retryCount: number; retryInterval: number }
  | { parameter: 5; bitRate: number }
  | { parameter: 6; bitRate: number }
  | { parameter: 7; channel: number }
  | { parameter: 8; port: number };

/** `data` has the parameter's length (parameterTable checks it); reserved bits are dropped. */
function decodeValue(parameter: number, data: Uint8Array): SolParameterValue {
  switch (parameter) {
    case 0: return { parameter, setInProgress: data[0] & 0x03 }; // [1:0] set complete / in progress / commit write
    case 1: return { parameter, enabled: (data[0] & 0x01) !== 0 }; // [0] SOL enable
    case 2: return { parameter, forceEncryption: (data[0] & 0x80) !== 0, forceAuthentication: (data[0] & 0x40) !== 0, privilege: data[0] & 0x0f };
    case 3: return { parameter, accumulateInterval: data[0], sendThreshold: data[1] }; // 5 ms units; characters
    case 4: return { parameter, retryCount: data[0] & 0x07, retryInterval: data[1] }; // [2:0] count; 10 ms units
    case 5: return { parameter, bitRate: data[0] & 0x0f };
    case 6: return { parameter, bitRate: data[0] & 0x0f };
    case 7: return { parameter, channel: data[0] & 0x0f };
    default: return { parameter: 8, port: data[0] | (data[1] << 8) }; // LS byte first
  }
}

export function encodeSolParameter(v: SolParameterValue): Buffer {
  switch (v.parameter) {
    case 0: return Buffer.from([v.setInProgress & 0x03]);
    case 1: return Buffer.from([v.enabled ? 1 : 0]);
    case 2: return Buffer.from([(v.forceEncryption ? 0x80 : 0) | (v.forceAuthentication ? 0x40 : 0) | (v.privilege & 0x0f)]);
    case 3: return Buffer.from([v.accumulateInterval & 0xff, v.sendThreshold & 0xff]);
    case 4: return Buffer.from([v.retryCount & 0x07, v.retryInterval & 0xff]);
    case 5:
    case 6: return Buffer.from([v.bitRate & 0x0f]);
    case 7: return Buffer.from([v.channel & 0x0f]);
    case 8: return Buffer.from([v.port & 0xff, (v.port >> 8) & 0xff]);
  }
}

/** The table as Set/Get SOL Configuration Parameters (protocols/ipmi/commands/sol-config.ts) read and write it. */
export const SolParameters = parameterTable('SOL', SOL_PARAMETER_LENGTHS, decodeValue, encodeSolParameter);

/** Throws DecodeError ERR_PARAMETER for a parameter not in the table, ERR_LENGTH for data of another length. */
export const decodeSolParameter = SolParameters.decode;

export function encodingLengthSolParameter(v: Pick<SolParameterValue, 'parameter'>): number {
  return SOL_PARAMETER_LENGTHS[v.parameter];
}
