// Field encodings of ECMA-119 (ISO 9660), 4th edition: numbers in both byte orders (§7.2.3, §7.3.3), the two date
// forms (§8.4.26.1 in volume descriptors, §9.1.5 in directory records) and the character sets (§7.4).
import { DecodeError, requireBytes } from '../errors.js';

export const ISO9660 = 'iso9660';
/** Every logical sector of a CD-ROM image is 2048 bytes (§6.1.2); this image's logical blocks are the same size. */
export const SECTOR_BYTES = 2048;

/** §7.3.3: a 32-bit number little-endian then big-endian (8 bytes). */
export function putBoth32(buf: Buffer, at: number, value: number): void {
  buf.writeUInt32LE(value, at);
  buf.writeUInt32BE(value, at + 4);
}

/** §7.2.3: a 16-bit number little-endian then big-endian (4 bytes). */
export function putBoth16(buf: Buffer, at: number, value: number): void {
  buf.writeUInt16LE(value, at);
  buf.writeUInt16BE(value, at + 2);
}

/** Reads a §7.3.3 field; the two halves must agree (a torn or forged record does not). */
export function both32(buf: Uint8Array, at: number, field: string): number {
  requireBytes(buf, at, 8, ISO9660, field);
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const le = b.readUInt32LE(at);
  if (le !== b.readUInt32BE(at + 4)) throw new DecodeError(ISO9660, field, at, `little-endian ${le} and big-endian ${b.readUInt32BE(at + 4)} differ`, 'ERR_BOTH_ENDIAN');
  return le;
}

/** Reads a §7.2.3 field; the two halves must agree. */
export function both16(buf: Uint8Array, at: number, field: string): number {
  requireBytes(buf, at, 4, ISO9660, field);
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const le = b.readUInt16LE(at);
  if (le !== b.readUInt16BE(at + 2)) throw new DecodeError(ISO9660, field, at, `little-endian ${le} and big-endian ${b.readUInt16BE(at + 2)} differ`, 'ERR_BOTH_ENDIAN');
  return le;
}

/** A fixed-length text field padded with spaces (§7.4.3); throws RangeError for a text that does not fit. */
export function putText(buf: Buffer, at: number, length: number, text: string, field: string): void {
  if (text.length > length || !/^[\x20-\x7e]*$/.test(text)) throw new RangeError(`${field} must be at most ${length} printable ASCII characters, got "${text}"`);
  buf.fill(0x20, at, at + length);
  buf.write(text, at, 'latin1');
}

/** A §7.4.3 text field with its padding spaces taken off. */
export function text(buf: Uint8Array, at: number, length: number): string {
  return Buffer.from(buf.subarray(at, at + length)).toString('latin1').replace(/[ \0]+$/, '');
}

/** §8.4.26.1: "YYYYMMDDHHMMSScc" in digits, then the offset from GMT in 15-minute steps; written in UTC. */
export function putLongDate(buf: Buffer, at: number, date: Date | null): void {
  if (date === null) {
    buf.write('0000000000000000', at, 'latin1'); // "not specified"
    buf[at + 16] = 0;
    return;
  }
  const p = (n: number, w: number) => String(n).padStart(w, '0');
  const s = `${p(date.getUTCFullYear(), 4)}${p(date.getUTCMonth() + 1, 2)}${p(date.getUTCDate(), 2)}${p(date.getUTCHours(), 2)}`
    + `${p(date.getUTCMinutes(), 2)}${p(date.getUTCSeconds(), 2)}${p(Math.floor(date.getUTCMilliseconds() / 10), 2)}`;
  buf.write(s, at, 'latin1');
  buf[at + 16] = 0;
}

/** §9.1.5: years since 1900, month, day, hour, minute, second, GMT offset; written in UTC. */
export function putShortDate(buf: Buffer, at: number, date: Date): void {
  buf[at] = date.getUTCFullYear() - 1900;
  buf[at + 1] = date.getUTCMonth() + 1;
  buf[at + 2] = date.getUTCDate();
  buf[at + 3] = date.getUTCHours();
  buf[at + 4] = date.getUTCMinutes();
  buf[at + 5] = date.getUTCSeconds();
  buf[at + 6] = 0;
}

/** Reads a §9.1.5 date as a UTC time (its GMT offset applied). */
export function shortDate(buf: Uint8Array, at: number): Date {
  const offsetMinutes = ((buf[at + 6] << 24) >> 24) * 15; // signed, 15-minute steps
  return new Date(Date.UTC(1900 + buf[at], buf[at + 1] - 1, buf[at + 2], buf[at + 3], buf[at + 4], buf[at + 5]) - offsetMinutes * 60_000);
}

/** d-characters (§7.4.1): what a volume identifier may hold. */
export const D_CHARACTERS = /^[A-Z0-9_]*$/;
