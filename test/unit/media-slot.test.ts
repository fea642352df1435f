// A BMC's virtual drives (emulator/media/media-slot.ts, virtual-drives.ts): insert, eject, replace, and the
// generation a host compares to know it must report UNIT ATTENTION.
import t from 'tap';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { BlockCache } from '../../emulator/media/block-cache.js';
import { ImageMedium } from '../../emulator/media/image-medium.js';
import { MediaSlot, type LoadedMedium } from '../../emulator/media/media-slot.js';
import { VirtualDrives } from '../../emulator/media/virtual-drives.js';
import { MemorySource } from '../helpers/memory-source.js';

function loaded(kind: DriveKind, size = 8192): LoadedMedium & { releases: number } {
  const source = new MemorySource(Buffer.alloc(size, 7));
  const l = {
    kind, image: source.location, size, medium: new ImageMedium(source, new BlockCache({ chunkSize: 4096 }), kind),
    releases: 0, overlayBytes: () => 0, release() { l.releases++; },
  };
  return l;
}

t.test('an empty drive: no medium, generation 0', async (t) => {
  const slot = new MediaSlot(DriveKind.cdrom);
  t.equal(slot.current(), undefined);
  t.equal(slot.generation, 0);
  t.same(slot.describe(), { kind: 'cdrom', inserted: false, image: null, size: null, blockSize: null, blockCount: null, readOnly: null, overlayBytes: null, generation: 0 });
  slot.eject();
  t.equal(slot.generation, 0, 'ejecting an empty drive changes nothing: no UNIT ATTENTION for nothing');
});

t.test('insert, then eject: each moves the generation; eject empties and releases the medium once', async (t) => {
  const slot = new MediaSlot(DriveKind.cdrom);
  const iso = loaded(DriveKind.cdrom, 5000);
  slot.insert(iso);
  t.equal(slot.current(), iso.medium);
  t.equal(slot.generation, 1);
  t.same(slot.describe(), { kind: 'cdrom', inserted: true, image: iso.image, size: 5000, blockSize: 2048, blockCount: 2, readOnly: true, overlayBytes: 0, generation: 1 });
  slot.eject();
  t.equal(slot.current(), undefined);
  t.equal(slot.generation, 2);
  t.equal(iso.releases, 1);
  slot.eject();
  t.equal(iso.releases, 1, 'released once');
  t.equal(slot.generation, 2);
});

t.test('an insert into a full drive replaces: the old medium released, the generation moved by 2 (an eject and an insert)', async (t) => {
  const slot = new MediaSlot(DriveKind.disk);
  const first = loaded(DriveKind.disk);
  const second = loaded(DriveKind.disk, 4096);
  slot.insert(first);
  const seenByHost = slot.generation;
  slot.insert(second);
  t.equal(first.releases, 1);
  t.equal(second.releases, 0);
  t.equal(slot.current(), second.medium);
  t.equal(slot.generation, seenByHost + 2);
  t.match(slot.describe(), { inserted: true, size: 4096, blockSize: 512, blockCount: 8, generation: 3 });
});

t.test('a medium for the other kind of drive is refused (a bug in the caller)', async (t) => {
  const slot = new MediaSlot(DriveKind.disk);
  t.throws(() => slot.insert(loaded(DriveKind.cdrom)), /a cdrom medium inserted into the disk drive/);
  t.equal(slot.generation, 0);
});

t.test('a BMC has a CD-ROM and a disk drive, each on its own; ejectAll empties both', async (t) => {
  const drives = new VirtualDrives();
  t.equal(drives.slot(DriveKind.cdrom), drives.cdrom);
  t.equal(drives.slot(DriveKind.disk), drives.disk);
  const iso = loaded(DriveKind.cdrom);
  drives.cdrom.insert(iso);
  t.equal(drives.disk.generation, 0, 'the disk drive did not see the CD-ROM change');
  t.same(drives.describe().map((d) => [d.kind, d.inserted, d.generation]), [['cdrom', true, 1], ['disk', false, 0]]);
  drives.ejectAll();
  t.equal(iso.releases, 1);
  t.same(drives.describe().map((d) => [d.kind, d.inserted, d.generation]), [['cdrom', false, 2], ['disk', false, 0]]);
});
