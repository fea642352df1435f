// The content of an emulated target's LUN: no image, a pattern computed from a seed, so a LUN of any size costs
// no memory and reads the same on every run. Every 512-byte block opens with a line naming the target, the LUN
// and the LBA, then words from a xorshift32 stream seeded by (seed, LBA). A boot LUN's block 0 is instead a
// master boot record (one Linux partition from LBA 2048, the 55h AAh signature at bytes 510-511), as a disk a
// BIOS or iPXE would boot from, with a message in its boot code area saying which target and LUN it is.
import type { Medium } from '../../protocols/scsi/medium.js';

export const LUN_BLOCK_SIZE = 512;
/** Bytes 510-511 of a bootable MBR. */
export const MBR_SIGNATURE = 0xaa55;
/** The first partition starts at 1 MiB, as partitioning tools align it. */
const FIRST_PARTITION_LBA = 2048;
/** Partition type 83h: Linux. */
const LINUX_PARTITION = 0x83;

export interface PatternLunOptions {
  /** Names the content: the target's IQN. */
  seed: string;
  lun: number;
  sizeBytes: number;
  /** Block 0 is a bootable MBR. */
  boot: boolean;
}

/** FNV-1a of a string: the pattern's 32-bit seed. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export class PatternLun implements Medium {
  readonly blockSize = LUN_BLOCK_SIZE;
  readonly blockCount: number;
  readonly readOnly = true;
  private readonly options: PatternLunOptions;
  private readonly seed: number;

  constructor(options: PatternLunOptions) {
    this.options = options;
    this.blockCount = Math.floor(options.sizeBytes / LUN_BLOCK_SIZE);
    this.seed = fnv1a(`${options.seed}/${options.lun}`);
  }

  /** The banner of the boot code area, and of every block's first line. */
  get label(): string {
    return `bmcfleet ${this.options.seed} LUN ${this.options.lun}`;
  }

  async read(lba: number, blocks: number): Promise<Buffer> {
    return this.readSync(lba, blocks);
  }

  readSync(lba: number, blocks: number): Buffer {
    if (lba < 0 || blocks < 0 || lba + blocks > this.blockCount) throw new RangeError(`blocks ${lba}+${blocks} are past the LUN's ${this.blockCount}`);
    const out = Buffer.allocUnsafe(blocks * LUN_BLOCK_SIZE);
    for (let i = 0; i < blocks; i++) this.fillBlock(out, i * LUN_BLOCK_SIZE, lba + i);
    return out;
  }

  async write(): Promise<void> {
    throw new Error('an emulated iSCSI LUN is read-only');
  }

  async flush(): Promise<void> {}

  private fillBlock(out: Buffer, at: number, lba: number): void {
    if (lba === 0 && this.options.boot) return this.fillMbr(out, at);
    let x = (this.seed ^ Math.imul(lba + 1, 0x9e3779b1)) >>> 0 || 1;
    for (let i = 0; i < LUN_BLOCK_SIZE; i += 4) {
      x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; // xorshift32
      out.writeUInt32LE(x, at + i);
    }
    const line = `${this.label} LBA ${lba}\n`;
    out.write(line.slice(0, 64), at, 'latin1');
  }

  /** A classic MBR: boot code area (bytes 0-445), four partition entries (446-509), signature (510-511). */
  private fillMbr(out: Buffer, at: number): void {
    out.fill(0, at, at + LUN_BLOCK_SIZE);
    out.write(`${this.label}: booted from iSCSI\r\n`.slice(0, 440), at, 'latin1'); // boot code area: a message, no code
    out.writeUInt32LE(this.seed, at + 440); // disk signature
    const entry = at + 446; // partition entry 1
    out[entry] = 0x80; // bootable
    out[entry + 4] = LINUX_PARTITION;
    // CHS fields left 0: LBA addressing only
    const sectors = Math.max(0, Math.min(this.blockCount - FIRST_PARTITION_LBA, 0xffffffff));
    out.writeUInt32LE(sectors > 0 ? FIRST_PARTITION_LBA : 0, entry + 8); // first LBA
    out.writeUInt32LE(sectors, entry + 12); // sectors
    out.writeUInt16LE(MBR_SIGNATURE, at + 510);
  }
}
