// What the command codecs of this folder share — IPMI 2.0 §5.2 (a request of the wrong length: C7h) and §13.8
// (multi-byte fields go least significant byte first). Requests are decoded strictly: the BMC answers C7h to a
// length the spec does not give. Responses need their mandatory bytes; bytes past the fields a codec knows are
// left unread, as later spec revisions append optional fields.
import { DecodeError, requireBytes } from '../../errors.js';
import type { IpmiCommand } from './command.js';

/** The `protocol` of every DecodeError the command codecs throw. */
export const PROTOCOL = 'ipmi';

/** No data bytes: the request of a command without parameters, the response of one that only acknowledges. */
export const NO_DATA: Uint8Array = new Uint8Array(0);

/** Throws DecodeError ERR_LENGTH unless `data` holds `min`..`max` bytes; `field` names what they are. */
export function dataLength(data: Uint8Array, min: number, max: number, field: string): void {
  if (data.length >= min && data.length <= max) return;
  const want = max === Infinity ? `at least ${min}` : min === max ? `${min}` : `${min}..${max}`;
  throw new DecodeError(PROTOCOL, field, data.length, `expects ${want} data byte(s), got ${data.length}`, 'ERR_LENGTH');
}

/** Throws DecodeError ERR_LENGTH (the BMC answers C7h) unless a request's data holds `min`..`max` bytes. */
export function requestLength(data: Uint8Array, min: number, max: number, command: string): void {
  dataLength(data, min, max, `${command} request`);
}

/** Throws DecodeError ERR_TRUNCATED unless a response's data holds at least `min` bytes. */
export function responseLength(data: Uint8Array, min: number, command: string): void {
  requireBytes(data, 0, min, PROTOCOL, `${command} response`);
}

/** Throws DecodeError ERR_RANGE for a reserved value in a request field (responses are read leniently). */
export function reservedValue(field: string, offset: number, value: number): never {
  throw new DecodeError(PROTOCOL, field, offset, `reserved value ${value}`, 'ERR_RANGE');
}

/** Encode and decode of a request with no data bytes (decoding anything else is ERR_LENGTH). */
export function noRequestData(command: string): Pick<IpmiCommand<void, unknown>, 'encodeRequest' | 'decodeRequest'> {
  return { encodeRequest: () => NO_DATA, decodeRequest: (data) => requestLength(data, 0, 0, command) };
}

/** Encode and decode of a response that is the completion code alone. */
export function noResponseData(): Pick<IpmiCommand<unknown, void>, 'encodeResponse' | 'decodeResponse'> {
  return { encodeResponse: () => NO_DATA, decodeResponse: () => undefined };
}

/** The 16-bit field at `at`, LS byte first. */
export function u16At(data: Uint8Array, at: number): number {
  return data[at] | (data[at + 1] << 8);
}

/** The 24-bit field at `at`, LS byte first (IANA enterprise numbers). */
export function u24At(data: Uint8Array, at: number): number {
  return data[at] | (data[at + 1] << 8) | (data[at + 2] << 16);
}

/** The 32-bit field at `at`, LS byte first. */
export function u32At(data: Uint8Array, at: number): number {
  return (data[at] | (data[at + 1] << 8) | (data[at + 2] << 16)) + data[at + 3] * 0x1000000;
}

/** Writes `value` into `size` bytes at `at`, LS byte first. */
export function putLe(out: Uint8Array, at: number, value: number, size: number): void {
  for (let i = 0; i < size; i++) out[at + i] = Math.floor(value / 2 ** (8 * i)) & 0xff;
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

/** Text up to the first NUL of a fixed-size field (user names, §22.28). */
export function fixedText(field: Uint8Array): string {
  const end = field.indexOf(0);
  return Buffer.from(field.subarray(0, end < 0 ? field.length : end)).toString('latin1');
}

/** `bytes` NUL-padded to a `size`-byte field; a RangeError naming `field` when it does not fit (never cut). */
export function padField(bytes: Uint8Array, size: number, field: string): Uint8Array {
  if (bytes.length > size) throw new RangeError(`${field} is ${bytes.length} bytes, at most ${size} fit`);
  const out = new Uint8Array(size);
  out.set(bytes);
  return out;
}
