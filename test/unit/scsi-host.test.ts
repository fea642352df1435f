// The host side of Bulk-Only Transport and SCSI (clients/usbip) against the device's real mass-storage function over a
// drive in memory: INQUIRY, TEST UNIT READY, READ CAPACITY (10, and 16 for a medium past 2^32 blocks), READ and WRITE
// in commands of a bounded size, SYNCHRONIZE CACHE; the error paths (no medium, UNIT ATTENTION after an insert, an
// LBA out of range, a write to a CD) as SenseErrors; a phase error and a damaged CSW ending in a reset recovery. All of
// it with URBs one at a time (as Linux sends them) and queued behind each CBW; then what queuing sends when.
import t, { type Test } from 'tap';
import { BulkOnlyError, BulkOnlyHost, type BulkOnlyTransport } from '../../clients/usbip/bulk-only-host.js';
import { ScsiHost, SenseError } from '../../clients/usbip/scsi-host.js';
import { CswStatus, encodeCsw } from '../../protocols/usb-mass-storage/bot.js';
import { DriveKind, type Medium } from '../../protocols/scsi/medium.js';
import { encodeBlockTransfer } from '../../protocols/scsi/block-io.js';
import { encodeInquiry } from '../../protocols/scsi/inquiry.js';
import { encodeTestUnitReady } from '../../protocols/scsi/unit-control.js';
import { UrbStatus, type UrbOutcome } from '../../protocols/usb-mass-storage/usb-function.js';
import { MassStorageFunction } from '../../emulator/media/mass-storage-function.js';
import { MemorySlot, cdImage, diskImage, patternBytes, type MemoryMedium } from '../helpers/memory-medium.js';

const ID = { vendor: 'BMCFLEET', product: 'Virtual Disk', revision: '1.00', serial: 'HD0001' };

/** A transport that records each CBW's operation code and each reset, and can damage the next CSW. */
class Recorder implements BulkOnlyTransport {
  readonly opcodes: number[] = [];
  readonly requests: string[] = [];
  damageNextCsw = false;
  readonly fn: MassStorageFunction;
  constructor(fn: MassStorageFunction) {
    this.fn = fn;
  }

  bulkOut(data: Buffer): Promise<UrbOutcome> {
    if (data.length === 31 && data.readUInt32LE(0) === 0x43425355) this.opcodes.push(data[15]);
    return this.fn.bulkOut(data);
  }

  async bulkIn(maxLength: number): Promise<UrbOutcome> {
    const o = await this.fn.bulkIn(maxLength);
    if (this.damageNextCsw && maxLength === 13 && o.status === UrbStatus.ok) {
      this.damageNextCsw = false;
      return { ...o, data: Buffer.concat([Buffer.from('XXXX'), o.data!.subarray(4)]) };
    }
    return o;
  }

  clearHalt(endpointAddress: number): void {
    this.requests.push(`clear-halt ${endpointAddress.toString(16)}`);
    this.fn.clearHalt(endpointAddress);
  }

  reset(): void {
    this.requests.push('reset');
    this.fn.reset();
  }
}

/** Every test runs twice: URBs one at a time as Linux sends them, then queued behind each CBW. */
let queued = false;

function host(kind: DriveKind, medium?: MemoryMedium, maxTransferBytes?: number) {
  const slot = new MemorySlot(kind, medium);
  const transport = new Recorder(new MassStorageFunction(slot, { identity: ID }));
  const bot = new BulkOnlyHost(transport, { maxUrbBytes: maxTransferBytes, queued });
  return { slot, transport, bot, scsi: new ScsiHost(bot, { maxTransferBytes }) };
}

async function senseOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => null, (e: unknown) => e);
  if (!(err instanceof SenseError)) throw new Error(`expected a SenseError, got ${String(err)}`);
  return [err.key, err.asc, err.ascq].map((v) => v.toString(16).padStart(2, '0')).join('/');
}

/** A disk of 2^32 + 16 blocks whose bytes are computed, not stored. */
class HugeDisk implements Medium {
  readonly blockSize = 512;
  readonly blockCount = 2 ** 32 + 16;
  readonly readOnly = true;
  async read(lba: number, blocks: number): Promise<Buffer> {
    const out = Buffer.alloc(blocks * 512);
    for (let i = 0; i < blocks; i++) out.writeDoubleBE(lba + i, i * 512);
    return out;
  }
  async write(): Promise<void> {}
  async flush(): Promise<void> {}
}

function tests(t: Test): void {
  t.test('INQUIRY, TEST UNIT READY, READ CAPACITY(10), then the whole disk read back byte for byte', async (t) => {
    const medium = diskImage(2048);
    const { scsi, transport } = host(DriveKind.disk, medium);
    t.same(await scsi.inquiry(), { peripheralQualifier: 0, peripheralDeviceType: 0, removable: true, version: 6, vendor: 'BMCFLEET', product: 'Virtual Disk', revision: '1.00' });
    await scsi.testUnitReady();
    t.same(await scsi.readCapacity(), { blockSize: 512, blockCount: 2048 });
    const all = await scsi.read(0, 2048, 512);
    t.ok(all.equals(medium.bytes), 'every byte of the 1 MiB image');
    t.same(transport.opcodes, [0x12, 0x00, 0x25, ...new Array(9).fill(0x28)], '120 KiB READ(10)s: 8 of 240 blocks and one of 128');
    t.same(scsi.stats, { commands: 12, checkConditions: 0, unitAttentions: 0 });
  });

  t.test('a READ into the caller\'s buffer (in several commands, each in URBs of its own): the result is a view of it', async (t) => {
    const medium = diskImage(2048);
    const { scsi } = host(DriveKind.disk, medium, 4096);
    const into = Buffer.alloc(300 * 512 + 7);
    const got = await scsi.read(100, 300, 512, into);
    t.equal(got.buffer, into.buffer);
    t.equal(got.byteOffset, into.byteOffset);
    t.equal(got.length, 300 * 512);
    t.ok(got.equals(medium.bytes.subarray(100 * 512, 400 * 512)), 'every byte');
    await t.rejects(scsi.read(0, 300, 512, Buffer.alloc(512)), RangeError, 'a buffer too small is refused before anything is sent');
  });

  t.test('WRITE(10) in bounded commands, read back; SYNCHRONIZE CACHE reaches the medium', async (t) => {
    const medium = diskImage(2048);
    const { scsi, transport } = host(DriveKind.disk, medium, 4096);
    const data = Buffer.from(patternBytes(99, 20 * 512).map((b) => b ^ 0x5a));
    await scsi.write(100, data, 512);
    t.same(medium.writes.map((w) => w.lba), [100, 108, 116], 'three commands of at most 8 blocks');
    t.ok((await scsi.read(100, 20, 512)).equals(data));
    t.ok(medium.bytes.subarray(120 * 512, 121 * 512).equals(patternBytes(120 * 512, 512)), 'the block after untouched');
    await scsi.synchronizeCache();
    t.equal(medium.flushes, 1);
    t.equal(transport.opcodes.filter((o) => o === 0x2a).length, 3);
    await t.rejects(scsi.write(0, Buffer.alloc(100), 512), RangeError, 'not whole blocks: the caller\'s mistake');
  });

  t.test('no medium: NOT READY, MEDIUM NOT PRESENT as a SenseError, with REQUEST SENSE after the CHECK CONDITION', async (t) => {
    const { scsi, transport } = host(DriveKind.cdrom);
    const err = await scsi.testUnitReady().catch((e: unknown) => e);
    t.ok(err instanceof SenseError);
    t.equal((err as SenseError).message, 'TEST UNIT READY: NOT READY, MEDIUM NOT PRESENT (02/3a/00)');
    t.same(transport.opcodes, [0x00, 0x03], 'TEST UNIT READY, then REQUEST SENSE');
    t.equal(await senseOf(scsi.read(0, 1, 2048)), '02/3a/00');
    t.equal(await senseOf(scsi.readCapacity()), '02/3a/00');
    t.equal((await scsi.inquiry()).peripheralDeviceType, 5, 'INQUIRY still answers');
    t.same(scsi.stats, { commands: 7, checkConditions: 3, unitAttentions: 0 });
  });

  t.test('UNIT ATTENTION after an insert: TEST UNIT READY tries again; another command fails with it once', async (t) => {
    const { scsi, slot } = host(DriveKind.cdrom);
    t.equal(await senseOf(scsi.testUnitReady()), '02/3a/00');
    slot.insert(cdImage(300));
    await scsi.testUnitReady();
    t.equal(scsi.stats.unitAttentions, 1, 'met once, and tried again');
    t.same(await scsi.readCapacity(), { blockSize: 2048, blockCount: 300 });
    slot.eject();
    slot.insert(cdImage(400));
    t.equal(await senseOf(scsi.read(0, 1, 2048)), '06/28/00', 'a READ after the change fails with the UNIT ATTENTION');
    t.same(await scsi.readCapacity(), { blockSize: 2048, blockCount: 400 }, 'once: then the new disc');
    t.ok((await scsi.read(399, 1, 2048)).equals(patternBytes(399 * 2048, 2048)));
    t.equal(scsi.stats.unitAttentions, 2);
  });

  t.test('an LBA out of range, a write to a CD: ILLEGAL REQUEST 21h, DATA PROTECT 27h', async (t) => {
    const disk = host(DriveKind.disk, diskImage(2048));
    t.equal(await senseOf(disk.scsi.read(2047, 2, 512)), '05/21/00');
    t.equal(await senseOf(disk.scsi.write(2048, Buffer.alloc(512), 512)), '05/21/00');
    const cd = host(DriveKind.cdrom, cdImage(300));
    t.equal(await senseOf(cd.scsi.write(0, Buffer.alloc(2048), 2048)), '07/27/00');
  });

  t.test('commands asked for at once: each CHECK CONDITION keeps its own sense', async (t) => {
    const { scsi } = host(DriveKind.disk, diskImage(2048));
    const [bad, good, bad2] = await Promise.allSettled([scsi.read(5000, 1, 512), scsi.read(0, 1, 512), scsi.read(2048, 1, 512)]);
    t.match(bad, { status: 'rejected', reason: { name: 'SenseError', sense: { key: 5, asc: 0x21 } } });
    t.match(good, { status: 'fulfilled' });
    t.match(bad2, { status: 'rejected', reason: { name: 'SenseError', sense: { key: 5, asc: 0x21 } } });
  });

  t.test('past 2^32 blocks: READ CAPACITY(16) after (10) says FFFFFFFFh, READ(16) past the 32-bit LBAs', async (t) => {
    const slot = new MemorySlot(DriveKind.disk, new HugeDisk());
    const transport = new Recorder(new MassStorageFunction(slot, { identity: ID }));
    const scsi = new ScsiHost(new BulkOnlyHost(transport, { queued }));
    t.same(await scsi.readCapacity(), { blockSize: 512, blockCount: 2 ** 32 + 16 });
    const near = await scsi.read(2 ** 32 - 2, 4, 512);
    t.same([0, 1, 2, 3].map((i) => near.readDoubleBE(i * 512)), [2 ** 32 - 2, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1]);
    await scsi.read(100, 1, 512);
    t.same(transport.opcodes, [0x25, 0x9e, 0x88, 0x28], 'READ CAPACITY(10), (16); READ(16) across 2^32; READ(10) below');
  });

  t.test('a phase error and a damaged CSW end in a reset recovery; the next command works', async (t) => {
    const { bot, scsi, transport } = host(DriveKind.disk, diskImage(2048));
    await t.rejects(bot.commandIn(encodeInquiry(36), 0), { name: 'BulkOnlyError', code: 'ERR_BOT_PHASE' }, 'INQUIRY with no data phase (case 2)');
    t.same(transport.requests, ['reset', 'clear-halt 81', 'clear-halt 2'], 'reset, then both halts cleared (BOT 1.0 §5.3.4)');
    t.equal((await scsi.inquiry()).vendor, 'BMCFLEET');
    transport.damageNextCsw = true;
    const err = await scsi.testUnitReady().catch((e: unknown) => e);
    t.ok(err instanceof BulkOnlyError && err.code === 'ERR_BOT_CSW', 'a CSW without its signature');
    t.equal(bot.resets, 2);
    await scsi.testUnitReady();
    const short = await bot.commandIn(encodeInquiry(255), 255);
    t.same([short.passed, short.data.length, short.residue], [true, 36, 219], 'a short data phase: the STALL cleared, the CSW read');
  });
}

for (const mode of [false, true]) {
  t.test(mode ? 'URBs queued behind each CBW' : 'URBs one at a time, as Linux sends them', async (t) => {
    queued = mode;
    tests(t);
  });
}

t.test('queued: the data and status URBs go out before the CBW completes; stalls and a refused CBW are handled in turn', async (t) => {
  const fn = new MassStorageFunction(new MemorySlot(DriveKind.disk, diskImage(64)), { identity: ID });
  const events: string[] = [];
  const done = (o: UrbOutcome) => o.status === UrbStatus.ok ? String(o.actualLength) : String(o.status);
  const transport: BulkOnlyTransport = {
    bulkOut: (d) => { events.push(`out ${d.length}`); return fn.bulkOut(d).then((o) => { events.push(`done out ${done(o)}`); return o; }); },
    bulkIn: (n) => { events.push(`in ${n}`); return fn.bulkIn(n).then((o) => { events.push(`done in ${done(o)}`); return o; }); },
    clearHalt: (ep) => { events.push(`clear ${ep.toString(16)}`); fn.clearHalt(ep); },
    reset: () => { events.push('reset'); fn.reset(); },
  };
  const bot = new BulkOnlyHost(transport, { queued: true });
  const r = await bot.commandIn(encodeBlockTransfer({ op: 'read', lba: 0, blocks: 4 }), 2048);
  t.ok(r.passed && r.data.equals(patternBytes(0, 2048)));
  t.same(events, ['out 31', 'in 2048', 'in 13', 'done out 31', 'done in 2048', 'done in 13'], 'one round trip: all three submitted at once');
  events.length = 0;
  const tur = await bot.commandIn(encodeTestUnitReady(), 512);
  t.same([tur.passed, tur.residue], [true, 512], 'case 4 (Hi > Dn)');
  t.same(events, ['out 31', 'in 512', 'in 13', 'done out 31', 'done in -32', 'done in -32', 'clear 81', 'in 13', 'done in 13'],
    'the data URB stalls and so does the CSW URB queued behind it: one CLEAR_FEATURE, then the CSW');
  await fn.bulkOut(Buffer.alloc(31)); // not a CBW: both endpoints halt until a reset recovery
  events.length = 0;
  await t.rejects(bot.commandIn(encodeTestUnitReady(), 0), { name: 'BulkOnlyError', code: 'ERR_BOT_URB' });
  t.same(events, ['out 31', 'in 13', 'done out -32', 'done in -32', 'reset', 'clear 81', 'clear 2'], 'the queued URB is let finish before the reset recovery');
  t.ok((await bot.commandIn(encodeTestUnitReady(), 0)).passed, 'then the device is back');
});

t.test('READ CAPACITY saying a block length of 0 is refused (no block could be read)', async (t) => {
  let tag = 0;
  const device: BulkOnlyTransport = {
    async bulkOut(d) { tag = d.readUInt32LE(4); return { status: UrbStatus.ok, actualLength: d.length }; },
    async bulkIn(n) {
      const data = n === 13 ? encodeCsw({ tag, dataResidue: 0, status: CswStatus.passed }) : Buffer.from('0000000900000000', 'hex');
      return { status: UrbStatus.ok, data, actualLength: data.length };
    },
    clearHalt() {},
    reset() {},
  };
  await t.rejects(new ScsiHost(new BulkOnlyHost(device)).readCapacity(), { name: 'ScsiHostError', code: 'ERR_SCSI_CAPACITY' });
});
