// Read-ahead for a block device read from start to end, as the kernel's readahead keeps requests queued
// (mm/readahead.c): a READ asked for also sends the next `depth` READs of the same size, so that many commands are
// in flight and the device is never idle waiting for the host's next request. A READ that was sent ahead is handed
// out when it is asked for; a read elsewhere drops them (their answers, when they come, are thrown away), and so
// must the device's owner after anything that changes what they would read (a write, a medium change).

export class ReadAhead {
  /** READs in flight by their first block, each with its size; at most `depth`. */
  private readonly sent = new Map<number, { blocks: number; data: Promise<Buffer> }>();
  private readonly depth: number;
  private readonly read: (lba: number, blocks: number) => Promise<Buffer>;

  /** `read` sends one READ; `depth` READs are kept in flight past the one asked for. */
  constructor(depth: number, read: (lba: number, blocks: number) => Promise<Buffer>) {
    this.depth = depth;
    this.read = read;
  }

  /** `blocks` blocks from `lba` of a medium of `blockCount` blocks, and the next READs of that size sent ahead. */
  take(lba: number, blocks: number, blockCount: number): Promise<Buffer> {
    const ahead = this.sent.get(lba);
    let data: Promise<Buffer>;
    if (ahead !== undefined && ahead.blocks === blocks) {
      this.sent.delete(lba);
      data = ahead.data;
    } else {
      this.drop();
      data = this.read(lba, blocks);
    }
    for (let i = 0, next = lba + blocks; i < this.depth && next < blockCount; i++, next += blocks) {
      if (this.sent.has(next)) continue;
      const n = Math.min(blocks, blockCount - next);
      const p = this.read(next, n);
      p.catch(() => undefined); // its error goes to whoever asks for it; none if nobody does
      this.sent.set(next, { blocks: n, data: p });
    }
    return data;
  }

  /** Forgets the READs sent ahead. */
  drop(): void {
    this.sent.clear();
  }
}
