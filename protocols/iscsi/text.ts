// Text mode — RFC 7143 §6.1: the data segment of Login and Text PDUs is key=value pairs, each ended by a
// null byte, UTF-8. Keys are at most 63 bytes of letters, digits and . - + @ _ (§6.1 "key-name"); this
// reads any value length the data segment holds, the negotiation checks each key's own limit.
import { DecodeError } from '../errors.js';
import { IscsiError, PROTO } from './bhs.js';

export type TextPairs = Array<[key: string, value: string]>;

const KEY = /^[A-Za-z0-9.\-+@_]{1,63}$/;

/** key=value\0 for each pair, in order. */
export function encodeText(pairs: TextPairs): Buffer {
  return Buffer.from(pairs.map(([k, v]) => `${k}=${v}\0`).join(''), 'utf8');
}

/**
 * The pairs in order. Empty strings between nulls are skipped (some initiators pad with extra nulls); a last
 * pair without its null, a pair without "=", or a key outside the key-name characters is malformed.
 */
export function decodeText(data: Uint8Array): TextPairs {
  const out: TextPairs = [];
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let start = 0;
  while (start < buf.length) {
    const end = buf.indexOf(0, start);
    if (end < 0) throw new DecodeError(PROTO, 'text', start, 'the last key=value pair has no null terminator', IscsiError.text);
    if (end > start) {
      const pair = buf.toString('utf8', start, end);
      const eq = pair.indexOf('=');
      if (eq < 0) throw new DecodeError(PROTO, 'text', start, `"${pair.slice(0, 64)}" is not key=value`, IscsiError.text);
      const key = pair.slice(0, eq);
      if (!KEY.test(key)) throw new DecodeError(PROTO, 'text key', start, `"${key.slice(0, 64)}" is not a key name`, IscsiError.text);
      out.push([key, pair.slice(eq + 1)]);
    }
    start = end + 1;
  }
  return out;
}

/** The value of `key`, if present (the first one). */
export function textValue(pairs: TextPairs, key: string): string | undefined {
  return pairs.find(([k]) => k === key)?.[1];
}
