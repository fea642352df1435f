// ISO 9660 directory records, ECMA-119 4th edition §9.1 (Table 8), and directories made of them (§6.8.1): records
// never cross a logical sector; the rest of a sector after its last record is zeros. The first two records of a
// directory are itself (identifier 00h) and its parent (01h) (§6.8.2.2). Offsets are the table's positions less one.
import { DecodeError, requireBytes } from '../errors.js';
import { ISO9660, SECTOR_BYTES, both32, putBoth16, putBoth32, putShortDate, shortDate } from './fields.js';

/** §9.1.6 file flags. */
export const FileFlag = { HIDDEN: 0x01, DIRECTORY: 0x02, ASSOCIATED: 0x04, RECORD: 0x08, PROTECTION: 0x10, MULTI_EXTENT: 0x80 } as const;
/** §6.8.2.2: the identifiers of a directory's own record and its parent's. */
export const SELF_ID = '\0';
export const PARENT_ID = '\x01';

export interface DirectoryRecord {
  /** Bytes of the record (§9.1.1); set by decode, ignored by encode. */
  length: number;
  /** First logical block of the file's extent (§9.1.3). */
  extent: number;
  /** Bytes of the file (§9.1.4). */
  size: number;
  recordedAt: Date;
  directory: boolean;
  /** File identifier as recorded (§9.1.11): "NAME.EXT;1", or SELF_ID / PARENT_ID. */
  identifier: string;
}

/** §9.1.1: 33 bytes, the identifier, and a padding byte when the identifier's length is even (§9.1.12). */
export function directoryRecordLength(identifier: string): number {
  const n = Buffer.byteLength(identifier, 'latin1');
  return 33 + n + (n % 2 === 0 ? 1 : 0);
}

export function encodeDirectoryRecord(r: Omit<DirectoryRecord, 'length'>): Buffer {
  const length = directoryRecordLength(r.identifier);
  if (length > 255) throw new RangeError(`file identifier "${r.identifier}" is too long for a directory record`);
  const b = Buffer.alloc(length);
  b[0] = length; // §9.1.1
  b[1] = 0; // §9.1.2 no extended attribute record
  putBoth32(b, 2, r.extent); // §9.1.3
  putBoth32(b, 10, r.size); // §9.1.4
  putShortDate(b, 18, r.recordedAt); // §9.1.5
  b[25] = r.directory ? FileFlag.DIRECTORY : 0; // §9.1.6
  b[26] = 0; // §9.1.7 file unit size: not interleaved
  b[27] = 0; // §9.1.8 interleave gap
  putBoth16(b, 28, 1); // §9.1.9 volume sequence number
  b[32] = Buffer.byteLength(r.identifier, 'latin1'); // §9.1.10
  b.write(r.identifier, 33, 'latin1'); // §9.1.11
  return b;
}

/** The record at `at`, or null where a zero length byte says the sector has no more records (§6.8.1.1). */
export function decodeDirectoryRecord(buf: Uint8Array, at: number): DirectoryRecord | null {
  requireBytes(buf, at, 1, ISO9660, 'directory record length');
  const length = buf[at];
  if (length === 0) return null;
  if (length < 34) throw new DecodeError(ISO9660, 'directory record length', at, `${length} is shorter than a record (34)`, 'ERR_RECORD_LENGTH');
  requireBytes(buf, at, length, ISO9660, 'directory record');
  const idLength = buf[at + 32];
  if (33 + idLength > length) throw new DecodeError(ISO9660, 'file identifier length', at + 32, `${idLength} bytes do not fit a ${length}-byte record`, 'ERR_IDENTIFIER_LENGTH');
  const flags = buf[at + 25];
  if (flags & FileFlag.MULTI_EXTENT) throw new DecodeError(ISO9660, 'file flags', at + 25, 'multi-extent files are not supported', 'ERR_MULTI_EXTENT');
  return {
    length,
    extent: both32(buf, at + 2, 'location of extent'),
    size: both32(buf, at + 10, 'data length'),
    recordedAt: shortDate(buf, at + 18),
    directory: (flags & FileFlag.DIRECTORY) !== 0,
    identifier: Buffer.from(buf.subarray(at + 33, at + 33 + idLength)).toString('latin1'),
  };
}

/** The records of a directory's extent (`data`: its whole extent), sector by sector (§6.8.1.1). */
export function decodeDirectory(data: Uint8Array): DirectoryRecord[] {
  const out: DirectoryRecord[] = [];
  for (let sector = 0; sector < data.length; sector += SECTOR_BYTES) {
    const end = Math.min(sector + SECTOR_BYTES, data.length);
    let at = sector;
    while (at < end) {
      const r = decodeDirectoryRecord(data.subarray(0, end), at);
      if (r === null) break;
      out.push(r);
      at += r.length;
    }
  }
  return out;
}

/** Lays records into sectors (none crosses one, §6.8.1.1): the directory's extent, zero-padded to whole sectors. */
export function encodeDirectory(records: readonly Omit<DirectoryRecord, 'length'>[]): Buffer {
  return Buffer.concat(packDirectory(records).map((sector) => {
    const b = Buffer.alloc(SECTOR_BYTES);
    let at = 0;
    for (const r of sector) at += encodeDirectoryRecord(r).copy(b, at);
    return b;
  }));
}

/** How many sectors `encodeDirectory` needs for records with these identifiers. */
export function directorySectors(identifiers: readonly string[]): number {
  return packDirectory(identifiers.map((identifier) => ({ identifier }))).length;
}

function packDirectory<T extends { identifier: string }>(records: readonly T[]): T[][] {
  const sectors: T[][] = [[]];
  let used = 0;
  for (const r of records) {
    const n = directoryRecordLength(r.identifier);
    if (used + n > SECTOR_BYTES) {
      sectors.push([]);
      used = 0;
    }
    sectors[sectors.length - 1].push(r);
    used += n;
  }
  return sectors;
}

/** §7.5.1, interchange level 2 (§10.2): d-characters, an optional extension after one dot, at most 30 characters without it. */
export function isFileName(name: string): boolean {
  return /^[A-Z0-9_]+(\.[A-Z0-9_]*)?$/.test(name) && name.replace('.', '').length <= 30;
}

/** §7.5.1: the identifier a record carries for `name`: separator 1 always present, version 1 ("README" -> "README.;1"). */
export function fileIdentifier(name: string): string {
  return `${name.includes('.') ? name : `${name}.`};1`;
}

/** The name a file identifier records, without its version (§7.5.1: "NAME.EXT;1" -> "NAME.EXT"; "NAME.;1" -> "NAME"). */
export function fileName(identifier: string): string {
  return identifier.replace(/;\d+$/, '').replace(/\.$/, '');
}
