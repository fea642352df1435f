// FRU inventory image — Platform Management FRU Information Storage Definition v1.0 (rev 1.3): §8 common
// header, §10 chassis info area, §11 board info area, §12 product info area, §13 type/length byte, and the
// zero checksums that close the header and every area. Areas are sized in multiples of 8 bytes.
import { DecodeError, requireBytes } from '../errors.js';

export const FRU_FORMAT_VERSION = 0x01;
const AREA_UNIT = 8;
export const HEADER_LENGTH = 8;
/** Type/length C1h: "no more info fields" (§13). */
export const END_OF_FIELDS = 0xc1;
/** Longest field text a type/length byte carries (§13: length in bits 5:0), in bytes. */
export const MAX_FIELD = 0x3f;
/** Field text is 8-bit Latin-1 (type 11b): one byte per character, so a field's length in bytes is Buffer.byteLength(text, FIELD_ENCODING). */
export const FIELD_ENCODING = 'latin1';
/** Minutes from 1996-01-01 00:00 UTC to the Unix epoch's reckoning (board Mfg. Date/Time, §11). */
export const FRU_EPOCH_MS = Date.UTC(1996, 0, 1);

/** Type/length [7:6] (§13.1). */
export const FieldType = { BINARY: 0, BCD_PLUS: 1, SIX_BIT_ASCII: 2, LATIN1: 3 } as const;

/** SMBIOS chassis types used in the chassis info area (§10 byte 2, SMBIOS Table 17). */
export const ChassisType = { OTHER: 0x01, UNKNOWN: 0x02, MAIN_SERVER: 0x11, RACK_MOUNT: 0x17, BLADE: 0x1c } as const;

export interface ChassisInfo {
  type: number;
  partNumber: string;
  serialNumber: string;
  custom: string[];
}

export interface BoardInfo {
  /** Language code, 0 = English (§15). */
  language: number;
  /** Minutes since 1996-01-01 00:00 UTC; 0 = unspecified. */
  mfgMinutes: number;
  manufacturer: string;
  productName: string;
  serialNumber: string;
  partNumber: string;
  fruFileId: string;
  custom: string[];
}

export interface ProductInfo {
  language: number;
  manufacturer: string;
  productName: string;
  partNumber: string;
  version: string;
  serialNumber: string;
  assetTag: string;
  fruFileId: string;
  custom: string[];
}

export interface FruInventory {
  chassis?: ChassisInfo;
  board?: BoardInfo;
  product?: ProductInfo;
}

/** The common header's area offsets, in bytes (0 = area absent). */
export interface FruHeader {
  internalUse: number;
  chassis: number;
  board: number;
  product: number;
  multiRecord: number;
}

/** Zero checksum: the covered bytes plus the checksum sum to 0 mod 256. */
export function zeroChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += bytes[i];
  return -sum & 0xff;
}

/** Board Mfg. Date/Time in minutes from a Unix time in ms. */
export function mfgMinutesFromMs(ms: number): number {
  return Math.max(0, Math.min(0xffffff, Math.floor((ms - FRU_EPOCH_MS) / 60_000)));
}

export function mfgMinutesToMs(minutes: number): number {
  return FRU_EPOCH_MS + minutes * 60_000;
}

/** One field as 8-bit ASCII/Latin-1 (type 11b); a one-byte text gets a NUL pad so that it never reads as C1h. */
function encodeField(text: string, what: string): Buffer {
  let bytes = Buffer.from(text, FIELD_ENCODING);
  if (bytes.length === 1) bytes = Buffer.from([bytes[0], 0]);
  if (bytes.length > MAX_FIELD) throw new RangeError(`FRU field ${what} is longer than ${MAX_FIELD} bytes`);
  return Buffer.concat([Buffer.from([(FieldType.LATIN1 << 6) | bytes.length]), bytes]);
}

/** Version, length, fixed bytes, fields, C1h, pad, checksum (§10-§12 layouts). */
function encodeArea(fixed: number[], fields: Array<[string, string]>): Buffer {
  const body = Buffer.concat([Buffer.from([FRU_FORMAT_VERSION, 0, ...fixed]), ...fields.map(([text, what]) => encodeField(text, what)),
    Buffer.from([END_OF_FIELDS])]);
  const length = Math.ceil((body.length + 1) / AREA_UNIT) * AREA_UNIT;
  if (length / AREA_UNIT > 0xff) throw new RangeError('FRU area exceeds 2040 bytes');
  const out = Buffer.alloc(length);
  body.copy(out);
  out[1] = length / AREA_UNIT;
  out[length - 1] = zeroChecksum(out, 0, length - 1);
  return out;
}

export function encodeChassis(c: ChassisInfo): Buffer {
  return encodeArea([c.type], [[c.partNumber, 'chassis part number'], [c.serialNumber, 'chassis serial'],
    ...c.custom.map((t): [string, string] => [t, 'chassis custom'])]);
}

export function encodeBoard(b: BoardInfo): Buffer {
  const m = b.mfgMinutes;
  return encodeArea([b.language, m & 0xff, (m >> 8) & 0xff, (m >> 16) & 0xff], [
    [b.manufacturer, 'board manufacturer'], [b.productName, 'board product'], [b.serialNumber, 'board serial'],
    [b.partNumber, 'board part number'], [b.fruFileId, 'board FRU file ID'], ...b.custom.map((t): [string, string] => [t, 'board custom']),
  ]);
}

export function encodeProduct(p: ProductInfo): Buffer {
  return encodeArea([p.language], [
    [p.manufacturer, 'product manufacturer'], [p.productName, 'product name'], [p.partNumber, 'product part number'],
    [p.version, 'product version'], [p.serialNumber, 'product serial'], [p.assetTag, 'asset tag'], [p.fruFileId, 'product FRU file ID'],
    ...p.custom.map((t): [string, string] => [t, 'product custom']),
  ]);
}

/** The whole image: common header, then chassis, board and product areas in that order. */
export function encode(inv: FruInventory): Buffer {
  const areas: Array<[keyof FruInventory, Buffer]> = [];
  if (inv.chassis) areas.push(['chassis', encodeChassis(inv.chassis)]);
  if (inv.board) areas.push(['board', encodeBoard(inv.board)]);
  if (inv.product) areas.push(['product', encodeProduct(inv.product)]);
  const head = Buffer.alloc(HEADER_LENGTH);
  head[0] = FRU_FORMAT_VERSION; // byte 0: [3:0] format version
  let at = HEADER_LENGTH;
  const slot = { chassis: 2, board: 3, product: 4 } as const; // byte 1 internal use, 2 chassis, 3 board, 4 product, 5 multirecord
  for (const [name, area] of areas) {
    if (at / AREA_UNIT > 0xff) throw new RangeError(`FRU ${name} area would start past byte 2040 (common header offsets are one byte, in 8-byte units)`);
    head[slot[name]] = at / AREA_UNIT;
    at += area.length;
  }
  head[7] = zeroChecksum(head, 0, 7); // byte 6 pad stays 00h; byte 7 header checksum
  return Buffer.concat([head, ...areas.map(([, a]) => a)]);
}

export function encodingLength(inv: FruInventory): number {
  return encode(inv).length;
}

export function decodeHeader(buf: Uint8Array): FruHeader {
  requireBytes(buf, 0, HEADER_LENGTH, 'fru', 'common header');
  if ((buf[0] & 0x0f) !== FRU_FORMAT_VERSION) {
    throw new DecodeError('fru', 'common header version', 0, `format version ${buf[0] & 0x0f}, expected 1`, 'ERR_VERSION');
  }
  if (zeroChecksum(buf, 0, HEADER_LENGTH) !== 0) throw new DecodeError('fru', 'common header checksum', 7, 'bytes do not sum to 0', 'ERR_CHECKSUM');
  return { internalUse: buf[1] * AREA_UNIT, chassis: buf[2] * AREA_UNIT, board: buf[3] * AREA_UNIT, product: buf[4] * AREA_UNIT, multiRecord: buf[5] * AREA_UNIT };
}

const BCD_PLUS = '0123456789 -.:,_';

/** Text of one field by its type code (§13.1-§13.4); binary fields come back as upper-case hex. */
function fieldText(type: number, bytes: Uint8Array): string {
  switch (type) {
    case FieldType.BINARY:
      return Buffer.from(bytes).toString('hex').toUpperCase();
    case FieldType.BCD_PLUS: {
      let s = '';
      for (const b of bytes) s += BCD_PLUS[b >> 4] + BCD_PLUS[b & 0x0f];
      return s;
    }
    case FieldType.SIX_BIT_ASCII: {
      // 6-bit characters packed LS bits first; each is (code + 20h)
      let s = '';
      const chars = Math.floor((bytes.length * 8) / 6);
      for (let i = 0; i < chars; i++) {
        const bit = i * 6;
        const word = bytes[bit >> 3] | ((bytes[(bit >> 3) + 1] ?? 0) << 8);
        s += String.fromCharCode(((word >> (bit & 7)) & 0x3f) + 0x20);
      }
      return s;
    }
    default:
      return Buffer.from(bytes).toString('latin1').replace(/\0+$/, '');
  }
}

interface AreaCursor { buf: Uint8Array; at: number; end: number; area: string }

function openArea(buf: Uint8Array, offset: number, area: string, fixed: number): AreaCursor {
  requireBytes(buf, offset, 2, 'fru', `${area} area header`);
  if (buf[offset] !== FRU_FORMAT_VERSION) {
    throw new DecodeError('fru', `${area} area version`, offset, `version ${buf[offset]}, expected 1`, 'ERR_VERSION');
  }
  const length = buf[offset + 1] * AREA_UNIT;
  if (length < fixed + 2) throw new DecodeError('fru', `${area} area length`, offset + 1, `area of ${length} bytes is too short`, 'ERR_MALFORMED');
  requireBytes(buf, offset, length, 'fru', `${area} area`);
  if (zeroChecksum(buf, offset, offset + length) !== 0) {
    throw new DecodeError('fru', `${area} area checksum`, offset + length - 1, 'bytes do not sum to 0', 'ERR_CHECKSUM');
  }
  return { buf, at: offset + fixed, end: offset + length - 1, area };
}

/** The next field, or null at C1h. */
function nextField(c: AreaCursor): string | null {
  if (c.at >= c.end) throw new DecodeError('fru', `${c.area} fields`, c.at, 'no end-of-fields marker (C1h)', 'ERR_MALFORMED');
  const tl = c.buf[c.at];
  if (tl === END_OF_FIELDS) return null;
  const len = tl & MAX_FIELD;
  if (c.at + 1 + len > c.end) throw new DecodeError('fru', `${c.area} field`, c.at, `field of ${len} bytes runs past the area`, 'ERR_TRUNCATED');
  const text = fieldText(tl >> 6, c.buf.subarray(c.at + 1, c.at + 1 + len));
  c.at += 1 + len;
  return text;
}

function requiredFields(c: AreaCursor, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const f = nextField(c);
    if (f === null) throw new DecodeError('fru', `${c.area} fields`, c.at, `end of fields after ${i} of ${count} fixed fields`, 'ERR_MALFORMED');
    out.push(f);
  }
  return out;
}

function customFields(c: AreaCursor): string[] {
  const out: string[] = [];
  for (let f = nextField(c); f !== null; f = nextField(c)) out.push(f);
  return out;
}

export function decodeChassis(buf: Uint8Array, offset: number): ChassisInfo {
  const c = openArea(buf, offset, 'chassis', 3);
  const [partNumber, serialNumber] = requiredFields(c, 2);
  return { type: buf[offset + 2], partNumber, serialNumber, custom: customFields(c) };
}

export function decodeBoard(buf: Uint8Array, offset: number): BoardInfo {
  const c = openArea(buf, offset, 'board', 6);
  const [manufacturer, productName, serialNumber, partNumber, fruFileId] = requiredFields(c, 5);
  return {
    language: buf[offset + 2],
    mfgMinutes: buf[offset + 3] | (buf[offset + 4] << 8) | (buf[offset + 5] << 16),
    manufacturer, productName, serialNumber, partNumber, fruFileId, custom: customFields(c),
  };
}

export function decodeProduct(buf: Uint8Array, offset: number): ProductInfo {
  const c = openArea(buf, offset, 'product', 3);
  const [manufacturer, productName, partNumber, version, serialNumber, assetTag, fruFileId] = requiredFields(c, 7);
  return { language: buf[offset + 2], manufacturer, productName, partNumber, version, serialNumber, assetTag, fruFileId, custom: customFields(c) };
}

export function decode(buf: Uint8Array): FruInventory {
  const h = decodeHeader(buf);
  const inv: FruInventory = {};
  if (h.chassis) inv.chassis = decodeChassis(buf, h.chassis);
  if (h.board) inv.board = decodeBoard(buf, h.board);
  if (h.product) inv.product = decodeProduct(buf, h.product);
  return inv;
}
