// Payload commands (netFn App 06h) — IPMI 2.0 §24.1 Activate Payload (Table 24-2), §24.2 Deactivate Payload,
// §24.4 Get Payload Activation Status, §24.5 Get Payload Instance Info, §24.8 Get Channel Payload Support,
// §24.9 Get Channel Payload Version. Multi-byte fields are LS byte first.
import { DecodeError, requireBytes } from '../errors.js';

const PROTO = 'ipmi';

export const PayloadCommand = {
  ACTIVATE: 0x48,
  DEACTIVATE: 0x49,
  GET_ACTIVATION_STATUS: 0x4a,
  GET_INSTANCE_INFO: 0x4b,
  GET_CHANNEL_PAYLOAD_SUPPORT: 0x4e,
  GET_CHANNEL_PAYLOAD_VERSION: 0x4f,
} as const;

/** Activate Payload completion codes (§24.1). */
export const ActivatePayloadCC = {
  ALREADY_ACTIVE: 0x80,
  TYPE_DISABLED: 0x81,
  ACTIVATION_LIMIT: 0x82,
  CANNOT_ACTIVATE_WITH_ENCRYPTION: 0x83,
  CANNOT_ACTIVATE_WITHOUT_ENCRYPTION: 0x84,
} as const;

/** Deactivate Payload completion codes (§24.2). */
export const DeactivatePayloadCC = { ALREADY_DEACTIVATED: 0x80, TYPE_DISABLED: 0x81 } as const;

/** Get Channel Payload Version completion code (§24.9). */
export const PayloadVersionCC = { TYPE_NOT_AVAILABLE: 0x80 } as const;

/** Activate Payload response, "VLAN not used" (§24.1 bytes 12:13). */
export const NO_VLAN = 0xffff;

/** Activate Payload auxiliary request data byte 1 for SOL (Table 24-2). */
export const SolActivationFlag = {
  ENCRYPTION: 0x80,
  AUTHENTICATION: 0x40,
  TEST_MODE: 0x20,
  /** [3:2] shared serial alert behavior: 00b fail, 01b deferred, 10b succeed. */
  ALERT_MASK: 0x0c,
  /** [1] 1b = CTS and DCD/DSR stay deasserted until the console's first packet says otherwise. */
  STARTUP_HANDSHAKE: 0x02,
} as const;

function expectExactly(data: Uint8Array, n: number, field: string): void {
  requireBytes(data, 0, n, PROTO, field);
  if (data.length !== n) throw new DecodeError(PROTO, field, n, `expects ${n} data bytes, got ${data.length}`, 'ERR_LENGTH');
}

/** Activate Payload and Deactivate Payload requests share one layout (§24.1, §24.2). */
export interface PayloadInstanceRequest {
  /** Byte 1 [5:0]: payload type (01h = SOL). */
  payloadType: number;
  /** Byte 2 [3:0]: payload instance, 1-based. */
  instance: number;
  /** Bytes 3:6: auxiliary data (for SOL activation, byte 3 holds SolActivationFlag bits). */
  auxiliary: Uint8Array;
}

export function decodePayloadInstanceRequest(data: Uint8Array): PayloadInstanceRequest {
  expectExactly(data, 6, 'payload instance request');
  return { payloadType: data[0] & 0x3f, instance: data[1] & 0x0f, auxiliary: data.subarray(2, 6) };
}

export function encodePayloadInstanceRequest(r: PayloadInstanceRequest): Buffer {
  const out = Buffer.alloc(6);
  out[0] = r.payloadType & 0x3f;
  out[1] = r.instance & 0x0f;
  out.set(r.auxiliary.subarray(0, 4), 2);
  return out;
}

export function encodingLengthPayloadInstanceRequest(): number {
  return 6;
}

export interface ActivatePayloadResponse {
  /** Bytes 1:4: auxiliary response data (SOL: [0] test mode; the rest reserved). */
  auxiliary: Uint8Array;
  /** Bytes 5:6: largest payload the BMC accepts from the console. */
  inboundPayloadSize: number;
  /** Bytes 7:8: largest payload the BMC sends to the console. */
  outboundPayloadSize: number;
  /** Bytes 9:10: UDP port the payload runs on (ipmitool insists it equals the session's port). */
  port: number;
  /** Bytes 11:12: payload VLAN number, FFFFh when VLAN addressing is not used. */
  vlan: number;
}

export const ACTIVATE_PAYLOAD_RESPONSE_LENGTH = 12;

export function decodeActivatePayloadResponse(data: Uint8Array): ActivatePayloadResponse {
  expectExactly(data, ACTIVATE_PAYLOAD_RESPONSE_LENGTH, 'activate payload response');
  return {
    auxiliary: data.subarray(0, 4),
    inboundPayloadSize: data[4] | (data[5] << 8),
    outboundPayloadSize: data[6] | (data[7] << 8),
    port: data[8] | (data[9] << 8),
    vlan: data[10] | (data[11] << 8),
  };
}

export function encodeActivatePayloadResponse(r: ActivatePayloadResponse): Buffer {
  const out = Buffer.alloc(ACTIVATE_PAYLOAD_RESPONSE_LENGTH);
  out.set(r.auxiliary.subarray(0, 4), 0);
  out.writeUInt16LE(r.inboundPayloadSize, 4);
  out.writeUInt16LE(r.outboundPayloadSize, 6);
  out.writeUInt16LE(r.port, 8);
  out.writeUInt16LE(r.vlan, 10);
  return out;
}

export interface PayloadActivationStatus {
  /** Byte 1 [3:0]: how many instances of the type can be active at once. */
  capacity: number;
  /** Bytes 2:3: active instances, 1-based (instance 1 = byte 2 bit 0 ... instance 16 = byte 3 bit 7). */
  active: number[];
}

export function decodeGetPayloadActivationStatusRequest(data: Uint8Array): { payloadType: number } {
  expectExactly(data, 1, 'get payload activation status request');
  return { payloadType: data[0] & 0x3f };
}

export function encodeGetPayloadActivationStatusRequest(r: { payloadType: number }): Buffer {
  return Buffer.from([r.payloadType & 0x3f]);
}

export function decodePayloadActivationStatus(data: Uint8Array): PayloadActivationStatus {
  expectExactly(data, 3, 'payload activation status');
  const bits = data[1] | (data[2] << 8);
  const active: number[] = [];
  for (let i = 0; i < 16; i++) if (bits & (1 << i)) active.push(i + 1);
  return { capacity: data[0] & 0x0f, active };
}

export function encodePayloadActivationStatus(s: PayloadActivationStatus): Buffer {
  let bits = 0;
  for (const instance of s.active) {
    if (instance < 1 || instance > 16) throw new RangeError(`payload instance ${instance} is outside 1..16`);
    bits |= 1 << (instance - 1);
  }
  return Buffer.from([s.capacity & 0x0f, bits & 0xff, bits >> 8]);
}

export function decodeGetPayloadInstanceInfoRequest(data: Uint8Array): { payloadType: number; instance: number } {
  expectExactly(data, 2, 'get payload instance info request');
  return { payloadType: data[0] & 0x3f, instance: data[1] };
}

export function encodeGetPayloadInstanceInfoRequest(r: { payloadType: number; instance: number }): Buffer {
  return Buffer.from([r.payloadType & 0x3f, r.instance]);
}

export interface PayloadInstanceInfo {
  /** Bytes 1:4: BMC session ID the instance is active under; 0 = not active. */
  sessionId: number;
  /** Bytes 5:12: payload specific; for SOL byte 5 is the serial port number, the rest reserved. */
  portNumber: number;
}

export const PAYLOAD_INSTANCE_INFO_LENGTH = 12;

export function decodePayloadInstanceInfo(data: Uint8Array): PayloadInstanceInfo {
  expectExactly(data, PAYLOAD_INSTANCE_INFO_LENGTH, 'payload instance info');
  return { sessionId: (data[0] | (data[1] << 8) | (data[2] << 16) | (data[3] << 24)) >>> 0, portNumber: data[4] };
}

export function encodePayloadInstanceInfo(i: PayloadInstanceInfo): Buffer {
  const out = Buffer.alloc(PAYLOAD_INSTANCE_INFO_LENGTH);
  out.writeUInt32LE(i.sessionId >>> 0, 0);
  out[4] = i.portNumber;
  return out;
}

/** Get Channel Payload Support / Version request byte 1 [3:0]. */
export function decodeChannelPayloadRequest(data: Uint8Array, withType: boolean): { channel: number; payloadType: number } {
  expectExactly(data, withType ? 2 : 1, withType ? 'get channel payload version request' : 'get channel payload support request');
  return { channel: data[0] & 0x0f, payloadType: withType ? data[1] & 0x3f : 0 };
}

export function encodeChannelPayloadRequest(r: { channel: number; payloadType: number }, withType: boolean): Buffer {
  return Buffer.from(withType ? [r.channel & 0x0f, r.payloadType & 0x3f] : [r.channel & 0x0f]);
}

/** Get Channel Payload Support response: 8 bytes of bit masks (§24.8). */
export interface ChannelPayloadSupport {
  /** Bytes 1:2: standard payload types 00h-0Fh. */
  standard: number[];
  /** Bytes 3:4: session setup payload types 10h-1Fh. */
  sessionSetup: number[];
  /** Bytes 5:6: OEM payload types 20h-2Fh. Bytes 7:8 reserved. */
  oem: number[];
}

export const CHANNEL_PAYLOAD_SUPPORT_LENGTH = 8;

function mask16(types: number[], base: number): number {
  let m = 0;
  for (const t of types) {
    if (t < base || t > base + 15) throw new RangeError(`payload type ${t} is outside ${base}..${base + 15}`);
    m |= 1 << (t - base);
  }
  return m;
}

function unmask16(m: number, base: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 16; i++) if (m & (1 << i)) out.push(base + i);
  return out;
}

export function encodeChannelPayloadSupport(s: ChannelPayloadSupport): Buffer {
  const out = Buffer.alloc(CHANNEL_PAYLOAD_SUPPORT_LENGTH);
  out.writeUInt16LE(mask16(s.standard, 0x00), 0);
  out.writeUInt16LE(mask16(s.sessionSetup, 0x10), 2);
  out.writeUInt16LE(mask16(s.oem, 0x20), 4);
  return out;
}

export function decodeChannelPayloadSupport(data: Uint8Array): ChannelPayloadSupport {
  expectExactly(data, CHANNEL_PAYLOAD_SUPPORT_LENGTH, 'channel payload support');
  return {
    standard: unmask16(data[0] | (data[1] << 8), 0x00),
    sessionSetup: unmask16(data[2] | (data[3] << 8), 0x10),
    oem: unmask16(data[4] | (data[5] << 8), 0x20),
  };
}

/** Get Channel Payload Version response byte: format version major [7:4], minor [3:0] (§24.9). */
export function encodePayloadVersion(major: number, minor: number): Buffer {
  return Buffer.from([((major & 0x0f) << 4) | (minor & 0x0f)]);
}

export function decodePayloadVersion(data: Uint8Array): { major: number; minor: number } {
  expectExactly(data, 1, 'payload version');
  return { major: data[0] >> 4, minor: data[0] & 0x0f };
}
