// From what a user names to a medium in a drive (emulator/media/image-location.ts, image-library.ts): paths and
// URLs, a clear MediaError for each wrong one, one open source per image however many drives use it.
import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { CowOverlay } from '../../emulator/media/cow-overlay.js';
import { ImageLibrary } from '../../emulator/media/image-library.js';
import { parseImageLocation } from '../../emulator/media/image-location.js';
import { ImageMedium } from '../../emulator/media/image-medium.js';
import { MediaError, MediaErrorCode } from '../../emulator/media/media-error.js';
import { patternedImage } from '../helpers/range-server.js';

const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-library-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const iso = join(dir, 'install.iso');
const image = patternedImage(20 * 2048);
writeFileSync(iso, image);

async function failure(p: Promise<unknown>): Promise<MediaError> {
  const err = await p.then(() => null, (e: unknown) => e);
  if (!(err instanceof MediaError)) throw new Error(`expected a MediaError, got ${String(err)}`);
  return err;
}

t.test('locations: a path (made absolute), a file:// URL, http and https URLs', async (t) => {
  t.same(parseImageLocation('/srv/images/a.iso'), { kind: 'file', path: '/srv/images/a.iso' });
  t.same(parseImageLocation('images/a.iso'), { kind: 'file', path: join(process.cwd(), 'images/a.iso') });
  t.same(parseImageLocation('with:colon.iso'), { kind: 'file', path: join(process.cwd(), 'with:colon.iso') }, 'a colon without // is a path');
  t.same(parseImageLocation(pathToFileURL('/srv/a b.iso').href), { kind: 'file', path: '/srv/a b.iso' });
  const http = parseImageLocation('http://10.0.0.1:8080/a.iso');
  t.equal(http.kind, 'http');
  t.equal(http.kind === 'http' && http.url.href, 'http://10.0.0.1:8080/a.iso');
  t.equal(parseImageLocation('HTTPS://example.com/a.iso').kind, 'http');
});

t.test('locations refused: nothing named, a broken URL, a scheme other than http, https and file', async (t) => {
  for (const [text, code, message] of [
    ['', MediaErrorCode.BAD_LOCATION, /no image named: give a file path or an http\(s\) URL/],
    ['   ', MediaErrorCode.BAD_LOCATION, /no image named/],
    ['http://[bad/a.iso', MediaErrorCode.BAD_LOCATION, /not a valid URL/],
    ['file://otherhost/a.iso', MediaErrorCode.BAD_LOCATION, /not a local file URL/],
    ['smb://fileserver/share/a.iso', MediaErrorCode.UNSUPPORTED_SCHEME, /^smb:\/\/fileserver\/share\/a\.iso: the scheme smb is not supported: give a file path or an http\(s\) URL$/],
    ['nfs://server/export/a.iso', MediaErrorCode.UNSUPPORTED_SCHEME, /the scheme nfs is not supported/],
    ['ftp://user:pw@server/a.iso', MediaErrorCode.UNSUPPORTED_SCHEME, /^ftp:\/\/server\/a\.iso: the scheme ftp/],
  ] as const) {
    t.throws(() => parseImageLocation(text), { code, message }, JSON.stringify(text));
  }
});

t.test('a CD-ROM reads the image; a disk writes to its own overlay, or is read-only when write-protected', async (t) => {
  const library = new ImageLibrary();
  const cd = await library.load(iso, DriveKind.cdrom);
  t.ok(cd.medium instanceof ImageMedium);
  t.match(cd, { kind: 'cdrom', image: iso, size: image.length, medium: { blockSize: 2048, blockCount: 20, readOnly: true } });
  t.same(await cd.medium.read(3, 2), image.subarray(3 * 2048, 5 * 2048));
  const disk = await library.load(iso, DriveKind.disk);
  t.ok(disk.medium instanceof CowOverlay);
  t.match(disk.medium, { blockSize: 512, blockCount: 80, readOnly: false });
  await disk.medium.write(0, Buffer.alloc(512, 0xff));
  t.equal(disk.overlayBytes(), 4096);
  t.equal(library.overlayBudget.usedBytes, 4096);
  const protectedDisk = await library.load(iso, DriveKind.disk, { writeProtected: true });
  t.match(protectedDisk.medium, { blockSize: 512, readOnly: true });
  t.same(await protectedDisk.medium.read(0, 1), image.subarray(0, 512), 'the other disk sees the base');
  t.equal(library.openImages, 1, 'three media, one open image');
  disk.release();
  t.equal(library.overlayBudget.usedBytes, 0, 'the ejected disk gave its overlay back');
  cd.release();
  cd.release(); // a second release is nothing
  t.equal(library.openImages, 1);
  protectedDisk.release();
  t.equal(library.openImages, 0, 'the last one let go: the image is closed');
});

t.test('many loads of one image at once open it once', async (t) => {
  const library = new ImageLibrary();
  const all = await Promise.all(Array.from({ length: 50 }, () => library.load(iso, DriveKind.cdrom)));
  t.equal(library.openImages, 1);
  t.equal(new Set(all.map((l) => (l.medium as ImageMedium).source)).size, 1, 'one source shared');
  for (const l of all) l.release();
  t.equal(library.openImages, 0);
});

t.test('an image changed since it was opened is opened again for new inserts; drives using the old one keep it', async (t) => {
  const path = join(dir, 'changing.img');
  writeFileSync(path, image);
  const library = new ImageLibrary();
  const before = await library.load(path, DriveKind.cdrom);
  utimesSync(path, new Date(), new Date(Date.now() + 10_000));
  const after = await library.load(path, DriveKind.cdrom);
  const sourceOf = (l: typeof before) => (l.medium as ImageMedium).source;
  t.not(sourceOf(after), sourceOf(before));
  t.not(sourceOf(after).key, sourceOf(before).key, 'another cache key: no stale chunk is served for it');
  t.equal(library.openImages, 1, 'the old one is no longer offered');
  const third = await library.load(path, DriveKind.cdrom);
  t.equal(sourceOf(third), sourceOf(after));
  before.release();
  t.equal(library.openImages, 1);
  after.release();
  third.release();
  t.equal(library.openImages, 0);
});

t.test('what cannot be inserted: a clear MediaError, and nothing left open', async (t) => {
  const empty = join(dir, 'empty.iso');
  writeFileSync(empty, '');
  const tiny = join(dir, 'tiny.iso');
  writeFileSync(tiny, Buffer.alloc(100));
  const folder = join(dir, 'folder');
  mkdirSync(folder);
  const library = new ImageLibrary();
  const cases: Array<[string, DriveKind, string, RegExp]> = [
    [join(dir, 'missing.iso'), DriveKind.cdrom, MediaErrorCode.NO_SUCH_FILE, /missing\.iso: no such file$/],
    [folder, DriveKind.disk, MediaErrorCode.NOT_A_FILE, /folder: not a regular file \(a directory\)$/],
    [empty, DriveKind.cdrom, MediaErrorCode.EMPTY_IMAGE, /empty\.iso: the file is empty \(0 bytes\)$/],
    [tiny, DriveKind.cdrom, MediaErrorCode.IMAGE_TOO_SMALL, /tiny\.iso: 100 bytes, less than one 2048-byte block of a cdrom$/],
    ['smb://server/share/x.iso', DriveKind.cdrom, MediaErrorCode.UNSUPPORTED_SCHEME, /the scheme smb is not supported/],
  ];
  for (const [location, kind, code, message] of cases) {
    t.match(await failure(library.load(location, kind)), { code, message }, location);
  }
  const together = await Promise.all(Array.from({ length: 10 }, () => failure(library.load(join(dir, 'missing.iso'), DriveKind.cdrom))));
  t.ok(together.every((e) => e.code === MediaErrorCode.NO_SUCH_FILE), 'loads at once share the failure');
  t.equal(library.openImages, 0);
});
