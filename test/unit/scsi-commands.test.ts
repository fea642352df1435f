// Every SCSI command of the virtual CD-ROM (MMC-6) and removable disk (SBC-3), sent through the mass-storage
// function as a host would, with the exact bytes each answers (worked out from the spec tables cited in
// protocols/scsi/) and the sense data after every error.
import t from 'tap';
import { CswStatus } from '../../protocols/usb-mass-storage/bot.js';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { decodeFixedSense } from '../../protocols/scsi/sense.js';
import { MassStorageFunction } from '../../emulator/media/mass-storage-function.js';
import { MemorySlot, cdImage, diskImage, patternBytes, type MemoryMedium } from '../helpers/memory-medium.js';
import { runCommand, type HostCommand } from '../helpers/bot-host.js';

const hex = (s: string) => s.replace(/\s+/g, '');
const CD_ID = { vendor: 'BMCFLEET', product: 'Virtual CD-ROM', revision: '1.00', serial: 'CD0001' };
const DISK_ID = { vendor: 'BMCFLEET', product: 'Virtual Disk', revision: '1.00', serial: 'HD0001' };

function drive(kind: DriveKind, medium?: MemoryMedium) {
  const slot = new MemorySlot(kind, medium);
  const fn = new MassStorageFunction(slot, { identity: kind === DriveKind.cdrom ? CD_ID : DISK_ID });
  return { slot, fn };
}

async function run(fn: MassStorageFunction, cdb: number[], length = 0, extra: Partial<HostCommand> = {}) {
  return runCommand(fn, { cdb, length, ...extra });
}

/** The sense key, ASC and ASCQ REQUEST SENSE returns now, as hex "kk/aa/qq". */
async function sense(fn: MassStorageFunction): Promise<string> {
  const r = await run(fn, [0x03, 0, 0, 0, 18, 0], 18);
  const s = decodeFixedSense(r.data);
  return [s.key, s.asc, s.ascq].map((v) => v.toString(16).padStart(2, '0')).join('/');
}

async function data(fn: MassStorageFunction, cdb: number[], length: number): Promise<string> {
  const r = await run(fn, cdb, length);
  if (r.csw.status !== CswStatus.passed) throw new Error(`status ${r.csw.status}, sense ${await sense(fn)}`);
  return r.data.toString('hex');
}

t.test('INQUIRY: standard data, PDT 05h for the CD-ROM and 00h for the disk, RMB = 1', async (t) => {
  const cd = drive(DriveKind.cdrom, cdImage());
  const text = Buffer.from('BMCFLEETVirtual CD-ROM  1.00').toString('hex');
  t.equal(await data(cd.fn, [0x12, 0, 0, 0, 36, 0], 36), hex('05 80 06 02 1f 00 00 00') + text);
  const disk = drive(DriveKind.disk, diskImage());
  t.equal((await data(disk.fn, [0x12, 0, 0, 0, 36, 0], 36)).slice(0, 16), hex('00 80 06 02 1f 00 00 00'));
  t.equal(await data(cd.fn, [0x12, 0, 0, 0, 5, 0], 5), hex('05 80 06 02 1f'), 'cut to the allocation length');
  t.equal(await data(drive(DriveKind.cdrom).fn, [0x12, 0, 0, 0, 36, 0], 36), hex('05 80 06 02 1f 00 00 00') + text, 'an empty drive answers too');
});

t.test('INQUIRY VPD pages 00h, 80h (serial) and 83h (T10 vendor ID designator)', async (t) => {
  const { fn } = drive(DriveKind.cdrom);
  t.equal(await data(fn, [0x12, 1, 0x00, 0, 255, 0], 255), hex('05 00 00 03 00 80 83'));
  t.equal(await data(fn, [0x12, 1, 0x80, 0, 255, 0], 255), hex('05 80 00 06') + Buffer.from('CD0001').toString('hex'));
  t.equal(await data(fn, [0x12, 1, 0x83, 0, 255, 0], 255),
    hex('05 83 00 12  02 01 00 0e') + Buffer.from('BMCFLEETCD0001').toString('hex'));
  const refused = await run(fn, [0x12, 1, 0xb0, 0, 255, 0], 255);
  t.equal(refused.csw.status, CswStatus.failed, 'VPD page B0h is not supported');
  t.equal(await sense(fn), '05/24/00');
  t.equal((await run(fn, [0x12, 0, 0x80, 0, 255, 0], 255)).csw.status, CswStatus.failed, 'a page code without EVPD');
  t.equal(await sense(fn), '05/24/00');
});

t.test('TEST UNIT READY and REQUEST SENSE: NOT READY 3Ah with no medium, fixed format 70h', async (t) => {
  const empty = drive(DriveKind.disk);
  t.equal((await run(empty.fn, [0, 0, 0, 0, 0, 0])).csw.status, CswStatus.failed);
  const r = await run(empty.fn, [0x03, 0, 0, 0, 18, 0], 18);
  t.equal(r.data.toString('hex'), hex('70 00 02 00 00 00 00 0a 00 00 00 00 3a 00 00 00 00 00'));
  t.equal(await sense(empty.fn), '00/00/00', 'REQUEST SENSE clears it');
  const full = drive(DriveKind.disk, diskImage());
  t.equal((await run(full.fn, [0, 0, 0, 0, 0, 0])).csw.status, CswStatus.passed);
  t.equal((await run(full.fn, [0x03, 1, 0, 0, 18, 0], 18)).csw.status, CswStatus.failed, 'DESC = 1: no descriptor format here');
  t.equal(await sense(full.fn), '05/24/00');
});

t.test('READ CAPACITY(10) and (16): last LBA and block length', async (t) => {
  const cd = drive(DriveKind.cdrom, cdImage(300));
  t.equal(await data(cd.fn, [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], 8), hex('00 00 01 2b 00 00 08 00'));
  const disk = drive(DriveKind.disk, diskImage(2048));
  t.equal(await data(disk.fn, [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], 8), hex('00 00 07 ff 00 00 02 00'));
  const rc16 = [0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0];
  t.equal(await data(disk.fn, rc16, 32), hex('00 00 00 00 00 00 07 ff 00 00 02 00') + '00'.repeat(20));
  t.equal((await run(disk.fn, [0x9e, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0], 32)).csw.status, CswStatus.failed);
  t.equal(await sense(disk.fn), '05/24/00', 'another SERVICE ACTION IN(16) service action');
  const empty = drive(DriveKind.cdrom);
  t.equal((await run(empty.fn, [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], 8)).csw.status, CswStatus.failed);
  t.equal(await sense(empty.fn), '02/3a/00');
});

t.test('READ(10), READ(12), READ(16) return the medium\'s bytes', async (t) => {
  const cd = drive(DriveKind.cdrom, cdImage(300));
  t.equal((await run(cd.fn, [0x28, 0, 0, 0, 0, 7, 0, 0, 2, 0], 4096)).data.toString('hex'), patternBytes(7 * 2048, 4096).toString('hex'));
  t.equal((await run(cd.fn, [0xa8, 0, 0, 0, 1, 0x2b, 0, 0, 0, 1, 0, 0], 2048)).data.toString('hex'), patternBytes(299 * 2048, 2048).toString('hex'));
  const disk = drive(DriveKind.disk, diskImage(2048));
  const read16 = [0x88, 0, 0, 0, 0, 0, 0, 0, 0x07, 0xfe, 0, 0, 0, 2, 0, 0];
  t.equal((await run(disk.fn, read16, 1024)).data.toString('hex'), patternBytes(0x7fe * 512, 1024).toString('hex'));
  t.equal((await run(disk.fn, [0x28, 0, 0, 0, 0, 0, 0, 0, 0, 0])).csw.status, CswStatus.passed, 'TRANSFER LENGTH 0 reads nothing');
});

t.test('LBA out of range: ILLEGAL REQUEST 21h', async (t) => {
  const cd = drive(DriveKind.cdrom, cdImage(300));
  const past = await run(cd.fn, [0x28, 0, 0, 0, 0x01, 0x2b, 0, 0, 2, 0], 4096);
  t.equal(past.csw.status, CswStatus.failed, 'blocks 299 and 300 of 300');
  t.equal(past.data.length, 0);
  t.equal(past.csw.dataResidue, 4096);
  t.equal(await sense(cd.fn), '05/21/00');
  const read16 = [0x88, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0];
  t.equal((await run(cd.fn, read16, 2048)).csw.status, CswStatus.failed, 'a 64-bit LBA');
  t.equal(await sense(cd.fn), '05/21/00');
  t.equal((await run(cd.fn, [0x28, 0x20, 0, 0, 0, 0, 0, 0, 1, 0], 2048)).csw.status, CswStatus.failed, 'RDPROTECT');
  t.equal(await sense(cd.fn), '05/24/00');
});

t.test('WRITE(10), WRITE(16) and SYNCHRONIZE CACHE(10) on the disk', async (t) => {
  const medium = diskImage(2048);
  const { fn } = drive(DriveKind.disk, medium);
  const block = Buffer.alloc(1024, 0x5a);
  const w10 = await runCommand(fn, { cdb: [0x2a, 0, 0, 0, 0, 10, 0, 0, 2, 0], out: block });
  t.same([w10.csw.status, w10.csw.dataResidue], [CswStatus.passed, 0]);
  t.equal(medium.bytes.subarray(10 * 512, 12 * 512).toString('hex'), block.toString('hex'));
  const w16 = await runCommand(fn, { cdb: [0x8a, 0, 0, 0, 0, 0, 0, 0, 0x07, 0xff, 0, 0, 0, 1, 0, 0], out: Buffer.alloc(512, 0x33) });
  t.equal(w16.csw.status, CswStatus.passed);
  t.equal(medium.bytes[0x7ff * 512], 0x33);
  t.equal((await run(fn, [0x28, 0, 0, 0, 0, 10, 0, 0, 1, 0], 512)).data.toString('hex'), Buffer.alloc(512, 0x5a).toString('hex'), 'reads back');
  t.equal((await run(fn, [0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0])).csw.status, CswStatus.passed);
  t.equal(medium.flushes, 1);
  t.equal((await run(fn, [0x35, 0, 0, 0, 0x08, 0x01, 0, 0, 0, 0])).csw.status, CswStatus.failed);
  t.equal(await sense(fn), '05/21/00', 'SYNCHRONIZE CACHE past the end');
  const past = await runCommand(fn, { cdb: [0x2a, 0, 0, 0, 0x07, 0xff, 0, 0, 2, 0], out: Buffer.alloc(1024) });
  t.same([past.csw.status, past.csw.dataResidue], [CswStatus.failed, 1024], 'the data is accepted and dropped (BOT case 9)');
  t.equal(await sense(fn), '05/21/00');
});

t.test('DATA PROTECT 27h: a write to the CD-ROM or to a read-only disk', async (t) => {
  const cdMedium = cdImage(300);
  const cd = drive(DriveKind.cdrom, cdMedium);
  const before = Buffer.from(cdMedium.bytes.subarray(0, 2048));
  const w = await runCommand(cd.fn, { cdb: [0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0], out: Buffer.alloc(2048, 1) });
  t.same([w.csw.status, w.csw.dataResidue], [CswStatus.failed, 2048]);
  t.equal(await sense(cd.fn), '07/27/00');
  t.equal(cdMedium.writes.length, 0);
  t.same(cdMedium.bytes.subarray(0, 2048), before);
  const ro = drive(DriveKind.disk, diskImage(64, true));
  t.equal((await runCommand(ro.fn, { cdb: [0x8a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0], out: Buffer.alloc(512) })).csw.status, CswStatus.failed);
  t.equal(await sense(ro.fn), '07/27/00');
});

t.test('MODE SENSE(6) of the disk: Caching page, WP for a read-only medium', async (t) => {
  const rw = drive(DriveKind.disk, diskImage());
  const caching = hex('08 12 04 00') + '00'.repeat(16);
  t.equal(await data(rw.fn, [0x1a, 0, 0x3f, 0, 192, 0], 192), hex('17 00 00 00') + caching, 'Linux sd: page 3Fh, 192 bytes');
  const ro = drive(DriveKind.disk, diskImage(64, true));
  t.equal(await data(ro.fn, [0x1a, 0, 0x08, 0, 192, 0], 192), hex('17 00 80 00') + caching);
  t.equal(await data(ro.fn, [0x1a, 0, 0x48, 0, 192, 0], 192), hex('17 00 00 00 08 12') + '00'.repeat(18), 'PC = changeable: nothing is');
  t.equal(await data(ro.fn, [0x5a, 0, 0x3f, 0, 0, 0, 0, 0, 192, 0], 192), hex('00 1a 00 80 00 00 00 00') + caching, 'MODE SENSE(10)');
  t.equal((await run(ro.fn, [0x1a, 0, 0xc8, 0, 192, 0], 192)).csw.status, CswStatus.failed);
  t.equal(await sense(ro.fn), '05/39/00', 'saved values');
  t.equal((await run(ro.fn, [0x1a, 0, 0x2a, 0, 192, 0], 192)).csw.status, CswStatus.failed);
  t.equal(await sense(ro.fn), '05/24/00', 'page 2Ah is the CD-ROM\'s');
  t.equal((await run(ro.fn, [0x1a, 0, 0x08, 0x01, 192, 0], 192)).csw.status, CswStatus.failed);
  t.equal(await sense(ro.fn), '05/24/00', 'a subpage');
});

t.test('MODE SENSE(10) of the CD-ROM: page 2Ah, the tray and its lock', async (t) => {
  const { fn } = drive(DriveKind.cdrom, cdImage());
  const page = (lock: string) => hex(`2a 1e 00 00 00 00 ${lock} 00 10 80 00 00 00 00 10 80`) + '00'.repeat(16);
  t.equal(await data(fn, [0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 128, 0], 128), hex('00 26 00 00 00 00 00 00') + page('29'), 'Linux sr: 128 bytes');
  t.equal((await run(fn, [0x1e, 0, 0, 0, 1, 0])).csw.status, CswStatus.passed, 'PREVENT');
  t.equal(await data(fn, [0x5a, 0, 0x3f, 0xff, 0, 0, 0, 0, 128, 0], 128), hex('00 26 00 00 00 00 00 00') + page('2b'), 'LOCK STATE');
  t.equal((await run(fn, [0x5a, 0, 0x08, 0, 0, 0, 0, 0, 128, 0], 128)).csw.status, CswStatus.failed);
  t.equal(await sense(fn), '05/24/00');
});

t.test('PREVENT ALLOW MEDIUM REMOVAL and START STOP UNIT: eject, refused while prevented', async (t) => {
  const { fn, slot } = drive(DriveKind.cdrom, cdImage());
  t.equal((await run(fn, [0x1e, 0, 0, 0, 1, 0])).csw.status, CswStatus.passed);
  t.equal((await run(fn, [0x1b, 0, 0, 0, 0x02, 0])).csw.status, CswStatus.failed);
  t.equal(await sense(fn), '05/53/02', 'MEDIUM REMOVAL PREVENTED');
  t.ok(slot.current(), 'still in');
  t.equal((await run(fn, [0x1b, 0, 0, 0, 0x01, 0])).csw.status, CswStatus.passed, 'START: nothing to do');
  t.equal((await run(fn, [0x1e, 0, 0, 0, 0, 0])).csw.status, CswStatus.passed, 'ALLOW');
  const gen = slot.generation;
  t.equal((await run(fn, [0x1b, 1, 0, 0, 0x02, 0])).csw.status, CswStatus.passed, 'LOEJ, START = 0, IMMED');
  t.equal(slot.current(), undefined, 'ejected');
  t.equal(slot.generation, gen + 1);
  t.equal((await run(fn, [0, 0, 0, 0, 0, 0])).csw.status, CswStatus.failed);
  t.equal(await sense(fn), '02/3a/00', 'the ejecting host sees no medium, not a UNIT ATTENTION');
  t.equal((await run(fn, [0x1b, 0, 0, 0, 0x02, 0])).csw.status, CswStatus.passed, 'ejecting an empty drive');
  t.equal((await run(fn, [0x1b, 0, 0, 0, 0x03, 0])).csw.status, CswStatus.passed, 'loading: the tray closes on nothing');
});

t.test('READ TOC/PMA/ATIP: formats 0 and 1, LBA and MSF, one data track', async (t) => {
  const { fn } = drive(DriveKind.cdrom, cdImage(300));
  t.equal(await data(fn, [0x43, 0, 0, 0, 0, 0, 0, 0, 20, 0], 20), hex('00 12 01 01  00 14 01 00 00 00 00 00  00 14 aa 00 00 00 01 2c'));
  t.equal(await data(fn, [0x43, 2, 0, 0, 0, 0, 0, 0, 20, 0], 20), hex('00 12 01 01  00 14 01 00 00 00 02 00  00 14 aa 00 00 00 06 00'), 'MSF: +150 frames');
  t.equal(await data(fn, [0x43, 0, 0, 0, 0, 0, 0xaa, 0, 12, 0], 12), hex('00 0a 01 01  00 14 aa 00 00 00 01 2c'), 'from the lead-out');
  t.equal(await data(fn, [0x43, 0, 1, 0, 0, 0, 0, 0, 12, 0], 12), hex('00 0a 01 01  00 14 01 00 00 00 00 00'), 'format 1');
  t.equal(await data(fn, [0x43, 2, 0, 0, 0, 0, 0, 0, 12, 0x40], 12), hex('00 0a 01 01  00 14 01 00 00 00 02 00'), 'SFF-8020i format in byte 9');
  t.equal(await data(fn, [0x43, 0, 0, 0, 0, 0, 0, 0, 4, 0], 4), hex('00 12 01 01'), 'the header alone');
  t.equal((await run(fn, [0x43, 0, 0, 0, 0, 0, 2, 0, 20, 0], 20)).csw.status, CswStatus.failed, 'track 2');
  t.equal(await sense(fn), '05/24/00');
  t.equal((await run(fn, [0x43, 0, 2, 0, 0, 0, 0, 0, 20, 0], 20)).csw.status, CswStatus.failed, 'format 2');
  t.equal(await sense(fn), '05/24/00');
  const disk = drive(DriveKind.disk, diskImage());
  t.equal((await run(disk.fn, [0x43, 0, 0, 0, 0, 0, 0, 0, 20, 0], 20)).csw.status, CswStatus.failed);
  t.equal(await sense(disk.fn), '05/20/00', 'no READ TOC on a disk');
});

t.test('GET CONFIGURATION: CD-ROM profile, features, RT', async (t) => {
  const { fn, slot } = drive(DriveKind.cdrom, cdImage());
  t.equal(await data(fn, [0x46, 0, 0, 0, 0, 0, 0, 0, 8, 0], 8), hex('00 00 00 3c 00 00 00 08'), 'Linux cdrom: the current profile');
  const all = Buffer.from(await data(fn, [0x46, 0, 0, 0, 0, 0, 0, 0, 255, 0], 255), 'hex');
  t.equal(all.length, 64);
  t.equal(all.subarray(8, 16).toString('hex'), hex('00 00 03 04 00 08 01 00'), 'Profile List: 0008h current');
  t.equal(all.subarray(16, 28).toString('hex'), hex('00 01 0b 08 00 00 00 08 01 00 00 00'), 'Core: USB, DBE');
  t.equal(all.subarray(28, 36).toString('hex'), hex('00 02 07 04 00 00 00 00'), 'Morphing');
  t.equal(all.subarray(36, 44).toString('hex'), hex('00 03 03 04 29 00 00 00'), 'Removable Medium: tray, eject, lock');
  t.equal(all.subarray(44, 56).toString('hex'), hex('00 10 01 08 00 00 08 00 00 01 00 00'), 'Random Readable: 2048');
  t.equal(all.subarray(56, 64).toString('hex'), hex('00 1e 09 04 00 00 00 00'), 'CD Read');
  t.equal(await data(fn, [0x46, 2, 0, 1, 0, 0, 0, 0, 255, 0], 255), hex('00 00 00 10 00 00 00 08  00 01 0b 08 00 00 00 08 01 00 00 00'), 'RT 10b: one');
  t.equal(await data(fn, [0x46, 2, 0, 0x20, 0, 0, 0, 0, 255, 0], 255), hex('00 00 00 04 00 00 00 08'), 'RT 10b, an unsupported feature: the header');
  slot.eject();
  await run(fn, [0, 0, 0, 0, 0, 0]); // let the function see the change
  const empty = Buffer.from(await data(fn, [0x46, 1, 0, 0, 0, 0, 0, 0, 255, 0], 255), 'hex');
  t.equal(empty.readUInt16BE(6), 0, 'no disc: current profile 0');
  t.equal(empty.readUInt32BE(0), 4 + 8 + 12 + 8 + 8, 'RT 01b: the four always-current features');
  t.equal(empty.subarray(8, 16).toString('hex'), hex('00 00 03 04 00 08 00 00'), 'CURRENTP 0');
  t.equal((await run(fn, [0x46, 3, 0, 0, 0, 0, 0, 0, 8, 0], 8)).csw.status, CswStatus.failed, 'RT 11b');
  t.equal(await sense(fn), '05/24/00');
});

t.test('GET EVENT STATUS NOTIFICATION: media class, polled, each event once', async (t) => {
  const { fn, slot } = drive(DriveKind.cdrom);
  const gesn = [0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0];
  t.equal(await data(fn, gesn, 8), hex('00 06 04 10 00 00 00 00'), 'empty, nothing happened');
  slot.insert(cdImage());
  t.equal(await data(fn, gesn, 8), hex('00 06 04 10 02 02 00 00'), 'NewMedia, present (not failed by the UNIT ATTENTION)');
  t.equal(await data(fn, gesn, 8), hex('00 06 04 10 00 02 00 00'), 'reported once');
  await run(fn, [0, 0, 0, 0, 0, 0]); // the UNIT ATTENTION
  slot.eject();
  t.equal(await data(fn, gesn, 8), hex('00 06 04 10 03 00 00 00'), 'MediaRemoval');
  t.equal(await data(fn, [0x4a, 1, 0, 0, 0x02, 0, 0, 0, 8, 0], 8), hex('00 02 80 10'), 'another class: NEA');
  t.equal((await run(fn, [0x4a, 0, 0, 0, 0x10, 0, 0, 0, 8, 0], 8)).csw.status, CswStatus.failed, 'asynchronous');
  t.equal(await sense(fn), '05/24/00');
});

t.test('READ DISC INFORMATION: a finalized one-track CD', async (t) => {
  const { fn } = drive(DriveKind.cdrom, cdImage());
  t.equal(await data(fn, [0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0], 34),
    hex('00 20 0e 01 01 01 01 20 00 00 00 00 00 00 00 00 ff ff ff ff ff ff ff ff') + '00'.repeat(10));
  t.equal((await run(fn, [0x51, 1, 0, 0, 0, 0, 0, 0, 34, 0], 34)).csw.status, CswStatus.failed, 'track resources data type');
  t.equal(await sense(fn), '05/24/00');
  const empty = drive(DriveKind.cdrom);
  t.equal((await run(empty.fn, [0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0], 34)).csw.status, CswStatus.failed);
  t.equal(await sense(empty.fn), '02/3a/00');
});

t.test('unsupported operation codes: ILLEGAL REQUEST 20h; a CDB shorter than its command: 24h', async (t) => {
  const { fn } = drive(DriveKind.disk, diskImage());
  t.equal((await run(fn, [0x04, 0, 0, 0, 0, 0])).csw.status, CswStatus.failed, 'FORMAT UNIT');
  t.equal(await sense(fn), '05/20/00');
  const unknownIn = await run(fn, [0xff, 0, 0, 0, 0, 0], 512);
  t.same([unknownIn.csw.status, unknownIn.csw.dataResidue, unknownIn.dataStalled], [CswStatus.failed, 512, true], 'with a data phase: STALL');
  t.equal(await sense(fn), '05/20/00');
  t.equal((await run(fn, [0x28, 0, 0, 0, 0, 0], 512)).csw.status, CswStatus.failed, 'READ(10) in 6 bytes');
  t.equal(await sense(fn), '05/24/00');
});

t.test('UNIT ATTENTION 28h once per insertion, per host; INQUIRY and REQUEST SENSE pass it by', async (t) => {
  const slot = new MemorySlot(DriveKind.cdrom);
  const hostA = new MassStorageFunction(slot, { identity: CD_ID });
  const hostB = new MassStorageFunction(slot, { identity: CD_ID });
  t.equal((await run(hostA, [0, 0, 0, 0, 0, 0])).csw.status, CswStatus.failed);
  t.equal(await sense(hostA), '02/3a/00');
  slot.insert(cdImage());
  t.equal((await run(hostA, [0x12, 0, 0, 0, 36, 0], 36)).csw.status, CswStatus.passed, 'INQUIRY is not failed');
  t.equal((await run(hostA, [0, 0, 0, 0, 0, 0])).csw.status, CswStatus.failed);
  t.equal(await sense(hostA), '06/28/00');
  t.equal((await run(hostA, [0, 0, 0, 0, 0, 0])).csw.status, CswStatus.passed, 'then normal');
  t.equal((await run(hostA, [0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0], 2048)).csw.status, CswStatus.passed);
  t.equal(await sense(hostB), '06/28/00', 'host B: REQUEST SENSE reports its own UNIT ATTENTION and clears it');
  t.equal((await run(hostB, [0, 0, 0, 0, 0, 0])).csw.status, CswStatus.passed);
  slot.eject();
  slot.insert(cdImage(400));
  const first = await run(hostA, [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], 8);
  t.same([first.csw.status, first.dataStalled], [CswStatus.failed, true], 'eject + insert between two commands: one UNIT ATTENTION');
  t.equal(await sense(hostA), '06/28/00');
  t.equal((await run(hostA, [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0], 8)).data.toString('hex'), hex('00 00 01 8f 00 00 08 00'), 'the new disc');
  slot.insert(cdImage(500));
  slot.eject();
  t.equal((await run(hostA, [0, 0, 0, 0, 0, 0])).csw.status, CswStatus.failed);
  t.equal(await sense(hostA), '02/3a/00', 'a disc that came and went: NOT READY, no stale UNIT ATTENTION');
});
