// ISO 9660 images (ECMA-119): the bytes of the Primary Volume Descriptor and a directory record at their table
// positions, a round trip through the writer and the reader, and hostile images refused with a stable code.
import t from 'tap';
import { buildIsoImage, readIsoImage } from '../../protocols/iso9660/iso-image.js';
import { decodeDirectoryRecord, encodeDirectoryRecord, fileIdentifier, fileName, isFileName } from '../../protocols/iso9660/directory-record.js';
import { SECTOR_BYTES } from '../../protocols/iso9660/fields.js';
import { decodePrimaryVolumeDescriptor } from '../../protocols/iso9660/volume-descriptor.js';

const AT = new Date(Date.UTC(2026, 11, 6, 12, 30, 15));
const files = [
  { name: 'MANIFEST.SHA256', data: Buffer.from('abc  SYSTEM.IMG\n') },
  { name: 'SYSTEM.IMG', data: Buffer.alloc(5000, 0x5a) },
  { name: 'EMPTY.TXT', data: Buffer.alloc(0) },
  { name: 'README', data: Buffer.from('hello\n') },
];
const image = buildIsoImage({ volumeId: 'BMCFLEET_DEMO', files, createdAt: AT });

t.test('the PVD at sector 16: type 1, CD001, both-endian sizes, the root record at byte 157', (t) => {
  const pvd = image.subarray(16 * SECTOR_BYTES, 17 * SECTOR_BYTES);
  t.equal(pvd.subarray(0, 7).toString('hex'), '01' + Buffer.from('CD001').toString('hex') + '01', '§8.4.1-3');
  t.equal(pvd.subarray(40, 72).toString('latin1'), 'BMCFLEET_DEMO'.padEnd(32, ' '), '§8.4.6 volume identifier, space-padded');
  const sectors = image.length / SECTOR_BYTES;
  t.equal(pvd.subarray(80, 88).toString('hex'), Buffer.from([sectors, 0, 0, 0, 0, 0, 0, sectors]).toString('hex'), '§8.4.8 volume space size, LE then BE');
  t.equal(pvd.subarray(128, 132).toString('hex'), '00080800', '§8.4.12 logical block size 2048 in both orders');
  t.equal(pvd[156], 34, '§8.4.18 root record length');
  t.equal(pvd.subarray(813, 830).toString('latin1'), '2026120612301500\0', '§8.4.26.1 creation date');
  t.equal(pvd[881], 1, '§8.4.31 file structure version');
  const term = image.subarray(17 * SECTOR_BYTES, 18 * SECTOR_BYTES);
  t.equal(term.subarray(0, 7).toString('hex'), 'ff' + Buffer.from('CD001').toString('hex') + '01', '§8.3 terminator');
  t.equal(image.subarray(18 * SECTOR_BYTES, 18 * SECTOR_BYTES + 10).toString('hex'), '01001400000001000000', '§9.4 L path table: the root at sector 20');
  t.equal(image.subarray(19 * SECTOR_BYTES, 19 * SECTOR_BYTES + 10).toString('hex'), '01000000001400010000', '§9.4 M path table');
  t.end();
});

t.test('a directory record: §9.1 fields at their positions, a padding byte after an even-length identifier', (t) => {
  const r = encodeDirectoryRecord({ extent: 24, size: 5000, recordedAt: AT, directory: false, identifier: 'SYSTEM.IMG;1' });
  t.equal(r.length, 46, '33 + 12 + 1 padding');
  t.equal(r.toString('hex'),
    '2e00' + '1800000000000018' + '8813000000001388' + '7e0c060c1e0f00' + '000000' + '01000001' + '0c' + Buffer.from('SYSTEM.IMG;1').toString('hex') + '00');
  t.match(decodeDirectoryRecord(r, 0), { length: 46, extent: 24, size: 5000, directory: false, identifier: 'SYSTEM.IMG;1', recordedAt: AT });
  t.end();
});

t.test('writer then reader: every file back, sorted, with its data', (t) => {
  const { pvd, files: read } = readIsoImage(image);
  t.equal(pvd.volumeId, 'BMCFLEET_DEMO');
  t.same(pvd.createdAt, AT);
  t.same(read.map((f) => f.name), ['EMPTY.TXT', 'MANIFEST.SHA256', 'README', 'SYSTEM.IMG'], '§9.3 order');
  for (const f of files) t.same(Buffer.from(read.find((r) => r.name === f.name)!.data), f.data, f.name);
  t.ok(read.every((f) => f.extent >= 21), 'extents after the root directory');
  t.same(buildIsoImage({ volumeId: 'BMCFLEET_DEMO', files, createdAt: AT }), image, 'the same spec gives the same bytes');
  t.end();
});

t.test('a root directory longer than a sector: records never cross one (§6.8.1.1)', (t) => {
  const many = Array.from({ length: 80 }, (_, i) => ({ name: `PACKAGE_${String(i).padStart(3, '0')}.PKG`, data: Buffer.from(`step ${i}\n`) }));
  const big = buildIsoImage({ volumeId: 'MANY', files: many, createdAt: AT });
  const { pvd, files: read } = readIsoImage(big);
  t.ok(pvd.root.size > SECTOR_BYTES, 'the root spans sectors');
  t.equal(read.length, 80);
  t.equal(Buffer.from(read[79].data).toString(), 'step 79\n');
  t.end();
});

t.test('names: level 2 only, recorded with separator and version', (t) => {
  t.ok(isFileName('MANIFEST.SHA256'));
  t.ok(isFileName('README'));
  t.notOk(isFileName('readme.txt'), 'lower case is not a d-character');
  t.notOk(isFileName('A.B.C'));
  t.notOk(isFileName('X'.repeat(31)));
  t.equal(fileIdentifier('README'), 'README.;1');
  t.equal(fileName('README.;1'), 'README');
  t.throws(() => buildIsoImage({ volumeId: 'V', files: [{ name: 'bad name', data: Buffer.alloc(1) }], createdAt: AT }), RangeError);
  t.throws(() => buildIsoImage({ volumeId: 'V', files: [{ name: 'A', data: Buffer.alloc(1) }, { name: 'A', data: Buffer.alloc(1) }], createdAt: AT }), /two files/);
  t.throws(() => buildIsoImage({ volumeId: 'lower', files: [], createdAt: AT }), RangeError);
  t.end();
});

t.test('hostile images get a DecodeError with a stable code', (t) => {
  const copy = () => Buffer.from(image);
  t.throws(() => readIsoImage(Buffer.alloc(17 * SECTOR_BYTES)), { code: 'ERR_NOT_ISO9660' }, 'zeros where the PVD should be');
  t.throws(() => readIsoImage(image.subarray(0, 16 * SECTOR_BYTES)), { code: 'ERR_TRUNCATED' }, 'shorter than sector 16');
  const badType = copy(); badType[16 * SECTOR_BYTES] = 2;
  t.throws(() => readIsoImage(badType), { code: 'ERR_NOT_PRIMARY' });
  const torn = copy(); torn[16 * SECTOR_BYTES + 80] ^= 1;
  t.throws(() => readIsoImage(torn), { code: 'ERR_BOTH_ENDIAN' }, 'volume space size halves differ');
  const block = copy(); block.writeUInt16LE(4096, 16 * SECTOR_BYTES + 128); block.writeUInt16BE(4096, 16 * SECTOR_BYTES + 130);
  t.throws(() => readIsoImage(block), { code: 'ERR_BLOCK_SIZE' });
  const past = copy();
  const rec = 20 * SECTOR_BYTES + 34 + 34; // the first file's record, after "." and ".."
  past.writeUInt32LE(9999, rec + 2); past.writeUInt32BE(9999, rec + 6);
  t.throws(() => readIsoImage(past), { code: 'ERR_EXTENT_RANGE' }, 'an extent past the volume');
  const shortRec = copy(); shortRec[rec] = 20;
  t.throws(() => readIsoImage(shortRec), { code: 'ERR_RECORD_LENGTH' });
  const longId = copy(); longId[rec + 32] = 200;
  t.throws(() => readIsoImage(longId), { code: 'ERR_IDENTIFIER_LENGTH' });
  t.throws(() => decodePrimaryVolumeDescriptor(image.subarray(16 * SECTOR_BYTES, 16 * SECTOR_BYTES + 100)), { code: 'ERR_TRUNCATED' });
  t.end();
});
