// IPMI v1.5 session wrapper — IPMI 2.0 §13.6 Table 13-4: auth type, sequence, session ID, auth code, length.
import { DecodeError, requireBytes } from '../errors.js';
import { RMCP_HEADER_LENGTH, RmcpClass, encodeRmcpHeader } from '../rmcp/header.js';

/** Authentication type / format byte — IPMI 2.0 §13.6 and §22.13. */
export const AuthType = {
  NONE: 0x00,
  MD2: 0x01,
  MD5: 0x02,
  STRAIGHT_PASSWORD: 0x04,
  OEM: 0x05,
  RMCP_PLUS: 0x06,
} as const;

export const AUTH_CODE_LENGTH_V15 = 16;

export interface SessionV15 {
  authType: number;
  sequence: number;
  sessionId: number;
  /** 16 bytes, present unless authType is NONE. */
  authCode: Uint8Array | null;
  message: Uint8Array;
}

/** Decodes the wrapper that follows the RMCP header at `offset`. A trailing legacy pad byte is ignored. */
export function decodeSessionV15(buf: Uint8Array, offset = RMCP_HEADER_LENGTH): SessionV15 {
  requireBytes(buf, offset, 9, 'ipmi-1.5', 'session header');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const authType = buf[offset] & 0x0f;
  if (authType === AuthType.RMCP_PLUS || authType === 3 || authType > AuthType.OEM) {
    throw new DecodeError('ipmi-1.5', 'authType', offset, `not a v1.5 auth type: ${authType}`, 'ERR_AUTH_TYPE');
  }
  const sequence = dv.getUint32(offset + 1, true);
  const sessionId = dv.getUint32(offset + 5, true);
  let o = offset + 9;
  let authCode: Uint8Array | null = null;
  if (authType !== AuthType.NONE) {
    requireBytes(buf, o, AUTH_CODE_LENGTH_V15, 'ipmi-1.5', 'authCode');
    authCode = buf.subarray(o, o + AUTH_CODE_LENGTH_V15);
    o += AUTH_CODE_LENGTH_V15;
  }
  requireBytes(buf, o, 1, 'ipmi-1.5', 'messageLength');
  const len = buf[o++];
  requireBytes(buf, o, len, 'ipmi-1.5', 'message');
  return { authType, sequence, sessionId, authCode, message: buf.subarray(o, o + len) };
}

export function encodingLengthSessionV15(s: Pick<SessionV15, 'authType' | 'message'>): number {
  return RMCP_HEADER_LENGTH + 10 + (s.authType === AuthType.NONE ? 0 : AUTH_CODE_LENGTH_V15) + s.message.length;
}

/** Encodes RMCP header + v1.5 wrapper. `authCode` must be given (16 bytes) unless authType is NONE. */
export function encodeSessionV15(s: SessionV15): Buffer {
  if (s.message.length > 0xff) throw new RangeError('IPMI 1.5 message longer than 255 bytes');
  const out = Buffer.alloc(encodingLengthSessionV15(s));
  let o = encodeRmcpHeader({ messageClass: RmcpClass.IPMI }, out);
  out[o] = s.authType;
  out.writeUInt32LE(s.sequence >>> 0, o + 1);
  out.writeUInt32LE(s.sessionId >>> 0, o + 5);
  o += 9;
  if (s.authType !== AuthType.NONE) {
    if (!s.authCode || s.authCode.length !== AUTH_CODE_LENGTH_V15) throw new RangeError('auth code must be 16 bytes');
    out.set(s.authCode, o);
    o += AUTH_CODE_LENGTH_V15;
  }
  out[o++] = s.message.length;
  out.set(s.message, o);
  return out;
}
