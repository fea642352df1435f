// The chunks of images that hosts read, shared by every host of the process: 1,000 hosts reading one image read
// its backing (file or URL) once. Fixed-size chunks keyed by (image key, chunk index), least recently used dropped
// first past a byte bound; concurrent misses on one chunk share one backing read (single flight); a reader going
// through an image in order has the next chunks read ahead, so an HTTP source is not one round trip per chunk.
import { checkReadRange, type ImageSource } from './image-source.js';

export interface BlockCacheOptions {
  /** Bytes per chunk, the unit of backing reads (default 64 KiB). */
  chunkSize?: number;
  /** Bytes of chunks kept at most (default 256 MiB, at least one chunk). */
  maxBytes?: number;
  /** Chunks read ahead of a reader that reads in order: chunk i asked for when i - 1 is there (default 4; 0: none). */
  readaheadChunks?: number;
}

export interface BlockCacheCounters {
  /** Bytes read from image sources: one image's size when every host shares its reads. */
  backingBytesRead: number;
  /** Chunk lookups answered from memory. */
  hits: number;
  /** Chunk lookups that started a backing read. */
  misses: number;
  /** Chunk lookups that waited for a backing read another lookup had started. */
  sharedMisses: number;
  /** Backing reads started ahead of the readers. */
  readaheads: number;
  /** Chunks dropped to stay within maxBytes. */
  evictions: number;
}

interface Chunk {
  readonly key: string;
  readonly index: number;
  readonly data: Buffer;
  /** The chunks of its image, to leave when evicted. */
  readonly siblings: Map<number, Chunk>;
}

export class BlockCache {
  readonly chunkSize: number;
  readonly maxBytes: number;
  readonly readaheadChunks: number;
  readonly counters: BlockCacheCounters = { backingBytesRead: 0, hits: 0, misses: 0, sharedMisses: 0, readaheads: 0, evictions: 0 };
  private residentBytes = 0;
  /** Chunks in memory, by image key then chunk index (two levels: no key string built per lookup). */
  private readonly images = new Map<string, Map<number, Chunk>>();
  /** Backing reads under way, by image key then chunk index. */
  private readonly inFlight = new Map<string, Map<number, Promise<Buffer>>>();
  /** Every chunk in memory, least recently used first (a Set keeps insertion order; a hit re-inserts). */
  private readonly recency = new Set<Chunk>();

  constructor(options: BlockCacheOptions = {}) {
    this.chunkSize = options.chunkSize ?? 64 * 1024;
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    this.readaheadChunks = options.readaheadChunks ?? 4;
    if (!Number.isSafeInteger(this.chunkSize) || this.chunkSize <= 0) throw new RangeError(`chunkSize ${this.chunkSize}: a positive integer`);
    if (!(this.maxBytes >= this.chunkSize)) throw new RangeError(`maxBytes ${this.maxBytes}: at least one chunk (${this.chunkSize})`);
  }

  /** Bytes of chunks in memory now. */
  get bytes(): number {
    return this.residentBytes;
  }

  /**
   * Exactly `length` bytes of `source` from `offset`. Within one chunk the answer shares the cache's memory (no copy):
   * callers must not modify it.
   */
  async read(source: ImageSource, offset: number, length: number): Promise<Buffer> {
    checkReadRange(source, offset, length);
    if (length === 0) return Buffer.alloc(0);
    const first = Math.floor(offset / this.chunkSize);
    const last = Math.floor((offset + length - 1) / this.chunkSize);
    if (first === last) {
      const start = offset - first * this.chunkSize;
      return (await this.chunk(source, first)).subarray(start, start + length);
    }
    const pending: Array<Promise<Buffer>> = [];
    for (let i = first; i <= last; i++) pending.push(this.chunk(source, i));
    const parts = await Promise.all(pending);
    const out = Buffer.allocUnsafe(length);
    let written = 0;
    for (let i = first; i <= last; i++) {
      const data = parts[i - first];
      const from = i === first ? offset - first * this.chunkSize : 0;
      const to = Math.min(data.length, offset + length - i * this.chunkSize);
      written += data.copy(out, written, from, to);
    }
    return out;
  }

  private chunk(source: ImageSource, index: number): Promise<Buffer> {
    const found = this.lookUp(source, index);
    if (this.readaheadChunks > 0 && index > 0 && this.present(source.key, index - 1)) this.readAhead(source, index);
    return found;
  }

  private lookUp(source: ImageSource, index: number): Promise<Buffer> {
    const resident = this.images.get(source.key)?.get(index);
    if (resident) {
      this.counters.hits++;
      this.recency.delete(resident);
      this.recency.add(resident);
      return Promise.resolve(resident.data);
    }
    const under = this.inFlight.get(source.key)?.get(index);
    if (under) {
      this.counters.sharedMisses++;
      return under;
    }
    this.counters.misses++;
    return this.startRead(source, index);
  }

  /** In memory or being read. */
  private present(key: string, index: number): boolean {
    return this.images.get(key)?.has(index) === true || this.inFlight.get(key)?.has(index) === true;
  }

  /** Starts reading the chunks after `index` that are neither in memory nor being read. */
  private readAhead(source: ImageSource, index: number): void {
    const lastChunk = Math.ceil(source.size / this.chunkSize) - 1;
    for (let i = index + 1; i <= Math.min(lastChunk, index + this.readaheadChunks); i++) {
      if (this.present(source.key, i)) continue;
      this.counters.readaheads++;
      // nobody waits on it yet: a failure is not kept, and the reader that gets there reads again (or joins and sees it)
      this.startRead(source, i).catch(() => {});
    }
  }

  private startRead(source: ImageSource, index: number): Promise<Buffer> {
    let reads = this.inFlight.get(source.key);
    if (!reads) this.inFlight.set(source.key, (reads = new Map()));
    const read = this.fetch(source, index, reads);
    reads.set(index, read);
    return read;
  }

  private async fetch(source: ImageSource, index: number, reads: Map<number, Promise<Buffer>>): Promise<Buffer> {
    const offset = index * this.chunkSize;
    try {
      const data = await source.readAt(offset, Math.min(this.chunkSize, source.size - offset));
      this.counters.backingBytesRead += data.length;
      this.keep(source.key, index, data);
      return data;
    } finally {
      reads.delete(index);
      if (reads.size === 0 && this.inFlight.get(source.key) === reads) this.inFlight.delete(source.key);
    }
  }

  private keep(key: string, index: number, data: Buffer): void {
    let siblings = this.images.get(key);
    if (!siblings) this.images.set(key, (siblings = new Map()));
    const chunk: Chunk = { key, index, data, siblings };
    siblings.set(index, chunk);
    this.recency.add(chunk);
    this.residentBytes += data.length;
    while (this.residentBytes > this.maxBytes) this.evictOldest();
  }

  private evictOldest(): void {
    const oldest = this.recency.values().next().value as Chunk;
    this.recency.delete(oldest);
    oldest.siblings.delete(oldest.index);
    if (oldest.siblings.size === 0) this.images.delete(oldest.key);
    this.residentBytes -= oldest.data.length;
    this.counters.evictions++;
  }
}
