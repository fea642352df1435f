// GET CONFIGURATION — MMC-6 §6.6: the feature header and the features of a read-only CD-ROM drive (MMC-6 §5.3):
// Profile List (0000h, one profile: CD-ROM 0008h), Core (0001h, USB), Morphing (0002h, polling only),
// Removable Medium (0003h, tray), Random Readable (0010h, 2048-byte blocks) and CD Read (001Eh). The last two,
// and the profile, are current only while a disc is in the drive; the current profile is then 0008h, else 0000h.
import { invalidField, readCdb } from './cdb.js';

/** RT, byte 1 [1:0]: which features to return from STARTING FEATURE NUMBER on. */
export const RequestType = { all: 0b00, current: 0b01, one: 0b10 } as const;

export const Profile = { none: 0x0000, cdRom: 0x0008 } as const;
export const Feature = {
  profileList: 0x0000,
  core: 0x0001,
  morphing: 0x0002,
  removableMedium: 0x0003,
  randomReadable: 0x0010,
  cdRead: 0x001e,
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

/** The drive's features in ascending code order, as they stand with or without a disc. */
function features(discPresent: boolean): FeatureDescriptor[] {
  return [
    // Profile List: PROFILE NUMBER 0008h, byte 2 bit 0 CURRENTP
    { code: Feature.profileList, version: 0, persistent: true, current: true, data: [0x00, Profile.cdRom, discPresent ? 1 : 0, 0] },
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
    { code: Feature.cdRead, version: 2, persistent: false, current: discPresent, data: [0, 0, 0, 0] },
  ];
}

/** The feature header (8 bytes) and the selected feature descriptors, whole; the caller cuts it to the allocation length. */
export function configurationData(c: GetConfigurationCommand, discPresent: boolean): Buffer {
  const selected = features(discPresent).filter((f) => {
    if (c.requestType === RequestType.one) return f.code === c.startingFeature;
    return f.code >= c.startingFeature && (c.requestType === RequestType.all || f.current);
  });
  const length = 8 + selected.reduce((n, f) => n + 4 + f.data.length, 0);
  const out = Buffer.alloc(length);
  out.writeUInt32BE(length - 4, 0); // DATA LENGTH: bytes after itself
  out.writeUInt16BE(discPresent ? Profile.cdRom : Profile.none, 6); // CURRENT PROFILE
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
