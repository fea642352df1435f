// The HPM.1 upgrade image file — PICMG HPM.1 r1.0 §4, as ipmitool 1.8.19 reads it (include/ipmitool/
// ipmi_hpmfwupg.h, packed, multi-byte fields LS byte first): a header with its checksum, action records (backup,
// prepare, upload firmware) up to the last 16 bytes, and an MD5 of everything before those 16 bytes.
//
//   off  len  field
//   0    8    signature "PICMGFWU"
//   8    1    format version 00h
//   9    1    device ID                     (Get Device ID byte 2)
//   10   3    manufacturer ID, IANA         (Get Device ID bytes 7-9)
//   13   2    product ID                    (Get Device ID bytes 10-11)
//   15   4    creation time, seconds since 1970
//   19   1    image capabilities            (ipmitool reads 10h as "services affected" and asks y/n: write 00h)
//   20   1    components, one bit each
//   21   3    self-test, rollback, inaccessibility timeouts (5-second units)
//   24   2    earliest compatible revision: major, minor (BCD)
//   26   6    firmware revision: major, minor (BCD), 4 auxiliary bytes
//   32   2    OEM data length N
//   34   N    OEM data
//   34+N 1    header checksum: bytes 0..34+N sum to 0 (mod 256)
//   ...       action records: type(1) components(1) checksum(1), the checksum zeroing the 3 bytes; an upload
//             (type 2) goes on with version(6) description(21, NUL-padded) length(4) and the firmware bytes
//   end-16    MD5 of every byte before it
import { createHash } from 'node:crypto';
import { DecodeError, requireBytes } from '../errors.js';
import { putLe, u16At, u24At, u32At } from './commands/command-data.js';
import { bcd, fromBcd } from './commands/device.js';
import { MAX_COMPONENTS, VERSION_BYTES, putVersion, versionAt, type HpmVersion } from './commands/hpm.js';

export const HPM_IMAGE_PROTOCOL = 'hpm.1 image';
const P = HPM_IMAGE_PROTOCOL;

const SIGNATURE = Buffer.from('PICMGFWU', 'latin1');
const FORMAT_VERSION = 0x00;
const HEADER_BYTES = 34;
const MD5_BYTES = 16;
const ACTION_HEADER_BYTES = 3;
export const IMAGE_DESCRIPTION_BYTES = 21;
const UPLOAD_HEADER_BYTES = ACTION_HEADER_BYTES + VERSION_BYTES + IMAGE_DESCRIPTION_BYTES + 4;

/** Action record types. */
export const ImageAction = { BACKUP: 0x00, PREPARE: 0x01, UPLOAD_FIRMWARE: 0x02 } as const;

export interface HpmImageHeader {
  deviceId: number;
  /** 20-bit IANA enterprise number */
  manufacturerId: number;
  productId: number;
  /** creation time, seconds since 1970 */
  createdAt: number;
  /** image capabilities byte, as written (bmcfleet writes 00h: no ipmitool prompt) */
  capabilities: number;
  /** the components the image holds, one bit each */
  components: number;
  /** 5-second units */
  selfTestTimeout: number;
  rollbackTimeout: number;
  inaccessibilityTimeout: number;
  /** the oldest active firmware this image may replace (ipmitool compares it with Get Device ID) */
  earliestCompatible: { major: number; minor: number };
  firmwareVersion: HpmVersion | null;
  oemData: Uint8Array;
}

export type HpmImageAction =
  | { type: typeof ImageAction.BACKUP | typeof ImageAction.PREPARE; components: number }
  | { type: typeof ImageAction.UPLOAD_FIRMWARE; components: number; version: HpmVersion | null; description: string; firmware: Uint8Array };

export interface HpmImage extends HpmImageHeader {
  actions: HpmImageAction[];
}

/** True when `bytes` begin as an HPM.1 image file does (its signature; nothing else is checked). */
export function isHpmImage(bytes: Uint8Array): boolean {
  return bytes.length >= SIGNATURE.length && SIGNATURE.equals(bytes.subarray(0, SIGNATURE.length));
}

/** The component an upload record writes: the highest bit of its mask, as ipmitool takes it (null for an empty mask). */
export function uploadComponent(components: number): number | null {
  for (let id = MAX_COMPONENTS - 1; id >= 0; id--) if (components & (1 << id)) return id;
  return null;
}

/** The component the image's first upload record writes (null when it has none): what an upgrade changes. */
export function upgradedComponent(image: HpmImage): number | null {
  const upload = image.actions.find((a) => a.type === ImageAction.UPLOAD_FIRMWARE);
  return upload ? uploadComponent(upload.components) : null;
}

function sum8(bytes: Uint8Array): number {
  let s = 0;
  for (const b of bytes) s = (s + b) & 0xff;
  return s;
}

function md5(bytes: Uint8Array): Buffer {
  return createHash('md5').update(bytes).digest();
}

/**
 * Validates an image file in ipmitool's order (MD5 first, then signature, format version and header checksum, then
 * the action records) and decodes it. Each defect is a DecodeError: ERR_TRUNCATED, ERR_MD5, ERR_SIGNATURE,
 * ERR_VERSION, ERR_CHECKSUM (header), ERR_ACTION_CHECKSUM, ERR_ACTION (an unknown action type).
 */
export function decodeHpmImage(file: Uint8Array): HpmImage {
  requireBytes(file, 0, HEADER_BYTES + 1 + MD5_BYTES, P, 'image');
  const end = file.length - MD5_BYTES;
  if (!md5(file.subarray(0, end)).equals(file.subarray(end))) {
    throw new DecodeError(P, 'md5', end, 'the MD5 of the file does not match its last 16 bytes', 'ERR_MD5');
  }
  if (!isHpmImage(file)) throw new DecodeError(P, 'signature', 0, 'not "PICMGFWU"', 'ERR_SIGNATURE');
  if (file[8] !== FORMAT_VERSION) throw new DecodeError(P, 'format version', 8, `${file[8]} is not 0`, 'ERR_VERSION');
  const oemLength = u16At(file, 32);
  const checksumAt = HEADER_BYTES + oemLength;
  if (checksumAt >= end) throw new DecodeError(P, 'oem data', 32, `${oemLength} bytes run past the action records`, 'ERR_TRUNCATED');
  if (sum8(file.subarray(0, checksumAt + 1)) !== 0) throw new DecodeError(P, 'header checksum', checksumAt, 'the header does not sum to 0', 'ERR_CHECKSUM');
  const image: HpmImage = {
    deviceId: file[9],
    manufacturerId: u24At(file, 10) & 0x0fffff,
    productId: u16At(file, 13),
    createdAt: u32At(file, 15),
    capabilities: file[19],
    components: file[20],
    selfTestTimeout: file[21],
    rollbackTimeout: file[22],
    inaccessibilityTimeout: file[23],
    earliestCompatible: { major: file[24] & 0x7f, minor: fromBcd(file[25], 'earliest compatible minor', 25, P) },
    firmwareVersion: versionAt(file, 26, 'firmware revision', P),
    oemData: file.slice(HEADER_BYTES, checksumAt),
    actions: [],
  };
  for (let at = checksumAt + 1; at < end;) {
    if (at + ACTION_HEADER_BYTES > end) throw new DecodeError(P, 'action record', at, 'cut short by the MD5', 'ERR_TRUNCATED');
    const type = file[at];
    const components = file[at + 1];
    if (type === ImageAction.BACKUP || type === ImageAction.PREPARE) {
      if (sum8(file.subarray(at, at + ACTION_HEADER_BYTES)) !== 0) throw actionChecksum(at);
      image.actions.push({ type, components });
      at += ACTION_HEADER_BYTES;
      continue;
    }
    if (type !== ImageAction.UPLOAD_FIRMWARE) throw new DecodeError(P, 'action type', at, `unknown action type ${type}`, 'ERR_ACTION');
    if (at + UPLOAD_HEADER_BYTES > end) throw new DecodeError(P, 'upload record', at, 'cut short by the MD5', 'ERR_TRUNCATED');
    // HPM.1 leaves open whether the checksum covers the 3-byte record header or all 34 bytes before the firmware: ipmitool takes either
    if (sum8(file.subarray(at, at + ACTION_HEADER_BYTES)) !== 0 && sum8(file.subarray(at, at + UPLOAD_HEADER_BYTES)) !== 0) throw actionChecksum(at);
    const length = u32At(file, at + UPLOAD_HEADER_BYTES - 4);
    const firmwareAt = at + UPLOAD_HEADER_BYTES;
    if (length > end - firmwareAt) throw new DecodeError(P, 'firmware length', firmwareAt - 4, `${length} bytes run past the MD5`, 'ERR_TRUNCATED');
    const description = file.subarray(at + 3 + VERSION_BYTES, at + 3 + VERSION_BYTES + IMAGE_DESCRIPTION_BYTES);
    const nul = description.indexOf(0);
    image.actions.push({
      type, components,
      version: versionAt(file, at + 3, 'upload version', P),
      description: Buffer.from(description.subarray(0, nul < 0 ? description.length : nul)).toString('latin1'),
      firmware: file.subarray(firmwareAt, firmwareAt + length),
    });
    at = firmwareAt + length;
  }
  return image;
}

function actionChecksum(at: number): DecodeError {
  return new DecodeError(P, 'action checksum', at + 2, 'the action record does not sum to 0', 'ERR_ACTION_CHECKSUM');
}

/** The image file for `image`: checksums and MD5 computed. A RangeError for a field that does not fit. */
export function encodeHpmImage(image: HpmImage): Buffer {
  const parts: Uint8Array[] = [];
  const header = new Uint8Array(HEADER_BYTES);
  header.set(SIGNATURE, 0);
  header[8] = FORMAT_VERSION;
  header[9] = image.deviceId;
  putLe(header, 10, image.manufacturerId & 0x0fffff, 3);
  putLe(header, 13, image.productId & 0xffff, 2);
  putLe(header, 15, image.createdAt >>> 0, 4);
  header[19] = image.capabilities;
  header[20] = image.components;
  header[21] = image.selfTestTimeout;
  header[22] = image.rollbackTimeout;
  header[23] = image.inaccessibilityTimeout;
  header[24] = image.earliestCompatible.major & 0x7f;
  header[25] = bcd(image.earliestCompatible.minor);
  putVersion(header, 26, image.firmwareVersion);
  if (image.oemData.length > 0xffff) throw new RangeError(`OEM data is at most 65535 bytes, got ${image.oemData.length}`);
  putLe(header, 32, image.oemData.length, 2);
  parts.push(header, image.oemData, Uint8Array.of((0x100 - sum8(header) - sum8(image.oemData)) & 0xff));
  for (const action of image.actions) parts.push(...encodeAction(action));
  const body = Buffer.concat(parts);
  return Buffer.concat([body, md5(body)]);
}

function encodeAction(action: HpmImageAction): Uint8Array[] {
  const head = Uint8Array.of(action.type, action.components, 0);
  head[2] = (0x100 - sum8(head)) & 0xff;
  if (action.type !== ImageAction.UPLOAD_FIRMWARE) return [head];
  const text = Buffer.from(action.description, 'latin1');
  if (text.length > IMAGE_DESCRIPTION_BYTES) throw new RangeError(`an upload description is at most ${IMAGE_DESCRIPTION_BYTES} bytes`);
  const record = new Uint8Array(UPLOAD_HEADER_BYTES - ACTION_HEADER_BYTES);
  putVersion(record, 0, action.version);
  record.set(text, VERSION_BYTES);
  putLe(record, VERSION_BYTES + IMAGE_DESCRIPTION_BYTES, action.firmware.length, 4);
  return [head, record, action.firmware];
}
