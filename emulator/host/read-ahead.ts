// Read-ahead for a block device read from start to end, as the kernel's readahead keeps requests queued
// (mm/readahead.c): a READ asked for also sends the next `depth` READs of the same size, so that many commands are
// in flight and the device is never idle waiting for the host's next request. A READ that was sent ahead is handed
// out when it is asked for; a read elsewhere drops them (their answers, when they come, are thrown away), and so
// must the device's owner after anything that changes what they would read (a write, a medium change).
// A reader that gives its own memory (`into`, reused READ after READ) has the READs sent ahead read into buffers kept
// here, each copied into `into` when asked for and then used again for the READs sent next: memory moved per READ is
// then one copy, not a new buffer (which costs a process with a heap of any size far more, in garbage collection).

export class ReadAhead {
  /** READs in flight by their first block, each with its size and the buffer it is read into (when one is kept here). */
  private readonly sent = new Map<number, { blocks: number; data: Promise<Buffer>; buffer: Buffer | undefined }>();
  /** Buffers of READs sent ahead whose data was copied to their reader: the next READs sent ahead go into them. */
  private readonly spare: Buffer[] = [];
  private readonly depth: number;
  private readonly read: (lba: number, blocks: number, into?: Buffer) => Promise<Buffer>;

  /** `read` sends one READ (into `into` when given); `depth` READs are kept in flight past the one asked for. */
  constructor(depth: number, read: (lba: number, blocks: number, into?: Buffer) => Promise<Buffer>) {
    this.depth = depth;
    this.read = read;
  }

  /**
   * `blocks` blocks from `lba` of a medium of `blockCount` blocks (into `into` when given: the result is a view of
   * it), and the next READs of that size sent ahead.
   */
  take(lba: number, blocks: number, blockCount: number, into?: Buffer): Promise<Buffer> {
    const ahead = this.sent.get(lba);
    let data: Promise<Buffer>;
    if (ahead !== undefined && ahead.blocks === blocks) {
      this.sent.delete(lba);
      data = into === undefined ? ahead.data : ahead.data.then((d) => this.copied(d, into, ahead.buffer));
    } else {
      this.drop();
      data = this.read(lba, blocks, into);
    }
    for (let i = 0, next = lba + blocks; i < this.depth && next < blockCount; i++, next += blocks) {
      if (this.sent.has(next)) continue;
      const n = Math.min(blocks, blockCount - next);
      const buffer = into === undefined ? undefined : this.spareFor(into.length);
      const p = this.read(next, n, buffer);
      p.catch(() => undefined); // its error goes to whoever asks for it; none if nobody does
      this.sent.set(next, { blocks: n, data: p, buffer });
    }
    return data;
  }

  /** Forgets the READs sent ahead (their buffers too: an answer may still come into them). */
  drop(): void {
    this.sent.clear();
  }

  /** `d` copied into `into`; `buffer`, which it was read into, is spare again. */
  private copied(d: Buffer, into: Buffer, buffer: Buffer | undefined): Buffer {
    d.copy(into);
    if (buffer !== undefined && this.spare.length <= this.depth) this.spare.push(buffer);
    return into.subarray(0, d.length);
  }

  private spareFor(length: number): Buffer {
    for (let b = this.spare.pop(); b !== undefined; b = this.spare.pop()) if (b.length >= length) return b;
    return Buffer.allocUnsafe(length);
  }
}
