// App device commands (netFn 06h) both sides encode and decode — IPMI 2.0 §20.1 Get Device ID (Table 20-2),
// §20.2 Cold Reset, §20.3 Warm Reset, §20.4 Get Self Test Results (Table 20-4), §20.8 Get Device GUID
// (Table 20-10), §22.14 Get System GUID (Table 22-17). Privileges: Appendix G.
import { DecodeError } from '../../errors.js';
import { NetFn } from '../message.js';
import { Privilege } from '../users.js';
import type { IpmiCommand } from './command.js';
import { noRequestData, noResponseData, putLe, responseLength, u16At, u24At } from './command-data.js';

export const DeviceCommand = {
  GET_DEVICE_ID: 0x01,
  COLD_RESET: 0x02,
  WARM_RESET: 0x03,
  GET_SELF_TEST_RESULTS: 0x04,
  GET_DEVICE_GUID: 0x08,
  GET_SYSTEM_GUID: 0x37,
} as const;

/** Get Device ID byte 7, "additional device support". */
export const DeviceSupport = {
  SENSOR: 0x01,
  SDR_REPOSITORY: 0x02,
  SEL: 0x04,
  FRU_INVENTORY: 0x08,
  IPMB_EVENT_RECEIVER: 0x10,
  IPMB_EVENT_GENERATOR: 0x20,
  BRIDGE: 0x40,
  CHASSIS: 0x80,
} as const;

/** Get Self Test Results byte 2 (Table 20-4). */
export const SelfTestResult = {
  NO_ERROR: 0x55,
  NOT_IMPLEMENTED: 0x56,
  /** byte 3 says which: SEL, SDR repository, FRU, IPMB, firmware... */
  DEVICE_ERROR: 0x57,
  FATAL_HARDWARE_ERROR: 0x58,
} as const;

/** Get Device ID response (Table 20-2). */
export interface DeviceId {
  deviceId: number;
  /** byte 3 [7] */
  providesDeviceSdrs: boolean;
  /** byte 3 [3:0] */
  deviceRevision: number;
  /** byte 4 [7]: firmware or SDR update, or self-initialization, in progress */
  updateInProgress: boolean;
  /** byte 4 [6:0] */
  firmwareMajor: number;
  /**
   * byte 5, two BCD digits: 0-99. Decoding leaves it out when the byte is not BCD (some BMCs send one; ipmitool
   * prints the byte as two hex digits whatever it holds).
   */
  firmwareMinor?: number;
  /** byte 5 as sent, which decoding always sets; encoding sends it only when firmwareMinor is absent */
  firmwareMinorByte?: number;
  /** byte 6, BCD: [3:0] major, [7:4] minor (02h = IPMI 2.0) */
  ipmiMajor: number;
  ipmiMinor: number;
  /** byte 7, DeviceSupport bits */
  additionalSupport: number;
  /** bytes 8-10, 20-bit IANA enterprise number */
  manufacturerId: number;
  /** bytes 11-12 */
  productId: number;
  /** bytes 13-16, optional */
  auxFirmware?: Uint8Array;
}

export interface SelfTestResults {
  /** SelfTestResult */
  result: number;
  /** byte 3: the failing parts for DEVICE_ERROR, else device-specific */
  detail: number;
}

export interface Guid {
  /** 16 bytes, as sent: least significant byte first (§20.8) */
  guid: Uint8Array;
}

const DEVICE_ID_BYTES = 11;
const AUX_FIRMWARE_BYTES = 4;

/** `n` (0-99) as two BCD digits. */
export function bcd(n: number): number {
  return ((Math.floor(n / 10) % 10) << 4) | (n % 10);
}

/** Two BCD digits as a number, or undefined when the byte is not BCD. */
export function bcdValue(byte: number): number | undefined {
  const high = byte >> 4;
  const low = byte & 0x0f;
  return high > 9 || low > 9 ? undefined : high * 10 + low;
}

/** Two BCD digits as a number 0-99; DecodeError ERR_RANGE for a byte that is not BCD. */
export function fromBcd(byte: number, field: string, offset: number, protocol = 'ipmi'): number {
  const value = bcdValue(byte);
  if (value === undefined) throw new DecodeError(protocol, field, offset, `0x${byte.toString(16)} is not two BCD digits`, 'ERR_RANGE');
  return value;
}

export const GetDeviceId: IpmiCommand<void, DeviceId> = {
  name: 'Get Device ID', netFn: NetFn.APP, cmd: DeviceCommand.GET_DEVICE_ID, privilege: Privilege.USER,
  ...noRequestData('Get Device ID'),
  encodeResponse(r) {
    const out = new Uint8Array(DEVICE_ID_BYTES + (r.auxFirmware ? AUX_FIRMWARE_BYTES : 0));
    out[0] = r.deviceId;
    out[1] = (r.providesDeviceSdrs ? 0x80 : 0) | (r.deviceRevision & 0x0f);
    out[2] = (r.updateInProgress ? 0x80 : 0) | (r.firmwareMajor & 0x7f);
    out[3] = r.firmwareMinor === undefined ? r.firmwareMinorByte ?? 0 : bcd(r.firmwareMinor);
    out[4] = ((r.ipmiMinor & 0x0f) << 4) | (r.ipmiMajor & 0x0f);
    out[5] = r.additionalSupport;
    putLe(out, 6, r.manufacturerId & 0x0fffff, 3);
    putLe(out, 9, r.productId & 0xffff, 2);
    if (r.auxFirmware) out.set(r.auxFirmware.subarray(0, AUX_FIRMWARE_BYTES), DEVICE_ID_BYTES);
    return out;
  },
  decodeResponse(d) {
    responseLength(d, DEVICE_ID_BYTES, 'Get Device ID');
    const r: DeviceId = {
      deviceId: d[0],
      providesDeviceSdrs: (d[1] & 0x80) !== 0,
      deviceRevision: d[1] & 0x0f,
      updateInProgress: (d[2] & 0x80) !== 0,
      firmwareMajor: d[2] & 0x7f,
      firmwareMinorByte: d[3],
      ipmiMajor: d[4] & 0x0f,
      ipmiMinor: d[4] >> 4,
      additionalSupport: d[5],
      manufacturerId: u24At(d, 6) & 0x0fffff,
      productId: u16At(d, 9),
    };
    const minor = bcdValue(d[3]);
    if (minor !== undefined) r.firmwareMinor = minor;
    if (d.length >= DEVICE_ID_BYTES + AUX_FIRMWARE_BYTES) r.auxFirmware = d.subarray(DEVICE_ID_BYTES, DEVICE_ID_BYTES + AUX_FIRMWARE_BYTES);
    return r;
  },
};

export const ColdReset: IpmiCommand<void, void> = {
  name: 'Cold Reset', netFn: NetFn.APP, cmd: DeviceCommand.COLD_RESET, privilege: Privilege.ADMINISTRATOR,
  ...noRequestData('Cold Reset'),
  ...noResponseData(),
};

export const WarmReset: IpmiCommand<void, void> = {
  name: 'Warm Reset', netFn: NetFn.APP, cmd: DeviceCommand.WARM_RESET, privilege: Privilege.ADMINISTRATOR,
  ...noRequestData('Warm Reset'),
  ...noResponseData(),
};

export const GetSelfTestResults: IpmiCommand<void, SelfTestResults> = {
  name: 'Get Self Test Results', netFn: NetFn.APP, cmd: DeviceCommand.GET_SELF_TEST_RESULTS, privilege: Privilege.USER,
  ...noRequestData('Get Self Test Results'),
  encodeResponse: (r) => Uint8Array.of(r.result, r.detail),
  decodeResponse(d) {
    responseLength(d, 2, 'Get Self Test Results');
    return { result: d[0], detail: d[1] };
  },
};

const GUID_BYTES = 16;

/** RFC 4122 text of a GUID that IPMI sends least significant byte first (§20.8): what ipmitool and SMBIOS show. */
export function formatGuid(lsbFirst: Uint8Array): string {
  const h = Buffer.from(lsbFirst).reverse().toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function guidCommand(name: string, cmd: number, privilege: number): IpmiCommand<void, Guid> {
  return {
    name, netFn: NetFn.APP, cmd, privilege,
    ...noRequestData(name),
    encodeResponse(r) {
      if (r.guid.length !== GUID_BYTES) throw new RangeError(`${name}: a GUID is ${GUID_BYTES} bytes, got ${r.guid.length}`);
      return r.guid;
    },
    decodeResponse(d) {
      responseLength(d, GUID_BYTES, name);
      return { guid: d.subarray(0, GUID_BYTES) };
    },
  };
}

export const GetDeviceGuid = guidCommand('Get Device GUID', DeviceCommand.GET_DEVICE_GUID, Privilege.USER);

/** Appendix G lists it as needing no session; inside one, any level may ask. */
export const GetSystemGuid = guidCommand('Get System GUID', DeviceCommand.GET_SYSTEM_GUID, Privilege.CALLBACK);
