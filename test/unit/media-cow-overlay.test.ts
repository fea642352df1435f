// A host's writable disk over a shared image (emulator/media/cow-overlay.ts): its writes are its own, the base
// file never changes, and overlays stay within their byte budget.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { BlockCache } from '../../emulator/media/block-cache.js';
import { CowOverlay, OVERLAY_PAGE_SIZE } from '../../emulator/media/cow-overlay.js';
import { FileSource } from '../../emulator/media/file-source.js';
import { ImageMedium } from '../../emulator/media/image-medium.js';
import { MediaErrorCode } from '../../emulator/media/media-error.js';
import { OverlayBudget } from '../../emulator/media/overlay-budget.js';
import { patternedImage } from '../helpers/range-server.js';
import { MemorySource, gate } from '../helpers/memory-source.js';

const filled = (blocks: number, byte: number) => Buffer.alloc(blocks * 512, byte);

function overHost(source: MemorySource | FileSource, budget = new OverlayBudget(), cache = new BlockCache({ chunkSize: 8192 })): CowOverlay {
  return new CowOverlay(new ImageMedium(source, cache, DriveKind.disk), budget);
}

t.test('writes are visible to their host only; the base file keeps its bytes and its mtime', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-cow-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'base.img');
  const image = patternedImage(64 * 1024);
  writeFileSync(path, image);
  const before = statSync(path);
  const source = await FileSource.open(path);
  t.teardown(() => source.close());
  const cache = new BlockCache({ chunkSize: 8192 });
  const budget = new OverlayBudget();
  const hostA = overHost(source, budget, cache);
  const hostB = overHost(source, budget, cache);
  t.match(hostA, { blockSize: 512, blockCount: 128, readOnly: false });

  await hostA.write(3, filled(2, 0xa1)); // inside one page, neither end on a page edge
  await hostA.write(15, filled(3, 0xa2)); // across the edge of pages 1 and 2
  await hostA.write(32, filled(16, 0xa3)); // two whole pages
  await hostB.write(4, filled(1, 0xb1));

  const expectA = Buffer.from(image);
  expectA.fill(0xa1, 3 * 512, 5 * 512).fill(0xa2, 15 * 512, 18 * 512).fill(0xa3, 32 * 512, 48 * 512);
  const expectB = Buffer.from(image).fill(0xb1, 4 * 512, 5 * 512);
  t.same(await hostA.read(0, 128), expectA, 'host A sees its writes and the base around them');
  t.same(await hostB.read(0, 128), expectB, 'host B sees only its own');
  for (const [lba, blocks] of [[2, 3], [14, 5], [17, 1], [31, 2], [47, 2], [100, 28]]) {
    t.same(await hostA.read(lba, blocks), expectA.subarray(lba * 512, (lba + blocks) * 512), `host A: ${blocks} blocks at ${lba}`);
  }
  await hostA.flush();
  t.same(readFileSync(path), image, 'the base file has its bytes');
  t.equal(statSync(path).mtimeMs, before.mtimeMs, 'and its mtime');
  t.ok(await source.isCurrent(), 'the source sees it unchanged');
  t.equal(hostA.overlayBytes, 5 * OVERLAY_PAGE_SIZE, 'host A holds the pages it wrote to: 0, 1, 2, 4 and 5');
  t.equal(hostB.overlayBytes, OVERLAY_PAGE_SIZE);
});

t.test('a page is copied from the base once, then written in place; a last page shorter than 4 KiB stays short', async (t) => {
  const image = patternedImage(10 * 1024 + 512); // 21 blocks: pages 0 and 1 whole, page 2 of 2560 bytes
  const source = new MemorySource(image);
  const host = overHost(source);
  t.equal(host.blockCount, 21);
  await host.write(20, filled(1, 0xee)); // the very last block, in the short page
  t.equal(host.overlayBytes, 2560);
  await host.write(16, filled(1, 0xdd));
  t.equal(host.overlayBytes, 2560, 'the same page: nothing more taken');
  const expected = Buffer.from(image).fill(0xdd, 16 * 512, 17 * 512).fill(0xee, 20 * 512, 21 * 512);
  t.same(await host.read(0, 21), expected);
  await t.rejects(host.write(21, filled(1, 0)), RangeError, 'past the end');
  await t.rejects(host.write(0, Buffer.alloc(100)), RangeError, 'not whole blocks');
});

t.test('writes land in the order issued, even when an earlier one waits on the base; flush waits for them all', async (t) => {
  const image = patternedImage(16384);
  const source = new MemorySource(image);
  const host = overHost(source);
  const held = gate();
  source.gate = held.wait;
  const w1 = host.write(0, filled(1, 0x11)); // part of page 0: copies the page from the base first
  const w2 = host.write(0, filled(8, 0x22)); // all of page 0: needs no base, issued later
  const w3 = host.write(9, filled(1, 0x33)); // part of page 1
  let flushed = false;
  const f = host.flush().then(() => { flushed = true; });
  await new Promise((r) => setImmediate(r));
  t.notOk(flushed, 'flush waits for the writes under way');
  held.open();
  await Promise.all([w1, w2, w3, f]);
  t.ok(flushed);
  source.gate = undefined;
  t.same(await host.read(0, 8), filled(8, 0x22), 'the later whole-page write wins');
  t.same(await host.read(8, 3), Buffer.concat([image.subarray(4096, 4608), filled(1, 0x33), image.subarray(5120, 5632)]));
});

t.test('the budget: a host past its limit, or all hosts past theirs, get MEDIA_OVERLAY_FULL; an eject gives the bytes back', async (t) => {
  const budget = new OverlayBudget({ hostLimitBytes: 3 * OVERLAY_PAGE_SIZE, totalLimitBytes: 4 * OVERLAY_PAGE_SIZE });
  const source = new MemorySource(patternedImage(64 * 1024));
  const a = overHost(source, budget);
  const b = overHost(source, budget);
  await a.write(0, filled(24, 1)); // 3 pages
  await t.rejects(a.write(24, filled(1, 1)), { code: MediaErrorCode.OVERLAY_FULL, message: /holds 12288 bytes; 4096 more would pass its limit \(12288 a host, 16384 in all\)/ });
  await a.write(8, filled(8, 2)); // a page it holds already: fine
  await b.write(0, filled(8, 3));
  t.equal(budget.usedBytes, 4 * OVERLAY_PAGE_SIZE);
  await t.rejects(b.write(8, filled(8, 3)), { code: MediaErrorCode.OVERLAY_FULL }, 'the process-wide limit');
  t.same(await b.read(8, 8), await overHost(source).read(8, 8), 'a refused write changes nothing');
  a.discard();
  t.equal(budget.usedBytes, OVERLAY_PAGE_SIZE, 'host A ejected: its 3 pages given back');
  await b.write(8, filled(16, 4));
  t.equal(b.overlayBytes, 3 * OVERLAY_PAGE_SIZE);
});

t.test('a write still under way when the disk is ejected is dropped, and takes nothing from the budget', async (t) => {
  const budget = new OverlayBudget();
  const source = new MemorySource(patternedImage(8192));
  const host = overHost(source, budget);
  const held = gate();
  source.gate = held.wait;
  const w = host.write(1, filled(1, 9)); // a partial page: waits on the base
  await new Promise((r) => setImmediate(r));
  host.discard();
  held.open();
  await w;
  t.equal(budget.usedBytes, 0);
  t.equal(host.overlayBytes, 0);
});
