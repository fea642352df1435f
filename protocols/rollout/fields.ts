// Byte reader and writer for the rollout protocol (README "The rollout protocol"): every number is big-endian
// (network order), a string is a length byte then UTF-8, an IPv4 address is its 4 octets in order.
// Writing a value that does not fit its field throws a RangeError naming the field (never clamped). Reading past
// the end throws DecodeError ERR_TRUNCATED, a u64 of 2^53 or more ERR_RANGE, a string that is not UTF-8 ERR_UTF8.
import { DecodeError, requireBytes } from '../errors.js';
import { parseIpv4 } from '../ipv4.js';

export const ROLLOUT_PROTOCOL = 'bmcfleet-rollout';
/** IPMI manufacturer IDs are 20 bits (IPMI 2.0 §20.1, Get Device ID bytes 8-10); the protocol carries one in 4 bytes. */
export const MAX_MANUFACTURER_ID = 0xf_ffff;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function checkInteger(value: number, max: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`${field} must be an integer 0..${max}, got ${value}`);
}


/** Writes into a buffer of the exact encoded length (the encoders compute it first). */
export class Writer {
  readonly buf: Buffer;
  private o = 0;
  constructor(length: number) { this.buf = Buffer.alloc(length); }

  u8(v: number, field: string): this { checkInteger(v, 0xff, field); this.buf[this.o++] = v; return this; }
  u16(v: number, field: string): this { checkInteger(v, 0xffff, field); this.o = this.buf.writeUInt16BE(v, this.o); return this; }
  u32(v: number, field: string): this { checkInteger(v, 0xffffffff, field); this.o = this.buf.writeUInt32BE(v, this.o); return this; }
  /** u64 on the wire, limited to 2^53 - 1 so a JavaScript number holds it exactly. */
  u64(v: number, field: string): this {
    checkInteger(v, Number.MAX_SAFE_INTEGER, field);
    this.buf.writeUInt32BE(Math.floor(v / 0x1_0000_0000), this.o);
    this.buf.writeUInt32BE(v % 0x1_0000_0000, this.o + 4);
    this.o += 8;
    return this;
  }
  /** Exactly `length` bytes (a digest, a nonce, a signature). */
  fixed(b: Uint8Array, length: number, field: string): this {
    if (b.length !== length) throw new RangeError(`${field} must be ${length} bytes, got ${b.length}`);
    return this.bytes(b);
  }
  bytes(b: Uint8Array): this { this.buf.set(b, this.o); this.o += b.length; return this; }
  /** Length byte then UTF-8; longer than `maxBytes` is a RangeError (names are never cut silently). */
  str(s: string, maxBytes: number, field: string): this {
    const b = Buffer.from(s, 'utf8');
    if (b.length > maxBytes) throw new RangeError(`${field} is ${b.length} bytes of UTF-8, at most ${maxBytes}`);
    return this.u8(b.length, `${field} length`).bytes(b);
  }
  /** An IPMI manufacturer ID: a u32 on the wire, at most 20 bits. */
  manufacturerId(v: number, field: string): this { checkInteger(v, MAX_MANUFACTURER_ID, field); return this.u32(v, field); }
  ipv4(text: string, field: string): this {
    let n: number;
    try { n = parseIpv4(text); } catch { throw new RangeError(`${field}: not an IPv4 address: ${text}`); }
    return this.u32(n, field);
  }
  get offset(): number { return this.o; }
  /** The buffer, after checking the encoder's length computation matched what it wrote. */
  done(): Buffer {
    if (this.o !== this.buf.length) throw new Error(`rollout encoder wrote ${this.o} of ${this.buf.length} bytes`);
    return this.buf;
  }
}

/** Reads from `d` between `start` and `end`; offsets in errors are from the start of `d`. */
export class Reader {
  private o: number;
  private readonly d: Uint8Array;
  private readonly end: number;
  constructor(d: Uint8Array, start = 0, end = d.length) { this.d = d; this.o = start; this.end = end; }

  u8(f: string): number { this.need(1, f); return this.d[this.o++]; }
  u16(f: string): number { this.need(2, f); const v = (this.d[this.o] << 8) | this.d[this.o + 1]; this.o += 2; return v; }
  u32(f: string): number {
    this.need(4, f);
    const v = this.d[this.o] * 0x100_0000 + ((this.d[this.o + 1] << 16) | (this.d[this.o + 2] << 8) | this.d[this.o + 3]);
    this.o += 4;
    return v;
  }
  /** u64 on the wire; 2^53 or more is ERR_RANGE (a JavaScript number would lose it). */
  u64(f: string): number {
    const at = this.o;
    const high = this.u32(f);
    const low = this.u32(f);
    if (high > 0x1f_ffff) throw new DecodeError(ROLLOUT_PROTOCOL, f, at, 'value is 2^53 or more', 'ERR_RANGE');
    return high * 0x1_0000_0000 + low;
  }
  /** A view into the input, not a copy. */
  bytes(n: number, f: string): Uint8Array { this.need(n, f); const v = this.d.subarray(this.o, this.o + n); this.o += n; return v; }
  /** Length byte then UTF-8; a length over `maxBytes` is ERR_RANGE, bytes that are not UTF-8 ERR_UTF8. */
  str(maxBytes: number, f: string): string {
    const at = this.o;
    const n = this.u8(`${f} length`);
    if (n > maxBytes) throw new DecodeError(ROLLOUT_PROTOCOL, `${f} length`, at, `${n} bytes, at most ${maxBytes}`, 'ERR_RANGE');
    const b = this.bytes(n, f);
    try { return utf8.decode(b); } catch { throw new DecodeError(ROLLOUT_PROTOCOL, f, at + 1, 'not UTF-8', 'ERR_UTF8'); }
  }
  /** An IPMI manufacturer ID: a u32 on the wire; over 20 bits is ERR_RANGE. */
  manufacturerId(f: string): number {
    const at = this.o;
    const v = this.u32(f);
    if (v > MAX_MANUFACTURER_ID) throw new DecodeError(ROLLOUT_PROTOCOL, f, at, `${v} is over 20 bits`, 'ERR_RANGE');
    return v;
  }
  ipv4(f: string): string { const b = this.bytes(4, f); return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`; }
  /** A one-byte code that must be one of `allowed` (an `as const` enum's values), else ERR_ENUM. */
  code<T extends number>(allowed: readonly T[], f: string): T {
    const at = this.o;
    const v = this.u8(f);
    if (!(allowed as readonly number[]).includes(v)) throw new DecodeError(ROLLOUT_PROTOCOL, f, at, `unknown value ${v}`, 'ERR_ENUM');
    return v as T;
  }
  /** Throws ERR_TRAILING unless everything up to `end` was read. */
  finish(what: string): void {
    if (this.o !== this.end) throw new DecodeError(ROLLOUT_PROTOCOL, what, this.o, `${this.end - this.o} byte(s) after the ${what}`, 'ERR_TRAILING');
  }
  /** A DecodeError at the current offset (a value that breaks a rule between fields). */
  fail(f: string, reason: string, code: string, at = this.o): DecodeError { return new DecodeError(ROLLOUT_PROTOCOL, f, at, reason, code); }
  /** A reader over bytes [start, end) of the same input, for a part with its own length (offsets stay absolute). */
  part(start: number, end: number): Reader { return new Reader(this.d, start, end); }
  get offset(): number { return this.o; }

  private need(n: number, f: string): void {
    if (this.o + n > this.end) requireBytes(this.d.subarray(0, this.end), this.o, n, ROLLOUT_PROTOCOL, f);
  }
}

/** Values of an `as const` enum object, for Reader.code. */
export function valuesOf<T extends Record<string, number>>(e: T): T[keyof T][] {
  return Object.values(e) as T[keyof T][];
}

/** How message.ts reads and writes one message type's body (the bytes between the header and the auth trailer). */
export interface BodyCodec<T> {
  encodingLength(body: T): number;
  write(w: Writer, body: T): void;
  /** Reads the whole body: `r` ends where the body ends, and bytes left over are ERR_TRAILING. */
  read(r: Reader): T;
}
