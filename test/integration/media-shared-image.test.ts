// Issue 13: hosts that share one image share one read of it. 1,000 hosts, each with its own medium from the
// process's ImageLibrary, read a whole image at once, from a real HTTP server on 127.0.0.1 and from a file: the
// backing is read once, as counted by the server (bytes in 206 bodies) and by the block cache.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriveKind, type Medium } from '../../protocols/scsi/medium.js';
import { ImageLibrary } from '../../emulator/media/image-library.js';
import { patternedImage, startRangeServer } from '../helpers/range-server.js';

const HOSTS = 1000;
const IMAGE_BYTES = 1024 * 1024 + 3 * 2048; // 515 CD-ROM blocks: 16 chunks of 64 KiB and a short one
const READ_BLOCKS = 27; // an odd size, so reads straddle chunk edges
const image = patternedImage(IMAGE_BYTES);

/** Reads the whole medium in READ_BLOCKS pieces; the number of pieces that differed from the image. */
async function readAll(medium: Medium): Promise<number> {
  let wrong = 0;
  for (let lba = 0; lba < medium.blockCount; lba += READ_BLOCKS) {
    const blocks = Math.min(READ_BLOCKS, medium.blockCount - lba);
    const data = await medium.read(lba, blocks);
    if (!data.equals(image.subarray(lba * 2048, (lba + blocks) * 2048))) wrong++;
  }
  return wrong;
}

t.test(`${HOSTS} hosts on one HTTP image: the server sends it once`, async (t) => {
  const server = await startRangeServer();
  t.teardown(() => server.close());
  server.put('install.iso', image);
  const library = new ImageLibrary({ http: { maxSockets: 4 } });
  const media = await Promise.all(Array.from({ length: HOSTS }, () => library.load(`${server.url}/install.iso`, DriveKind.cdrom)));
  t.equal(library.openImages, 1, 'one open source');
  const wrong = await Promise.all(media.map((m) => readAll(m.medium)));
  t.equal(wrong.reduce((a, b) => a + b, 0), 0, 'every host read every byte right');
  t.equal(server.bytesServed, IMAGE_BYTES + 1, 'the server sent the image once (and the 1-byte probe)');
  t.equal(library.cache.counters.backingBytesRead, IMAGE_BYTES, 'the cache read it once');
  t.equal(library.cache.counters.misses + library.cache.counters.readaheads, 17, 'one backing read per chunk');
  t.equal(server.requests.get(206), 18, '17 range GETs and the probe');
  t.ok(server.maxConnections <= 4, `at most 4 connections (${server.maxConnections})`);
  for (const m of media) m.release();
  t.equal(library.openImages, 0);
});

t.test(`${HOSTS} hosts on one file: the cache reads it once`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-shared-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'install.iso');
  writeFileSync(path, image);
  const library = new ImageLibrary();
  const media = await Promise.all(Array.from({ length: HOSTS }, () => library.load(path, DriveKind.cdrom)));
  const wrong = await Promise.all(media.map((m) => readAll(m.medium)));
  t.equal(wrong.reduce((a, b) => a + b, 0), 0, 'every host read every byte right');
  t.equal(library.cache.counters.backingBytesRead, IMAGE_BYTES);
  t.equal(library.openImages, 1, 'one file handle');
  for (const m of media) m.release();
});
