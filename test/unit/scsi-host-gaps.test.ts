// The SCSI commands real hosts send beyond the first set (issue 13, step 2): READ(6) and WRITE(6) (Linux sd, Windows'
// disk class driver), READ FORMAT CAPACITIES (Windows asks a removable disk for it; MMC-6 §6.24), ILLEGAL REQUEST 20h for
// what is still unknown, and a CD-ROM holding an image larger than an 80-minute CD: a DVD-ROM (profile 0010h), as
// QEMU's and the BMCs' virtual drives report. Exact bytes, worked out from the spec tables cited in protocols/scsi/.
import t from 'tap';
import { CswStatus } from '../../protocols/usb-mass-storage/bot.js';
import { DriveKind, type Medium } from '../../protocols/scsi/medium.js';
import { decodeFixedSense } from '../../protocols/scsi/sense.js';
import { CD_MAX_BLOCKS } from '../../protocols/scsi/mmc-configuration.js';
import { MassStorageFunction } from '../../emulator/media/mass-storage-function.js';
import { MemorySlot, cdImage, diskImage, patternBytes } from '../helpers/memory-medium.js';
import { runCommand } from '../helpers/bot-host.js';

const hex = (s: string) => s.replace(/\s+/g, '');
const ID = { vendor: 'BMCFLEET', product: 'Virtual Drive', revision: '1.00', serial: 'VD0001' };

function drive(kind: DriveKind, medium?: Medium) {
  const slot = new MemorySlot(kind, medium);
  return { slot, fn: new MassStorageFunction(slot, { identity: ID }) };
}

const run = (fn: MassStorageFunction, cdb: number[], length = 0) => runCommand(fn, { cdb, length });

async function sense(fn: MassStorageFunction): Promise<string> {
  const s = decodeFixedSense((await run(fn, [0x03, 0, 0, 0, 18, 0], 18)).data);
  return [s.key, s.asc, s.ascq].map((v) => v.toString(16).padStart(2, '0')).join('/');
}

async function data(fn: MassStorageFunction, cdb: number[], length: number): Promise<string> {
  const r = await run(fn, cdb, length);
  if (r.csw.status !== CswStatus.passed) throw new Error(`status ${r.csw.status}, sense ${await sense(fn)}`);
  return r.data.toString('hex');
}

/** A DVD-sized disc that stores nothing (its reads are zeros): only its size matters here. */
function bigDisc(blockCount: number): Medium {
  return {
    blockSize: 2048, blockCount, readOnly: true,
    read: async (_lba, blocks) => Buffer.alloc(blocks * 2048),
    write: async () => { throw new Error('read-only'); },
    flush: async () => {},
  };
}

t.test('READ(6): a 21-bit LBA, TRANSFER LENGTH 0 is 256 blocks; out of range 21h', async (t) => {
  const { fn } = drive(DriveKind.disk, diskImage(2048));
  t.equal(await data(fn, [0x08, 0x00, 0x01, 0x02, 2, 0], 1024), patternBytes(0x102 * 512, 1024).toString('hex'), 'blocks 258-259');
  t.equal(await data(fn, [0x08, 0x00, 0x07, 0xfe, 2, 0], 1024), patternBytes(0x7fe * 512, 1024).toString('hex'), 'the last two');
  t.equal(await data(fn, [0x08, 0, 0, 0, 0, 0], 256 * 512), patternBytes(0, 256 * 512).toString('hex'), '0: 256 blocks');
  const past = await run(fn, [0x08, 0x1f, 0xff, 0xff, 1, 0], 512);
  t.equal(past.csw.status, CswStatus.failed, 'LBA 1FFFFFh of 2048 blocks');
  t.equal(await sense(fn), '05/21/00');
  const cd = drive(DriveKind.cdrom, cdImage(300));
  t.equal(await data(cd.fn, [0x08, 0, 0, 7, 1, 0], 2048), patternBytes(7 * 2048, 2048).toString('hex'), 'the CD-ROM too (2048-byte blocks)');
  t.equal((await run(fn, [0x08, 0, 0, 0, 1], 512)).csw.status, CswStatus.failed, 'a 5-byte CDB');
  t.equal(await sense(fn), '05/24/00');
});

t.test('WRITE(6) on the disk; DATA PROTECT on the CD-ROM', async (t) => {
  const medium = diskImage(2048);
  const { fn } = drive(DriveKind.disk, medium);
  const w = await runCommand(fn, { cdb: [0x0a, 0, 0x01, 0x00, 1, 0], out: Buffer.alloc(512, 0x6b) });
  t.same([w.csw.status, w.csw.dataResidue], [CswStatus.passed, 0]);
  t.equal(medium.bytes.subarray(256 * 512, 257 * 512).toString('hex'), Buffer.alloc(512, 0x6b).toString('hex'));
  const cd = drive(DriveKind.cdrom, cdImage(300));
  t.equal((await runCommand(cd.fn, { cdb: [0x0a, 0, 0, 0, 1, 0], out: Buffer.alloc(2048) })).csw.status, CswStatus.failed);
  t.equal(await sense(cd.fn), '07/27/00');
});

t.test('READ FORMAT CAPACITIES: one formatted-media descriptor; NOT READY when empty', async (t) => {
  const disk = drive(DriveKind.disk, diskImage(2048));
  // Windows asks with ALLOCATION LENGTH FCh; 12 bytes come back (BOT case 5: the rest is residue)
  const r = await run(disk.fn, [0x23, 0, 0, 0, 0, 0, 0, 0, 0xfc, 0], 0xfc);
  t.same([r.csw.status, r.csw.dataResidue], [CswStatus.passed, 0xfc - 12]);
  t.equal(r.data.toString('hex'), hex('00 00 00 08  00 00 08 00 02 00 02 00'), '2048 blocks of 512, DESCRIPTOR TYPE 10b');
  const cd = drive(DriveKind.cdrom, cdImage(300));
  t.equal(await data(cd.fn, [0x23, 0, 0, 0, 0, 0, 0, 0, 12, 0], 12), hex('00 00 00 08  00 00 01 2c 02 00 08 00'), '300 blocks of 2048');
  t.equal(await data(cd.fn, [0x23, 0, 0, 0, 0, 0, 0, 0, 4, 0], 4), hex('00 00 00 08'), 'cut to the allocation length');
  const empty = drive(DriveKind.disk);
  t.equal((await run(empty.fn, [0x23, 0, 0, 0, 0, 0, 0, 0, 0xfc, 0], 0xfc)).csw.status, CswStatus.failed);
  t.equal(await sense(empty.fn), '02/3a/00');
});

t.test('operation codes still unknown: ILLEGAL REQUEST 20h, with or without a data phase', async (t) => {
  const { fn } = drive(DriveKind.cdrom, cdImage());
  for (const op of [0x04, 0x15, 0x55, 0xa3, 0xad, 0xbe]) {
    const r = await run(fn, [op, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 64);
    t.same([r.csw.status, r.dataStalled], [CswStatus.failed, true], `0x${op.toString(16)}`);
    t.equal(await sense(fn), '05/20/00');
  }
});

t.test('a CD-ROM image larger than an 80-minute CD is a DVD-ROM: profile 0010h, DVD Read, mode page 2Ah DVD-ROM READ', async (t) => {
  const { fn } = drive(DriveKind.cdrom, bigDisc(CD_MAX_BLOCKS + 1));
  await run(fn, [0, 0, 0, 0, 0, 0]);
  t.equal(await data(fn, [0x46, 0, 0, 0, 0, 0, 0, 0, 8, 0], 8), hex('00 00 00 44 00 00 00 10'), 'Linux cdrom: the current profile is DVD-ROM');
  const all = Buffer.from(await data(fn, [0x46, 0, 0, 0, 0, 0, 0, 0, 255, 0], 255), 'hex');
  t.equal(all.length, 72);
  t.equal(all.subarray(8, 20).toString('hex'), hex('00 00 03 08  00 10 01 00  00 08 00 00'), 'Profile List: DVD-ROM current, then CD-ROM');
  t.equal(all.subarray(60, 68).toString('hex'), hex('00 1e 08 04 00 00 00 00'), 'CD Read: not current');
  t.equal(all.subarray(68, 72).toString('hex'), hex('00 1f 01 00'), 'DVD Read: current');
  t.equal(await data(fn, [0x46, 1, 0, 0x1e, 0, 0, 0, 0, 255, 0], 255), hex('00 00 00 08 00 00 00 10  00 1f 01 00'), 'RT 01b from 001Eh: DVD Read only');
  const page = await data(fn, [0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 128, 0], 128);
  t.equal(page.slice(16, 24), hex('2a 1e 08 00'), 'mode page 2Ah byte 2: DVD-ROM READ');
  // READ TOC stays one data track to the lead-out (a DVD-ROM's TOC is made up the same way, MMC-6 §6.25)
  t.equal(await data(fn, [0x43, 0, 0, 0, 0, 0, 0, 0, 20, 0], 20), hex('00 12 01 01  00 14 01 00 00 00 00 00  00 14 aa 00 00 05 7e 41'));
  t.equal(await data(fn, [0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0], 34), hex('00 20 0e 01 01 01 01 20 00 00 00 00 00 00 00 00 ff ff ff ff ff ff ff ff') + '00'.repeat(10),
    'READ DISC INFORMATION: the same finalized one-session disc');
  const cd = drive(DriveKind.cdrom, bigDisc(CD_MAX_BLOCKS));
  await run(cd.fn, [0, 0, 0, 0, 0, 0]);
  t.equal(await data(cd.fn, [0x46, 0, 0, 0, 0, 0, 0, 0, 8, 0], 8), hex('00 00 00 3c 00 00 00 08'), 'exactly 80 minutes: still a CD-ROM');
  t.equal((await data(cd.fn, [0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 128, 0], 128)).slice(16, 24), hex('2a 1e 00 00'));
});
