// SLPv2 wire primitives — RFC 2608 §4 ("<string>": a 16-bit length then UTF-8), §4.3 URL Entries, §9.2
// Authentication Blocks. Every read checks its bounds and names its field: a DecodeError, never a read past the end.
import { DecodeError, requireBytes } from '../errors.js';

const P = 'slp';
const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** §4.3 URL Entry: reserved, lifetime (seconds), the URL, its authentication blocks. */
export interface UrlEntry {
  /** 0: the URL is no longer valid; 65535: for as long as the SA runs. */
  lifetime: number;
  url: string;
  /** §9.2 URL authentication blocks, each whole (BSD to the end of its structured authenticator). */
  auths: Uint8Array[];
}

export class SlpReader {
  offset = 0;
  private readonly buf: Uint8Array;

  constructor(buf: Uint8Array) {
    this.buf = buf;
  }

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  u8(field: string): number {
    requireBytes(this.buf, this.offset, 1, P, field);
    return this.buf[this.offset++];
  }

  u16(field: string): number {
    requireBytes(this.buf, this.offset, 2, P, field);
    const v = (this.buf[this.offset] << 8) | this.buf[this.offset + 1];
    this.offset += 2;
    return v;
  }

  u24(field: string): number {
    requireBytes(this.buf, this.offset, 3, P, field);
    const v = (this.buf[this.offset] << 16) | (this.buf[this.offset + 1] << 8) | this.buf[this.offset + 2];
    this.offset += 3;
    return v;
  }

  u32(field: string): number {
    return this.u16(field) * 0x10000 + this.u16(field);
  }

  bytes(n: number, field: string): Uint8Array {
    requireBytes(this.buf, this.offset, n, P, field);
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }

  /** §4 <string>: 16-bit length, then that many bytes of UTF-8. */
  string(field: string): string {
    const at = this.offset;
    const n = this.u16(`${field} length`);
    const b = this.bytes(n, field);
    try {
      return utf8.decode(b);
    } catch {
      throw new DecodeError(P, field, at + 2, 'not UTF-8', 'ERR_UTF8');
    }
  }

  /** §9.2: `count` Authentication Blocks, each kept whole; its length must cover at least its fixed part. */
  authBlocks(count: number, field: string): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const at = this.offset;
      requireBytes(this.buf, at, 4, P, `${field} block structure descriptor`);
      const length = (this.buf[at + 2] << 8) | this.buf[at + 3];
      if (length < AUTH_BLOCK_FIXED) throw new DecodeError(P, `${field} length`, at + 2, `${length} is shorter than the block's fixed ${AUTH_BLOCK_FIXED} bytes`, 'ERR_AUTH_BLOCK');
      out.push(this.bytes(length, field));
    }
    return out;
  }

  /** §4.3 URL Entry. */
  urlEntry(): UrlEntry {
    this.u8('url entry reserved');
    const lifetime = this.u16('url lifetime');
    const url = this.string('url');
    const auths = this.authBlocks(this.u8('url auth count'), 'url auth');
    return { lifetime, url, auths };
  }

  /** The body must end here (extensions, §9.1, are allowed after it when the header points at them). */
  end(what: string, extensionsAt: number): void {
    const end = extensionsAt || this.buf.length;
    if (this.offset > end) throw new DecodeError(P, what, extensionsAt, 'the body runs into the extensions', 'ERR_EXTENSION');
    if (extensionsAt === 0 && this.offset !== this.buf.length) {
      throw new DecodeError(P, what, this.offset, `${this.buf.length - this.offset} byte(s) after the body`, 'ERR_TRAILING');
    }
  }
}

/** §9.2 fixed part: BSD (2), length (2), timestamp (4), SLP SPI string length (2). */
export const AUTH_BLOCK_FIXED = 10;

export class SlpWriter {
  private readonly parts: number[] = [];
  private chunks: Uint8Array[] = [];
  private length = 0;

  u8(v: number): void {
    this.parts.push(v & 0xff);
    this.length++;
  }

  u16(v: number): void {
    this.u8(v >>> 8);
    this.u8(v);
  }

  u24(v: number): void {
    this.u8(v >>> 16);
    this.u16(v & 0xffff);
  }

  u32(v: number): void {
    this.u16(Math.floor(v / 0x10000));
    this.u16(v & 0xffff);
  }

  bytes(b: Uint8Array): void {
    this.flush();
    this.chunks.push(b);
    this.length += b.length;
  }

  string(s: string): void {
    const b = encoder.encode(s);
    if (b.length > 0xffff) throw new RangeError(`an SLP string is at most 65535 bytes, got ${b.length}`);
    this.u16(b.length);
    this.bytes(b);
  }

  urlEntry(e: UrlEntry): void {
    this.u8(0);
    this.u16(e.lifetime);
    this.string(e.url);
    this.authBlocks(e.auths);
  }

  /** The count (one byte), then the blocks. */
  authBlocks(blocks: Uint8Array[]): void {
    if (blocks.length > 0xff) throw new RangeError(`at most 255 authentication blocks, got ${blocks.length}`);
    this.u8(blocks.length);
    for (const b of blocks) {
      if (b.length < AUTH_BLOCK_FIXED || ((b[2] << 8) | b[3]) !== b.length) throw new RangeError('an authentication block\'s length field must be its length (at least 10)');
      this.bytes(b);
    }
  }

  private flush(): void {
    if (this.parts.length > 0) {
      this.chunks.push(Uint8Array.from(this.parts));
      this.parts.length = 0;
    }
  }

  finish(): Buffer {
    this.flush();
    const out = Buffer.concat(this.chunks, this.length);
    if (out.length > 0xffffff) throw new RangeError(`an SLP message is at most 16 MiB, got ${out.length} bytes`);
    this.chunks = [];
    return out;
  }
}
