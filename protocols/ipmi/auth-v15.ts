// IPMI v1.5 per-message AuthCode — IPMI 2.0 §22.17.1 (straight password) and §22.17.2 (MD5: password,
// session ID, message, session sequence, password). MD2 is not offered: Node's OpenSSL 3 has no MD2.
import { createHash } from 'node:crypto';
import { AuthType } from './session-v15.js';

/** The password as the 16-byte zero-padded field v1.5 uses. */
export function password16(password: Uint8Array): Buffer {
  const b = Buffer.alloc(16);
  b.set(password.subarray(0, 16));
  return b;
}

export function authCodeV15(authType: number, password: Uint8Array, sessionId: number, sequence: number, message: Uint8Array): Buffer {
  const pw = password16(password);
  switch (authType) {
    case AuthType.STRAIGHT_PASSWORD: return pw;
    case AuthType.MD5: {
      const ids = Buffer.allocUnsafe(8);
      ids.writeUInt32LE(sessionId >>> 0, 0);
      ids.writeUInt32LE(sequence >>> 0, 4);
      return createHash('md5').update(pw).update(ids.subarray(0, 4)).update(message).update(ids.subarray(4)).update(pw).digest();
    }
    default: throw new RangeError(`unsupported v1.5 auth type ${authType}`);
  }
}

/** Auth types this implementation can compute, as the bit mask of Get Channel Authentication Capabilities byte 2. */
export const SUPPORTED_V15_AUTH_TYPES = [AuthType.NONE, AuthType.MD5, AuthType.STRAIGHT_PASSWORD] as const;
