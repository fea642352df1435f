// GET CONFIGURATION — MMC-6 §6.6: the feature header and the features of a read-only CD/DVD-ROM drive (MMC-6 §5.3):
// Profile List (0000h), Core (0001h, USB), Morphing (0002h, polling only), Removable Medium (0003h, tray), Random
// Readable (0010h, 2048-byte blocks), CD Read (001Eh) and, with a DVD in, DVD Read (001Fh). The disc's profile follows
// its size, as QEMU's and the BMCs' virtual drives do: an image that fits an 80-minute CD (360,000 blocks) is a CD-ROM
// (0008h), a larger one a DVD-ROM (0010h), which the Profile List then names first. Random Readable, CD or DVD Read and
// the profile are current only while a disc is in the drive; with none the current profile is 0000h.
import { invalidField, readCdb } from './cdb.js';

/** RT, byte 1 [1:0]: which features to return from STARTING FEATURE NUMBER on. */
export const RequestType = { all: 0b00, current: 0b01, one: 0b10 } as const;

export const Profile = { none: 0x0000, cdRom: 0x0008, dvdRom: 0x0010 } as const;

/** Blocks of 2048 bytes on an 80-minute CD: 80 x 60 s x 75 frames (MMC-6, CD addressing). A larger image is a DVD. */
export const CD_MAX_BLOCKS = 80 * 60 * 75;

/** The profile of a disc of `blockCount` 2048-byte blocks. */
export function discProfile(blockCount: number): number {
  return blockCount > CD_MAX_BLOCKS ? Profile.dvdRom : Profile.cdRom;
}

export const Feature = {
  profileList: 0x0000,
  core: 0x0001,
  morphing: 0x0002,
  removableMedium: 0x0003,
  randomReadable: 0x0010,
  cdRead: 0x001e,
  dvdRead: 0x001f,
} as const;

export interface GetConfigurationCommand {
  op: 'get-configuration';
  requestType: number;
  startingFeature: number;
  allocationLength: number;
}

/** CDB: byte 1 [1:0] RT, bytes 2-3 STARTING FEATURE NUMBER, bytes 7-8 ALLOCATION LENGTH; RT 11b is reserved. */
export function decodeGetConfiguration(input: Uint8Array): GetConfigurationCommand {
  const cdb = readCdb(input, 10, 'GET CONFIGURATION');
  const requestType = cdb[1] & 0x03;
  if (requestType === 0b11) throw invalidField('GET CONFIGURATION', 'RT', 1, 'RT 11b is reserved');
  return { op: 'get-configuration', requestType, startingFeature: cdb.readUInt16BE(2), allocationLength: cdb.readUInt16BE(7) };
}

interface FeatureDescriptor {
  code: number;
  version: number;
  persistent: boolean;
  current: boolean;
  /** The feature dependent data after the 4-byte descriptor header. */
  data: number[];
}

const PHYSICAL_INTERFACE_USB = 0x00000008;
const BLOCK_SIZE = 2048;

/** The drive's features in ascending code order, as they stand with a disc of `profile` in it (Profile.none: empty). */
function features(profile: number): FeatureDescriptor[] {
  const discPresent = profile !== Profile.none;
  const dvd = profile === Profile.dvdRom;
  // Profile List: a PROFILE NUMBER (2 bytes), byte 2 bit 0 CURRENTP, a reserved byte, per profile the drive offers now
  const profiles = dvd ? [0x00, Profile.dvdRom, 1, 0, 0x00, Profile.cdRom, 0, 0] : [0x00, Profile.cdRom, discPresent ? 1 : 0, 0];
  const list: FeatureDescriptor[] = [
    { code: Feature.profileList, version: 0, persistent: true, current: true, data: profiles },
    // Core: PHYSICAL INTERFACE STANDARD (4 bytes) = USB; byte 4 INQ2 (1) = 0, DBE (0) = 1
    { code: Feature.core, version: 2, persistent: true, current: true, data: [0, 0, 0, PHYSICAL_INTERFACE_USB, 0x01, 0, 0, 0] },
    // Morphing: byte 4 OCEVENT (1) = 0, ASYNC (0) = 0: GET EVENT STATUS NOTIFICATION is polled only
    { code: Feature.morphing, version: 1, persistent: true, current: true, data: [0, 0, 0, 0] },
    // Removable Medium: byte 4 LOADING MECHANISM TYPE (7-5) = 001b tray, EJECT (3) = 1, PVNT JMPR (2) = 0, LOCK (0) = 1
    { code: Feature.removableMedium, version: 0, persistent: true, current: true, data: [(0b001 << 5) | 0x08 | 0x01, 0, 0, 0] },
    // Random Readable: LOGICAL BLOCK SIZE (4 bytes), BLOCKING (2 bytes) = 1, byte 10 PP (0) = 0
    {
      code: Feature.randomReadable, version: 0, persistent: false, current: discPresent,
      data: [(BLOCK_SIZE >>> 24) & 0xff, (BLOCK_SIZE >>> 16) & 0xff, (BLOCK_SIZE >>> 8) & 0xff, BLOCK_SIZE & 0xff, 0x00, 0x01, 0, 0],
    },
    // CD Read: byte 4 DAP (7), C2 FLAGS (1), CD-TEXT (0) = 0
    { code: Feature.cdRead, version: 2, persistent: false, current: discPresent && !dvd, data: [0, 0, 0, 0] },
  ];
  // DVD Read, version 0: no feature dependent data
  if (dvd) list.push({ code: Feature.dvdRead, version: 0, persistent: false, current: true, data: [] });
  return list;
}

/** The feature header (8 bytes) and the selected feature descriptors, whole; the caller cuts it to the allocation length. */
export function configurationData(c: GetConfigurationCommand, profile: number): Buffer {
  const selected = features(profile).filter((f) => {
    if (c.requestType === RequestType.one) return f.code === c.startingFeature;
    return f.code >= c.startingFeature && (c.requestType === RequestType.all || f.current);
  });
  const length = 8 + selected.reduce((n, f) => n + 4 + f.data.length, 0);
  const out = Buffer.alloc(length);
  out.writeUInt32BE(length - 4, 0); // DATA LENGTH: bytes after itself
  out.writeUInt16BE(profile, 6); // CURRENT PROFILE
  let at = 8;
  for (const f of selected) {
    out.writeUInt16BE(f.code, at); // FEATURE CODE
    out[at + 2] = (f.version << 2) | (f.persistent ? 0x02 : 0) | (f.current ? 0x01 : 0); // VERSION, PERSISTENT, CURRENT
    out[at + 3] = f.data.length; // ADDITIONAL LENGTH
    for (let i = 0; i < f.data.length; i++) out[at + 4 + i] = f.data[i];
    at += 4 + f.data.length;
  }
  return out;
}
