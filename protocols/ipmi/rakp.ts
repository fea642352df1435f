// RMCP+ session establishment payloads — IPMI 2.0 §13.17 (Open Session Request), §13.18 (Response),
// §13.20-13.23 (RAKP Messages 1-4). Multi-byte fields are little-endian.
import { DecodeError, requireBytes } from '../errors.js';

/** RMCP+ status codes — IPMI 2.0 §13.24 Table 13-15. */
export const RakpStatus = {
  NO_ERRORS: 0x00,
  INSUFFICIENT_RESOURCES: 0x01,
  INVALID_SESSION_ID: 0x02,
  INVALID_PAYLOAD_TYPE: 0x03,
  INVALID_AUTH_ALGORITHM: 0x04,
  INVALID_INTEGRITY_ALGORITHM: 0x05,
  NO_MATCHING_AUTH_PAYLOAD: 0x06,
  NO_MATCHING_INTEGRITY_PAYLOAD: 0x07,
  INACTIVE_SESSION_ID: 0x08,
  INVALID_ROLE: 0x09,
  UNAUTHORIZED_ROLE: 0x0a,
  INSUFFICIENT_RESOURCES_FOR_ROLE: 0x0b,
  INVALID_NAME_LENGTH: 0x0c,
  UNAUTHORIZED_NAME: 0x0d,
  UNAUTHORIZED_GUID: 0x0e,
  INVALID_INTEGRITY_CHECK_VALUE: 0x0f,
  INVALID_CONFIDENTIALITY_ALGORITHM: 0x10,
  NO_CIPHER_SUITE_MATCH: 0x11,
  ILLEGAL_PARAMETER: 0x12,
} as const;

const STATUS_NAMES = [
  'no errors', 'insufficient resources to create a session', 'invalid session ID', 'invalid payload type',
  'invalid authentication algorithm', 'invalid integrity algorithm', 'no matching authentication payload',
  'no matching integrity payload', 'inactive session ID', 'invalid role', 'unauthorized role or privilege level requested',
  'insufficient resources to create a session at the requested role', 'invalid name length', 'unauthorized name',
  'unauthorized GUID', 'invalid integrity check value', 'invalid confidentiality algorithm',
  'no cipher suite match with proposed security algorithms', 'illegal or unrecognized parameter',
];

export function rakpStatusName(status: number): string {
  return STATUS_NAMES[status] ?? `unknown RMCP+ status 0x${status.toString(16)}`;
}

const P = 'rmcp+';

export interface OpenSessionRequest {
  messageTag: number;
  /** 0 = highest level matching the proposed algorithms; else 1..5 (§13.17). */
  requestedPrivilege: number;
  consoleSessionId: number;
  auth: number;
  integrity: number;
  confidentiality: number;
}

export interface OpenSessionResponse {
  messageTag: number;
  status: number;
  maxPrivilege: number;
  consoleSessionId: number;
  bmcSessionId: number;
  auth: number;
  integrity: number;
  confidentiality: number;
}

// Algorithm payload record (§13.17): type, reserved(2), length 08h, algorithm, reserved(3).
function writeAlgorithm(out: Buffer, o: number, type: number, alg: number): void {
  out.fill(0, o, o + 8);
  out[o] = type;
  out[o + 3] = 0x08;
  out[o + 4] = alg & 0x3f;
}

function readAlgorithm(buf: Uint8Array, o: number, type: number): number {
  if (buf[o] !== type) throw new DecodeError(P, 'algorithmPayloadType', o, `expected ${type}, got ${buf[o]}`, 'ERR_FIELD');
  // A length of 0 means "any algorithm" in the spec; only the explicit 8-byte form is accepted here.
  if (buf[o + 3] !== 0x08) throw new DecodeError(P, 'algorithmPayloadLength', o + 3, `expected 8, got ${buf[o + 3]}`, 'ERR_FIELD');
  return buf[o + 4] & 0x3f;
}

export function decodeOpenSessionRequest(buf: Uint8Array): OpenSessionRequest {
  requireBytes(buf, 0, 32, P, 'open session request');
  return {
    messageTag: buf[0],
    requestedPrivilege: buf[1] & 0x0f,
    consoleSessionId: readU32(buf, 4),
    auth: readAlgorithm(buf, 8, 0x00),
    integrity: readAlgorithm(buf, 16, 0x01),
    confidentiality: readAlgorithm(buf, 24, 0x02),
  };
}

export function encodeOpenSessionRequest(r: OpenSessionRequest): Buffer {
  const out = Buffer.alloc(32);
  out[0] = r.messageTag;
  out[1] = r.requestedPrivilege;
  out.writeUInt32LE(r.consoleSessionId >>> 0, 4);
  writeAlgorithm(out, 8, 0x00, r.auth);
  writeAlgorithm(out, 16, 0x01, r.integrity);
  writeAlgorithm(out, 24, 0x02, r.confidentiality);
  return out;
}

export function decodeOpenSessionResponse(buf: Uint8Array): OpenSessionResponse {
  requireBytes(buf, 0, 2, P, 'open session response');
  const base = { messageTag: buf[0], status: buf[1], maxPrivilege: 0, consoleSessionId: 0, bmcSessionId: 0, auth: 0, integrity: 0, confidentiality: 0 };
  if (buf[1] !== RakpStatus.NO_ERRORS) {
    if (buf.length >= 8) base.consoleSessionId = readU32(buf, 4);
    return base;
  }
  requireBytes(buf, 0, 36, P, 'open session response');
  return {
    ...base,
    maxPrivilege: buf[2] & 0x0f,
    consoleSessionId: readU32(buf, 4),
    bmcSessionId: readU32(buf, 8),
    auth: readAlgorithm(buf, 12, 0x00),
    integrity: readAlgorithm(buf, 20, 0x01),
    confidentiality: readAlgorithm(buf, 28, 0x02),
  };
}

/** On error the response stops after the console session ID (§13.18: bytes 9.. are only on success). */
export function encodeOpenSessionResponse(r: OpenSessionResponse): Buffer {
  if (r.status !== RakpStatus.NO_ERRORS) {
    const out = Buffer.alloc(8);
    out[0] = r.messageTag;
    out[1] = r.status;
    out.writeUInt32LE(r.consoleSessionId >>> 0, 4);
    return out;
  }
  const out = Buffer.alloc(36);
  out[0] = r.messageTag;
  out[1] = r.status;
  out[2] = r.maxPrivilege;
  out.writeUInt32LE(r.consoleSessionId >>> 0, 4);
  out.writeUInt32LE(r.bmcSessionId >>> 0, 8);
  writeAlgorithm(out, 12, 0x00, r.auth);
  writeAlgorithm(out, 20, 0x01, r.integrity);
  writeAlgorithm(out, 28, 0x02, r.confidentiality);
  return out;
}

export interface Rakp1 {
  messageTag: number;
  bmcSessionId: number;
  consoleRandom: Uint8Array;
  /** Whole role byte: bits 3:0 privilege, bit 4 name-only lookup. */
  role: number;
  username: Uint8Array;
}

export function decodeRakp1(buf: Uint8Array): Rakp1 {
  requireBytes(buf, 0, 28, P, 'rakp1');
  const len = buf[27];
  if (len > 16) throw new DecodeError(P, 'usernameLength', 27, `${len} > 16`, 'ERR_FIELD');
  requireBytes(buf, 28, len, P, 'username');
  return { messageTag: buf[0], bmcSessionId: readU32(buf, 4), consoleRandom: buf.subarray(8, 24), role: buf[24], username: buf.subarray(28, 28 + len) };
}

export function encodeRakp1(r: Rakp1): Buffer {
  const out = Buffer.alloc(28 + r.username.length);
  out[0] = r.messageTag;
  out.writeUInt32LE(r.bmcSessionId >>> 0, 4);
  out.set(r.consoleRandom.subarray(0, 16), 8);
  out[24] = r.role;
  out[27] = r.username.length;
  out.set(r.username, 28);
  return out;
}

export interface Rakp2 {
  messageTag: number;
  status: number;
  consoleSessionId: number;
  bmcRandom: Uint8Array;
  bmcGuid: Uint8Array;
  authCode: Uint8Array;
}

export function decodeRakp2(buf: Uint8Array): Rakp2 {
  requireBytes(buf, 0, 8, P, 'rakp2');
  const empty = buf.subarray(0, 0);
  if (buf[1] !== RakpStatus.NO_ERRORS) {
    return { messageTag: buf[0], status: buf[1], consoleSessionId: readU32(buf, 4), bmcRandom: empty, bmcGuid: empty, authCode: empty };
  }
  requireBytes(buf, 0, 40, P, 'rakp2');
  return { messageTag: buf[0], status: buf[1], consoleSessionId: readU32(buf, 4), bmcRandom: buf.subarray(8, 24), bmcGuid: buf.subarray(24, 40), authCode: buf.subarray(40) };
}

export function encodeRakp2(r: Rakp2): Buffer {
  const ok = r.status === RakpStatus.NO_ERRORS;
  const out = Buffer.alloc(ok ? 40 + r.authCode.length : 8);
  out[0] = r.messageTag;
  out[1] = r.status;
  out.writeUInt32LE(r.consoleSessionId >>> 0, 4);
  if (ok) {
    out.set(r.bmcRandom, 8);
    out.set(r.bmcGuid, 24);
    out.set(r.authCode, 40);
  }
  return out;
}

export interface Rakp3 {
  messageTag: number;
  status: number;
  bmcSessionId: number;
  authCode: Uint8Array;
}

export function decodeRakp3(buf: Uint8Array): Rakp3 {
  requireBytes(buf, 0, 8, P, 'rakp3');
  return { messageTag: buf[0], status: buf[1], bmcSessionId: readU32(buf, 4), authCode: buf.subarray(8) };
}

export function encodeRakp3(r: Rakp3): Buffer {
  const out = Buffer.alloc(8 + r.authCode.length);
  out[0] = r.messageTag;
  out[1] = r.status;
  out.writeUInt32LE(r.bmcSessionId >>> 0, 4);
  out.set(r.authCode, 8);
  return out;
}

export interface Rakp4 {
  messageTag: number;
  status: number;
  consoleSessionId: number;
  icv: Uint8Array;
}

export function decodeRakp4(buf: Uint8Array): Rakp4 {
  requireBytes(buf, 0, 8, P, 'rakp4');
  return { messageTag: buf[0], status: buf[1], consoleSessionId: readU32(buf, 4), icv: buf.subarray(8) };
}

export function encodeRakp4(r: Rakp4): Buffer {
  const out = Buffer.alloc(8 + r.icv.length);
  out[0] = r.messageTag;
  out[1] = r.status;
  out.writeUInt32LE(r.consoleSessionId >>> 0, 4);
  out.set(r.icv, 8);
  return out;
}

function readU32(buf: Uint8Array, o: number): number {
  return (buf[o] | (buf[o + 1] << 8) | (buf[o + 2] << 16) | (buf[o + 3] << 24)) >>> 0;
}
