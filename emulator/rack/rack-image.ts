// The image an RMC holds for its rollout (README "The exchange after the prepare round", steps 1-3): what an Offer
// means for it (refused, verified already, the same image to resume, or another to begin), the chunks stored in order
// (image-receiver.ts), the check once the last byte is in (image-verifier.ts), and the same again after a restart
// from the bytes and manifest its store kept.
import { DecodeError } from '../../protocols/errors.js';
import type { TrustedKey } from '../../protocols/rollout/keys.js';
import { verifyManifest, type Manifest } from '../../protocols/rollout/manifest.js';
import { VerifyOutcome } from '../../protocols/rollout/verify-result.js';
import { ImageReceiver, manifestDigest } from './image-receiver.js';
import { verifyImage, type BmcIdentity, type ImageVerdict } from './image-verifier.js';

export type OfferVerdict =
  /** Not taken: a manifest not signed by a trusted key, or an image larger than the RMC takes. */
  | { kind: 'refused'; result: VerifyOutcome }
  /** This very image (the same manifest) is verified already. */
  | { kind: 'verified'; imageSha256: Uint8Array }
  /** The image it is receiving: the transfer resumes at the bytes held. */
  | { kind: 'same' }
  /** Another image (or one again after a failed check): begin() starts it from byte 0. */
  | { kind: 'other'; receiver: ImageReceiver };

export interface RackImageOptions {
  trustedKeys: readonly TrustedKey[];
  /** Whom the rack's BMCs say they are. */
  identity: BmcIdentity;
  maxImageBytes: number;
}

export class RackImage {
  private readonly o: RackImageOptions;
  private receiver: ImageReceiver | null = null;
  /** The whole image, once it passed the check. */
  private verifiedBytes: Buffer | null = null;
  /** The component the verified image upgrades (HPM.1 §4). */
  private verifiedComponent: number | null = null;

  constructor(o: RackImageOptions) {
    this.o = o;
  }

  /** The image being received or held, or null. */
  get held(): ImageReceiver | null {
    return this.receiver;
  }

  /** The verified image's bytes (null until it passed the check). */
  get verified(): Buffer | null {
    return this.verifiedBytes;
  }

  /** The component the verified image upgrades, or null (none verified, or an image with no upload record). */
  get component(): number | null {
    return this.verifiedBytes ? this.verifiedComponent : null;
  }

  /** The signed manifest of the image held, if any. */
  get manifest(): Manifest | null {
    return this.receiver?.manifest ?? null;
  }

  /** What an Offer of `manifestBytes` means for the image held. */
  examine(manifestBytes: Uint8Array): OfferVerdict {
    const check = verifyManifest(manifestBytes, this.o.trustedKeys);
    if (!check.ok) return { kind: 'refused', result: VerifyOutcome.MANIFEST_SIGNATURE };
    // larger than it takes: refused as a size it cannot hold, before a byte is sent
    if (check.manifest.imageSize > this.o.maxImageBytes) return { kind: 'refused', result: VerifyOutcome.MANIFEST_SHA256 };
    const same = this.receiver !== null && this.receiver.manifestSha256.equals(manifestDigest(manifestBytes));
    if (same && this.verifiedBytes) return { kind: 'verified', imageSha256: this.receiver!.manifest.imageSha256 };
    return same ? { kind: 'same' } : { kind: 'other', receiver: new ImageReceiver(manifestBytes, check.manifest) };
  }

  /** Starts receiving another image; what was held is dropped. */
  begin(receiver: ImageReceiver): void {
    this.receiver = receiver;
    this.verifiedBytes = null;
  }

  /** Drops the image held. */
  clear(): void {
    this.receiver = null;
    this.verifiedBytes = null;
  }

  /** Checks the complete image: kept when OK, dropped otherwise. */
  check(): ImageVerdict {
    const receiver = this.receiver!;
    const bytes = receiver.bytes();
    const verdict = verifyImage(bytes, receiver.manifest, this.o.identity);
    if (verdict.result === VerifyOutcome.OK) {
      this.verifiedBytes = bytes;
      this.verifiedComponent = verdict.component ?? null;
    } else this.clear();
    return verdict;
  }

  /**
   * Takes back what a store kept: the manifest (its signature checked again) and the bytes held; a verified image is
   * checked again too, since those bytes are what gets flashed. Anything that no longer holds is dropped.
   */
  restore(manifestBytes: Uint8Array, bytes: Buffer, verified: boolean): void {
    const manifest = manifestOf(manifestBytes, this.o.trustedKeys);
    if (!manifest) return;
    this.receiver = new ImageReceiver(manifestBytes, manifest, bytes);
    if (verified && this.receiver.complete) this.check();
  }
}

/** The manifest kept with an image, if it still decodes and its signature still holds. */
function manifestOf(bytes: Uint8Array, keys: readonly TrustedKey[]): Manifest | null {
  try {
    const check = verifyManifest(bytes, keys);
    return check.ok ? check.manifest : null;
  } catch (err) {
    if (err instanceof DecodeError) return null;
    throw err;
  }
}
