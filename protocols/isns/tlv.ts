// iSNS attributes in Tag-Length-Value form — RFC 4171 §5.3 (TLV: 4-byte tag, 4-byte length, value padded
// to a multiple of 4 bytes; the length counts the padding) and §5.3.1 (4-byte alignment).
// Value kinds per tag come from attributes.ts. Decoded opaque values are views into the input buffer.
import { DecodeError, requireBytes } from '../errors.js';
import { KIND_LENGTH, tagKind, tagName, type ValueKind } from './attributes.js';
import { formatIsnsAddress, writeIsnsAddress } from './ip-address.js';

const P = 'isns';
export const TLV_HEADER = 8;
/** Portal/ESI/SCN port attributes: bit 15 of the 32-bit value (0x00010000) marks UDP, §6.3.2. */
export const PORT_UDP_BIT = 0x0001_0000;

export interface PortValue { port: number; udp: boolean }
export interface VersionRange { max: number; min: number }

/** null = zero-length attribute (a query key, "no value", or the delimiter). */
export type IsnsValue = null | string | number | bigint | PortValue | VersionRange | Uint8Array;

export interface IsnsAttribute { tag: number; value: IsnsValue }

export function attr(tag: number, value: IsnsValue = null): IsnsAttribute {
  return { tag, value };
}

export const DELIMITER: IsnsAttribute = Object.freeze({ tag: 0, value: null });

const pad4 = (n: number) => (n + 3) & ~3;
const UTF8 = new TextEncoder();

function fail(what: string, a: IsnsAttribute, expected: string): never {
  throw new TypeError(`isns: ${tagName(a.tag)} (${a.tag}) ${what}: expected ${expected}, got ${describe(a.value)}`);
}

function describe(v: unknown): string {
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (typeof v === 'bigint') return `${v}n`;
  return JSON.stringify(v) ?? String(v);
}

/** Bytes of the value field (padding included) for `a`; validates the value against the tag's kind. */
function valueLength(a: IsnsAttribute, kind: ValueKind): number {
  const v = a.value;
  if (v === null) return 0;
  if (v instanceof Uint8Array) return pad4(v.length); // raw bytes for any tag: tests, vendor tags, pass-through
  switch (kind) {
    case 'nil': return fail('value', a, 'null');
    case 'string':
      if (typeof v !== 'string' || v.includes('\0')) fail('value', a, 'a string without NUL');
      return pad4(Buffer.byteLength(v as string, 'utf8') + 1);
    case 'opaque': return fail('value', a, 'a Uint8Array');
    default: return KIND_LENGTH[kind];
  }
}

/** Total TLV bytes of one attribute. */
export function encodingLengthAttribute(a: IsnsAttribute): number {
  return TLV_HEADER + valueLength(a, tagKind(a.tag));
}

export function encodingLengthAttributes(list: readonly IsnsAttribute[]): number {
  let n = 0;
  for (const a of list) n += encodingLengthAttribute(a);
  return n;
}

/** Writes `a` at `offset` (the buffer must be large enough); returns the offset after it. */
export function writeAttribute(a: IsnsAttribute, out: Buffer, offset: number): number {
  if (!Number.isInteger(a.tag) || a.tag < 0 || a.tag > 0xffffffff) throw new RangeError(`isns: tag ${a.tag} is not a 32-bit unsigned integer`);
  const kind = tagKind(a.tag);
  const len = valueLength(a, kind);
  out.writeUInt32BE(a.tag, offset);
  out.writeUInt32BE(len, offset + 4);
  const o = offset + TLV_HEADER;
  out.fill(0, o, o + len);
  const v = a.value;
  if (v === null) return o;
  if (v instanceof Uint8Array) {
    out.set(v, o);
    return o + len;
  }
  switch (kind) {
    case 'string':
      UTF8.encodeInto(v as string, out.subarray(o, o + len));
      break;
    case 'u32':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) fail('value', a, 'a 32-bit unsigned integer');
      out.writeUInt32BE(v as number, o);
      break;
    case 'u64': {
      const b = typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : v;
      if (typeof b !== 'bigint' || b < 0n || b > 0xffff_ffff_ffff_ffffn) fail('value', a, 'a 64-bit unsigned bigint');
      out.writeBigUInt64BE(b as bigint, o);
      break;
    }
    case 'ip':
      if (typeof v !== 'string') fail('value', a, 'an IPv4 or IPv6 address string');
      writeIsnsAddress(v as string, out, o);
      break;
    case 'port': {
      const p = v as PortValue;
      if (typeof p !== 'object' || !Number.isInteger(p.port) || p.port < 0 || p.port > 0xffff || typeof p.udp !== 'boolean') {
        fail('value', a, '{ port: 0-65535, udp: boolean }');
      }
      out.writeUInt32BE(((p.udp ? PORT_UDP_BIT : 0) | p.port) >>> 0, o);
      break;
    }
    case 'range16': {
      const r = v as VersionRange;
      const ok = (n: unknown) => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xffff;
      if (typeof r !== 'object' || !ok(r.max) || !ok(r.min)) fail('value', a, '{ max: 0-65535, min: 0-65535 }');
      out.writeUInt16BE(r.max, o);
      out.writeUInt16BE(r.min, o + 2);
      break;
    }
    default:
      fail('value', a, 'null');
  }
  return o + len;
}

export function encodeAttributes(list: readonly IsnsAttribute[]): Buffer {
  const out = Buffer.allocUnsafe(encodingLengthAttributes(list));
  let o = 0;
  for (const a of list) o = writeAttribute(a, out, o);
  return out;
}

/**
 * Reads one attribute at `offset`. `base` is added to offsets in errors, so they point into the PDU payload.
 * Errors: ERR_TRUNCATED (header or value runs past `end`), ERR_ATTR_LENGTH (length not a multiple of 4,
 * a fixed-size value of the wrong size, a delimiter with a value).
 */
export function readAttribute(buf: Uint8Array, offset: number, end: number, base = 0): { attribute: IsnsAttribute; next: number } {
  if (offset + TLV_HEADER > end) {
    throw new DecodeError(P, 'attribute header', base + offset, `needs ${TLV_HEADER} byte(s), ${end - offset} left`, 'ERR_TRUNCATED');
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const tag = view.getUint32(offset);
  const len = view.getUint32(offset + 4);
  const o = offset + TLV_HEADER;
  const field = () => `${tagName(tag)} (${tag})`;
  if (len % 4 !== 0) throw new DecodeError(P, field(), base + offset + 4, `length ${len} is not a multiple of 4`, 'ERR_ATTR_LENGTH');
  if (len > end - o) throw new DecodeError(P, field(), base + o, `value of ${len} byte(s), ${end - o} left`, 'ERR_TRUNCATED');
  const next = o + len;
  if (len === 0) return { attribute: { tag, value: null }, next };
  const kind = tagKind(tag);
  const fixed = KIND_LENGTH[kind];
  if (kind === 'nil' || (fixed !== 0 && len !== fixed)) {
    throw new DecodeError(P, field(), base + offset + 4, `length ${len}, expected ${fixed}`, 'ERR_ATTR_LENGTH');
  }
  let value: IsnsValue;
  switch (kind) {
    case 'string': {
      let stop = o;
      while (stop < next && buf[stop] !== 0) stop++;
      value = Buffer.from(buf.buffer, buf.byteOffset + o, stop - o).toString('utf8');
      break;
    }
    case 'u32': value = view.getUint32(o); break;
    case 'u64': value = view.getBigUint64(o); break;
    case 'ip': value = formatIsnsAddress(buf, o); break;
    case 'port': {
      const w = view.getUint32(o);
      value = { port: w & 0xffff, udp: (w & PORT_UDP_BIT) !== 0 }; // reserved bits 0-14 ignored
      break;
    }
    case 'range16': value = { max: view.getUint16(o), min: view.getUint16(o + 2) }; break;
    default: value = buf.subarray(o, next);
  }
  return { attribute: { tag, value }, next };
}

/** All attributes in buf[offset, end). */
export function decodeAttributes(buf: Uint8Array, offset = 0, end = buf.length, base = 0): IsnsAttribute[] {
  requireBytes(buf, 0, end, P, 'attributes');
  const out: IsnsAttribute[] = [];
  let o = offset;
  while (o < end) {
    const r = readAttribute(buf, o, end, base);
    out.push(r.attribute);
    o = r.next;
  }
  return out;
}

// Small readers for handlers and clients.

export function findAttribute(list: readonly IsnsAttribute[], tag: number): IsnsAttribute | undefined {
  for (const a of list) if (a.tag === tag) return a;
  return undefined;
}

export function stringValue(list: readonly IsnsAttribute[], tag: number): string | undefined {
  const v = findAttribute(list, tag)?.value;
  return typeof v === 'string' ? v : undefined;
}

export function u32Value(list: readonly IsnsAttribute[], tag: number): number | undefined {
  const v = findAttribute(list, tag)?.value;
  return typeof v === 'number' ? v : undefined;
}
