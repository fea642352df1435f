// The emulated host reading its BMC's disk with read-ahead (issue 13): several READ(10)s in flight over one USB/IP
// connection, each command's CBW, data and CSW URBs sent at once behind the one in progress, against the real
// mass-storage function on a loopback socket. Every byte of the medium comes back right; a medium that fails midway
// fails each READ it meets with MEDIUM ERROR (the READs sent behind it taken back and sent again), never with wrong
// bytes, and reading goes on pipelined once it reads again; a write is read back, not what the READs sent before it
// brought.
import t, { type Test } from 'tap';
import net from 'node:net';
import { systemClock } from '../../runtime/clock.js';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { SenseKey } from '../../protocols/scsi/sense.js';
import { SenseError } from '../../clients/usbip/scsi-host.js';
import { MassStorageFunction } from '../../emulator/media/mass-storage-function.js';
import { UsbipExport } from '../../emulator/media/usbip-export.js';
import { VirtualMediaDisk } from '../../emulator/host/virtual-media-disk.js';
import { MemoryMedium, MemorySlot, patternBytes } from '../helpers/memory-medium.js';

const HOST = '127.13.0.3';
const ID = { vendor: 'BMCFLEET', product: 'Virtual Disk', revision: '1.00', serial: 'HD0001' };
/** 4 MiB and a bit: the last READ is a short one. */
const BLOCKS = 8192 + 37;
const PER_READ = 240; // 120 KiB of 512-byte blocks, Linux usb-storage's max_sectors

interface Rig {
  medium: MemoryMedium;
  disk: VirtualMediaDisk;
  fn: () => MassStorageFunction;
  /** The most URBs the host had in flight at once, after attaching. */
  peak(): number;
  resetPeak(): void;
}

async function rig(t: Test, readAhead: number): Promise<Rig> {
  const medium = new MemoryMedium({ blockSize: 512, blockCount: BLOCKS });
  const slot = new MemorySlot(DriveKind.disk, medium);
  let made: MassStorageFunction | null = null;
  const exp = new UsbipExport({ address: HOST, clock: systemClock, functionFor: () => (made = new MassStorageFunction(slot, { identity: ID })) });
  const server = net.createServer({ pauseOnConnect: true }, (s) => exp.accept(s));
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const port = (server.address() as net.AddressInfo).port;
  const disk = await VirtualMediaDisk.attach({ bmc: HOST, port, drive: DriveKind.disk, readAhead, maxTransferBytes: PER_READ * 512, timeoutMs: 5000 });
  t.teardown(async () => {
    disk.close();
    exp.close();
    await new Promise<void>((r) => server.close(() => r()));
  });
  let peak = 0;
  const client = disk.fn.client;
  const submit = client.submit.bind(client);
  client.submit = (transfer) => {
    const s = submit(transfer);
    peak = Math.max(peak, client.inFlight);
    return s;
  };
  return { medium, disk, fn: () => made!, peak: () => peak, resetPeak: () => { peak = 0; } };
}

/**
 * Reads [from, to) blocks in PER_READ READs; each read's bytes (a copy, when read `into` one buffer reused) or its
 * error. `views`: whether each READ's data was a view of `into`.
 */
async function readThrough(disk: VirtualMediaDisk, from = 0, to = disk.blockCount, into?: Buffer, views: boolean[] = []): Promise<{ lba: number; data?: Buffer; err?: unknown }[]> {
  const out: { lba: number; data?: Buffer; err?: unknown }[] = [];
  for (let lba = from; lba < to; lba += PER_READ) {
    try {
      const data = await disk.read(lba, Math.min(PER_READ, to - lba), into);
      views.push(into !== undefined && data.buffer === into.buffer && data.byteOffset === into.byteOffset);
      out.push({ lba, data: into === undefined ? data : Buffer.from(data) });
    } catch (err) {
      out.push({ lba, err });
    }
  }
  return out;
}

const wrong = (reads: { lba: number; data?: Buffer }[]) => reads.filter((r) => r.data !== undefined && !r.data.equals(patternBytes(r.lba * 512, r.data.length))).map((r) => r.lba);

t.test('read-ahead of 4: every byte of a 4 MiB disk, with up to 15 URBs in flight and nothing stalled', async (t) => {
  const r = await rig(t, 4);
  t.equal(r.disk.blockCount, BLOCKS);
  const reads = await readThrough(r.disk);
  t.equal(reads.length, Math.ceil(BLOCKS / PER_READ));
  t.same(reads.filter((x) => x.err).map((x) => String(x.err)), [], 'no read failed');
  t.same(wrong(reads), [], 'every byte as on the medium');
  t.equal(reads.reduce((n, x) => n + x.data!.length, 0), BLOCKS * 512);
  t.ok(r.peak() >= 12, `READs sent ahead: ${r.peak()} URBs in flight at most (the one asked for and 4 ahead, 3 URBs each)`);
  t.match(r.fn().stats, { stalls: 0, phaseErrors: 0, invalidCbws: 0 });
  t.equal(r.disk.scsi.bot.resets, 0, 'no reset recovery');
  t.equal(r.disk.fn.client.inFlight, 0, 'nothing is sent ahead past the end of the medium: nothing left in flight');
});

t.test('without read-ahead: one command at a time, the same bytes', async (t) => {
  const r = await rig(t, 0);
  const reads = await readThrough(r.disk);
  t.same(wrong(reads), []);
  t.ok(reads.every((x) => x.data), 'every read passed');
  t.equal(r.peak(), 1, 'one URB in flight at a time (as Linux usb-storage sends them)');
});

t.test('a medium that fails midway: MEDIUM ERROR for each READ it meets, never wrong bytes; then pipelined again', async (t) => {
  const r = await rig(t, 4);
  // a bad stretch at a known place, not a flag flipped in time: how many READs the device has run ahead of the reader
  // when a test gets to flip one is the scheduler's business
  r.medium.failReadsIn = { from: 10 * PER_READ, to: 14 * PER_READ };
  const first = await readThrough(r.disk, 0, 10 * PER_READ);
  t.same(wrong(first), []);
  t.ok(first.every((x) => x.data), 'every READ before the bad stretch passed, though READs into it were sent ahead');
  const failing = await readThrough(r.disk, 10 * PER_READ, 14 * PER_READ);
  const mediumErrors = failing.filter((x) => x.err instanceof SenseError && x.err.key === SenseKey.mediumError).length;
  t.equal(mediumErrors, 4, 'every READ in the bad stretch ends in MEDIUM ERROR');
  r.resetPeak();
  const after = await readThrough(r.disk, 14 * PER_READ, BLOCKS);
  t.same(after.filter((x) => x.err).map((x) => String(x.err)), [], 'no READ past it fails (those sent ahead behind a failed one were taken back and sent again)');
  t.same(wrong(after), [], 'and every byte is right');
  t.ok(r.fn().stats.failedCommands >= mediumErrors, `${r.fn().stats.failedCommands} READs failed on the device`);
  t.ok(r.peak() >= 12, `READs sent ahead again once it reads: ${r.peak()} URBs in flight at most`);
  t.equal(r.disk.fn.client.closed, false, 'the connection is still up');
});

t.test('a write, then a read of the same blocks: what was written, not what a READ sent before it brought', async (t) => {
  const r = await rig(t, 4);
  t.same(wrong(await readThrough(r.disk, 0, 2 * PER_READ)), [], 'two READs: 2 to 5 are in flight now');
  const fresh = Buffer.alloc(PER_READ * 512, 0xa5);
  await r.disk.write(2 * PER_READ, fresh);
  t.same(await r.disk.read(2 * PER_READ, PER_READ), fresh);
  t.same(wrong(await readThrough(r.disk, 3 * PER_READ, 6 * PER_READ)), [], 'and on from there');
});

t.test('into a buffer of the reader\'s own, reused READ after READ: every byte, each READ a view of it', async (t) => {
  for (const readAhead of [0, 4]) {
    const r = await rig(t, readAhead);
    const into = Buffer.alloc(PER_READ * 512);
    const client = r.disk.fn.client;
    const submit = client.submit.bind(client);
    let straightIn = 0;
    client.submit = (transfer) => {
      if (transfer.buffer?.buffer === into.buffer) straightIn++;
      return submit(transfer);
    };
    const views: boolean[] = [];
    const reads = await readThrough(r.disk, 0, BLOCKS, into, views);
    t.same(reads.filter((x) => x.err).map((x) => String(x.err)), [], `read-ahead ${readAhead}: no read failed`);
    t.same(wrong(reads), [], 'every byte as on the medium');
    t.ok(views.every(Boolean), 'each READ\'s data a view of the reader\'s buffer');
    if (readAhead === 0) t.equal(straightIn, reads.length, 'each READ\'s data URB read straight into it');
    else t.equal(straightIn, 1, 'only the first READ went straight into it: those sent ahead go into buffers of the read-ahead, then copied');
  }
});

t.test('into one buffer, read-ahead over a failing stretch: READs taken back and dropped never bring stale bytes', async (t) => {
  const r = await rig(t, 4);
  r.medium.failReadsIn = { from: 10 * PER_READ, to: 14 * PER_READ };
  const into = Buffer.alloc(PER_READ * 512);
  const reads = await readThrough(r.disk, 0, BLOCKS, into);
  t.equal(reads.filter((x) => x.err instanceof SenseError && x.err.key === SenseKey.mediumError).length, 4, 'MEDIUM ERROR for each READ in it');
  t.same(wrong(reads), [], 'every READ that passed brought its own bytes');
  t.equal(reads.filter((x) => x.data).length, reads.length - 4);
  // a read elsewhere drops the READs sent ahead; their answers may still come, into buffers never used again
  t.same(wrong(await readThrough(r.disk, 20 * PER_READ, 22 * PER_READ, into)), []);
  t.same(wrong(await readThrough(r.disk, 3 * PER_READ, 8 * PER_READ, into)), [], 'and back: still right');
});
