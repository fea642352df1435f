// ISO 9660 volume descriptors, ECMA-119 4th edition: the Primary Volume Descriptor (§8.4, Table 4) and the Volume
// Descriptor Set Terminator (§8.3), each one 2048-byte sector of the set that starts at sector 16 (§6.2.1, §6.7.1).
// Offsets below are the table's byte positions less one.
import { DecodeError, requireBytes } from '../errors.js';
import { decodeDirectoryRecord, encodeDirectoryRecord, type DirectoryRecord } from './directory-record.js';
import { ISO9660, SECTOR_BYTES, both16, both32, putBoth16, putBoth32, putLongDate, putText, text } from './fields.js';

/** §6.2.1: sectors 0-15 are the system area; the descriptor set starts at 16. */
export const FIRST_DESCRIPTOR_SECTOR = 16;
export const STANDARD_IDENTIFIER = 'CD001';
/** §8.1.1 volume descriptor types. */
export const VolumeDescriptorType = { BOOT_RECORD: 0, PRIMARY: 1, SUPPLEMENTARY: 2, PARTITION: 3, TERMINATOR: 255 } as const;

export interface PrimaryVolumeDescriptor {
  systemId: string;
  volumeId: string;
  /** Logical blocks in the volume (§8.4.8). */
  volumeSpaceSize: number;
  logicalBlockSize: number;
  pathTableSize: number;
  /** Sector of the type L (little-endian) path table (§8.4.14). */
  lPathTable: number;
  /** Sector of the type M (big-endian) path table (§8.4.16). */
  mPathTable: number;
  root: DirectoryRecord;
  publisherId: string;
  applicationId: string;
  createdAt: Date | null;
}

/** §8.4: the PVD as one sector. */
export function encodePrimaryVolumeDescriptor(d: PrimaryVolumeDescriptor): Buffer {
  const b = Buffer.alloc(SECTOR_BYTES);
  b[0] = VolumeDescriptorType.PRIMARY; // §8.4.1
  b.write(STANDARD_IDENTIFIER, 1, 'latin1'); // §8.4.2
  b[6] = 1; // §8.4.3 version
  putText(b, 8, 32, d.systemId, 'systemId'); // §8.4.5 (a-characters)
  putText(b, 40, 32, d.volumeId, 'volumeId'); // §8.4.6 (d-characters)
  putBoth32(b, 80, d.volumeSpaceSize); // §8.4.8
  putBoth16(b, 120, 1); // §8.4.10 volume set size
  putBoth16(b, 124, 1); // §8.4.11 volume sequence number
  putBoth16(b, 128, d.logicalBlockSize); // §8.4.12
  putBoth32(b, 132, d.pathTableSize); // §8.4.13
  b.writeUInt32LE(d.lPathTable, 140); // §8.4.14 (optional L table, §8.4.15, stays 0)
  b.writeUInt32BE(d.mPathTable, 148); // §8.4.16 (optional M table, §8.4.17, stays 0)
  encodeDirectoryRecord(d.root).copy(b, 156); // §8.4.18: 34 bytes
  putText(b, 190, 128, '', 'volumeSetId'); // §8.4.19
  putText(b, 318, 128, d.publisherId, 'publisherId'); // §8.4.20
  putText(b, 446, 128, '', 'dataPreparerId'); // §8.4.21
  putText(b, 574, 128, d.applicationId, 'applicationId'); // §8.4.22
  putText(b, 702, 37, '', 'copyrightFileId'); // §8.4.23
  putText(b, 739, 37, '', 'abstractFileId'); // §8.4.24
  putText(b, 776, 37, '', 'bibliographicFileId'); // §8.4.25
  putLongDate(b, 813, d.createdAt); // §8.4.26 creation
  putLongDate(b, 830, d.createdAt); // §8.4.27 modification
  putLongDate(b, 847, null); // §8.4.28 expiration
  putLongDate(b, 864, null); // §8.4.29 effective
  b[881] = 1; // §8.4.31 file structure version
  return b;
}

/** §8.3: the sector that ends the descriptor set. */
export function encodeTerminator(): Buffer {
  const b = Buffer.alloc(SECTOR_BYTES);
  b[0] = VolumeDescriptorType.TERMINATOR;
  b.write(STANDARD_IDENTIFIER, 1, 'latin1');
  b[6] = 1;
  return b;
}

/** §8.1: the type of the descriptor in `sector`, after checking its standard identifier and version. */
export function descriptorType(sector: Uint8Array): number {
  requireBytes(sector, 0, 7, ISO9660, 'volume descriptor');
  if (Buffer.from(sector.subarray(1, 6)).toString('latin1') !== STANDARD_IDENTIFIER) {
    throw new DecodeError(ISO9660, 'standard identifier', 1, 'not "CD001": not an ISO 9660 volume descriptor', 'ERR_NOT_ISO9660');
  }
  if (sector[6] !== 1) throw new DecodeError(ISO9660, 'volume descriptor version', 6, `version ${sector[6]}, expected 1`, 'ERR_VERSION');
  return sector[0];
}

/** §8.4: reads a PVD sector; what a reader relies on is checked (type, identifier, block size, the root's record). */
export function decodePrimaryVolumeDescriptor(sector: Uint8Array): PrimaryVolumeDescriptor {
  requireBytes(sector, 0, SECTOR_BYTES, ISO9660, 'primary volume descriptor');
  const type = descriptorType(sector);
  if (type !== VolumeDescriptorType.PRIMARY) throw new DecodeError(ISO9660, 'volume descriptor type', 0, `type ${type}, expected 1 (primary)`, 'ERR_NOT_PRIMARY');
  const logicalBlockSize = both16(sector, 128, 'logical block size');
  // §6.1.2: 512, 1024 or 2048, at most the sector size
  if (![512, 1024, 2048].includes(logicalBlockSize)) throw new DecodeError(ISO9660, 'logical block size', 128, `${logicalBlockSize} is not 512, 1024 or 2048`, 'ERR_BLOCK_SIZE');
  const root = decodeDirectoryRecord(sector, 156);
  if (root === null || root.length !== 34 || !root.directory) throw new DecodeError(ISO9660, 'root directory record', 156, 'not a 34-byte directory record', 'ERR_ROOT_RECORD');
  return {
    systemId: text(sector, 8, 32),
    volumeId: text(sector, 40, 32),
    volumeSpaceSize: both32(sector, 80, 'volume space size'),
    logicalBlockSize,
    pathTableSize: both32(sector, 132, 'path table size'),
    lPathTable: Buffer.from(sector.buffer, sector.byteOffset, sector.byteLength).readUInt32LE(140),
    mPathTable: Buffer.from(sector.buffer, sector.byteOffset, sector.byteLength).readUInt32BE(148),
    root,
    publisherId: text(sector, 318, 128),
    applicationId: text(sector, 574, 128),
    createdAt: longDate(sector, 813),
  };
}

function longDate(b: Uint8Array, at: number): Date | null {
  const s = Buffer.from(b.subarray(at, at + 16)).toString('latin1');
  if (!/^\d{16}$/.test(s) || s === '0000000000000000') return null;
  const offsetMinutes = ((b[at + 16] << 24) >> 24) * 15;
  const n = (i: number, w: number) => Number(s.slice(i, i + w));
  return new Date(Date.UTC(n(0, 4), n(4, 2) - 1, n(6, 2), n(8, 2), n(10, 2), n(12, 2), n(14, 2) * 10) - offsetMinutes * 60_000);
}
