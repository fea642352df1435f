// Local images come only from the fleet's media folders (issue 13, step 3): whoever reaches the control API must not
// read /etc/shadow through a USB disk. Inside a folder: inserted; outside, by a path, by `..` or through a symbolic link
// that leads out: refused (MEDIA_OUTSIDE_MEDIA_DIRS, HTTP 403 from the control API, CCh over IPMI); URLs and blank media
// are not files and stay as they are. The default folders: the state directory's media/ and the fleet file's own.
import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../runtime/clock.js';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { BmcMedia } from '../../emulator/media/bmc-media.js';
import { ImageLibrary } from '../../emulator/media/image-library.js';
import { FileSource } from '../../emulator/media/file-source.js';
import { MediaDirs } from '../../emulator/media/media-dirs.js';
import { MediaError, MediaErrorCode } from '../../emulator/media/media-error.js';
import { ControlError } from '../../emulator/fleet/control-error.js';
import { ShardMedia, mediaDirsOf } from '../../emulator/fleet/nodes/shard-media.js';
import { patternedImage } from '../helpers/range-server.js';

const root = mkdtempSync(join(tmpdir(), 'bmcfleet-media-dirs-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));
const media = join(root, 'media');
const elsewhere = join(root, 'elsewhere');
mkdirSync(media);
mkdirSync(elsewhere);
const inside = join(media, 'install.iso');
const secret = join(elsewhere, 'shadow');
writeFileSync(inside, patternedImage(4 * 2048));
writeFileSync(secret, patternedImage(4 * 2048));
symlinkSync(secret, join(media, 'link.iso'));
symlinkSync(elsewhere, join(media, 'sub'));

async function code(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => null, (e: unknown) => e);
  if (!(err instanceof MediaError)) throw new Error(`expected a MediaError, got ${String(err)}`);
  return err.code;
}

t.test('MediaDirs: inside as written and with links followed', async (t) => {
  const dirs = new MediaDirs([media]);
  t.ok(dirs.holds(inside));
  t.notOk(dirs.holds(secret));
  t.notOk(dirs.holds(join(media, '..', 'elsewhere', 'shadow')), '.. is resolved first');
  t.notOk(dirs.holds(`${media}-other/x.iso`), 'a sibling whose name starts the same is not inside');
  await t.resolves(dirs.check(inside));
  t.equal(await code(dirs.check(secret)), MediaErrorCode.OUTSIDE_MEDIA_DIRS);
  t.equal(await code(dirs.check(join(media, 'link.iso'))), MediaErrorCode.OUTSIDE_MEDIA_DIRS, 'a file link that leads out');
  t.equal(await code(dirs.check(join(media, 'sub', 'shadow'))), MediaErrorCode.OUTSIDE_MEDIA_DIRS, 'a folder link that leads out');
  await t.resolves(dirs.check(join(media, 'missing.iso')), 'missing inside: opening says so');
  t.equal(await code(dirs.check('/etc/shadow')), MediaErrorCode.OUTSIDE_MEDIA_DIRS, 'missing or not, outside is refused first');
  t.match(new MediaDirs([]).describe(), /no folder is allowed/);
});

t.test('ImageLibrary with media folders: the file inside loads; outside, links out and .. are refused before opening', async (t) => {
  const library = new ImageLibrary({ mediaDirs: new MediaDirs([media]) });
  const loaded = await library.load(inside, DriveKind.cdrom);
  t.equal(loaded.size, 4 * 2048);
  loaded.release();
  for (const path of [secret, join(media, 'link.iso'), join(media, '..', 'elsewhere', 'shadow'), `file://${secret}`]) {
    const err = await library.load(path, DriveKind.disk).then(() => null, (e: unknown) => e as MediaError);
    t.equal(err?.code, MediaErrorCode.OUTSIDE_MEDIA_DIRS, path);
    t.match(err?.message, new RegExp(`local images must be inside ${media}`));
  }
  t.equal(await code(library.load(join(media, 'missing.iso'), DriveKind.disk)), MediaErrorCode.NO_SUCH_FILE);
  const blank = await library.load('blank:1MiB', DriveKind.disk);
  t.equal(blank.size, 1024 * 1024, 'a blank medium is no file');
  blank.release();
  t.equal(library.openImages, 0);
  const open = new ImageLibrary();
  (await open.load(secret, DriveKind.cdrom)).release(); // code that builds its own library names its own files
});

t.test('the default folders: the state directory\'s media/, imageDir and the folder of hostDisk; mediaDirs replaces them', async (t) => {
  const base = { port: 3240, imageDir: null, mediaDirs: null, cacheMiB: 1, hostDisk: 'blank:64MiB', installStepMs: 0 };
  t.same(mediaDirsOf(base, null), [], 'nothing named: URLs and blank media only');
  t.same(mediaDirsOf({ ...base, imageDir: '/srv/images', hostDisk: '/srv/disks/host.img' }, '/var/lib/bmcfleet'),
    ['/var/lib/bmcfleet/media', '/srv/images', '/srv/disks']);
  t.same(mediaDirsOf({ ...base, imageDir: '/srv/images', mediaDirs: ['/data/iso'] }, '/var/lib/bmcfleet'), ['/data/iso']);
  t.same(mediaDirsOf({ ...base, hostDisk: 'nfs://server/x' }, null), [], 'a hostDisk that is no location adds nothing');
});

t.test('the control API answers 403 with the rule; over IPMI a file outside is refused (CCh) at once', async (t) => {
  const shard = new ShardMedia({ port: 3240, imageDir: elsewhere, mediaDirs: [media], cacheMiB: 1, hostDisk: null, installStepMs: 0 }, systemClock, null);
  t.teardown(() => shard.close());
  const bmc: BmcMedia = shard.forBmc('127.0.0.1', () => {});
  const insert = (image: string) => shard.run({ op: 'media-insert', ip: '127.0.0.1', drive: DriveKind.disk, image, writeProtected: false });
  const err = await insert('/etc/shadow').then(() => null, (e: unknown) => e);
  t.ok(err instanceof ControlError);
  t.equal((err as ControlError).status, 403);
  t.match((err as ControlError).message, /\/etc\/shadow: refused: local images must be inside .* \(MEDIA_OUTSIDE_MEDIA_DIRS\)/);
  t.match(await insert(inside), { state: 'inserted', image: inside });
  t.equal(bmc.startInsert(DriveKind.cdrom, 'shadow'), 'refused', 'imageDir lies outside the media folders');
});

t.test('checkOpened looks at the file actually opened: a link that leads out is refused even when check() never saw it (a link swapped in between)', async (t) => {
  const dirs = new MediaDirs([media]);
  const link = join(media, 'link.iso');
  const opened = (path: string) => FileSource.open(path, (fd) => dirs.checkOpened(path, fd));
  t.equal(await code(opened(link)), MediaErrorCode.OUTSIDE_MEDIA_DIRS, 'the descriptor reads the file outside: refused');
  const ok = await opened(inside);
  t.equal(ok.size, 4 * 2048, 'a file inside opens');
  await ok.close();
});
