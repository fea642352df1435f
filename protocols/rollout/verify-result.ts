// Verify Result (07h) body: README "The rollout protocol" (its byte tables). An RMC's verdict on the image
// it received: OK, or the first check that failed. On a failure the manager offers the image again (with backoff
// and a limit); on OK the RMC counts down to the flash time.
//
//   Verify Result (33):  result(1) imageSha256(32): what the RMC computed over the bytes it holds
import { valuesOf, type BodyCodec } from './fields.js';
import { SHA256_LENGTH } from './prepare.js';

/** In the order the RMC checks. */
export const VerifyOutcome = {
  OK: 0,
  /** The image's SHA-256 (or size) is not the manifest's. */
  MANIFEST_SHA256: 1,
  /** The manifest is not signed by a key the RMC trusts. */
  MANIFEST_SIGNATURE: 2,
  /** Not an HPM.1 upgrade image, or cut short. */
  HPM1_FORMAT: 3,
  /** The checksum of the HPM.1 upgrade image header (PICMG HPM.1 r1.0, upgrade image format) is wrong. */
  HPM1_HEADER_CHECKSUM: 4,
  /** The MD5 at the end of the HPM.1 image does not match its bytes. */
  HPM1_MD5: 5,
  /** The image is for another manufacturer or product than this rack's BMCs. */
  WRONG_PRODUCT: 6,
} as const;
export type VerifyOutcome = typeof VerifyOutcome[keyof typeof VerifyOutcome];

export interface VerifyResult {
  result: VerifyOutcome;
  imageSha256: Uint8Array;
}

export const verifyResultCodec: BodyCodec<VerifyResult> = {
  encodingLength: () => 1 + SHA256_LENGTH,
  write: (w, v) => { w.u8(v.result, 'result').fixed(v.imageSha256, SHA256_LENGTH, 'imageSha256'); },
  read: (r) => ({ result: r.code(valuesOf(VerifyOutcome), 'result'), imageSha256: r.bytes(SHA256_LENGTH, 'imageSha256') }),
};
