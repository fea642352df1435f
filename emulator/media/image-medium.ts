// A medium read straight from an image through the shared block cache: a CD-ROM, or a write-protected disk, and
// the base under a disk's copy-on-write overlay. It never writes.
import { DriveKind, type Medium } from '../../protocols/scsi/medium.js';
import type { BlockCache } from './block-cache.js';
import type { ImageSource } from './image-source.js';
import { MediaError, MediaErrorCode } from './media-error.js';

/** Logical block size per drive: 2048 bytes for CD-ROM data sectors (MMC-6 §4.2.2), 512 for a disk (SBC-3 §4.4). */
export const BLOCK_SIZE = { [DriveKind.cdrom]: 2048, [DriveKind.disk]: 512 } as const;

export class ImageMedium implements Medium {
  readonly blockSize: number;
  /**
   * Whole blocks only: a last partial block (an image whose size is no multiple of blockSize) cannot be addressed
   * and its bytes are never read, as with Linux's loop device and USB gadget mass-storage (num_sectors = size >> blkbits).
   */
  readonly blockCount: number;
  readonly readOnly = true;
  readonly source: ImageSource;
  private readonly cache: BlockCache;

  constructor(source: ImageSource, cache: BlockCache, kind: DriveKind) {
    this.source = source;
    this.cache = cache;
    this.blockSize = BLOCK_SIZE[kind];
    this.blockCount = Math.floor(source.size / this.blockSize);
    if (this.blockCount === 0) {
      throw new MediaError(MediaErrorCode.IMAGE_TOO_SMALL, source.location, `${source.size} bytes, less than one ${this.blockSize}-byte block of a ${kind}`);
    }
  }

  /** The answer may share the block cache's memory: it must not be modified. */
  async read(lba: number, blocks: number): Promise<Buffer> {
    checkBlockRange(this, lba, blocks);
    return this.cache.read(this.source, lba * this.blockSize, blocks * this.blockSize);
  }

  async write(_lba: number, _data: Buffer): Promise<void> {
    throw new Error(`${this.source.location}: write to a read-only medium (the SCSI layer answers DATA PROTECT before this)`);
  }

  async flush(): Promise<void> {}
}

/** Throws a RangeError (the SCSI layer answers LBA OUT OF RANGE before this: a call past the end is a bug). */
export function checkBlockRange(medium: Medium, lba: number, blocks: number): void {
  if (!Number.isSafeInteger(lba) || !Number.isSafeInteger(blocks) || lba < 0 || blocks < 0 || lba + blocks > medium.blockCount) {
    throw new RangeError(`blocks ${lba}..${lba + blocks - 1} outside the medium's ${medium.blockCount}`);
  }
}
