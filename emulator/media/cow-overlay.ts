// A host's writable disk over a shared image: writes land in this host's overlay, reads take the overlay's pages
// first and the base image's otherwise, so the base (and every other host's view of it) never changes.
//
// The overlay is in memory, a Map of written 4 KiB pages, bounded by an OverlayBudget: no file descriptor per host
// (a shard's descriptors go to its thousands of sockets), no state directory to clean, and a host's writes live
// as long as its disk is inserted, like a BMC's virtual USB stick over a read-only share. They are gone after an
// eject or a restart of the emulator's process.
import { InTurn } from '../../runtime/in-turn.js';
import type { Medium } from '../../protocols/scsi/medium.js';
import { checkBlockRange, type ImageMedium } from './image-medium.js';
import { MediaError, MediaErrorCode } from './media-error.js';
import type { OverlayBudget } from './overlay-budget.js';

/** Overlay granularity: Linux writes a block device through its page cache in 4 KiB pages, so most writes fill whole pages. */
export const OVERLAY_PAGE_SIZE = 4096;

export class CowOverlay implements Medium {
  readonly blockSize: number;
  readonly blockCount: number;
  readonly readOnly = false;
  private readonly base: ImageMedium;
  private readonly budget: OverlayBudget;
  /** Written pages by page index; a page is whole (OVERLAY_PAGE_SIZE bytes) except at the end of the medium. */
  private readonly pages = new Map<number, Buffer>();
  private heldBytes = 0;
  private discarded = false;
  /** Writes run one after another in the order issued, so a later write over the same blocks wins even when an earlier one waits on the base. */
  private readonly writes = new InTurn();

  constructor(base: ImageMedium, budget: OverlayBudget) {
    this.base = base;
    this.budget = budget;
    this.blockSize = base.blockSize;
    this.blockCount = base.blockCount;
  }

  /** Bytes this host's writes hold in memory. */
  get overlayBytes(): number {
    return this.heldBytes;
  }

  async read(lba: number, blocks: number): Promise<Buffer> {
    checkBlockRange(this, lba, blocks);
    const start = lba * this.blockSize;
    const end = start + blocks * this.blockSize;
    const firstPage = Math.floor(start / OVERLAY_PAGE_SIZE);
    const lastPage = Math.floor((end - 1) / OVERLAY_PAGE_SIZE);
    if (!this.anyPageIn(firstPage, lastPage)) return this.base.read(lba, blocks);
    const out = Buffer.allocUnsafe(end - start);
    const baseReads: Array<Promise<void>> = [];
    // runs of unwritten pages come from the base in one read each; page edges fall on block edges (4096 = 8 x 512 = 2 x 2048)
    let runStart = -1;
    for (let p = firstPage; p <= lastPage + 1; p++) {
      const page = p <= lastPage ? this.pages.get(p) : undefined;
      if (p <= lastPage && page === undefined) {
        if (runStart < 0) runStart = Math.max(start, p * OVERLAY_PAGE_SIZE);
        continue;
      }
      if (runStart >= 0) {
        const runEnd = Math.min(end, p * OVERLAY_PAGE_SIZE);
        baseReads.push(this.readBaseInto(out, runStart - start, runStart, runEnd));
        runStart = -1;
      }
      if (page) {
        const from = Math.max(start, p * OVERLAY_PAGE_SIZE);
        const to = Math.min(end, p * OVERLAY_PAGE_SIZE + page.length);
        page.copy(out, from - start, from - p * OVERLAY_PAGE_SIZE, to - p * OVERLAY_PAGE_SIZE);
      }
    }
    await Promise.all(baseReads);
    return out;
  }

  /** Resolves once the data is in the overlay (it is copied: the caller may reuse `data`). */
  async write(lba: number, data: Buffer): Promise<void> {
    if (data.length % this.blockSize !== 0) throw new RangeError(`write of ${data.length} bytes: not whole ${this.blockSize}-byte blocks`);
    checkBlockRange(this, lba, data.length / this.blockSize);
    return this.writes.run(() => this.apply(lba * this.blockSize, data));
  }

  /** Resolves when every earlier write is in the overlay: that is all the durability it has (process memory). */
  async flush(): Promise<void> {
    await this.writes.settled();
  }

  /** Forgets this host's writes and gives their bytes back to the budget (the disk was ejected); a write still under way is dropped too. */
  discard(): void {
    this.discarded = true;
    this.pages.clear();
    this.budget.give(this.heldBytes);
    this.heldBytes = 0;
  }

  private anyPageIn(firstPage: number, lastPage: number): boolean {
    if (this.pages.size === 0) return false;
    for (let p = firstPage; p <= lastPage; p++) if (this.pages.has(p)) return true;
    return false;
  }

  private async readBaseInto(out: Buffer, at: number, from: number, to: number): Promise<void> {
    const data = await this.base.read(from / this.blockSize, (to - from) / this.blockSize);
    data.copy(out, at);
  }

  private async apply(start: number, data: Buffer): Promise<void> {
    if (this.discarded) return;
    const end = start + data.length;
    const firstPage = Math.floor(start / OVERLAY_PAGE_SIZE);
    const lastPage = Math.floor((end - 1) / OVERLAY_PAGE_SIZE);
    // a new page the write covers only in part starts as the base's bytes (at most the first and the last page)
    const fromBase = new Map<number, Buffer>();
    for (const p of new Set([firstPage, lastPage])) {
      if (this.pages.has(p) || this.covers(p, start, end)) continue;
      const pageStart = p * OVERLAY_PAGE_SIZE;
      fromBase.set(p, await this.base.read(pageStart / this.blockSize, this.pageLength(p) / this.blockSize));
    }
    if (this.discarded) return; // ejected while the base was read
    let newBytes = 0;
    for (let p = firstPage; p <= lastPage; p++) if (!this.pages.has(p)) newBytes += this.pageLength(p);
    if (!this.budget.take(this.heldBytes, newBytes)) {
      throw new MediaError(MediaErrorCode.OVERLAY_FULL, this.base.source.location,
        `the host's overlay holds ${this.heldBytes} bytes; ${newBytes} more would pass its limit (${this.budget.hostLimitBytes} a host, ${this.budget.totalLimitBytes} in all)`);
    }
    this.heldBytes += newBytes;
    for (let p = firstPage; p <= lastPage; p++) {
      let page = this.pages.get(p);
      if (!page) {
        page = Buffer.alloc(this.pageLength(p));
        fromBase.get(p)?.copy(page);
        this.pages.set(p, page);
      }
      const pageStart = p * OVERLAY_PAGE_SIZE;
      const from = Math.max(start, pageStart);
      const to = Math.min(end, pageStart + page.length);
      data.copy(page, from - pageStart, from - start, to - start);
    }
  }

  private covers(p: number, start: number, end: number): boolean {
    const pageStart = p * OVERLAY_PAGE_SIZE;
    return start <= pageStart && end >= pageStart + this.pageLength(p);
  }

  private pageLength(p: number): number {
    return Math.min(OVERLAY_PAGE_SIZE, this.blockCount * this.blockSize - p * OVERLAY_PAGE_SIZE);
  }
}
