// A medium read straight from an image (emulator/media/image-medium.ts): block sizes per drive, whole blocks
// only, reads through the shared cache, never a write.
import t from 'tap';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { BlockCache } from '../../emulator/media/block-cache.js';
import { ImageMedium } from '../../emulator/media/image-medium.js';
import { MediaErrorCode } from '../../emulator/media/media-error.js';
import { patternedImage } from '../helpers/range-server.js';
import { MemorySource } from '../helpers/memory-source.js';

const cache = () => new BlockCache({ chunkSize: 4096 });

t.test('a CD-ROM has 2048-byte blocks, a disk 512; both read only; a partial last block is not addressable', async (t) => {
  const image = patternedImage(5000); // 2 CD blocks and 904 bytes; 9 disk blocks and 392 bytes
  const cd = new ImageMedium(new MemorySource(image), cache(), DriveKind.cdrom);
  t.match(cd, { blockSize: 2048, blockCount: 2, readOnly: true });
  const disk = new ImageMedium(new MemorySource(image), cache(), DriveKind.disk);
  t.match(disk, { blockSize: 512, blockCount: 9, readOnly: true });
  t.same(await cd.read(1, 1), image.subarray(2048, 4096), 'the last whole block');
  await t.rejects(cd.read(2, 1), RangeError, 'the partial block past it is not there');
  t.same(await disk.read(3, 6), image.subarray(1536, 4608));
  await t.rejects(disk.read(8, 2), RangeError);
  await t.rejects(disk.read(-1, 1), RangeError);
  t.same(await disk.read(4, 0), Buffer.alloc(0), 'zero blocks: nothing');
});

t.test('reads go through the shared cache: two media on one image read it once', async (t) => {
  const image = patternedImage(16 * 2048);
  const source = new MemorySource(image);
  const shared = cache();
  const a = new ImageMedium(source, shared, DriveKind.cdrom);
  const b = new ImageMedium(source, shared, DriveKind.cdrom);
  t.same(await a.read(0, 16), image);
  t.same(await b.read(3, 5), image.subarray(3 * 2048, 8 * 2048));
  t.equal(shared.counters.backingBytesRead, image.length);
  t.equal(source.reads.length, 8, 'each 4 KiB chunk once');
});

t.test('an image shorter than one block is refused with MEDIA_IMAGE_TOO_SMALL', async (t) => {
  t.throws(() => new ImageMedium(new MemorySource(Buffer.alloc(2047)), cache(), DriveKind.cdrom),
    { code: MediaErrorCode.IMAGE_TOO_SMALL, message: /2047 bytes, less than one 2048-byte block of a cdrom/ });
  t.throws(() => new ImageMedium(new MemorySource(Buffer.alloc(511)), cache(), DriveKind.disk), { code: MediaErrorCode.IMAGE_TOO_SMALL });
  t.equal(new ImageMedium(new MemorySource(Buffer.alloc(512)), cache(), DriveKind.disk).blockCount, 1);
});

t.test('writing to it is a bug (SCSI answers DATA PROTECT first); flush has nothing to do', async (t) => {
  const m = new ImageMedium(new MemorySource(Buffer.alloc(4096)), cache(), DriveKind.disk);
  await t.rejects(m.write(0, Buffer.alloc(512)), /read-only medium/);
  await m.flush();
});
