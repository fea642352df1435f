// IPMI v2.0 / RMCP+ session wrapper — IPMI 2.0 §13.6 Table 13-8 and §13.28 (integrity trailer).
import { DecodeError, requireBytes } from '../errors.js';
import { RMCP_HEADER_LENGTH, RmcpClass, encodeRmcpHeader } from '../rmcp/header.js';
import { AuthType } from './session-v15.js';

/** Payload types — IPMI 2.0 §13.27.3 Table 13-16. */
export const PayloadType = {
  IPMI: 0x00,
  SOL: 0x01,
  OEM_EXPLICIT: 0x02,
  OPEN_SESSION_REQUEST: 0x10,
  OPEN_SESSION_RESPONSE: 0x11,
  RAKP1: 0x12,
  RAKP2: 0x13,
  RAKP3: 0x14,
  RAKP4: 0x15,
} as const;

/** "Next Header" byte of the integrity trailer: always 07h (§13.6). */
export const NEXT_HEADER = 0x07;

export interface SessionV20 {
  payloadType: number;
  encrypted: boolean;
  authenticated: boolean;
  /** Present only for payload type OEM_EXPLICIT. */
  oemIana?: number;
  oemPayloadId?: number;
  sessionId: number;
  sequence: number;
  /** The payload as on the wire (still encrypted when `encrypted`). */
  payload: Uint8Array;
}

export interface DecodedSessionV20 extends SessionV20 {
  /** Bytes covered by the integrity AuthCode: from auth type through next header (§13.28.4). */
  integrityData: Uint8Array;
  /** The AuthCode (integrity check value); empty when not authenticated. */
  authCode: Uint8Array;
}

const PROTO = 'rmcp+';

/** Integrity pad length so that auth type .. next header is a multiple of 4 bytes (§13.6, note on Integrity PAD). */
export function integrityPadLength(sessionBytesBeforeTrailer: number): number {
  return (4 - ((sessionBytesBeforeTrailer + 2) % 4)) % 4;
}

export function decodeSessionV20(buf: Uint8Array, offset = RMCP_HEADER_LENGTH): DecodedSessionV20 {
  requireBytes(buf, offset, 12, PROTO, 'session header');
  if ((buf[offset] & 0x0f) !== AuthType.RMCP_PLUS) throw new DecodeError(PROTO, 'authType', offset, 'not RMCP+', 'ERR_AUTH_TYPE');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const pt = buf[offset + 1];
  const payloadType = pt & 0x3f;
  let o = offset + 2;
  let oemIana: number | undefined;
  let oemPayloadId: number | undefined;
  if (payloadType === PayloadType.OEM_EXPLICIT) {
    requireBytes(buf, o, 6, PROTO, 'oem payload');
    oemIana = dv.getUint32(o, true);
    oemPayloadId = dv.getUint16(o + 4, true);
    o += 6;
  }
  requireBytes(buf, o, 10, PROTO, 'session id/seq/length');
  const sessionId = dv.getUint32(o, true);
  const sequence = dv.getUint32(o + 4, true);
  const len = dv.getUint16(o + 8, true);
  o += 10;
  requireBytes(buf, o, len, PROTO, 'payload');
  const payload = buf.subarray(o, o + len);
  o += len;
  const authenticated = (pt & 0x40) !== 0;
  let integrityData: Uint8Array = buf.subarray(offset, o);
  let authCode: Uint8Array = buf.subarray(o, o);
  if (authenticated) {
    const pad = integrityPadLength(o - offset);
    requireBytes(buf, o, pad + 2, PROTO, 'integrity trailer');
    for (let i = 0; i < pad; i++) {
      if (buf[o + i] !== 0xff) throw new DecodeError(PROTO, 'integrityPad', o + i, 'pad byte is not FFh', 'ERR_PAD');
    }
    if (buf[o + pad] !== pad) throw new DecodeError(PROTO, 'padLength', o + pad, `expected ${pad}, got ${buf[o + pad]}`, 'ERR_PAD');
    if (buf[o + pad + 1] !== NEXT_HEADER) throw new DecodeError(PROTO, 'nextHeader', o + pad + 1, 'expected 07h', 'ERR_NEXT_HEADER');
    const end = o + pad + 2;
    integrityData = buf.subarray(offset, end);
    authCode = buf.subarray(end);
  }
  return { payloadType, encrypted: (pt & 0x80) !== 0, authenticated, oemIana, oemPayloadId, sessionId, sequence, payload, integrityData, authCode };
}

function headerLength(s: Pick<SessionV20, 'payloadType'>): number {
  return 12 + (s.payloadType === PayloadType.OEM_EXPLICIT ? 6 : 0);
}

export function encodingLengthSessionV20(s: Pick<SessionV20, 'payloadType' | 'payload' | 'authenticated'>, authCodeLength: number): number {
  const body = headerLength(s) + s.payload.length;
  return RMCP_HEADER_LENGTH + body + (s.authenticated ? integrityPadLength(body) + 2 + authCodeLength : 0);
}

/**
 * Encodes RMCP header + RMCP+ wrapper. When `authenticated`, `sign` receives the bytes from auth type
 * through next header and returns the AuthCode of `authCodeLength` bytes.
 */
export function encodeSessionV20(s: SessionV20, authCodeLength = 0, sign?: (integrityData: Uint8Array) => Uint8Array): Buffer {
  if (s.payload.length > 0xffff) throw new RangeError('RMCP+ payload longer than 65535 bytes');
  const out = Buffer.alloc(encodingLengthSessionV20(s, authCodeLength));
  const start = encodeRmcpHeader({ messageClass: RmcpClass.IPMI }, out);
  let o = start;
  out[o++] = AuthType.RMCP_PLUS;
  out[o++] = (s.payloadType & 0x3f) | (s.authenticated ? 0x40 : 0) | (s.encrypted ? 0x80 : 0);
  if (s.payloadType === PayloadType.OEM_EXPLICIT) {
    out.writeUInt32LE((s.oemIana ?? 0) >>> 0, o);
    out.writeUInt16LE(s.oemPayloadId ?? 0, o + 4);
    o += 6;
  }
  out.writeUInt32LE(s.sessionId >>> 0, o);
  out.writeUInt32LE(s.sequence >>> 0, o + 4);
  out.writeUInt16LE(s.payload.length, o + 8);
  o += 10;
  out.set(s.payload, o);
  o += s.payload.length;
  if (s.authenticated) {
    const pad = integrityPadLength(o - start);
    out.fill(0xff, o, o + pad);
    o += pad;
    out[o++] = pad;
    out[o++] = NEXT_HEADER;
    if (!sign) throw new RangeError('authenticated packet needs a signer');
    const code = sign(out.subarray(start, o));
    if (code.length !== authCodeLength) throw new RangeError(`AuthCode must be ${authCodeLength} bytes`);
    out.set(code, o);
  }
  return out;
}
