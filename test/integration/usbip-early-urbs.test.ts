// URBs that reach a BMC's drive before the command in progress is done, in raw USB/IP bytes over a loopback socket to
// the real mass-storage function (issue 13, read-ahead). BOT 1.0 lets the device take one command at a time (§5.1: a
// CBW only when the previous CSW has gone; §6.2: bulk IN only with data or a CSW to send); over USB/IP the kernel stub
// hands such a URB to the device, which NAKs it until it can take it. So the emulated drive lets it wait, in order,
// unlinkable: two READ(10)s sent whole before either is answered both complete; a CSW URB sent before its CBW waits for
// it; a CBW sent while a READ's data is due waits for its CSW; a waiting URB unlinked is never answered; a READ that
// fails (CHECK CONDITION, bulk IN STALLed) keeps the next CBW waiting until the host has cleared the halt and read
// the CSW.
import t, { type Test } from 'tap';
import net from 'node:net';
import { systemClock } from '../../runtime/clock.js';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { encodeImportRequest } from '../../protocols/usb-mass-storage/usbip-op.js';
import { UsbipReplyStream } from '../../protocols/usb-mass-storage/usbip-stream.js';
import { Direction, encodeUrb, type RetSubmit, type UrbReplyMessage } from '../../protocols/usb-mass-storage/usbip-urb.js';
import { UrbStatus } from '../../protocols/usb-mass-storage/usb-function.js';
import { MassStorageFunction } from '../../emulator/media/mass-storage-function.js';
import { UsbipExport } from '../../emulator/media/usbip-export.js';
import { MemorySlot, diskImage, patternBytes } from '../helpers/memory-medium.js';

const HOST = '127.13.0.2';
const DISK_BUSID = '1-2';
const DISK_DEVID = (1 << 16) | 3;
const ID = { vendor: 'BMCFLEET', product: 'Virtual Disk', revision: '1.00', serial: 'HD0001' };

// CBWs as a host sends them (BOT 1.0 §5.1): USBC, dCBWTag, dCBWDataTransferLength, bmCBWFlags, bCBWLUN, bCBWCBLength, CBWCB
/** READ(10) of 2 blocks from LBA 0, tag 1, 1,024 bytes in. */
const READ_LBA0 = Buffer.from('55534243' + '01000000' + '00040000' + '80' + '00' + '0a' + '28000000000000000200' + '000000000000', 'hex');
/** READ(10) of 2 blocks from LBA 2, tag 2. */
const READ_LBA2 = Buffer.from('55534243' + '02000000' + '00040000' + '80' + '00' + '0a' + '28000000000200000200' + '000000000000', 'hex');
/** TEST UNIT READY, tag 3, no data. */
const TEST_UNIT_READY = Buffer.from('55534243' + '03000000' + '00000000' + '00' + '00' + '06' + '000000000000' + '00000000000000000000', 'hex');
/** READ(10) of 1 block from LBA 0x10000, past the 2,048-block disk: CHECK CONDITION. Tag 4, 512 bytes in. */
const READ_PAST_END = Buffer.from('55534243' + '04000000' + '00020000' + '80' + '00' + '0a' + '28000001000000000100' + '000000000000', 'hex');
/** The CSW each passed command sends back (§5.2): USBS, the tag, residue 0, status 00h. */
const csw = (tag: number, residue = 0, status = 0) => Buffer.from(`55534253${tag.toString(16).padStart(2, '0')}000000${residue.toString(16).padStart(8, '0').match(/../g)!.reverse().join('')}${status.toString(16).padStart(2, '0')}`, 'hex');

interface Peer {
  slot: MemorySlot;
  fn: () => MassStorageFunction;
  /** Sends CMD_SUBMITs (and anything else) in one write. */
  send(...messages: Buffer[]): void;
  /** The next `n` answers, in the order they came. */
  next(n: number): Promise<UrbReplyMessage[]>;
  /** Answers that came and were not taken yet. */
  readonly waiting: number;
}

/** A disk drive (2,048 blocks of 512 bytes) exported on HOST, imported and configured by a raw connection. */
async function peer(t: Test): Promise<Peer> {
  const slot = new MemorySlot(DriveKind.disk, diskImage());
  let made: MassStorageFunction | null = null;
  const exp = new UsbipExport({
    address: HOST, clock: systemClock,
    functionFor: () => (made = new MassStorageFunction(slot, { identity: ID })),
  });
  const server = net.createServer({ pauseOnConnect: true }, (s) => exp.accept(s));
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const socket = net.connect({ host: HOST, port: (server.address() as net.AddressInfo).port });
  t.teardown(async () => {
    socket.destroy();
    exp.close();
    await new Promise<void>((r) => server.close(() => r()));
  });
  const directions = new Map<number, Direction>();
  const stream = new UsbipReplyStream((seqnum) => directions.get(seqnum));
  const got: UrbReplyMessage[] = [];
  socket.on('data', (c: Buffer) => {
    stream.write(c);
    for (let m = stream.read(); m !== null; m = stream.read()) {
      if (m.kind !== 'import-reply') got.push(m as UrbReplyMessage);
    }
  });
  await new Promise((r) => socket.once('connect', r));
  const send = (...messages: Buffer[]) => {
    // a CMD_SUBMIT's direction, for reading its answer (a RET_SUBMIT carries data only for IN)
    for (const m of messages) if (m.readUInt32BE(0) === 1) directions.set(m.readUInt32BE(4), m.readUInt32BE(12) as Direction);
    socket.write(Buffer.concat(messages));
  };
  socket.write(encodeImportRequest(DISK_BUSID));
  // SET_CONFIGURATION(1) on endpoint 0: the bulk endpoints exist from then on (USB 2.0 §9.1.1.5)
  send(control(1, '0009010000000000'));
  const p: Peer = {
    slot, fn: () => made!, send,
    async next(n) {
      for (const end = Date.now() + 3000; got.length < n;) {
        if (Date.now() > end || socket.destroyed) throw new Error(`${got.length} of ${n} answers`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return got.splice(0, n);
    },
    get waiting() { return got.length; },
  };
  t.match(await p.next(1), [{ kind: 'ret-submit', seqnum: 1, status: 0 }], 'configured');
  return p;
}

function control(seqnum: number, setupHex: string): Buffer {
  return encodeUrb({
    kind: 'cmd-submit', seqnum, devid: DISK_DEVID, direction: Direction.out, ep: 0, transferFlags: 0, transferBufferLength: 0,
    startFrame: 0, numberOfPackets: 0, interval: 0, setup: Buffer.from(setupHex, 'hex'), data: new Uint8Array(0), iso: [],
  });
}

/** CMD_SUBMIT on bulk OUT 02h carrying `data`. */
function out(seqnum: number, data: Buffer): Buffer {
  return encodeUrb({
    kind: 'cmd-submit', seqnum, devid: DISK_DEVID, direction: Direction.out, ep: 2, transferFlags: 0, transferBufferLength: data.length,
    startFrame: 0, numberOfPackets: 0, interval: 0, setup: new Uint8Array(8), data, iso: [],
  });
}

/** CMD_SUBMIT on bulk IN 81h for at most `length` bytes. */
function bulkIn(seqnum: number, length: number): Buffer {
  return encodeUrb({
    kind: 'cmd-submit', seqnum, devid: DISK_DEVID, direction: Direction.in, ep: 1, transferFlags: 0, transferBufferLength: length,
    startFrame: 0, numberOfPackets: 0, interval: 0, setup: new Uint8Array(8), data: new Uint8Array(0), iso: [],
  });
}

function unlink(seqnum: number, victim: number): Buffer {
  return encodeUrb({ kind: 'cmd-unlink', seqnum, devid: DISK_DEVID, direction: Direction.out, ep: 0, unlinkSeqnum: victim });
}

const brief = (m: UrbReplyMessage) => m.kind === 'ret-submit'
  ? [m.seqnum, m.status, m.actualLength]
  : [m.seqnum, 'unlink', m.status];
const dataOf = (m: UrbReplyMessage) => Buffer.from((m as RetSubmit).data);

t.test('two READ(10)s sent whole before either is answered: every URB completes, in order, with the right bytes', async (t) => {
  const p = await peer(t);
  p.send(out(2, READ_LBA0), bulkIn(3, 1024), bulkIn(4, 13), out(5, READ_LBA2), bulkIn(6, 1024), bulkIn(7, 13));
  const answers = await p.next(6);
  t.same(answers.map(brief), [[2, 0, 31], [3, 0, 1024], [4, 0, 13], [5, 0, 31], [6, 0, 1024], [7, 0, 13]]);
  t.same(dataOf(answers[1]), patternBytes(0, 1024), 'the first READ: LBA 0-1');
  t.same(dataOf(answers[2]), csw(1), 'its CSW: tag 1, passed');
  t.same(dataOf(answers[4]), patternBytes(1024, 1024), 'the second READ: LBA 2-3');
  t.same(dataOf(answers[5]), csw(2), 'its CSW: tag 2, passed');
  t.match(p.fn().stats, { commands: 2, stalls: 0, phaseErrors: 0 }, 'nothing stalled, no phase error');
});

t.test('a CSW URB sent before its CBW waits for it (NAK), not STALLed', async (t) => {
  const p = await peer(t);
  p.send(bulkIn(2, 13));
  await new Promise((r) => setTimeout(r, 50));
  t.equal(p.waiting, 0, 'no answer while no command is in progress');
  p.send(out(3, TEST_UNIT_READY));
  t.same((await p.next(2)).map((m) => [brief(m), m.kind === 'ret-submit' ? dataOf(m).toString('hex') : '']),
    [[[3, 0, 31], ''], [[2, 0, 13], csw(3).toString('hex')]], 'the CBW, then the waiting URB with its CSW');
  t.equal(p.fn().stats.stalls, 0);
});

t.test('a CBW sent while a READ\'s data is due waits until that READ\'s CSW has gone', async (t) => {
  const p = await peer(t);
  p.send(out(2, READ_LBA0), out(3, TEST_UNIT_READY));
  t.same((await p.next(1)).map(brief), [[2, 0, 31]], 'the READ\'s CBW');
  await new Promise((r) => setTimeout(r, 50));
  t.equal(p.waiting, 0);
  p.send(bulkIn(4, 1024), bulkIn(5, 13), bulkIn(6, 13));
  const answers = await p.next(4);
  t.same(answers.map(brief), [[4, 0, 1024], [5, 0, 13], [3, 0, 31], [6, 0, 13]], 'data, CSW, then the waiting CBW is taken, then its CSW');
  t.same([dataOf(answers[1]), dataOf(answers[3])], [csw(1), csw(3)]);
  t.match(p.fn().stats, { commands: 2, stalls: 0, phaseErrors: 0 });
});

t.test('a waiting URB that is unlinked is answered -ECONNRESET and never completes; the next command is served', async (t) => {
  const p = await peer(t);
  p.send(bulkIn(2, 13), unlink(3, 2));
  t.same((await p.next(1)).map(brief), [[3, 'unlink', UrbStatus.unlinked]]);
  p.send(out(4, TEST_UNIT_READY), bulkIn(5, 13));
  const answers = await p.next(2);
  t.same(answers.map(brief), [[4, 0, 31], [5, 0, 13]], 'no RET_SUBMIT for seqnum 2');
  t.same(dataOf(answers[1]), csw(3));
});

t.test('a READ that fails keeps the next CBW waiting through the STALL, CLEAR_FEATURE(HALT) and the CSW', async (t) => {
  const p = await peer(t);
  // the host queued a whole command behind the failing READ: its CBW, data and CSW URBs
  p.send(out(2, READ_PAST_END), bulkIn(3, 512), bulkIn(4, 13), out(5, READ_LBA0), bulkIn(6, 1024), bulkIn(7, 13));
  t.same((await p.next(5)).map(brief), [[2, 0, 31], [3, UrbStatus.stall, 0], [4, UrbStatus.stall, 0], [6, UrbStatus.stall, 0], [7, UrbStatus.stall, 0]],
    'CHECK CONDITION: bulk IN halts (case 4), so every IN URB queued STALLs; the next CBW waits (the CSW is still due)');
  // the host gives up on the queued command (unlinks it), then clears the halt and reads the CSW (BOT §6.7.2)
  p.send(unlink(8, 5), unlink(9, 7), control(10, '0201000081000000'), bulkIn(11, 13));
  const answers = await p.next(4);
  t.same(answers.map(brief), [[8, 'unlink', UrbStatus.unlinked], [9, 'unlink', 0], [10, 0, 0], [11, 0, 13]],
    'the waiting CBW unlinked before the device took it; seqnum 7 had already STALLed');
  t.same(dataOf(answers[3]), csw(4, 512, 1), 'the CSW: tag 4, residue 512, status 01h (failed)');
  p.send(out(12, READ_LBA2), bulkIn(13, 1024), bulkIn(14, 13));
  const again = await p.next(3);
  t.same(again.map(brief), [[12, 0, 31], [13, 0, 1024], [14, 0, 13]], 'the next command from scratch');
  t.same(dataOf(again[1]), patternBytes(1024, 1024));
});
