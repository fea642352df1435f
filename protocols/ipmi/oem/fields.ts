// Byte reader and writer for the bodies of the bmcfleet OEM commands (netFn 2Eh, IPMI 2.0 §5.1): numbers
// little-endian, a string is a length byte then UTF-8. Writing a number that does not fit its field throws a
// RangeError naming the field (never clamped); reading past the end throws DecodeError ERR_TRUNCATED, a u64 of
// 2^53 or more ERR_RANGE, bytes left after the last field ERR_TRAILING.
import { DecodeError, requireBytes } from '../../errors.js';

export const OEM_PROTOCOL = 'bmcfleet-oem';

function checkField(value: number, max: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`${field} must be an integer 0..${max}, got ${value}`);
}

/** Throws DecodeError ERR_LENGTH unless a request is exactly `want` data bytes (IANA included). */
export function expectLength(data: Uint8Array, want: number): void {
  if (data.length !== want) throw new DecodeError(OEM_PROTOCOL, 'request', data.length, `expects ${want} data bytes, got ${data.length}`, 'ERR_LENGTH');
}

export class FieldWriter {
  private buf: Buffer;
  private o = 0;
  /** `size`: the expected length (the buffer grows past it when needed). */
  constructor(size = 64) { this.buf = Buffer.alloc(size); }
  u8(v: number, field: string) { checkField(v, 0xff, field); this.room(1); this.buf[this.o++] = v; return this; }
  u16(v: number, field: string) { checkField(v, 0xffff, field); this.room(2); this.o = this.buf.writeUInt16LE(v, this.o); return this; }
  u32(v: number, field: string) { checkField(v, 0xffffffff, field); this.room(4); this.o = this.buf.writeUInt32LE(v, this.o); return this; }
  /** u64 on the wire, limited to 2^53 - 1 (a JavaScript number stays exact). */
  u64(v: number, field: string) {
    checkField(v, Number.MAX_SAFE_INTEGER, field);
    this.room(8);
    this.buf.writeUInt32LE(v % 0x100000000, this.o);
    this.buf.writeUInt32LE(Math.floor(v / 0x100000000), this.o + 4);
    this.o += 8;
    return this;
  }
  raw(b: Uint8Array) { this.room(b.length); this.buf.set(b, this.o); this.o += b.length; return this; }
  /** Length byte then UTF-8, cut to at most `maxBytes` (<= 255) on a character boundary. */
  str(s: string, maxBytes: number) {
    let b = Buffer.from(s, 'utf8');
    if (b.length > maxBytes) b = Buffer.from(b.subarray(0, maxBytes).toString('utf8').replace(/\uFFFD$/, ''), 'utf8');
    return this.u8(b.length, 'string length').raw(b);
  }
  /** The bytes written. */
  done(): Buffer { return this.o === this.buf.length ? this.buf : this.buf.subarray(0, this.o); }

  private room(n: number) {
    if (this.o + n <= this.buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.o + n));
    this.buf.copy(bigger, 0, 0, this.o);
    this.buf = bigger;
  }
}

export class FieldReader {
  private o: number;
  private readonly d: Uint8Array;
  constructor(d: Uint8Array, offset: number) { this.d = d; this.o = offset; }
  u8(f: string) { this.need(1, f); return this.d[this.o++]; }
  u16(f: string) { this.need(2, f); const v = this.d[this.o] | (this.d[this.o + 1] << 8); this.o += 2; return v; }
  u32(f: string) { this.need(4, f); const v = (this.d[this.o] | (this.d[this.o + 1] << 8) | (this.d[this.o + 2] << 16)) + this.d[this.o + 3] * 0x1000000; this.o += 4; return v; }
  /** u64 on the wire; 2^53 or more is ERR_RANGE (a JavaScript number would lose it). */
  u64(f: string) {
    const at = this.o;
    const low = this.u32(f);
    const high = this.u32(f);
    if (high > 0x1fffff) throw new DecodeError(OEM_PROTOCOL, f, at, 'value is 2^53 or more', 'ERR_RANGE');
    return high * 0x100000000 + low;
  }
  /** A view into the input, not a copy. */
  raw(n: number, f: string) { this.need(n, f); const v = this.d.subarray(this.o, this.o + n); this.o += n; return v; }
  str(f: string) { const n = this.u8(`${f} length`); return Buffer.from(this.raw(n, f)).toString('utf8'); }
  /** Throws ERR_TRAILING unless every byte was read; `what` names what was read (for the message). */
  end(what: string) {
    if (this.o !== this.d.length) throw new DecodeError(OEM_PROTOCOL, what, this.o, `${this.d.length - this.o} byte(s) after the ${what}`, 'ERR_TRAILING');
  }
  get offset(): number { return this.o; }

  private need(n: number, f: string) { requireBytes(this.d, this.o, n, OEM_PROTOCOL, f); }
}
