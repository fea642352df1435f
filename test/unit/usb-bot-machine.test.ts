// The Bulk-Only Transport device machine, URB by URB: the thirteen cases of BOT 1.0 §6.7 where a host can meet
// them, invalid CBWs and the reset recovery that ends their STALL (§6.6.1, §5.3.4), out-of-phase and
// over-long transfers, a READ delivered in pieces, medium errors, and the pure machine's actions.
import t from 'tap';
import { CswStatus, decodeCsw, encodeCbw } from '../../protocols/usb-mass-storage/bot.js';
import { BotMachine } from '../../protocols/usb-mass-storage/bot-machine.js';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { LogicalUnit } from '../../protocols/scsi/logical-unit.js';
import { UrbStatus, type UrbOutcome } from '../../protocols/usb-mass-storage/usb-function.js';
import { MassStorageFunction } from '../../emulator/media/mass-storage-function.js';
import { BULK_IN, BULK_OUT, resetRecovery, runCommand } from '../helpers/bot-host.js';
import { MemorySlot, cdImage, diskImage, patternBytes, type MemoryMedium } from '../helpers/memory-medium.js';

const ID = { vendor: 'BMCFLEET', product: 'Virtual Disk', revision: '1.00', serial: 'HD0001' };
const TUR = [0x00, 0, 0, 0, 0, 0];
const INQUIRY36 = [0x12, 0, 0, 0, 36, 0];
const read10 = (lba: number, blocks: number) => [0x28, 0, 0, 0, lba >> 8, lba & 0xff, 0, blocks >> 8, blocks & 0xff, 0];
const write10 = (lba: number, blocks: number) => [0x2a, 0, 0, 0, lba >> 8, lba & 0xff, 0, blocks >> 8, blocks & 0xff, 0];

function disk(medium: MemoryMedium | null = diskImage(2048), minReadBytes?: number) {
  const slot = new MemorySlot(DriveKind.disk, medium ?? undefined);
  return { slot, medium, fn: new MassStorageFunction(slot, { identity: ID, minReadBytes }) };
}

let tags = 100;
function cbw(cdb: number[], length: number, dataIn: boolean, tag = tags++): Buffer {
  return encodeCbw({ tag, dataTransferLength: length, dataIn, lun: 0, cb: Buffer.from(cdb) });
}

async function csw(fn: MassStorageFunction) {
  const o = await fn.bulkIn(13);
  if (o.status !== UrbStatus.ok) throw new Error(`CSW read ended with ${o.status}`);
  return decodeCsw(o.data!);
}

const ok = (o: UrbOutcome) => o.status === UrbStatus.ok;
const stalled = (o: UrbOutcome) => o.status === UrbStatus.stall;

t.test('case 1 (Hn = Dn): TEST UNIT READY passes, residue 0', async (t) => {
  const { fn } = disk();
  t.ok(ok(await fn.bulkOut(cbw(TUR, 0, false, 1))));
  t.same(await csw(fn), { tag: 1, dataResidue: 0, status: CswStatus.passed });
});

t.test('cases 2 and 3 (Hn < Di, Hn < Do): phase error, the command is not run', async (t) => {
  const { fn, medium } = disk();
  t.ok(ok(await fn.bulkOut(cbw(INQUIRY36, 0, true))));
  t.same(await csw(fn).then((c) => [c.status, c.dataResidue]), [CswStatus.phaseError, 0]);
  t.ok(ok(await fn.bulkOut(cbw(write10(0, 1), 0, false))));
  t.equal((await csw(fn)).status, CswStatus.phaseError);
  t.equal(medium!.writes.length, 0);
});

t.test('case 4 (Hi > Dn): bulk IN STALLs, then the CSW, residue H', async (t) => {
  const { fn } = disk();
  await fn.bulkOut(cbw(TUR, 512, true));
  t.ok(stalled(await fn.bulkIn(512)));
  t.ok(stalled(await fn.bulkIn(13)), 'halted until CLEAR_FEATURE');
  fn.clearHalt(BULK_IN);
  t.same(await csw(fn).then((c) => [c.status, c.dataResidue]), [CswStatus.passed, 512]);
  const empty = disk(null);
  await empty.fn.bulkOut(cbw(read10(0, 1), 512, true));
  t.ok(stalled(await empty.fn.bulkIn(512)));
  empty.fn.clearHalt(BULK_IN);
  t.same(await csw(empty.fn).then((c) => [c.status, c.dataResidue]), [CswStatus.failed, 512], 'a failing READ: no data either');
});

t.test('case 5 (Hi > Di): a short transfer, then bulk IN STALLs, residue H - Di', async (t) => {
  const { fn } = disk();
  await fn.bulkOut(cbw([0x12, 0, 0, 0, 255, 0], 255, true));
  const d = await fn.bulkIn(255);
  t.ok(ok(d));
  t.equal(d.actualLength, 36, 'a short packet ends the data phase');
  t.ok(stalled(await fn.bulkIn(13)));
  fn.clearHalt(BULK_IN);
  t.same(await csw(fn).then((c) => [c.status, c.dataResidue]), [CswStatus.passed, 219]);
});

t.test('case 6 (Hi = Di): no STALL, residue 0', async (t) => {
  const r = await runCommand(disk().fn, { cdb: INQUIRY36, length: 36 });
  t.same([r.csw.status, r.csw.dataResidue, r.dataStalled, r.cswStalled, r.data.length], [CswStatus.passed, 0, false, false, 36]);
});

t.test('case 7 (Hi < Di): the first H bytes, then phase error', async (t) => {
  const { fn } = disk();
  await fn.bulkOut(cbw(read10(4, 2), 600, true));
  const d = await fn.bulkIn(65536);
  t.equal(d.actualLength, 600);
  t.equal(d.data!.toString('hex'), patternBytes(4 * 512, 600).toString('hex'));
  t.same(await csw(fn).then((c) => [c.status, c.dataResidue]), [CswStatus.phaseError, 0]);
});

t.test('case 8 (Hi <> Do): bulk IN STALLs, phase error, nothing written', async (t) => {
  const { fn, medium } = disk();
  await fn.bulkOut(cbw(write10(0, 1), 512, true));
  t.ok(stalled(await fn.bulkIn(512)));
  fn.clearHalt(BULK_IN);
  t.equal((await csw(fn)).status, CswStatus.phaseError);
  t.equal(medium!.writes.length, 0);
});

t.test('case 9 (Ho > Dn): the data is accepted and dropped, residue H', async (t) => {
  const { fn } = disk();
  await fn.bulkOut(cbw(TUR, 100, false));
  const o = await fn.bulkOut(Buffer.alloc(100));
  t.same([o.status, o.actualLength], [UrbStatus.ok, 100]);
  t.same(await csw(fn).then((c) => [c.status, c.dataResidue]), [CswStatus.passed, 100]);
});

t.test('case 10 (Ho <> Di): the data is accepted and dropped, phase error', async (t) => {
  const { fn } = disk();
  await fn.bulkOut(cbw(INQUIRY36, 36, false));
  t.ok(ok(await fn.bulkOut(Buffer.alloc(36))));
  t.equal((await csw(fn)).status, CswStatus.phaseError);
});

t.test('case 11 (Ho > Do): the blocks are written, the rest dropped, residue H - Do', async (t) => {
  const { fn, medium } = disk();
  await fn.bulkOut(cbw(write10(3, 1), 1024, false));
  t.ok(ok(await fn.bulkOut(Buffer.alloc(1024, 0x77))));
  t.same(await csw(fn).then((c) => [c.status, c.dataResidue]), [CswStatus.passed, 512]);
  t.same(medium!.writes, [{ lba: 3, blocks: 1 }]);
  t.equal(medium!.bytes[4 * 512], patternBytes(4 * 512, 1)[0], 'the next block untouched');
});

t.test('case 12 (Ho = Do), in several URBs and split blocks', async (t) => {
  const { fn, medium } = disk();
  const payload = Buffer.from(patternBytes(12345, 4 * 512).map((b) => b ^ 0xff));
  await fn.bulkOut(cbw(write10(8, 4), 2048, false));
  for (const [a, b] of [[0, 700], [700, 1500], [1500, 2048]]) t.ok(ok(await fn.bulkOut(payload.subarray(a, b))));
  t.same(await csw(fn).then((c) => [c.status, c.dataResidue]), [CswStatus.passed, 0]);
  t.equal(medium!.bytes.subarray(8 * 512, 12 * 512).toString('hex'), payload.toString('hex'));
  t.same(medium!.writes.map((w) => w.blocks).reduce((a, b) => a + b), 4, 'whole blocks only');
});

t.test('case 13 (Ho < Do): the data is accepted and dropped, phase error', async (t) => {
  const { fn, medium } = disk();
  await fn.bulkOut(cbw(write10(0, 2), 512, false));
  t.ok(ok(await fn.bulkOut(Buffer.alloc(512))));
  t.equal((await csw(fn)).status, CswStatus.phaseError);
  t.equal(medium!.writes.length, 0);
});

t.test('an invalid CBW (bad signature, wrong length, LUN 1) stalls both endpoints until a reset recovery', async (t) => {
  for (const [what, bad] of [
    ['signature', Buffer.from(cbw(TUR, 0, false)).fill(0x55, 0, 4)],
    ['30 bytes', cbw(TUR, 0, false).subarray(0, 30)],
    ['32 bytes', Buffer.concat([cbw(TUR, 0, false), Buffer.from([0])])],
    ['LUN 1', Buffer.from(cbw(TUR, 0, false)).fill(1, 13, 14)],
  ] as const) {
    const { fn } = disk();
    t.ok(ok(await fn.bulkOut(bad)), `${what}: the transfer itself completes`);
    t.ok(stalled(await fn.bulkIn(13)), `${what}: bulk IN stalls`);
    t.ok(stalled(await fn.bulkOut(cbw(TUR, 0, false))), `${what}: bulk OUT stalls`);
    fn.clearHalt(BULK_IN);
    fn.clearHalt(BULK_OUT);
    t.ok(stalled(await fn.bulkIn(13)), `${what}: CLEAR_FEATURE alone does not end it`);
    fn.reset();
    t.ok(stalled(await fn.bulkIn(13)), `${what}: the reset keeps the halt (§3.1)`);
    await resetRecovery(fn);
    const r = await runCommand(fn, { cdb: TUR });
    t.equal(r.csw.status, CswStatus.passed, `${what}: a full reset recovery restores it`);
    t.equal(fn.stats.invalidCbws, 1);
  }
});

t.test('the medium gets written data it may keep: not a view of the URB buffer', async (t) => {
  const { fn, medium } = disk();
  const kept: Buffer[] = [];
  const write = medium!.write.bind(medium!);
  medium!.write = (lba, data) => { kept.push(data); return write(lba, data); };
  await fn.bulkOut(cbw(write10(0, 1), 512, false));
  const urb = Buffer.alloc(512, 0x61);
  t.ok(ok(await fn.bulkOut(urb)));
  urb.fill(0); // the USB/IP layer reuses its buffer
  t.equal(kept[0][0], 0x61);
  t.equal((await csw(fn)).status, CswStatus.passed);
});

t.test('a transfer longer than declared: the declared part is taken, the URB stalls, phase error', async (t) => {
  const { fn, medium } = disk();
  await fn.bulkOut(cbw(write10(0, 1), 512, false));
  const o = await fn.bulkOut(Buffer.alloc(600, 0x42));
  t.same([o.status, o.actualLength], [UrbStatus.stall, 512]);
  t.equal(medium!.bytes[0], 0x42, 'the declared block was written');
  fn.clearHalt(BULK_OUT);
  t.equal((await csw(fn)).status, CswStatus.phaseError);
  const after = await runCommand(fn, { cdb: TUR });
  t.equal(after.csw.status, CswStatus.passed, 'the next command is fine');
});

t.test('out-of-phase transfers: IN before any CBW, OUT during data-in, a CSW URB of 12 bytes', async (t) => {
  const { fn } = disk();
  t.ok(stalled(await fn.bulkIn(512)), 'nothing to send');
  fn.clearHalt(BULK_IN);
  await fn.bulkOut(cbw(read10(0, 1), 512, true));
  t.ok(stalled(await fn.bulkOut(Buffer.alloc(31))), 'a bulk OUT while the device has data to send');
  fn.clearHalt(BULK_OUT);
  t.equal((await fn.bulkIn(512)).actualLength, 512, 'the data phase goes on');
  t.equal((await fn.bulkIn(12)).status, UrbStatus.overflow, 'the CSW does not fit');
  t.equal((await csw(fn)).status, CswStatus.phaseError);
  await fn.bulkOut(cbw(write10(0, 1), 512, false));
  t.ok(stalled(await fn.bulkIn(13)), 'a bulk IN while the device waits for data');
  await resetRecovery(fn);
  t.equal((await runCommand(fn, { cdb: TUR })).csw.status, CswStatus.passed);
});

t.test('a READ of 256 blocks (512 KiB) arrives in 64 KiB URBs, read from the medium piece by piece', async (t) => {
  const medium = cdImage(300);
  const slot = new MemorySlot(DriveKind.cdrom, medium);
  const fn = new MassStorageFunction(slot, { identity: ID });
  const r = await runCommand(fn, { cdb: read10(10, 256), length: 256 * 2048, urb: 65536 });
  t.same([r.csw.status, r.csw.dataResidue], [CswStatus.passed, 0]);
  t.same(r.pieces, new Array(8).fill(65536));
  t.ok(r.data.equals(patternBytes(10 * 2048, 256 * 2048)), 'every byte');
  t.same(medium.reads, Array.from({ length: 8 }, (_, i) => ({ lba: 10 + 32 * i, blocks: 32 })), 'eight 64 KiB reads, none of it all');
});

t.test('small URBs share a bounded read-ahead; odd URB sizes straddle reads correctly', async (t) => {
  const small = disk(diskImage(4096));
  const r = await runCommand(small.fn, { cdb: read10(0, 512), length: 512 * 512, urb: 4096 });
  t.equal(r.pieces.length, 64);
  t.ok(r.data.equals(patternBytes(0, 512 * 512)));
  t.same(small.medium!.reads.map((x) => x.blocks), [128, 128, 128, 128], '64 KiB at a time');
  const odd = disk(diskImage(4096), 16 * 1024);
  const r2 = await runCommand(odd.fn, { cdb: read10(7, 300), length: 300 * 512, urb: 49152 + 100 });
  t.equal(r2.csw.status, CswStatus.passed);
  t.ok(r2.data.equals(patternBytes(7 * 512, 300 * 512)));
  t.ok(Math.max(...odd.medium!.reads.map((x) => x.blocks)) <= Math.ceil((49152 + 100) / 512), 'no read larger than one URB needs');
});

t.test('a medium that fails: MEDIUM ERROR sense, the transfer cut short', async (t) => {
  const { fn, medium } = disk(diskImage(4096));
  await fn.bulkOut(cbw(read10(0, 256), 256 * 512, true));
  t.equal((await fn.bulkIn(65536)).actualLength, 65536);
  medium!.failReads = true;
  t.ok(stalled(await fn.bulkIn(65536)), 'the rest of the data phase stalls');
  fn.clearHalt(BULK_IN);
  t.same(await csw(fn).then((c) => [c.status, c.dataResidue]), [CswStatus.failed, 256 * 512 - 65536]);
  const rs = await runCommand(fn, { cdb: [0x03, 0, 0, 0, 18, 0], length: 18 });
  t.equal(rs.data.subarray(12, 14).toString('hex'), '1100', 'UNRECOVERED READ ERROR');
  t.equal(rs.data[2], 0x03, 'MEDIUM ERROR');
  medium!.failWrites = true;
  const w = await runCommand(fn, { cdb: write10(0, 4), out: Buffer.alloc(2048), urb: 512 });
  t.same([w.csw.status, w.dataStalled], [CswStatus.failed, false], 'the rest of the data is taken and dropped');
  t.equal(medium!.writes.length, 1, 'no more writes after the first failed');
  const rs2 = await runCommand(fn, { cdb: [0x03, 0, 0, 0, 18, 0], length: 18 });
  t.equal(rs2.data.subarray(12, 14).toString('hex'), '0c00', 'WRITE ERROR');
  t.equal(fn.stats.mediumErrors, 2);
});

t.test('a reset in the middle of a READ drops it; the next command works', async (t) => {
  const { fn } = disk(diskImage(4096));
  await fn.bulkOut(cbw(read10(0, 256), 256 * 512, true));
  await fn.bulkIn(65536);
  await resetRecovery(fn);
  const r = await runCommand(fn, { cdb: read10(1, 1), length: 512 });
  t.ok(r.data.equals(patternBytes(512, 512)));
  t.equal(r.csw.status, CswStatus.passed);
});

t.test('URBs handed over without waiting are still taken in order', async (t) => {
  const { fn } = disk();
  const tag = 4242;
  const outcomes = await Promise.all([fn.bulkOut(cbw(read10(2, 1), 512, true, tag)), fn.bulkIn(512), fn.bulkIn(13)]);
  t.ok(outcomes[1].data!.equals(patternBytes(1024, 512)));
  t.same(decodeCsw(outcomes[2].data!), { tag, dataResidue: 0, status: CswStatus.passed });
});

t.test('close(): everything after it stalls', async (t) => {
  const { fn } = disk();
  fn.close();
  t.ok(stalled(await fn.bulkOut(cbw(TUR, 0, false))));
  t.ok(stalled(await fn.bulkIn(13)));
  t.equal(fn.maxLun(), 0);
});

t.test('the pure machine: actions come out, results go in', (t) => {
  const m = new BotMachine(new LogicalUnit(DriveKind.disk, ID, { blockSize: 512, blockCount: 100, readOnly: false }), { minReadBytes: 1024 });
  t.same(m.bulkOut(cbw(read10(5, 3), 1536, true)), { accepted: 31, stall: false });
  const step = m.bulkIn(1536);
  t.same(step, { kind: 'action', action: { kind: 'read', lba: 5, blocks: 3 } });
  t.throws(() => m.bulkIn(1536), /outstanding/, 'one thing at a time');
  t.throws(() => m.complete(Buffer.alloc(100)), /expected 1536/, 'a medium that returns the wrong length is a bug');
  m.reset();
  t.ok(m.awaitingCommand);
  t.same(m.bulkOut(cbw([0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0, false)), { accepted: 31, stall: false, action: { kind: 'flush' } });
  m.complete();
  const c = m.bulkIn(13);
  t.equal(c.kind === 'data' && decodeCsw(c.data).status, CswStatus.passed);
  t.end();
});

t.test('takes(): which endpoint a device that can NAK arms in each phase (one command at a time, §5.1, §6.2)', (t) => {
  const m = new BotMachine(new LogicalUnit(DriveKind.disk, ID, { blockSize: 512, blockCount: 100, readOnly: false }), { minReadBytes: 1024 });
  const arms = () => [m.takes(true), m.takes(false)];
  t.same(arms(), [false, true], 'awaiting a CBW: bulk IN NAKed, bulk OUT armed');
  m.bulkOut(cbw(read10(0, 1), 512, true));
  t.same(arms(), [true, false], 'data-in due: the next CBW is NAKed');
  const step = m.bulkIn(512);
  if (step.kind === 'action') m.complete(Buffer.alloc(512));
  t.equal(m.bulkIn(512).kind, 'data');
  t.same(arms(), [true, false], 'the CSW due: the next CBW still waits for it');
  m.bulkIn(13);
  t.same(arms(), [false, true], 'the CSW gone: ready for a CBW again');
  m.bulkOut(cbw(write10(0, 1), 512, false));
  t.same(arms(), [false, true], 'data-out due: bulk IN NAKed (the CSW is not ready), bulk OUT takes the data');
  t.same(m.bulkOut(Buffer.alloc(512)), { accepted: 512, stall: false, action: { kind: 'write', lba: 0, data: Buffer.alloc(512) } });
  m.complete();
  t.same(arms(), [true, false], 'written: the CSW is due');
  m.bulkIn(13);
  m.bulkOut(Buffer.from('not a CBW'));
  t.same(arms(), [true, true], 'an invalid CBW: both endpoints take transfers, to STALL them (§6.6.1)');
  t.end();
});
