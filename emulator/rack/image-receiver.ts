// The RMC's side of the image transfer (README "The exchange after the prepare round", steps 1-2): the image a
// signed manifest describes, stored strictly in order. A chunk is kept only when it starts at nextOffset (or overlaps
// it: the part past nextOffset is kept); one wholly before is a duplicate (re-acked), one after a gap is out of order
// and one past the image's end cannot be: both dropped. The bytes held survive a broken attempt, so the next Offer of
// the same manifest resumes at nextOffset.
import { createHash } from 'node:crypto';
import type { Manifest } from '../../protocols/rollout/manifest.js';

/** Chunks an RMC takes beyond nextOffset (the Transfer Ack's window). */
export const DEFAULT_WINDOW = 16;

export const ChunkVerdict = {
  STORED: 'stored',
  DUPLICATE: 'duplicate',
  OUT_OF_ORDER: 'out-of-order',
  PAST_END: 'past-end',
} as const;
export type ChunkVerdict = typeof ChunkVerdict[keyof typeof ChunkVerdict];

/** SHA-256 of a manifest's bytes: which image an Offer is for. */
export function manifestDigest(manifestBytes: Uint8Array): Buffer {
  return createHash('sha256').update(manifestBytes).digest();
}

export class ImageReceiver {
  /** The signed manifest as offered (a copy: the datagram it came in is not kept). */
  readonly manifestBytes: Buffer;
  readonly manifestSha256: Buffer;
  readonly manifest: Manifest;
  private parts: Buffer[];
  private held: number;

  /** `held`: bytes of this image already stored (after a restart), from byte 0. */
  constructor(manifestBytes: Uint8Array, manifest: Manifest, held: Buffer = Buffer.alloc(0)) {
    this.manifestBytes = Buffer.from(manifestBytes);
    this.manifestSha256 = manifestDigest(this.manifestBytes);
    this.manifest = manifest;
    const kept = held.subarray(0, manifest.imageSize);
    this.parts = kept.length > 0 ? [kept] : [];
    this.held = kept.length;
  }

  /** The first byte not held: where the transfer goes on. */
  get nextOffset(): number {
    return this.held;
  }

  get complete(): boolean {
    return this.held === this.manifest.imageSize;
  }

  /** Offers one chunk's bytes; on STORED, `stored` is what was kept (data may start before nextOffset). */
  accept(offset: number, data: Uint8Array): { verdict: ChunkVerdict; stored?: Uint8Array } {
    const end = offset + data.length;
    if (end > this.manifest.imageSize) return { verdict: ChunkVerdict.PAST_END };
    if (offset > this.held) return { verdict: ChunkVerdict.OUT_OF_ORDER };
    if (end <= this.held) return { verdict: ChunkVerdict.DUPLICATE };
    const stored = Buffer.from(data.subarray(this.held - offset));
    this.parts.push(stored);
    this.held += stored.length;
    return { verdict: ChunkVerdict.STORED, stored };
  }

  /** The whole image held so far, as one buffer. */
  bytes(): Buffer {
    if (this.parts.length !== 1) this.parts = [Buffer.concat(this.parts, this.held)];
    return this.parts[0];
  }
}
