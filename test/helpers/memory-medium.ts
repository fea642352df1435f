// A Medium held in memory and a MediumSlot to put it in, for the BOT/SCSI tests: every byte of the image is
// patternByte(offset), so a test can check any range it reads without keeping a copy.
import type { DriveKind, Medium, MediumSlot } from '../../protocols/scsi/medium.js';

/** The byte at `offset` of a fresh image: varies within a block and from block to block. */
export function patternByte(offset: number): number {
  return (offset * 7 + Math.floor(offset / 2048) * 13) & 0xff;
}

export function patternBytes(offset: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = patternByte(offset + i);
  return out;
}

export interface MemoryMediumOptions {
  blockSize: number;
  blockCount: number;
  readOnly?: boolean;
}

export class MemoryMedium implements Medium {
  readonly blockSize: number;
  readonly blockCount: number;
  readonly readOnly: boolean;
  readonly bytes: Buffer;
  /** Every read asked for, in order. */
  readonly reads: { lba: number; blocks: number }[] = [];
  readonly writes: { lba: number; blocks: number }[] = [];
  flushes = 0;
  /** When set, reads (or writes and flushes) fail with an I/O-like error. */
  failReads = false;
  failWrites = false;
  /** Blocks [from, to) that fail to read, whenever asked: a bad stretch, met at a known place whatever the timing. */
  failReadsIn: { from: number; to: number } | null = null;

  constructor(o: MemoryMediumOptions) {
    this.blockSize = o.blockSize;
    this.blockCount = o.blockCount;
    this.readOnly = o.readOnly ?? false;
    this.bytes = patternBytes(0, o.blockSize * o.blockCount);
  }

  async read(lba: number, blocks: number): Promise<Buffer> {
    this.reads.push({ lba, blocks });
    const bad = this.failReadsIn;
    if (this.failReads || (bad !== null && lba < bad.to && lba + blocks > bad.from)) throw Object.assign(new Error('read failed'), { code: 'EIO' });
    if (lba < 0 || blocks < 0 || lba + blocks > this.blockCount) throw new Error(`read of ${blocks} blocks at ${lba} is beyond the medium`);
    return Buffer.from(this.bytes.subarray(lba * this.blockSize, (lba + blocks) * this.blockSize));
  }

  async write(lba: number, data: Buffer): Promise<void> {
    this.writes.push({ lba, blocks: data.length / this.blockSize });
    if (this.failWrites) throw Object.assign(new Error('write failed'), { code: 'EIO' });
    if (data.length % this.blockSize !== 0 || lba + data.length / this.blockSize > this.blockCount) throw new Error('bad write');
    data.copy(this.bytes, lba * this.blockSize);
  }

  async flush(): Promise<void> {
    this.flushes++;
    if (this.failWrites) throw Object.assign(new Error('flush failed'), { code: 'EIO' });
  }
}

export class MemorySlot implements MediumSlot {
  readonly kind: DriveKind;
  generation = 0;
  private medium: Medium | undefined;

  constructor(kind: DriveKind, medium?: Medium) {
    this.kind = kind;
    this.medium = medium;
  }

  current(): Medium | undefined {
    return this.medium;
  }

  insert(medium: Medium): void {
    this.medium = medium;
    this.generation++;
  }

  eject(): void {
    this.medium = undefined;
    this.generation++;
  }
}

/** A CD-ROM image of `blocks` 2048-byte blocks (read-only, as every CD is). */
export function cdImage(blocks = 300): MemoryMedium {
  return new MemoryMedium({ blockSize: 2048, blockCount: blocks, readOnly: true });
}

/** A disk image of `blocks` 512-byte blocks. */
export function diskImage(blocks = 2048, readOnly = false): MemoryMedium {
  return new MemoryMedium({ blockSize: 512, blockCount: blocks, readOnly });
}
