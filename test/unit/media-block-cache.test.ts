// The block cache shared by every host of a process (emulator/media/block-cache.ts): exact bytes at any offset,
// one backing read per chunk however many readers ask at once, and a byte bound kept by dropping the least
// recently used chunks; the chunks after a reader going in order read ahead.
import t from 'tap';
import { BlockCache } from '../../emulator/media/block-cache.js';
import { patternedImage } from '../helpers/range-server.js';
import { MemorySource, gate } from '../helpers/memory-source.js';

const CHUNK = 1024;

t.test('reads the exact bytes at odd offsets, within a chunk, across chunk edges and into the short last chunk', async (t) => {
  const image = patternedImage(10 * CHUNK + 123);
  const source = new MemorySource(image);
  const cache = new BlockCache({ chunkSize: CHUNK, maxBytes: 64 * CHUNK, readaheadChunks: 0 });
  for (const [offset, length] of [[0, 1], [1, 1], [3, 1021], [1023, 2], [1000, 3000], [7, 3 * CHUNK + 11], [10 * CHUNK, 123], [10 * CHUNK + 122, 1], [0, image.length], [4097, 0]]) {
    t.same(await cache.read(source, offset, length), image.subarray(offset, offset + length), `${length} bytes at ${offset}`);
  }
  t.same(source.reads.filter((r) => r.offset === 10 * CHUNK), [{ offset: 10 * CHUNK, length: 123 }], 'the last chunk read is only as long as the image');
  t.equal(cache.counters.backingBytesRead, image.length, 'each byte read from the backing once');
  t.equal(cache.counters.misses, 11, 'one miss per chunk');
});

t.test('a read outside the image is a RangeError (a caller bug), and nothing is read', async (t) => {
  const source = new MemorySource(Buffer.alloc(3000));
  const cache = new BlockCache({ chunkSize: CHUNK });
  await t.rejects(cache.read(source, 2999, 2), RangeError);
  await t.rejects(cache.read(source, -1, 1), RangeError);
  await t.rejects(cache.read(source, 1.5, 1), RangeError);
  t.same(source.reads, []);
});

t.test('concurrent misses on one chunk share one backing read (single flight)', async (t) => {
  const image = patternedImage(4 * CHUNK);
  const source = new MemorySource(image);
  const cache = new BlockCache({ chunkSize: CHUNK, readaheadChunks: 0 });
  const held = gate();
  source.gate = held.wait;
  const offsets = Array.from({ length: 100 }, (_, i) => (i * 37) % (2 * CHUNK - 10));
  const readers = offsets.map((o) => cache.read(source, o, 10));
  held.open();
  const answers = await Promise.all(readers);
  t.ok(answers.every((a, i) => a.equals(image.subarray(offsets[i], offsets[i] + 10))), 'every reader got its bytes');
  t.same(source.reads, [{ offset: 0, length: CHUNK }, { offset: CHUNK, length: CHUNK }], 'two chunks touched, each read once');
  const lookups = offsets.reduce((n, o) => n + (Math.floor(o / CHUNK) === Math.floor((o + 9) / CHUNK) ? 1 : 2), 0);
  t.equal(cache.counters.misses, 2);
  t.equal(cache.counters.sharedMisses, lookups - 2, 'every other lookup waited on a read in flight');
  t.equal(cache.counters.hits, 0);
  t.equal(cache.counters.backingBytesRead, 2 * CHUNK);
});

t.test('a failed backing read fails everyone waiting on it, is not kept, and the next read tries again', async (t) => {
  const source = new MemorySource(patternedImage(2 * CHUNK));
  const cache = new BlockCache({ chunkSize: CHUNK });
  const held = gate();
  source.gate = held.wait;
  source.failure = new Error('disk on fire');
  const a = cache.read(source, 0, 10);
  const b = cache.read(source, 5, 10);
  held.open();
  await t.rejects(a, /disk on fire/);
  await t.rejects(b, /disk on fire/);
  source.failure = undefined;
  t.same(await cache.read(source, 0, 10), patternedImage(2 * CHUNK).subarray(0, 10));
  t.equal(source.reads.length, 2, 'read again after the failure');
  t.equal(cache.counters.backingBytesRead, CHUNK, 'the failed read counts no bytes');
});

t.test('bounded by bytes: the least recently used chunk goes first, a hit makes a chunk recent', async (t) => {
  const image = patternedImage(8 * CHUNK);
  const source = new MemorySource(image);
  const cache = new BlockCache({ chunkSize: CHUNK, maxBytes: 3 * CHUNK, readaheadChunks: 0 });
  for (const i of [0, 1, 2]) await cache.read(source, i * CHUNK, 1);
  await cache.read(source, 0, 1); // chunk 0 recent again: chunk 1 is now the oldest
  await cache.read(source, 3 * CHUNK, 1); // evicts chunk 1
  t.equal(cache.bytes, 3 * CHUNK, 'never above the bound');
  t.equal(cache.counters.evictions, 1);
  source.reads.length = 0;
  await cache.read(source, 0, 1);
  await cache.read(source, 2 * CHUNK, 1);
  await cache.read(source, 3 * CHUNK, 1);
  t.same(source.reads, [], 'chunks 0, 2 and 3 still in memory');
  await cache.read(source, CHUNK + 5, 1);
  t.same(source.reads, [{ offset: CHUNK, length: CHUNK }], 'chunk 1 was dropped and is read again');
  t.equal(cache.counters.hits, 4);
});

t.test('images are told apart by key: the same offsets of two images are two chunks', async (t) => {
  const a = new MemorySource(Buffer.alloc(CHUNK, 0xaa), 'a');
  const b = new MemorySource(Buffer.alloc(CHUNK, 0xbb), 'b');
  const cache = new BlockCache({ chunkSize: CHUNK });
  t.equal((await cache.read(a, 10, 1))[0], 0xaa);
  t.equal((await cache.read(b, 10, 1))[0], 0xbb);
  t.equal((await cache.read(a, 11, 1))[0], 0xaa);
  t.equal(cache.counters.misses, 2);
  t.equal(cache.counters.hits, 1);
});

t.test('a reader going in order has the next chunks read ahead; one jumping about does not', async (t) => {
  const image = patternedImage(8 * CHUNK + 10);
  const source = new MemorySource(image);
  const cache = new BlockCache({ chunkSize: CHUNK, readaheadChunks: 3 });
  await cache.read(source, 5 * CHUNK, 1);
  await cache.read(source, 2 * CHUNK, 1);
  t.same(source.reads.map((r) => r.offset / CHUNK), [5, 2], 'random: only what was asked');
  await cache.read(source, 3 * CHUNK, 1); // chunk 2 is there: in order
  t.same(source.reads.map((r) => r.offset / CHUNK), [5, 2, 3, 4, 6], 'chunks 4 and 6 read ahead (5 was there)');
  t.equal(cache.counters.readaheads, 2);
  await cache.read(source, 4 * CHUNK, 1);
  t.same(source.reads.map((r) => r.offset / CHUNK), [5, 2, 3, 4, 6, 7], 'one more chunk ahead as the reader moves on');
  await cache.read(source, 7 * CHUNK, CHUNK + 10);
  t.same(source.reads.map((r) => r.offset / CHUNK), [5, 2, 3, 4, 6, 7, 8], 'never past the last chunk');
  t.equal(cache.counters.misses, 3, 'chunks 5, 2 and 3 were asked for before they were read');
  t.equal(cache.counters.readaheads, 4, 'chunks 4, 6, 7 and 8 were read ahead');
  t.equal(cache.counters.backingBytesRead, image.length - 2 * CHUNK, 'each byte once, chunks 0 and 1 not yet');
  source.reads.length = 0;
  t.same(await cache.read(source, 0, image.length), image);
  t.same(source.reads.map((r) => r.offset / CHUNK), [0, 1]);
});

t.test('a read ahead that fails is not kept and harms nobody; the reader that gets there reads again', async (t) => {
  const image = patternedImage(4 * CHUNK);
  const source = new MemorySource(image);
  const cache = new BlockCache({ chunkSize: CHUNK, readaheadChunks: 2 });
  await cache.read(source, 0, 1);
  source.failure = new Error('backing went away');
  await t.rejects(cache.read(source, CHUNK, 1), /backing went away/); // chunk 1 fails, and so do 2 and 3 ahead of it
  await new Promise((r) => setImmediate(r));
  source.failure = undefined;
  t.same(await cache.read(source, 2 * CHUNK, 2 * CHUNK), image.subarray(2 * CHUNK));
  t.equal(cache.counters.backingBytesRead, 3 * CHUNK, 'chunk 0, then 2 and 3 read again');
});

t.test('options are checked', async (t) => {
  t.throws(() => new BlockCache({ chunkSize: 0 }), RangeError);
  t.throws(() => new BlockCache({ chunkSize: 4096, maxBytes: 4095 }), RangeError);
  const d = new BlockCache();
  t.equal(d.chunkSize, 65536);
  t.equal(d.maxBytes, 256 * 1024 * 1024);
  t.equal(d.readaheadChunks, 4);
});
