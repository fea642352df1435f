// An image in a local file (emulator/media/file-source.ts): exact bytes by positional reads, and a clear
// MediaError for what cannot be an image.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { FileSource } from '../../emulator/media/file-source.js';
import { MediaError, MediaErrorCode } from '../../emulator/media/media-error.js';
import { patternedImage } from '../helpers/range-server.js';

const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-file-source-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const image = patternedImage(200_001);
const path = join(dir, 'disk.img');
writeFileSync(path, image);

t.test('reads exact bytes at odd offsets, the first and the last byte, and the whole file', async (t) => {
  const s = await FileSource.open(path);
  t.teardown(() => s.close());
  t.equal(s.size, image.length);
  t.equal(s.location, path);
  for (const [offset, length] of [[0, 1], [1, 3], [65_535, 2], [131_071, 65_539], [200_000, 1], [0, 200_001], [12_345, 0]]) {
    t.same(await s.readAt(offset, length), image.subarray(offset, offset + length), `${length} bytes at ${offset}`);
  }
  await t.rejects(s.readAt(200_000, 2), RangeError, 'past the end is a caller bug');
});

t.test('the key names the path, size and mtime: a touched file is another image', async (t) => {
  const p = join(dir, 'touched.img');
  writeFileSync(p, image.subarray(0, 4096));
  const before = await FileSource.open(p);
  t.match(before.key, p);
  t.ok(await before.isCurrent(), 'unchanged');
  utimesSync(p, new Date(), new Date(Date.now() + 5000));
  t.notOk(await before.isCurrent(), 'another mtime: no longer current');
  const after = await FileSource.open(p);
  t.not(after.key, before.key);
  rmSync(p);
  t.notOk(await after.isCurrent(), 'deleted: no longer current');
  await before.close();
  await after.close();
});

t.test('a file that got shorter than when opened: MEDIA_IMAGE_CHANGED, not short data', async (t) => {
  const p = join(dir, 'shrinks.img');
  writeFileSync(p, image.subarray(0, 8192));
  const s = await FileSource.open(p);
  t.teardown(() => s.close());
  truncateSync(p, 4096);
  await t.rejects(s.readAt(4000, 1000), { code: MediaErrorCode.IMAGE_CHANGED, message: /ended at 4096 bytes, it had 8192/ });
});

t.test('a read after close: MEDIA_CLOSED; a read under way at the close completes', async (t) => {
  const s = await FileSource.open(path);
  const during = s.readAt(1000, 50_000);
  const closing = s.close();
  t.same(await during, image.subarray(1000, 51_000));
  await closing;
  await t.rejects(s.readAt(0, 10), { code: MediaErrorCode.CLOSED, message: /read after the image was closed/ });
});

t.test('what cannot be an image is refused with a clear MediaError naming the path', async (t) => {
  const empty = join(dir, 'empty.img');
  writeFileSync(empty, '');
  const sub = join(dir, 'a-directory');
  mkdirSync(sub);
  const fifo = join(dir, 'a-fifo');
  execFileSync('mkfifo', [fifo]);
  const dangling = join(dir, 'dangling');
  symlinkSync(join(dir, 'nowhere'), dangling);
  const cases: Array<[string, string, RegExp]> = [
    [join(dir, 'missing.iso'), MediaErrorCode.NO_SUCH_FILE, /missing\.iso: no such file/],
    [join(dir, 'disk.img', 'inside'), MediaErrorCode.NO_SUCH_FILE, /no such file/],
    [dangling, MediaErrorCode.NO_SUCH_FILE, /dangling: no such file/],
    [sub, MediaErrorCode.NOT_A_FILE, /a-directory: not a regular file \(a directory\)/],
    [fifo, MediaErrorCode.NOT_A_FILE, /a-fifo: not a regular file/],
    ['/dev/null', MediaErrorCode.NOT_A_FILE, /\/dev\/null: not a regular file \(a character device\)/],
    [empty, MediaErrorCode.EMPTY_IMAGE, /empty\.img: the file is empty \(0 bytes\)/],
  ];
  for (const [p, code, message] of cases) {
    const err = await FileSource.open(p).then(() => null, (e: unknown) => e);
    t.ok(err instanceof MediaError, `${p}: a MediaError`);
    t.match(err, { code, message, location: p }, p);
  }
});

t.test('a relative path is made absolute against the working directory', async (t) => {
  const s = await FileSource.open(relative(process.cwd(), path));
  t.equal(s.location, path);
  await s.close();
});
