// Set/Get SOL Configuration Parameters (netFn 0Ch, cmds 21h/22h) — IPMI 2.0 §26.2, §26.3; parameter layouts
// from Table 26-5. Requests, the Get response, and the value of each parameter 0-8.
import { ConfigParameterCC } from '../ipmi/completion-codes.js';
import { DecodeError, requireBytes } from '../errors.js';

const PROTO = 'ipmi';

export const SolConfigCommand = { SET: 0x21, GET: 0x22 } as const;

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

/** Command-specific completion codes of §26.2/§26.3. */
export const SolConfigCC = ConfigParameterCC;

/** Parameters 5 and 6 [3:0]: 0 = use the serial port's setting; 6-10 = 9.6 to 115.2 kbps. */
export const SolBitRate = { SERIAL_SETTING: 0x00, BPS_9600: 0x06, BPS_19200: 0x07, BPS_38400: 0x08, BPS_57600: 0x09, BPS_115200: 0x0a } as const;

/** Data bytes of each parameter (after the revision byte in a Get response). */
export const SOL_PARAMETER_LENGTHS: Readonly<Record<number, number>> = { 0: 1, 1: 1, 2: 1, 3: 2, 4: 2, 5: 1, 6: 1, 7: 1, 8: 2 };

/** Get request byte 1 [7]: return only the parameter revision. */
const REVISION_ONLY = 0x80;

export interface GetSolConfigRequest {
  /** Byte 1 [7]: get parameter revision only. */
  revisionOnly: boolean;
  /** Byte 1 [3:0]: channel number (0Eh = this channel). */
  channel: number;
  /** Byte 2: parameter selector. */
  parameter: number;
  /** Byte 3: set selector. */
  setSelector: number;
  /** Byte 4: block selector. */
  blockSelector: number;
}

export function decodeGetSolConfigRequest(data: Uint8Array): GetSolConfigRequest {
  requireBytes(data, 0, 4, PROTO, 'get sol configuration parameters');
  if (data.length > 4) throw new DecodeError(PROTO, 'get sol configuration parameters', 4, `expects 4 data bytes, got ${data.length}`, 'ERR_LENGTH');
  return { revisionOnly: (data[0] & REVISION_ONLY) !== 0, channel: data[0] & 0x0f, parameter: data[1], setSelector: data[2], blockSelector: data[3] };
}

export function encodeGetSolConfigRequest(r: GetSolConfigRequest): Buffer {
  return Buffer.from([(r.revisionOnly ? REVISION_ONLY : 0) | (r.channel & 0x0f), r.parameter, r.setSelector, r.blockSelector]);
}

export function encodingLengthGetSolConfigRequest(): number {
  return 4;
}

export interface SetSolConfigRequest {
  /** Byte 1 [3:0]: channel number. */
  channel: number;
  /** Byte 2: parameter selector. */
  parameter: number;
  /** Bytes 3-N: parameter data. */
  data: Uint8Array;
}

export function decodeSetSolConfigRequest(data: Uint8Array): SetSolConfigRequest {
  requireBytes(data, 0, 3, PROTO, 'set sol configuration parameters');
  return { channel: data[0] & 0x0f, parameter: data[1], data: data.subarray(2) };
}

export function encodeSetSolConfigRequest(r: SetSolConfigRequest): Buffer {
  return Buffer.concat([Buffer.from([r.channel & 0x0f, r.parameter]), r.data]);
}

export function encodingLengthSetSolConfigRequest(r: Pick<SetSolConfigRequest, 'data'>): number {
  return 2 + r.data.length;
}

export interface GetSolConfigResponse {
  /** Byte 2 (after the completion code): parameter revision, present [7:4] / oldest compatible [3:0]. */
  revision: number;
  /** Parameter data; absent (empty) for a revision-only read. */
  data: Uint8Array;
}

/** Decodes the response data after the completion code. */
export function decodeGetSolConfigResponse(data: Uint8Array): GetSolConfigResponse {
  requireBytes(data, 0, 1, PROTO, 'parameter revision');
  return { revision: data[0], data: data.subarray(1) };
}

export function encodeGetSolConfigResponse(r: GetSolConfigResponse): Buffer {
  return Buffer.concat([Buffer.from([r.revision]), r.data]);
}

export function encodingLengthGetSolConfigResponse(r: Pick<GetSolConfigResponse, 'data'>): number {
  return 1 + r.data.length;
}

/** The value of one parameter, in Table 26-5 field order. Units are the wire units (5 ms, 10 ms). */
export type SolParameterValue =
  | { parameter: 0; setInProgress: number }
  | { parameter: 1; enabled: boolean }
  | { parameter: 2; forceEncryption: boolean; forceAuthentication: boolean; privilege: number }
  | { parameter: 3; accumulateInterval: number; sendThreshold: number }
  | { parameter: 4; retryCount: number; retryInterval: number }
  | { parameter: 5; bitRate: number }
  | { parameter: 6; bitRate: number }
  | { parameter: 7; channel: number }
  | { parameter: 8; port: number };

/** Decodes parameter data (reserved bits dropped); throws DecodeError on a length that is not the table's. */
export function decodeSolParameter(parameter: number, data: Uint8Array): SolParameterValue {
  const length = SOL_PARAMETER_LENGTHS[parameter];
  if (length === undefined) throw new DecodeError(PROTO, 'parameter selector', 0, `SOL parameter ${parameter} is not defined`, 'ERR_PARAMETER');
  if (data.length !== length) {
    throw new DecodeError(PROTO, `sol parameter ${parameter}`, data.length, `expects ${length} data byte(s), got ${data.length}`, 'ERR_LENGTH');
  }
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

export function encodingLengthSolParameter(v: Pick<SolParameterValue, 'parameter'>): number {
  return SOL_PARAMETER_LENGTHS[v.parameter];
}
