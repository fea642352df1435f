// One BMC's USB/IP export on a real loopback socket, through our USB/IP client and through raw bytes: the device list,
// imports (granted, refused for an unknown busid and for one in use), enumeration, bulk transfers to the USB function
// (a loopback stand-in), unlink, and bad input: malformed headers, a wrong devid, ISO, missing endpoints, a connection
// that dies mid-URB, too many connections, a silent connection, too many pending URBs.
import t, { type Test } from 'tap';
import net from 'node:net';
import { systemClock, type Clock } from '../../runtime/clock.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { UrbStatus } from '../../protocols/usb-mass-storage/usb-function.js';
import { OpStatus, encodeImportRequest } from '../../protocols/usb-mass-storage/usbip-op.js';
import { Direction, Errno, encodeUrb, type CmdSubmit } from '../../protocols/usb-mass-storage/usbip-urb.js';
import { UsbipExport } from '../../emulator/media/usbip-export.js';
import type { UsbipExportLimits } from '../../emulator/media/usbip-connection.js';
import { UsbipClient, UsbipStatusError } from '../../clients/usbip/usbip-client.js';
import { enumerateMassStorage } from '../../clients/usbip/enumerate.js';
import { LoopbackFunction } from '../helpers/loopback-function.js';

const HOST = '127.13.0.1';
const CDROM_DEVID = (1 << 16) | 2;

interface Rig {
  exp: UsbipExport;
  port: number;
  functions: Map<DriveKind, LoopbackFunction>;
  client(busid: string): Promise<UsbipClient>;
}

async function rig(t: Test, limits: Partial<UsbipExportLimits> = {}, clock: Clock = systemClock): Promise<Rig> {
  const functions = new Map<DriveKind, LoopbackFunction>();
  const exp = new UsbipExport({
    address: HOST, clock, limits,
    functionFor: (kind) => {
      const fn = functions.get(kind) ?? new LoopbackFunction();
      functions.set(kind, fn);
      return fn;
    },
  });
  // as the fleet's listener does: connections handed over paused
  const server = net.createServer({ pauseOnConnect: true }, (socket) => exp.accept(socket));
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const port = (server.address() as net.AddressInfo).port;
  t.teardown(async () => {
    exp.close();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return { exp, port, functions, client: (busid) => UsbipClient.import({ host: HOST, port, busid, timeoutMs: 5000 }) };
}

/** Sends `bytes` on a new connection; resolves with everything the server sent once it closes. */
function raw(port: number, ...bytes: Buffer[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: HOST, port }, () => { for (const b of bytes) s.write(b); });
    const got: Buffer[] = [];
    s.on('data', (c) => got.push(c));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(got)));
  });
}

async function until(what: string, ok: () => boolean, ms = 3000): Promise<void> {
  for (const end = Date.now() + ms; !ok();) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function submit(over: Partial<CmdSubmit>): Buffer {
  const direction = over.direction ?? Direction.in;
  const data = over.data ?? new Uint8Array(0);
  return encodeUrb({
    kind: 'cmd-submit', seqnum: 1, devid: CDROM_DEVID, direction, ep: 0, transferFlags: 0,
    transferBufferLength: direction === Direction.out ? data.length : 18, startFrame: 0, numberOfPackets: 0, interval: 0,
    setup: Buffer.from('8006000100001200', 'hex'), iso: [], ...over, data,
  });
}

const SET_CONFIGURATION = { requestType: 0x00, request: 9, value: 1, index: 0, length: 0 };

t.test('the device list, then an import: the imported drive leaves the list until its connection ends', async (t) => {
  const r = await rig(t);
  t.notOk(r.exp.isImported(DriveKind.cdrom), 'nothing imported before any connection');
  const list = await UsbipClient.list({ host: HOST, port: r.port });
  t.same(list.map((d) => [d.device.busid, d.device.idVendor.toString(16), d.device.idProduct.toString(16), d.device.speed, d.device.devnum]),
    [['1-1', '46b', 'ff20', 3, 2], ['1-2', '46b', 'ff31', 3, 3]]);
  t.same(list.map((d) => d.interfaces), [[{ interfaceClass: 8, interfaceSubClass: 6, interfaceProtocol: 0x50 }], [{ interfaceClass: 8, interfaceSubClass: 6, interfaceProtocol: 0x50 }]]);
  const cd = await r.client('1-1');
  t.equal(cd.device.path, '/sys/devices/platform/bmcfleet/usb1/1-1');
  t.equal(cd.devid, CDROM_DEVID);
  t.same(r.exp.importedBusids(), ['1-1']);
  t.same([r.exp.isImported(DriveKind.cdrom), r.exp.isImported(DriveKind.disk)], [true, false], 'the CD-ROM (1-1) imported, the disk not');
  t.same((await UsbipClient.list({ host: HOST, port: r.port })).map((d) => d.device.busid), ['1-2'], 'usbipd lists only devices not in use');
  await t.rejects(r.client('1-1'), { name: 'UsbipStatusError', status: OpStatus.devBusy }, 'a second import of 1-1: ST_DEV_BUSY');
  await t.rejects(r.client('9-9'), { name: 'UsbipStatusError', status: OpStatus.noDev }, 'an unknown busid: ST_NODEV');
  const err = await r.client('9-9').catch((e: unknown) => e);
  t.ok(err instanceof UsbipStatusError && /Device not found/.test(err.message), 'named as the usbip tool names it');
  cd.close();
  await until('1-1 released', () => r.exp.importedBusids().length === 0);
  const again = await r.client('1-1');
  t.ok(again, 'imported again once the first connection ended');
  again.close();
  t.match(r.exp.counters.snapshot(), { devlists: 2, imports: 2, drops: { 'import-busy': 1, 'import-no-device': 2 } });
});

t.test('enumeration over USB/IP: descriptors, strings, SET_CONFIGURATION, Get Max LUN; then bulk data both ways', async (t) => {
  const r = await rig(t);
  const cd = await r.client('1-1');
  t.teardown(() => cd.close());
  const dev = await enumerateMassStorage(cd);
  t.match(dev, {
    device: { idVendor: 0x046b, idProduct: 0xff20, bcdUsb: 0x200 }, manufacturer: 'bmcfleet', product: 'Virtual CDROM', serial: '7F0D00010001',
    languageIds: [0x0409], interfaceNumber: 0, bulkIn: 0x81, bulkOut: 0x02, maxLun: 0,
  });
  const fn = r.functions.get(DriveKind.cdrom)!;
  t.same(fn.calls, ['reset'], 'SET_CONFIGURATION restarts the function; Get Max LUN asks it');
  const cbw = Buffer.from('55534243010000002400000080000612000000240000000000000000000000', 'hex');
  t.match(await cd.bulkOut(2, cbw), { status: 0, actualLength: 31 });
  const back = await cd.bulkIn(1, 512);
  t.match(back, { status: 0, actualLength: 31 });
  t.same(Buffer.from(back.data), cbw);
  const big = Buffer.alloc(200 * 1024, 7);
  t.match(await cd.bulkOut(2, big), { status: 0, actualLength: big.length });
  const read = await cd.bulkIn(1, 256 * 1024);
  t.equal(read.data.length, big.length, 'a 200 KiB transfer comes back whole');
  t.match(await cd.control({ requestType: 0x02, request: 1, value: 0, index: 0x81, length: 0 }), { status: 0 }, 'CLEAR_FEATURE(HALT) 81h');
  t.same(fn.calls.slice(1), ['out 31', 'in 512', `out ${big.length}`, 'in 262144', 'clear-halt 81']);
  t.match(await cd.control({ requestType: 0xc0, request: 1, value: 0, index: 0, length: 4 }), { status: UrbStatus.stall }, 'a vendor request stalls');
  t.equal(r.exp.counters.snapshot().urbs, 15);
});

t.test('unlink: a URB the function has is answered -ECONNRESET and never gets its RET_SUBMIT; unknown seqnums get 0', async (t) => {
  const r = await rig(t);
  const cd = await r.client('1-1');
  t.teardown(() => cd.close());
  await cd.control(SET_CONFIGURATION);
  const fn = r.functions.get(DriveKind.cdrom)!;
  const waiting = cd.submit({ ep: 1, direction: Direction.in, length: 512 });
  const queued = cd.submit({ ep: 1, direction: Direction.in, length: 13 });
  await until('the first read to reach the function', () => fn.reading);
  t.match(await cd.unlink(queued.seqnum), { kind: 'ret-unlink', status: UrbStatus.unlinked }, 'one still queued');
  t.match(await queued.result, { status: UrbStatus.unlinked });
  t.match(await cd.unlink(waiting.seqnum), { status: UrbStatus.unlinked }, 'one the function is working on');
  t.match(await waiting.result, { status: UrbStatus.unlinked });
  t.match(await cd.unlink(9999), { kind: 'ret-unlink', status: 0 }, 'an unknown seqnum: 0, as stub_recv_cmd_unlink answers');
  // the host's reset recovery (BOT §5.3.4) settles the abandoned read; its outcome must not be sent
  t.match(await cd.control({ requestType: 0x21, request: 0xff, value: 0, index: 0, length: 0 }), { status: 0 });
  t.match(await cd.bulkOut(2, Buffer.from('after')), { status: 0 });
  const next = await cd.bulkIn(1, 64);
  t.equal(Buffer.from(next.data).toString(), 'after');
  t.notOk(cd.closed, 'no RET_SUBMIT for an unlinked seqnum reached the client (it would have failed the stream)');
  t.equal(cd.inFlight, 0);
  t.equal(r.exp.counters.snapshot().unlinks, 3);
});

t.test('a connection that dies mid-URB releases its device and closes the function', async (t) => {
  const r = await rig(t);
  const disk = await r.client('1-2');
  await disk.control(SET_CONFIGURATION);
  const fn = r.functions.get(DriveKind.disk)!;
  const pending = disk.submit({ ep: 1, direction: Direction.in, length: 512 });
  await until('the read to reach the function', () => fn.reading);
  disk.close();
  await t.rejects(pending.result, { name: 'UsbipConnectionError' });
  await until('1-2 released', () => r.exp.importedBusids().length === 0);
  t.equal(fn.calls.at(-1), 'close');
  t.notOk(fn.reading, 'the read was settled');
  // mid-message: a CMD_SUBMIT OUT whose data never comes
  const s = net.connect({ host: HOST, port: r.port });
  await new Promise((res) => s.once('connect', res));
  s.write(encodeImportRequest('1-2'));
  await until('1-2 imported by the raw connection', () => r.exp.importedBusids().length === 1);
  s.write(submit({ devid: (1 << 16) | 3, direction: Direction.out, ep: 2, data: Buffer.alloc(4096) }).subarray(0, 1000));
  s.destroy();
  await until('1-2 released again', () => r.exp.importedBusids().length === 0);
  const again = await r.client('1-2');
  again.close();
  await until('every connection closed', () => r.exp.counters.snapshot().connectionsOpen === 0);
});

t.test('malformed bytes end the connection with a counted drop, and the device is released', async (t) => {
  const r = await rig(t);
  t.same(await raw(r.port, Buffer.from('0110800500000000', 'hex')), Buffer.alloc(0), 'another version: closed without a reply');
  t.same(await raw(r.port, Buffer.from('0111800200000000', 'hex')), Buffer.alloc(0), 'OP_REQ_DEVINFO: closed, as usbipd does');
  const imported = (reply: Buffer) => reply.subarray(0, 8).toString('hex') === '0111000300000000';
  const garbage = await raw(r.port, encodeImportRequest('1-1'), Buffer.from('00000009' + '00'.repeat(44), 'hex'));
  t.ok(imported(garbage), 'the import was granted');
  t.equal(garbage.length, 320, 'and nothing after it');
  const tooLong = await raw(r.port, encodeImportRequest('1-1'), submit({ direction: Direction.in, ep: 1, transferBufferLength: 2 * 1024 * 1024 }));
  t.equal(tooLong.length, 320, 'a transfer over 1 MiB: refused from its header');
  const wrongDevid = await raw(r.port, encodeImportRequest('1-1'), submit({ devid: 0x20002 }));
  t.equal(wrongDevid.length, 320, 'a devid that is not the device: closed (stub_rx.c valid_request)');
  await until('1-1 released', () => r.exp.importedBusids().length === 0);
  t.match(r.exp.counters.snapshot().drops, {
    'malformed:ERR_VERSION': 1, 'malformed:ERR_OP_CODE': 1, 'malformed:ERR_COMMAND': 1, 'malformed:ERR_TRANSFER_TOO_LARGE': 1, 'wrong-devid': 1,
  });
});

t.test('ISO transfers get -EINVAL, endpoints the device lacks a stall; the connection goes on', async (t) => {
  const r = await rig(t);
  const cd = await r.client('1-1');
  t.teardown(() => cd.close());
  t.match(await cd.bulkIn(1, 64), { status: UrbStatus.stall }, 'bulk before SET_CONFIGURATION: no such endpoint yet');
  await cd.control(SET_CONFIGURATION);
  t.match(await cd.bulkIn(2, 64), { status: UrbStatus.stall }, 'endpoint 2 IN does not exist (02h is OUT)');
  t.match(await cd.bulkOut(5, Buffer.from('x')), { status: UrbStatus.stall }, 'endpoint 5');
  // ISO descriptors are framed and answered, not executed: on a configured device, where bulk OUT 02h exists
  const s = net.connect({ host: HOST, port: r.port });
  const got: Buffer[] = [];
  s.on('data', (c) => got.push(c));
  await new Promise((res) => s.once('connect', res));
  const setConfiguration = submit({ seqnum: 3, devid: (1 << 16) | 3, direction: Direction.out, setup: Buffer.from('0009010000000000', 'hex') });
  s.write(Buffer.concat([encodeImportRequest('1-2'), setConfiguration, encodeUrb({
    kind: 'cmd-submit', seqnum: 4, devid: (1 << 16) | 3, direction: Direction.out, ep: 2, transferFlags: 0, transferBufferLength: 2, startFrame: 0,
    numberOfPackets: 1, interval: 1, setup: new Uint8Array(8), data: Buffer.from('hi'), iso: [{ offset: 0, length: 2, actualLength: 0, status: 0 }],
  })]));
  await until('the ISO answer', () => Buffer.concat(got).length >= 320 + 48 + 48);
  t.equal(Buffer.concat(got).readInt32BE(320 + 0x14), 0, 'SET_CONFIGURATION done');
  const ret = Buffer.concat(got).subarray(320 + 48);
  t.equal(ret.readUInt32BE(0), 3, 'RET_SUBMIT');
  t.equal(ret.readUInt32BE(4), 4);
  t.equal(ret.readInt32BE(0x14), Errno.EINVAL);
  s.destroy();
  t.same(r.functions.get(DriveKind.disk)?.calls, ['reset'], 'the function never saw it (only the reset SET_CONFIGURATION makes)');
  t.match(r.exp.counters.snapshot().drops, { 'iso-refused': 1, 'no-endpoint': 3 });
});

t.test('bounds: connections per export, a connection that asks nothing, pending URBs', async (t) => {
  const clock = new ManualClock();
  const r = await rig(t, { maxConnections: 2, maxPendingUrbs: 2 }, clock);
  const idle = [net.connect({ host: HOST, port: r.port }), net.connect({ host: HOST, port: r.port })];
  for (const s of idle) s.on('error', () => {});
  await until('two connections', () => r.exp.counters.connectionsOpen === 2);
  t.same(await raw(r.port, Buffer.from('0111800500000000', 'hex')), Buffer.alloc(0), 'a third: closed at once');
  t.equal(r.exp.counters.drops.get('connections-full'), 1);
  clock.advance(10_000);
  await until('the silent ones closed', () => r.exp.counters.connectionsOpen === 0);
  t.equal(r.exp.counters.drops.get('op-timeout'), 2);
  // an imported connection has no operation timeout; past two pending URBs the connection ends
  const cd = await UsbipClient.import({ host: HOST, port: r.port, busid: '1-1', timeoutMs: 5000, clock: systemClock });
  clock.advance(60_000);
  t.same(r.exp.importedBusids(), ['1-1'], 'still imported after a minute');
  await cd.control(SET_CONFIGURATION);
  const fn = r.functions.get(DriveKind.cdrom)!;
  const reads = [1, 2, 3].map(() => cd.submit({ ep: 1, direction: Direction.in, length: 8 }).result);
  for (const [i, read] of reads.entries()) await t.rejects(read, { name: 'UsbipConnectionError' }, `read ${i + 1}: the connection ended`);
  t.equal(r.exp.counters.drops.get('too-many-urbs'), 1);
  await until('1-1 released', () => r.exp.importedBusids().length === 0);
  t.equal(fn.calls.at(-1), 'close');
});
