// A Redfish request's body (DSP0266 §8.2.1: JSON, UTF-8) and its Authorization header's HTTP Basic credentials
// (RFC 7617 §2). Malformed input raises DecodeError.
import { DecodeError } from '../errors.js';

/** The body as JSON; an empty body is null. */
export function decodeJsonBody(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return null;
  const text = Buffer.from(bytes).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    const at = /position (\d+)/.exec((err as Error).message); // where V8's message says (not every message does)
    throw new DecodeError('redfish', 'body', at ? Number(at[1]) : 0, (err as Error).message, 'ERR_MALFORMED_JSON');
  }
}

export interface BasicCredentials { userName: string; password: string }

/** `Basic base64(user:password)`, or null when the header is absent or names another scheme. */
export function decodeBasicAuthorization(header: string | undefined): BasicCredentials | null {
  const m = /^basic +(\S*) *$/i.exec(header ?? '');
  if (m === null) return null;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(m[1]) || m[1].length % 4 !== 0) {
    throw new DecodeError('redfish', 'Authorization', 6, 'the credentials are not base64', 'ERR_BASIC_BASE64');
  }
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) throw new DecodeError('redfish', 'Authorization', 6, 'the credentials have no colon between user and password', 'ERR_BASIC_COLON');
  return { userName: text.slice(0, colon), password: text.slice(colon + 1) };
}
