// The image manifest: README "The rollout protocol" (its byte tables). What the manager says the image is, signed
// with its Ed25519 key (keys.ts). It travels in the Image Offer and an RMC keeps it with the image, so it can
// verify the image again after a restart.
//
//   version(1) imageSize(4) imageSha256(32) manufacturerId(4) productId(2) deviceId(1) firmwareMajor(1)
//   firmwareMinor(1) firmwareAux(4) createdAtMs(8) nameLength(1) name(n <= 64) keyId(8) signature(64)
//   The signature covers every byte before it.
import { createHash } from 'node:crypto';
import { Reader, Writer } from './fields.js';
import { KEY_ID_LENGTH, SIGNATURE_LENGTH, findKey, signBytes, signatureValid, type SigningKey, type TrustedKey } from './keys.js';
import { SHA256_LENGTH } from './prepare.js';

export const MANIFEST_VERSION = 1;
export const MAX_IMAGE_NAME_BYTES = 64;
const FIXED_LENGTH = 59 + KEY_ID_LENGTH + SIGNATURE_LENGTH;
export const MAX_MANIFEST_LENGTH = FIXED_LENGTH + MAX_IMAGE_NAME_BYTES;

/** What the manager states about the image. */
export interface ManifestFields {
  imageSize: number;
  imageSha256: Uint8Array;
  /** IANA enterprise number of the BMC's maker, as Get Device ID reports it. */
  manufacturerId: number;
  productId: number;
  deviceId: number;
  /** The version the BMCs will report once flashed (Get Device ID: major 0-127, minor 0-99). */
  firmware: { major: number; minor: number; aux: number };
  createdAtMs: number;
  /** The image's file name, for people. */
  name: string;
}

export interface Manifest extends ManifestFields { keyId: Uint8Array; signature: Uint8Array }

function nameBytes(name: string): number { return Buffer.byteLength(name, 'utf8'); }

/** Encodes the manifest and signs it with the manager's key. */
export function signManifest(m: ManifestFields, key: SigningKey): Buffer {
  if (m.firmware.major > 0x7f || m.firmware.minor > 99) throw new RangeError('firmware major is 0-127 and minor 0-99');
  const w = new Writer(FIXED_LENGTH + nameBytes(m.name));
  w.u8(MANIFEST_VERSION, 'version').u32(m.imageSize, 'imageSize').fixed(m.imageSha256, SHA256_LENGTH, 'imageSha256')
    .manufacturerId(m.manufacturerId, 'manufacturerId').u16(m.productId, 'productId').u8(m.deviceId, 'deviceId')
    .u8(m.firmware.major, 'firmwareMajor').u8(m.firmware.minor, 'firmwareMinor').u32(m.firmware.aux, 'firmwareAux')
    .u64(m.createdAtMs, 'createdAtMs').str(m.name, MAX_IMAGE_NAME_BYTES, 'name').fixed(key.keyId, KEY_ID_LENGTH, 'keyId');
  const signed = w.offset;
  w.bytes(signBytes(key, w.buf.subarray(0, signed)));
  return w.done();
}

/** Reads a manifest without checking its signature (verifyManifest does). */
export function decodeManifest(d: Uint8Array): Manifest {
  return readManifest(new Reader(d));
}

/** Reads the manifest that fills `r` (all of it: bytes after the signature are ERR_TRAILING). */
export function readManifest(r: Reader): Manifest {
  const at0 = r.offset;
  const version = r.u8('manifest version');
  if (version !== MANIFEST_VERSION) throw r.fail('manifest version', `version ${version}, this is ${MANIFEST_VERSION}`, 'ERR_VERSION', at0);
  const imageSize = r.u32('imageSize');
  const imageSha256 = r.bytes(SHA256_LENGTH, 'imageSha256');
  const at = r.offset;
  const manufacturerId = r.manufacturerId('manufacturerId');
  const productId = r.u16('productId');
  const deviceId = r.u8('deviceId');
  const major = r.u8('firmwareMajor');
  const minor = r.u8('firmwareMinor');
  if (major > 0x7f || minor > 99) throw r.fail('firmware', `version ${major}.${minor}: major is 0-127 and minor 0-99`, 'ERR_RANGE', at + 7);
  const aux = r.u32('firmwareAux');
  const createdAtMs = r.u64('createdAtMs');
  const name = r.str(MAX_IMAGE_NAME_BYTES, 'name');
  const keyId = r.bytes(KEY_ID_LENGTH, 'keyId');
  const signature = r.bytes(SIGNATURE_LENGTH, 'signature');
  r.finish('manifest');
  return { imageSize, imageSha256, manufacturerId, productId, deviceId, firmware: { major, minor, aux }, createdAtMs, name, keyId, signature };
}

export type ManifestCheck = { ok: true; manifest: Manifest } | { ok: false; reason: 'unknown-key' | 'bad-signature' };

/** Decodes (DecodeError when malformed) and checks the signature against the keys the RMC trusts. */
export function verifyManifest(d: Uint8Array, keys: readonly TrustedKey[]): ManifestCheck {
  const manifest = decodeManifest(d);
  const key = findKey(keys, manifest.keyId);
  if (!key) return { ok: false, reason: 'unknown-key' };
  if (!signatureValid(key, d.subarray(0, d.length - SIGNATURE_LENGTH), manifest.signature)) return { ok: false, reason: 'bad-signature' };
  return { ok: true, manifest };
}

/** Is `image` the one the manifest describes (size and SHA-256)? */
export function imageMatches(manifest: ManifestFields, image: Uint8Array): boolean {
  return image.length === manifest.imageSize && createHash('sha256').update(image).digest().equals(manifest.imageSha256);
}
