// The USB/IP framers on a TCP byte stream: whole messages out however the bytes are cut, the operation phase then the
// URB phase, and a malformed header breaking the stream for good (nothing says where the next message would start).
import t from 'tap';
import { DecodeError } from '../../protocols/errors.js';
import { OpStatus, encodeDevlistReply, encodeImportReply, type ExportedDevice } from '../../protocols/usb-mass-storage/usbip-op.js';
import { StreamPhase, UsbipReplyStream, UsbipRequestStream } from '../../protocols/usb-mass-storage/usbip-stream.js';
import { Direction, encodeUrb, encodeUrbHeader, type CmdSubmit, type RetSubmit } from '../../protocols/usb-mass-storage/usbip-urb.js';
import { loadFrames } from '../helpers/vectors.js';

const frames = loadFrames('usbip/usbip-list-attach.json');
const devlistRequest = frames.find((f) => f.from === 'client' && f.stream === 0)!.bytes;
const importRequest = Buffer.concat(frames.filter((f) => f.from === 'client' && f.stream === 1).map((f) => f.bytes));

function cmdSubmit(seqnum: number, direction: Direction, ep: number, data: Buffer, length = data.length): Buffer {
  return encodeUrb({
    kind: 'cmd-submit', seqnum, devid: 0x10002, direction, ep, transferFlags: 0, transferBufferLength: direction === Direction.out ? data.length : length,
    startFrame: 0, numberOfPackets: 0, interval: 0, setup: new Uint8Array(8), data: direction === Direction.out ? data : new Uint8Array(0), iso: [],
  });
}

/** Everything `stream` yields when `bytes` arrive `step` bytes at a time, each piece in memory of its own (so joined). */
function drip<M>(stream: { write(c: Uint8Array): void; read(): M | null }, bytes: Buffer, step: number): M[] {
  const out: M[] = [];
  for (let o = 0; o < bytes.length; o += step) {
    const piece = bytes.subarray(o, o + step);
    const own = Buffer.alloc(piece.length); // not Buffer.from: pooled copies may lie side by side, and be held as one
    piece.copy(own);
    stream.write(own);
    for (let m = stream.read(); m !== null; m = stream.read()) out.push(m);
  }
  return out;
}

t.test('requests come out whole however the bytes are cut; the server switches to URBs after granting an import', async (t) => {
  for (const step of [1, 3, 8, 40, 1000]) {
    const s = new UsbipRequestStream();
    t.same(drip(s, devlistRequest, step), [{ kind: 'devlist-request', status: 0 }], `devlist, ${step} byte(s) at a time`);
    const s2 = new UsbipRequestStream();
    const payload = Buffer.alloc(5000, 0xab);
    const urbs = Buffer.concat([cmdSubmit(1, Direction.out, 2, payload), cmdSubmit(2, Direction.in, 1, Buffer.alloc(0), 512)]);
    t.same(drip(s2, importRequest, step), [{ kind: 'import-request', status: 0, busid: '1-1' }]);
    t.equal(s2.phase, StreamPhase.op);
    s2.enterUrbPhase();
    const got = drip(s2, urbs, step) as CmdSubmit[];
    t.same(got.map((m) => [m.seqnum, m.direction, m.ep, m.data.length, m.transferBufferLength]), [[1, 0, 2, 5000, 5000], [2, 1, 1, 0, 512]]);
    t.same(Buffer.from(got[0].data), payload, 'OUT data intact');
    t.equal(s2.buffered, 0);
  }
});

t.test('bytes after the import request wait until the server has decided', async (t) => {
  const s = new UsbipRequestStream();
  s.write(Buffer.concat([importRequest, cmdSubmit(7, Direction.in, 0, Buffer.alloc(0), 18)]));
  t.match(s.read(), { kind: 'import-request' });
  s.enterUrbPhase();
  t.match(s.read(), { kind: 'cmd-submit', seqnum: 7, transferBufferLength: 18 });
  t.equal(s.read(), null);
});

t.test('a malformed header breaks the stream: the same DecodeError on every later read, later bytes ignored', async (t) => {
  const s = new UsbipRequestStream();
  s.write(Buffer.from('0110800500000000', 'hex'));
  const first = (() => { try { s.read(); } catch (e) { return e; } })();
  t.ok(first instanceof DecodeError);
  t.equal((first as DecodeError).code, 'ERR_VERSION');
  s.write(devlistRequest);
  t.throws(() => s.read(), first as Error, 'thrown again');
  t.equal(s.buffered, 0, 'nothing held after the break');
  const big = new UsbipRequestStream({ maxTransfer: 4096 });
  big.enterUrbPhase();
  big.write(cmdSubmit(1, Direction.out, 2, Buffer.alloc(4097)).subarray(0, 48));
  t.throws(() => big.read(), { code: 'ERR_TRANSFER_TOO_LARGE' }, 'the header alone is enough to refuse');
});

t.test('the client side: devlist reply, then an import reply that moves it to URBs, then RET_SUBMITs by direction', async (t) => {
  const device: ExportedDevice = {
    device: {
      path: '/sys/devices/platform/bmcfleet/usb1/1-2', busid: '1-2', busnum: 1, devnum: 3, speed: 3, idVendor: 0x046b, idProduct: 0xff31,
      bcdDevice: 0x100, deviceClass: 0, deviceSubClass: 0, deviceProtocol: 0, configurationValue: 1, numConfigurations: 1, numInterfaces: 1,
    },
    interfaces: [{ interfaceClass: 8, interfaceSubClass: 6, interfaceProtocol: 0x50 }],
  };
  for (const step of [1, 7, 500]) {
    const list = new UsbipReplyStream(() => undefined);
    t.same(drip(list, encodeDevlistReply([device, device]), step), [{ kind: 'devlist-reply', status: 0, devices: [device, device] }]);
    const directions = new Map([[1, Direction.in], [2, Direction.out]]);
    const s = new UsbipReplyStream((seq) => directions.get(seq));
    const ret = (seqnum: number, actualLength: number, data: Buffer): Buffer => encodeUrb({
      kind: 'ret-submit', seqnum, devid: 0, direction: 0, ep: 0, status: 0, actualLength, startFrame: 0, numberOfPackets: 0, errorCount: 0, data, iso: [],
    } satisfies RetSubmit);
    const bytes = Buffer.concat([
      encodeImportReply(OpStatus.ok, device.device),
      ret(1, 13, Buffer.from('USBS-answer!!')),
      ret(2, 31, Buffer.alloc(0)),
      encodeUrbHeader({ kind: 'ret-unlink', seqnum: 3, devid: 0, direction: 0, ep: 0, status: -104 }),
    ]);
    const got = drip(s, bytes, step);
    t.same(got.map((m) => m.kind), ['import-reply', 'ret-submit', 'ret-submit', 'ret-unlink'], `${step} byte(s) at a time`);
    t.equal(s.phase, StreamPhase.urb);
    t.same(Buffer.from((got[1] as RetSubmit).data).toString(), 'USBS-answer!!');
    t.equal((got[2] as RetSubmit).data.length, 0, 'an OUT answer carries no data');
  }
  const refused = new UsbipReplyStream(() => undefined);
  refused.write(encodeImportReply(OpStatus.devBusy, null));
  t.match(refused.read(), { kind: 'import-reply', status: OpStatus.devBusy });
  t.equal(refused.phase, StreamPhase.op, 'a refused import leaves the operation phase');
});

t.test('messages held behind one another are not copied again: a view of the chunk they are in, or their own chunks joined', async (t) => {
  const s = new UsbipRequestStream();
  s.write(importRequest);
  t.match(s.read(), { kind: 'import-request' });
  s.enterUrbPhase();
  const a = cmdSubmit(1, Direction.out, 2, Buffer.alloc(100, 1));
  const b = cmdSubmit(2, Direction.out, 2, Buffer.alloc(3000, 2));
  const c = cmdSubmit(3, Direction.out, 2, Buffer.alloc(200, 3));
  // each chunk in memory of its own: Buffer.from and Buffer.concat take small buffers from one shared pool, where a copy
  // of a chunk could share its ArrayBuffer and pass the checks below
  const own = (b: Buffer) => { const o = Buffer.alloc(b.length); b.copy(o); return o; };
  const chunks = [own(Buffer.concat([a, b.subarray(0, 1000)])), own(b.subarray(1000)), own(c)];
  for (const chunk of chunks) s.write(chunk); // all held before the first read, as when the reader lags
  const [ma, mb, mc] = [s.read(), s.read(), s.read()] as CmdSubmit[];
  t.same([ma.seqnum, mb.seqnum, mc.seqnum], [1, 2, 3]);
  t.equal(ma.data.buffer, chunks[0].buffer, 'the first: a view of its chunk');
  t.same(Buffer.from(mb.data), Buffer.alloc(3000, 2), 'the second: joined from the two chunks it spans');
  t.equal(mc.data.buffer, chunks[2].buffer, 'the third: a view of its own chunk, not copied with the others');
  t.equal(s.read(), null);
  t.equal(s.buffered, 0);
});

t.test('chunks that go on where the one before ended in the same memory (one slab read into) are held as one view, never joined', async (t) => {
  const s = new UsbipReplyStream(() => Direction.in);
  s.write(encodeImportReply(OpStatus.ok, {
    path: '/sys/devices/platform/bmcfleet/usb1/1-2', busid: '1-2', busnum: 1, devnum: 3, speed: 3, idVendor: 0x046b, idProduct: 0xff31,
    bcdDevice: 0x100, deviceClass: 0, deviceSubClass: 0, deviceProtocol: 0, configurationValue: 1, numConfigurations: 1, numInterfaces: 1,
  }));
  t.match(s.read(), { kind: 'import-reply', status: OpStatus.ok });
  const data = Buffer.alloc(200_000);
  for (let i = 0; i < data.length; i++) data[i] = i % 251;
  const header = encodeUrbHeader({
    kind: 'ret-submit', seqnum: 5, devid: 0, direction: Direction.in, ep: 0, status: 0, actualLength: data.length,
    startFrame: 0, numberOfPackets: 0, errorCount: 0, data, iso: [],
  });
  const slab = Buffer.alloc(header.length + data.length + 100);
  header.copy(slab);
  data.copy(slab, header.length);
  const wire = slab.subarray(0, header.length + data.length);
  const cuts = [0, 10, 48, 70_000, 150_000, wire.length]; // as socket reads end: in the header, after it, in the data
  for (let i = 1; i < cuts.length; i++) {
    if (i > 1) t.equal(s.read(), null, `${cuts[i - 1]} bytes in: not yet whole`);
    s.write(wire.subarray(cuts[i - 1], cuts[i]));
  }
  const m = s.read() as RetSubmit;
  t.match(m, { kind: 'ret-submit', seqnum: 5, actualLength: data.length });
  t.equal(m.data.buffer, slab.buffer, 'the data is a view of the slab, not a copy');
  t.equal(m.data.byteOffset, slab.byteOffset + header.length);
  t.same(Buffer.from(m.data), data, 'every byte');
  // a gap (the next chunk not where the last ended) is held apart, and the message joined as before
  const gapped = Buffer.alloc(wire.length + 1);
  wire.copy(gapped, 0, 0, 1000);
  wire.copy(gapped, 1001, 1000);
  s.write(gapped.subarray(0, 1000));
  s.write(gapped.subarray(1001));
  const m2 = s.read() as RetSubmit;
  t.not(m2.data.buffer, gapped.buffer, 'not contiguous: joined into memory of its own');
  t.same(Buffer.from(m2.data), data);
  t.equal(s.buffered, 0);
});

/** A stream past a granted import, its IN URBs' transfer buffers by seqnum. */
function importedStream(buffers: Map<number, Uint8Array>): UsbipReplyStream {
  const s = new UsbipReplyStream(() => Direction.in, {}, (seq) => buffers.get(seq));
  s.write(encodeImportReply(OpStatus.ok, {
    path: '/sys/devices/platform/bmcfleet/usb1/1-1', busid: '1-1', busnum: 1, devnum: 2, speed: 3, idVendor: 0x046b, idProduct: 0xff20,
    bcdDevice: 0x100, deviceClass: 0, deviceSubClass: 0, deviceProtocol: 0, configurationValue: 1, numConfigurations: 1, numInterfaces: 1,
  }));
  s.read();
  return s;
}

function retSubmit(seqnum: number, data: Buffer): Buffer {
  return encodeUrb({ kind: 'ret-submit', seqnum, devid: 0, direction: Direction.out, ep: 0, status: 0, actualLength: data.length, startFrame: 0, numberOfPackets: 0, errorCount: 0, data, iso: [] });
}

/** Reads `wire` as a socket would: each read into room(), at most `step` bytes; every message out. */
function readThroughRoom(s: UsbipReplyStream, wire: Buffer, step: number): RetSubmit[] {
  const out: RetSubmit[] = [];
  for (let at = 0; at < wire.length;) {
    const room = s.room();
    const n = Math.min(step, room.length, wire.length - at);
    wire.copy(room, 0, at, at + n);
    at += n;
    s.write(room.subarray(0, n));
    for (let m = s.read(); m !== null; m = s.read()) out.push(m as RetSubmit);
  }
  return out;
}

t.test('IN data is read into its URB\'s own transfer buffer: room() is the rest of it once the header is in', async (t) => {
  const target = Buffer.alloc(300_000);
  const s = importedStream(new Map([[7, target]]));
  const data = Buffer.alloc(200_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13) % 256;
  const csw = Buffer.from('55534253070000000000000000', 'hex');
  const wire = Buffer.concat([retSubmit(6, Buffer.alloc(0)), retSubmit(7, data), retSubmit(8, csw)]);
  const first = s.room();
  wire.copy(first, 0, 0, 48 + 48 + 1000); // a read that brings one whole message, the next one's header and some of its data
  s.write(first.subarray(0, 48 + 48 + 1000));
  t.match(s.read(), { kind: 'ret-submit', seqnum: 6, actualLength: 0 });
  t.equal(s.read(), null, 'the data is not all in yet');
  const room = s.room();
  t.equal(room.buffer, target.buffer, 'the next read goes into the transfer buffer');
  t.equal(room.byteOffset, target.byteOffset + 1000, 'right after the data that came with the header');
  t.equal(room.length, data.length - 1000, 'and no further than the data');
  wire.copy(room, 0, 96 + 1000, 96 + data.length);
  s.write(room);
  const m = s.read() as RetSubmit;
  t.match(m, { kind: 'ret-submit', seqnum: 7, actualLength: data.length });
  t.equal(m.data.buffer, target.buffer, 'the data is a view of the transfer buffer');
  t.equal(m.data.byteOffset, target.byteOffset);
  t.same(Buffer.from(m.data), data, 'every byte');
  t.equal(s.read(), null);
  t.equal(s.room().buffer, first.buffer, 'then the shared room again');
});

t.test('bytes read into the shared room are copied out before the next read; what is handed out never views it', async (t) => {
  const s = importedStream(new Map());
  const s2 = importedStream(new Map());
  const csw = Buffer.from('55534253090000000000000000', 'hex');
  const wire = retSubmit(9, csw);
  const room = s.room();
  wire.copy(room, 0, 0, 30); // half a header
  s.write(room.subarray(0, 30));
  t.equal(s.read(), null);
  const next = s.room(); // asked for as soon as the read before is handled (net.Socket's onread)
  const other = s2.room();
  t.equal(other.buffer, room.buffer, 'every connection reads into the same room');
  other.fill(0xee); // another connection's read, before this one's next
  wire.copy(next, 0, 30);
  s.write(next.subarray(0, wire.length - 30));
  const m = s.read() as RetSubmit;
  t.match(m, { kind: 'ret-submit', seqnum: 9, actualLength: 13 }, 'the half header held was copied out before the other read');
  const dataWire = retSubmit(3, csw);
  const streamIn = importedStream(new Map()); // no transfer buffers: data into memory of its own
  const r2 = streamIn.room();
  dataWire.copy(r2);
  streamIn.write(r2.subarray(0, dataWire.length));
  const withData = streamIn.read() as RetSubmit;
  t.not(withData.data.buffer, r2.buffer, 'data decoded from the shared room is a copy');
  r2.fill(0);
  t.same(Buffer.from(withData.data), csw, 'and stays as it came');
});

t.test('however reads fall, every message whole and every byte of data in its own transfer buffer', async (t) => {
  const buffers = new Map<number, Uint8Array>();
  const datas: Buffer[] = [];
  const parts: Buffer[] = [];
  for (let seq = 1; seq <= 30; seq++) {
    const d = Buffer.alloc((seq * 7919) % 70_000);
    for (let i = 0; i < d.length; i++) d[i] = (seq + i) % 251;
    datas.push(d);
    if (seq % 3 !== 0) buffers.set(seq, Buffer.alloc(70_000)); // every third: no buffer given (data into the stream's memory)
    parts.push(retSubmit(seq, d));
  }
  const wire = Buffer.concat(parts);
  for (const step of [7, 47, 49, 1000, 65_536]) { // (1-byte reads of data with no buffer: 70,000 parts, each shifted off in turn)
    for (const b of buffers.values()) (b as Buffer).fill(0);
    const got = readThroughRoom(importedStream(buffers), wire, step);
    t.equal(got.length, 30, `${step}-byte reads: 30 messages`);
    t.ok(got.every((m, i) => Buffer.from(m.data).equals(datas[i])), 'every byte of each');
    t.ok(got.every((m) => !buffers.has(m.seqnum) || m.data.length === 0 || m.data.buffer === buffers.get(m.seqnum)!.buffer), 'in its transfer buffer, where it had one');
  }
});

t.test('a URB forgotten while its data comes (its caller gave up): the rest goes to the stream\'s own memory', async (t) => {
  const target = Buffer.alloc(10_000);
  const s = importedStream(new Map([[4, target]]));
  const data = Buffer.alloc(10_000, 0x42);
  const wire = retSubmit(4, data);
  const room = s.room();
  wire.copy(room, 0, 0, 48 + 100);
  s.write(room.subarray(0, 148));
  t.equal(s.read(), null);
  s.forget(4);
  const rest = s.room();
  t.not(rest.buffer, target.buffer, 'no longer the caller\'s memory');
  wire.copy(rest, 0, 148);
  s.write(rest.subarray(0, wire.length - 148));
  const m = s.read() as RetSubmit;
  t.same(Buffer.from(m.data), data, 'the message still comes whole, to be dropped');
  t.ok(target.subarray(100).every((x) => x === 0), 'the caller\'s buffer was not written after it gave up');
});

t.test('more data than the transfer buffer holds: decoded from the bytes held, for the caller to refuse', async (t) => {
  const target = Buffer.alloc(100);
  const s = importedStream(new Map([[5, target]]));
  const data = Buffer.alloc(150, 7);
  const got = readThroughRoom(s, retSubmit(5, data), 64);
  t.equal(got.length, 1);
  t.equal(got[0].data.length, 150, 'all 150 bytes, not cut to the buffer');
  t.not(got[0].data.buffer, target.buffer);
});
