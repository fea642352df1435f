// The firmware an emulated bmcfleet BMC flashes: the bytes of an HPM.1 upload action (hpm-image.ts), as `bmcfleet
// firmware pack` writes them. HPM.1 uploads firmware bytes only (the image header stays with the client), so a
// controller learns what it received from the firmware itself, as a real one reads its own image header. This
// header is bmcfleet's; numbers go LS byte first, the version in HPM.1's layout:
//
//   off  len  field
//   0    8    magic "BMCFLTFW"
//   8    1    format 01h
//   9    1    device ID, 10 3 manufacturer ID, 13 2 product ID: the controller it is for
//   15   6    firmware version: major, minor (BCD), 4 auxiliary bytes
//   21   4    body length n
//   25   32   SHA-256 of the body
//   57   n    body
//
// The controller reads it as it arrives (FirmwareReader): no copy of the image is kept.
import { createHash, type Hash } from 'node:crypto';
import { DecodeError } from '../../errors.js';
import { putLe, u16At, u24At, u32At } from '../commands/command-data.js';
import { formatVersion, putVersion, versionAt, type HpmVersion } from '../commands/hpm.js';
import { ImageAction, encodeHpmImage } from '../hpm-image.js';

export const FIRMWARE_PROTOCOL = 'bmcfleet firmware';
const P = FIRMWARE_PROTOCOL;

const MAGIC = Buffer.from('BMCFLTFW', 'latin1');
const FORMAT = 0x01;
export const FIRMWARE_HEADER_BYTES = 57;
const DIGEST_AT = 25;
const DIGEST_BYTES = 32;

/** The HPM.1 component an emulated BMC's own firmware is (component 1; HPM.1 leaves the numbering to the controller). */
export const BMC_FIRMWARE_COMPONENT = 1;

/** Whom a firmware is for: Get Device ID's device, manufacturer and product IDs. */
export interface FirmwareTarget {
  deviceId: number;
  manufacturerId: number;
  productId: number;
}

export interface FirmwareHeader extends FirmwareTarget {
  version: HpmVersion;
  bodyLength: number;
}

/** Firmware of `size` bytes in all (header included) for `target` at `version`: a body of deterministic filler. */
export function buildFirmware(target: FirmwareTarget, version: HpmVersion, size: number): Buffer {
  if (!Number.isInteger(size) || size < FIRMWARE_HEADER_BYTES || size > 0xffffffff) {
    throw new RangeError(`firmware size must be ${FIRMWARE_HEADER_BYTES} to 4294967295 bytes, got ${size}`);
  }
  const out = Buffer.alloc(size);
  MAGIC.copy(out, 0);
  out[8] = FORMAT;
  out[9] = target.deviceId;
  putLe(out, 10, target.manufacturerId & 0x0fffff, 3);
  putLe(out, 13, target.productId & 0xffff, 2);
  putVersion(out, 15, version);
  putLe(out, 21, size - FIRMWARE_HEADER_BYTES, 4);
  const body = out.subarray(FIRMWARE_HEADER_BYTES);
  // xorshift32 from the version and product: the same inputs give the same firmware
  let x = (0x9e3779b9 ^ (version.major << 24) ^ (version.minor << 16) ^ target.productId) >>> 0 || 1;
  for (let i = 0; i < body.length; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    body[i] = x & 0xff;
  }
  createHash('sha256').update(body).digest().copy(out, DIGEST_AT);
  return out;
}

/** An HPM.1 image file holding `firmware` (from buildFirmware) for the BMC component: backup, prepare, upload. */
export function packFirmwareImage(firmware: Uint8Array, createdAt: number): Buffer {
  const header = decodeFirmwareHeader(firmware);
  const components = 1 << BMC_FIRMWARE_COMPONENT;
  return encodeHpmImage({
    deviceId: header.deviceId, manufacturerId: header.manufacturerId, productId: header.productId, createdAt,
    capabilities: 0x00, // no "services affected": ipmitool would stop and ask y/n
    components, selfTestTimeout: 0, rollbackTimeout: 0, inaccessibilityTimeout: 0,
    earliestCompatible: { major: 0, minor: 0 },
    firmwareVersion: header.version,
    oemData: new Uint8Array(0),
    actions: [
      { type: ImageAction.BACKUP, components },
      { type: ImageAction.PREPARE, components },
      { type: ImageAction.UPLOAD_FIRMWARE, components, version: header.version, description: `BMC firmware ${formatVersion(header.version)}`, firmware },
    ],
  });
}

/** The header at the start of `bytes` (DecodeError ERR_TRUNCATED, ERR_MAGIC, ERR_VERSION); the body is not checked. */
export function decodeFirmwareHeader(bytes: Uint8Array): FirmwareHeader {
  if (bytes.length < FIRMWARE_HEADER_BYTES) {
    throw new DecodeError(P, 'header', bytes.length, `needs ${FIRMWARE_HEADER_BYTES} bytes, got ${bytes.length}`, 'ERR_TRUNCATED');
  }
  if (!MAGIC.equals(bytes.subarray(0, MAGIC.length))) throw new DecodeError(P, 'magic', 0, 'not bmcfleet firmware', 'ERR_MAGIC');
  if (bytes[8] !== FORMAT) throw new DecodeError(P, 'format', 8, `format ${bytes[8]} is not ${FORMAT}`, 'ERR_VERSION');
  const version = versionAt(bytes, 15, 'firmware version', P);
  if (version === null) throw new DecodeError(P, 'firmware version', 15, 'no version', 'ERR_RANGE');
  return {
    deviceId: bytes[9], manufacturerId: u24At(bytes, 10) & 0x0fffff, productId: u16At(bytes, 13), version,
    bodyLength: u32At(bytes, 21),
  };
}

/**
 * Reads firmware as it arrives, in pieces of any size: keeps the header and a running SHA-256 of the body. finish()
 * checks it all: ERR_TRUNCATED (short), ERR_MAGIC, ERR_VERSION, ERR_LENGTH (bytes past the body), ERR_DIGEST.
 */
export class FirmwareReader {
  private readonly header = Buffer.alloc(FIRMWARE_HEADER_BYTES);
  private hash: Hash = createHash('sha256');
  /** Bytes written so far. */
  length = 0;

  write(chunk: Uint8Array): void {
    const headerPart = Math.max(0, Math.min(chunk.length, FIRMWARE_HEADER_BYTES - this.length));
    if (headerPart > 0) this.header.set(chunk.subarray(0, headerPart), this.length);
    if (headerPart < chunk.length) this.hash.update(chunk.subarray(headerPart));
    this.length += chunk.length;
  }

  /** Checks what was written (once: the running digest ends here). */
  finish(): FirmwareHeader {
    const header = decodeFirmwareHeader(this.header.subarray(0, Math.min(this.length, FIRMWARE_HEADER_BYTES)));
    const body = this.length - FIRMWARE_HEADER_BYTES;
    if (body < header.bodyLength) throw new DecodeError(P, 'body', this.length, `${header.bodyLength - body} byte(s) missing`, 'ERR_TRUNCATED');
    if (body > header.bodyLength) throw new DecodeError(P, 'body', FIRMWARE_HEADER_BYTES + header.bodyLength, `${body - header.bodyLength} byte(s) past the body`, 'ERR_LENGTH');
    if (!this.hash.digest().equals(this.header.subarray(DIGEST_AT, DIGEST_AT + DIGEST_BYTES))) {
      throw new DecodeError(P, 'body digest', DIGEST_AT, 'the body does not match its SHA-256', 'ERR_DIGEST');
    }
    return header;
  }
}
