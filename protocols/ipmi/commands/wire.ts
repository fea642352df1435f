// What the command codecs share — IPMI 2.0 §5.2 (request and response data), §13.8 (multi-byte fields go LS byte
// first). Requests are held to their exact length (the BMC answers C7h otherwise); responses to at least theirs,
// so that a client reads a BMC that appends bytes of a later spec revision.
import { DecodeError, requireBytes } from '../../errors.js';

export const PROTOCOL = 'ipmi';

/** The data of a request or response that has none (zero length: nothing can be written into it). */
export const NO_DATA: Uint8Array = new Uint8Array(0);

/** Throws DecodeError ERR_LENGTH unless `data` is exactly `length` bytes. */
export function expectExactly(data: Uint8Array, length: number, what: string): void {
  if (data.length !== length) {
    throw new DecodeError(PROTOCOL, what, data.length, `expects ${length} data byte(s), got ${data.length}`, 'ERR_LENGTH');
  }
}

/** Throws DecodeError ERR_TRUNCATED unless `data` holds at least `length` bytes. */
export function expectAtLeast(data: Uint8Array, length: number, what: string): void {
  requireBytes(data, 0, length, PROTOCOL, what);
}

export function u16At(data: Uint8Array, at: number): number {
  return data[at] | (data[at + 1] << 8);
}

export function u32At(data: Uint8Array, at: number): number {
  return (data[at] | (data[at + 1] << 8) | (data[at + 2] << 16) | (data[at + 3] << 24)) >>> 0;
}

/** A 16-bit value as two bytes, LS byte first; a RangeError when it does not fit. */
export function u16Bytes(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16LE(value, 0);
  return out;
}

/** A 32-bit value as four bytes, LS byte first; a RangeError when it does not fit. */
export function u32Bytes(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value, 0);
  return out;
}
