// A whole ISO 9660 image (ECMA-119 4th edition) with files in its root directory, laid out as §6 describes: the system
// area (sectors 0-15, §6.2.1), the volume descriptor set from sector 16 (a Primary Volume Descriptor, §8.4, and the
// terminator, §8.3), the two path tables (§9.4), the root directory (§6.8), then each file's extent, every extent on
// a sector of its own. Files are recorded under interchange level 2 names (§10.2), sorted as §9.3 orders them.
// readIsoImage reads one back from memory; a reader of a device does the same steps with the decoders here.
import { DecodeError } from '../errors.js';
import {
  PARENT_ID, SELF_ID, decodeDirectory, directorySectors, encodeDirectory, fileIdentifier, fileName, isFileName, type DirectoryRecord,
} from './directory-record.js';
import { ISO9660, SECTOR_BYTES } from './fields.js';
import { encodeRootPathTable } from './path-table.js';
import {
  FIRST_DESCRIPTOR_SECTOR, decodePrimaryVolumeDescriptor, encodePrimaryVolumeDescriptor, encodeTerminator, type PrimaryVolumeDescriptor,
} from './volume-descriptor.js';

export interface IsoFile {
  /** Level 2 name: upper-case letters, digits and _, an optional extension ("MANIFEST.SHA256"). */
  name: string;
  data: Uint8Array;
}

export interface IsoImageSpec {
  /** d-characters, at most 32 (§8.4.6). */
  volumeId: string;
  files: readonly IsoFile[];
  /** Recorded as the volume's and every file's date (time is an argument: the same spec gives the same bytes). */
  createdAt: Date;
  applicationId?: string;
}

const PATH_TABLE_BYTES = 10;
const L_PATH_TABLE_SECTOR = FIRST_DESCRIPTOR_SECTOR + 2;
const M_PATH_TABLE_SECTOR = FIRST_DESCRIPTOR_SECTOR + 3;
const ROOT_SECTOR = FIRST_DESCRIPTOR_SECTOR + 4;

function sectorsFor(bytes: number): number {
  return Math.ceil(bytes / SECTOR_BYTES);
}

/** The image's bytes; throws RangeError for a name or volume ID ISO 9660 cannot record, or the same name twice. */
export function buildIsoImage(spec: IsoImageSpec): Buffer {
  if (spec.volumeId.length > 32 || !/^[A-Z0-9_]*$/.test(spec.volumeId)) throw new RangeError(`volume ID must be at most 32 of A-Z, 0-9 and _, got "${spec.volumeId}"`);
  const files = [...spec.files].sort((a, b) => (fileIdentifier(a.name) < fileIdentifier(b.name) ? -1 : 1));
  files.forEach((f, i) => {
    if (!isFileName(f.name)) throw new RangeError(`"${f.name}" is not an ISO 9660 level 2 file name (A-Z, 0-9, _, one dot, at most 30 characters)`);
    if (i > 0 && files[i - 1].name === f.name) throw new RangeError(`two files named "${f.name}"`);
  });
  const identifiers = [SELF_ID, PARENT_ID, ...files.map((f) => fileIdentifier(f.name))];
  const rootSectors = directorySectors(identifiers);
  let next = ROOT_SECTOR + rootSectors;
  const extents = files.map((f) => {
    const at = next;
    next += sectorsFor(f.data.length);
    return at;
  });
  const root = { extent: ROOT_SECTOR, size: rootSectors * SECTOR_BYTES, recordedAt: spec.createdAt, directory: true };
  const records = [
    { ...root, identifier: SELF_ID },
    { ...root, identifier: PARENT_ID }, // §6.8.2.2: the root is its own parent
    ...files.map((f, i) => ({ extent: extents[i], size: f.data.length, recordedAt: spec.createdAt, directory: false, identifier: identifiers[i + 2] })),
  ];
  const image = Buffer.alloc(next * SECTOR_BYTES);
  const pvd: PrimaryVolumeDescriptor = {
    systemId: '', volumeId: spec.volumeId, volumeSpaceSize: next, logicalBlockSize: SECTOR_BYTES, pathTableSize: PATH_TABLE_BYTES,
    lPathTable: L_PATH_TABLE_SECTOR, mPathTable: M_PATH_TABLE_SECTOR, root: { ...root, length: 34, identifier: SELF_ID },
    publisherId: '', applicationId: spec.applicationId ?? 'BMCFLEET', createdAt: spec.createdAt,
  };
  encodePrimaryVolumeDescriptor(pvd).copy(image, FIRST_DESCRIPTOR_SECTOR * SECTOR_BYTES);
  encodeTerminator().copy(image, (FIRST_DESCRIPTOR_SECTOR + 1) * SECTOR_BYTES);
  encodeRootPathTable(ROOT_SECTOR, 'L').copy(image, L_PATH_TABLE_SECTOR * SECTOR_BYTES);
  encodeRootPathTable(ROOT_SECTOR, 'M').copy(image, M_PATH_TABLE_SECTOR * SECTOR_BYTES);
  encodeDirectory(records).copy(image, ROOT_SECTOR * SECTOR_BYTES);
  files.forEach((f, i) => image.set(f.data, extents[i] * SECTOR_BYTES));
  return image;
}

/** A file of the root directory as a reader finds it. */
export interface IsoEntry {
  name: string;
  /** First sector of its extent. */
  extent: number;
  size: number;
}

/** The root's files (not its subdirectories), named without their versions; each extent checked to lie within the volume. */
export function rootFiles(pvd: PrimaryVolumeDescriptor, rootExtent: Uint8Array): IsoEntry[] {
  const out: IsoEntry[] = [];
  for (const r of decodeDirectory(rootExtent)) {
    if (r.directory) continue;
    checkExtent(pvd, r);
    out.push({ name: fileName(r.identifier), extent: r.extent, size: r.size });
  }
  return out;
}

/** Sectors the root directory's extent spans (read them, then call rootFiles). */
export function rootSpan(pvd: PrimaryVolumeDescriptor): { extent: number; sectors: number } {
  checkExtent(pvd, pvd.root);
  return { extent: pvd.root.extent, sectors: sectorsFor(pvd.root.size) };
}

function checkExtent(pvd: PrimaryVolumeDescriptor, r: DirectoryRecord): void {
  if (r.extent + sectorsFor(r.size) > pvd.volumeSpaceSize) {
    throw new DecodeError(ISO9660, 'location of extent', r.extent, `"${fileName(r.identifier)}" runs past the volume's ${pvd.volumeSpaceSize} sectors`, 'ERR_EXTENT_RANGE');
  }
}

/** Reads an image held in memory: its PVD and its root's files with their data (views into `image`). */
export function readIsoImage(image: Uint8Array): { pvd: PrimaryVolumeDescriptor; files: (IsoEntry & { data: Uint8Array })[] } {
  const sector = (n: number, count = 1) => {
    if ((n + count) * SECTOR_BYTES > image.length) throw new DecodeError(ISO9660, 'sector', n * SECTOR_BYTES, `sector ${n + count - 1} is past the image's end`, 'ERR_TRUNCATED');
    return image.subarray(n * SECTOR_BYTES, (n + count) * SECTOR_BYTES);
  };
  const pvd = decodePrimaryVolumeDescriptor(sector(FIRST_DESCRIPTOR_SECTOR));
  const span = rootSpan(pvd);
  const files = rootFiles(pvd, sector(span.extent, span.sectors)).map((e) => ({ ...e, data: sector(e.extent, sectorsFor(e.size)).subarray(0, e.size) }));
  return { pvd, files };
}
