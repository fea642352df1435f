// The RMC's check of a received image (README "The exchange after the prepare round", step 3), in the order the
// Verify Result's codes give: the manifest's SHA-256 and size, then the HPM.1 upgrade image (PICMG HPM.1 r1.0 §4,
// protocols/ipmi/hpm-image.ts): its signature and format version, its header checksum, its MD5 and action records,
// and last whom it is for, against the BMCs of this rack. The first failure is the verdict.
import { createHash } from 'node:crypto';
import { DecodeError } from '../../protocols/errors.js';
import { decodeHpmImage, upgradedComponent } from '../../protocols/ipmi/hpm-image.js';
import type { ManifestFields } from '../../protocols/rollout/manifest.js';
import type { ProductIds } from '../../protocols/rollout/prepare.js';
import { VerifyOutcome } from '../../protocols/rollout/verify-result.js';

/** Whom a rack's BMCs say they are in Get Device ID (the fleet template's identity). */
export interface BmcIdentity extends ProductIds { deviceId: number }

/** component: when OK, the one the image upgrades (its version is read from each BMC beside Get Device ID) */
export interface ImageVerdict { result: VerifyOutcome; imageSha256: Buffer; component?: number | null }

/** HPM.1 §4 header: "PICMGFWU", format version 00h at 8, the OEM data length at 32-33 (LS byte first). */
const SIGNATURE = Buffer.from('PICMGFWU', 'latin1');
const FORMAT_VERSION_AT = 8;
const OEM_LENGTH_AT = 32;
const HEADER_BYTES = 34;
const MD5_BYTES = 16;

/** Why the bytes are not an HPM.1 image header whose checksum holds: a VerifyOutcome, or null when they are. */
function headerProblem(image: Uint8Array): VerifyOutcome | null {
  if (image.length < HEADER_BYTES + 1 + MD5_BYTES) return VerifyOutcome.HPM1_FORMAT;
  if (!SIGNATURE.equals(image.subarray(0, SIGNATURE.length)) || image[FORMAT_VERSION_AT] !== 0) return VerifyOutcome.HPM1_FORMAT;
  const checksumAt = HEADER_BYTES + (image[OEM_LENGTH_AT] | (image[OEM_LENGTH_AT + 1] << 8));
  if (checksumAt >= image.length - MD5_BYTES) return VerifyOutcome.HPM1_FORMAT;
  // HPM.1 §4: the header, its OEM data and the checksum byte sum to 0 (mod 256)
  let sum = 0;
  for (let i = 0; i <= checksumAt; i++) sum = (sum + image[i]) & 0xff;
  return sum === 0 ? null : VerifyOutcome.HPM1_HEADER_CHECKSUM;
}

/** Is firmware for `ids` made for the rack's BMCs, by manufacturer and product? (A Prepare names no device ID.) */
export function sameProduct(ids: ProductIds, bmcs: ProductIds): boolean {
  return ids.manufacturerId === bmcs.manufacturerId && ids.productId === bmcs.productId;
}

/** Checks `image` against the signed manifest's fields and the rack's BMCs; the SHA-256 goes back to the manager. */
export function verifyImage(image: Uint8Array, manifest: ManifestFields, bmcs: BmcIdentity): ImageVerdict {
  const imageSha256 = createHash('sha256').update(image).digest();
  const verdict = (result: VerifyOutcome): ImageVerdict => ({ result, imageSha256 });
  if (image.length !== manifest.imageSize || !imageSha256.equals(manifest.imageSha256)) return verdict(VerifyOutcome.MANIFEST_SHA256);
  const problem = headerProblem(image);
  if (problem !== null) return verdict(problem);
  let header;
  try {
    header = decodeHpmImage(image);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    return verdict(err.code === 'ERR_MD5' ? VerifyOutcome.HPM1_MD5 : VerifyOutcome.HPM1_FORMAT);
  }
  const forRack = (ids: BmcIdentity) => ids.deviceId === bmcs.deviceId && sameProduct(ids, bmcs);
  if (!forRack(header) || !forRack(manifest)) return verdict(VerifyOutcome.WRONG_PRODUCT);
  return { ...verdict(VerifyOutcome.OK), component: upgradedComponent(header) };
}
