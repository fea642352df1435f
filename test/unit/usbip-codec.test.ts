// USB/IP codecs against known bytes. The client requests are the real usbip 2.0 tool's (test/vectors/usbip); the other
// vectors are assembled here by hand from the field tables of Documentation/usb/usbip_protocol.rst (shared reference
// usb-mass-storage.md §1), not with the code under test. Each must encode to exactly those bytes and decode back;
// malformed input must fail with its stable DecodeError code.
import t, { type Test } from 'tap';
import { DecodeError } from '../../protocols/errors.js';
import {
  DEVICE_LENGTH, IMPORT_REPLY_LENGTH, OpStatus, UsbSpeed, decodeOpReply, decodeOpRequest, encodeDevlistReply, encodeDevlistRequest,
  encodeImportReply, encodeImportRequest, encodeOpReply, encodeOpRequest, encodingLengthOpReply, opReplyLengthAt, opRequestLengthAt,
  type ExportedDevice,
} from '../../protocols/usb-mass-storage/usbip-op.js';
import {
  Direction, decodeUrbCommand, decodeUrbReply, encodeUrb, encodeUrbHeader, encodingLengthUrb, urbCommandLengthAt, type CmdSubmit,
} from '../../protocols/usb-mass-storage/usbip-urb.js';
import { loadFrames } from '../helpers/vectors.js';

/** `text` as a NUL-padded char[n], in hex. */
const chars = (text: string, n: number) => Buffer.from(text, 'latin1').toString('hex').padEnd(2 * n, '0');
const u32 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
const bytes = (hex: string) => Buffer.from(hex.replace(/\s+/g, ''), 'hex');

function expectCode(t: Test, fn: () => unknown, code: string, what: string): void {
  try {
    fn();
    t.fail(`${what}: no error`);
  } catch (err) {
    t.ok(err instanceof DecodeError, `${what}: a DecodeError`);
    t.equal((err as DecodeError).code, code, `${what}: ${code}`);
  }
}

const CDROM: ExportedDevice = {
  device: {
    path: '/sys/devices/platform/bmcfleet/usb1/1-1', busid: '1-1', busnum: 1, devnum: 2, speed: UsbSpeed.high,
    idVendor: 0x046b, idProduct: 0xff20, bcdDevice: 0x0100, deviceClass: 0, deviceSubClass: 0, deviceProtocol: 0,
    configurationValue: 1, numConfigurations: 1, numInterfaces: 1,
  },
  interfaces: [{ interfaceClass: 0x08, interfaceSubClass: 0x06, interfaceProtocol: 0x50 }],
};
// usbip_usb_device: path[256] busid[32] busnum devnum speed (u32) idVendor idProduct bcdDevice (u16) then six u8
const CDROM_RECORD = chars(CDROM.device.path, 256) + chars('1-1', 32) + u32(1) + u32(2) + u32(3) + '046b' + 'ff20' + '0100' + '000000' + '010101';

t.test('the real usbip tool\'s requests decode and re-encode byte for byte', async (t) => {
  const frames = loadFrames('usbip/usbip-list-attach.json');
  const list = frames.find((f) => f.from === 'client' && f.stream === 0)!;
  t.same(decodeOpRequest(list.bytes), { kind: 'devlist-request', status: 0 });
  t.same(encodeDevlistRequest(), list.bytes);
  // usbip attach writes the 8-byte header and busid[32] as two segments
  const attach = Buffer.concat(frames.filter((f) => f.from === 'client' && f.stream === 1).map((f) => f.bytes));
  t.equal(attach.length, 40);
  t.same(decodeOpRequest(attach), { kind: 'import-request', status: 0, busid: '1-1' });
  t.same(encodeImportRequest('1-1'), attach);
  t.equal(opRequestLengthAt(attach.subarray(0, 8)), 40, 'the header alone tells the length');
});

t.test('OP_REP_DEVLIST: header, ndev, a 312-byte device and 4 bytes per interface', async (t) => {
  const hex = '01110005' + '00000000' + u32(1) + CDROM_RECORD + '08065000';
  t.equal(hex.length / 2, 0xc + 0x138 + 4, 'one device, one interface: 0xC + 0x138 + 4 bytes');
  t.same(encodeDevlistReply([CDROM]), bytes(hex));
  t.same(decodeOpReply(bytes(hex)), { kind: 'devlist-reply', status: 0, devices: [CDROM] });
  t.equal(opReplyLengthAt(bytes(hex).subarray(0, 12 + DEVICE_LENGTH)), hex.length / 2, 'the record says how many interface records follow');
  t.equal(opReplyLengthAt(bytes(hex).subarray(0, 12 + DEVICE_LENGTH - 1)), null);
  const empty = bytes('01110005 00000000 00000000');
  t.same(decodeOpReply(empty), { kind: 'devlist-reply', status: 0, devices: [] });
  t.same(encodeDevlistReply([]), empty);
  const refused = bytes('01110005 00000001');
  t.same(decodeOpReply(refused), { kind: 'devlist-reply', status: 1, devices: [] }, 'an error status is the header alone');
  t.same(encodeOpReply({ kind: 'devlist-reply', status: 1, devices: [] }), refused);
  t.throws(() => encodeDevlistReply([{ ...CDROM, interfaces: [] }]), RangeError, 'interface records must match bNumInterfaces');
});

t.test('OP_REP_IMPORT: the device without interfaces when granted, the header alone when refused', async (t) => {
  const hex = '01110003' + '00000000' + CDROM_RECORD;
  t.equal(hex.length / 2, IMPORT_REPLY_LENGTH);
  t.equal(IMPORT_REPLY_LENGTH, 0x140);
  t.same(encodeImportReply(OpStatus.ok, CDROM.device), bytes(hex));
  t.same(decodeOpReply(bytes(hex)), { kind: 'import-reply', status: 0, device: CDROM.device });
  const noDevice = bytes('01110003 00000004');
  t.same(encodeImportReply(OpStatus.noDev, null), noDevice);
  t.same(decodeOpReply(noDevice), { kind: 'import-reply', status: OpStatus.noDev, device: null });
  t.equal(encodingLengthOpReply({ kind: 'import-reply', status: OpStatus.devBusy, device: null }), 8);
  t.throws(() => encodeImportReply(OpStatus.ok, null), RangeError);
  // the real frames: our reply to the tool's import of 1-1 and of the unknown 1-9
  const frames = loadFrames('usbip/usbip-list-attach.json');
  t.same(decodeOpReply(frames.find((f) => f.from === 'bmc' && f.stream === 1)!.bytes), { kind: 'import-reply', status: 0, device: CDROM.device });
  t.same(decodeOpReply(frames.find((f) => f.from === 'bmc' && f.stream === 2)!.bytes), { kind: 'import-reply', status: 4, device: null });
});

t.test('OP messages: strings stop at the first NUL, a full-width field has none', async (t) => {
  const full = 'x'.repeat(32);
  const req = encodeImportRequest(full);
  t.same(decodeOpRequest(req), { kind: 'import-request', status: 0, busid: full });
  t.throws(() => encodeImportRequest('y'.repeat(33)), RangeError);
  const withJunk = Buffer.concat([bytes('0111800300000000'), Buffer.from('1-1\0junk'.padEnd(32, '\0'), 'latin1')]);
  t.same(decodeOpRequest(withJunk), { kind: 'import-request', status: 0, busid: '1-1' });
  t.same(encodeOpRequest({ kind: 'import-request', status: 7, busid: '2-3' }).subarray(4, 8), bytes('00000007'));
});

t.test('OP messages: malformed input fails with stable codes', async (t) => {
  expectCode(t, () => decodeOpRequest(bytes('0110800500000000')), 'ERR_VERSION', 'version 0x0110');
  expectCode(t, () => decodeOpRequest(bytes('0111800200000000')), 'ERR_OP_CODE', 'OP_REQ_DEVINFO (unsupported, as usbipd)');
  expectCode(t, () => decodeOpRequest(bytes('0111000500000000')), 'ERR_OP_CODE', 'a reply code in a request');
  expectCode(t, () => decodeOpRequest(bytes('01118005000000')), 'ERR_TRUNCATED', 'a short header');
  expectCode(t, () => decodeOpRequest(bytes('0111800300000000' + '31')), 'ERR_TRUNCATED', 'an import request without its busid');
  expectCode(t, () => decodeOpRequest(bytes('011180050000000000')), 'ERR_TRAILING', 'a byte after the request');
  expectCode(t, () => decodeOpReply(bytes('0111800500000000')), 'ERR_OP_CODE', 'a request code in a reply');
  expectCode(t, () => decodeOpReply(bytes('01110005 00000000 00000401')), 'ERR_DEVICE_COUNT', '1025 devices');
  expectCode(t, () => decodeOpReply(bytes('01110005 00000000 00000001' + '00'.repeat(100))), 'ERR_TRUNCATED', 'a device cut short');
  expectCode(t, () => decodeOpReply(bytes('01110003 00000000' + '00'.repeat(311))), 'ERR_TRUNCATED', 'an import reply cut short');
});

// CMD_SUBMIT: command seqnum devid direction ep | flags length start_frame number_of_packets interval setup[8]
const GET_DEVICE_DESCRIPTOR = '00000001 00000005 00010002 00000001 00000000' + '00000000 00000040 00000000 00000000 00000000' + '8006000100004000';
const BULK_OUT_CBW = '00000001 00000006 00010002 00000000 00000002' + '00000000 0000001f 00000000 00000000 00000000' + '0000000000000000' +
  '55534243 01000000 24000000 80 00 06 12000000240000000000000000000000';

t.test('CMD_SUBMIT: control IN carries no data, bulk OUT carries transfer_buffer_length bytes', async (t) => {
  const control = decodeUrbCommand(bytes(GET_DEVICE_DESCRIPTOR)) as CmdSubmit;
  t.match(control, { kind: 'cmd-submit', seqnum: 5, devid: 0x10002, direction: Direction.in, ep: 0, transferBufferLength: 64, numberOfPackets: 0, iso: [] });
  t.same(Buffer.from(control.setup), bytes('8006000100004000'));
  t.equal(control.data.length, 0);
  t.same(encodeUrb(control), bytes(GET_DEVICE_DESCRIPTOR));
  const out = decodeUrbCommand(bytes(BULK_OUT_CBW)) as CmdSubmit;
  t.match(out, { seqnum: 6, direction: Direction.out, ep: 2, transferBufferLength: 31 });
  t.equal(Buffer.from(out.data).toString('latin1', 0, 4), 'USBC');
  t.same(encodeUrb(out), bytes(BULK_OUT_CBW));
  t.equal(encodingLengthUrb(out), 48 + 31);
  t.equal(urbCommandLengthAt(bytes(BULK_OUT_CBW).subarray(0, 48)), 79, 'the header tells how much OUT data follows');
  // the document's "not ISO" value: no descriptors follow either
  const docStyle = bytes(GET_DEVICE_DESCRIPTOR);
  docStyle.writeUInt32BE(0xffffffff, 0x20);
  t.same((decodeUrbCommand(docStyle) as CmdSubmit).iso, []);
});

t.test('CMD_SUBMIT with ISO descriptors: 16 bytes each after the data', async (t) => {
  const hex = '00000001 00000007 00010002 00000000 00000003' + '00000000 00000004 00000000 00000002 00000001' + '0000000000000000' +
    'a1a2a3a4' + '00000000 00000002 00000000 00000000' + '00000002 00000002 00000000 ffffffff';
  const m = decodeUrbCommand(bytes(hex)) as CmdSubmit;
  t.same(m.iso, [{ offset: 0, length: 2, actualLength: 0, status: 0 }, { offset: 2, length: 2, actualLength: 0, status: -1 }]);
  t.same(encodeUrb(m), bytes(hex));
});

t.test('RET_SUBMIT and the unlink pair', async (t) => {
  // status actual_length start_frame number_of_packets error_count pad[8], then IN data
  const ret = '00000003 00000005 00000000 00000000 00000000' + '00000000 00000012 00000000 00000000 00000000' + '0000000000000000' +
    '12010002000000406b0420ff000101020301'; // a device descriptor (USB 2.0 Table 9-8)
  const inbound = (s: number) => (s === 5 ? Direction.in : undefined);
  const m = decodeUrbReply(bytes(ret), inbound);
  t.match(m, { kind: 'ret-submit', seqnum: 5, status: 0, actualLength: 18 });
  t.equal(m.kind === 'ret-submit' && m.data.length, 18);
  t.same(encodeUrb(m), bytes(ret));
  const stall = '00000003 00000009 00000000 00000000 00000000' + 'ffffffe0 00000000 00000000 00000000 00000000' + '0000000000000000';
  t.match(decodeUrbReply(bytes(stall), () => Direction.in), { status: -32, actualLength: 0 }, '-EPIPE');
  // an OUT command's answer carries no data, whatever actual_length says
  const outDone = '00000003 00000006 00000000 00000000 00000000' + '00000000 0000001f 00000000 00000000 00000000' + '0000000000000000';
  t.match(decodeUrbReply(bytes(outDone), () => Direction.out), { actualLength: 31, data: new Uint8Array(0) });
  const unlink = '00000002 0000000a 00010002 00000000 00000000' + '00000006' + '00'.repeat(24);
  t.same(decodeUrbCommand(bytes(unlink)), { kind: 'cmd-unlink', seqnum: 10, devid: 0x10002, direction: 0, ep: 0, unlinkSeqnum: 6 });
  t.same(encodeUrb(decodeUrbCommand(bytes(unlink))), bytes(unlink));
  const retUnlink = '00000004 0000000a 00000000 00000000 00000000' + 'ffffff98' + '00'.repeat(24);
  t.same(decodeUrbReply(bytes(retUnlink), () => undefined), { kind: 'ret-unlink', seqnum: 10, devid: 0, direction: 0, ep: 0, status: -104 });
  t.same(encodeUrbHeader({ kind: 'ret-unlink', seqnum: 10, devid: 0, direction: 0, ep: 0, status: -104 }), bytes(retUnlink));
});

t.test('URB messages: malformed input fails with stable codes', async (t) => {
  const header = (over: Record<number, number>) => {
    const b = bytes(GET_DEVICE_DESCRIPTOR);
    for (const [at, v] of Object.entries(over)) b.writeUInt32BE(v, Number(at));
    return b;
  };
  expectCode(t, () => decodeUrbCommand(header({ 0: 3 })), 'ERR_COMMAND', 'RET_SUBMIT from a client');
  expectCode(t, () => decodeUrbCommand(header({ 0: 0x01118005 })), 'ERR_COMMAND', 'an OP request after the import');
  expectCode(t, () => decodeUrbCommand(header({ 12: 2 })), 'ERR_DIRECTION', 'direction 2');
  expectCode(t, () => decodeUrbCommand(header({ 16: 16 })), 'ERR_ENDPOINT', 'endpoint 16');
  expectCode(t, () => decodeUrbCommand(header({ 12: 0, 0x18: 1024 * 1024 + 1 })), 'ERR_TRANSFER_TOO_LARGE', 'an OUT transfer over 1 MiB');
  expectCode(t, () => decodeUrbCommand(header({ 0x18: 1024 * 1024 + 1 })), 'ERR_TRANSFER_TOO_LARGE', 'an IN transfer over 1 MiB');
  t.equal(urbCommandLengthAt(header({ 0x18: 4096 }), 0, { maxTransfer: 4096, maxIsoPackets: 1024 }), 48, 'the bound is configurable');
  expectCode(t, () => decodeUrbCommand(header({ 0x20: 1025 })), 'ERR_ISO_PACKETS', '1025 ISO packets');
  expectCode(t, () => decodeUrbCommand(header({ 12: 0, 0x18: 4 })), 'ERR_TRUNCATED', 'OUT data missing');
  expectCode(t, () => decodeUrbCommand(Buffer.concat([header({}), Buffer.of(0)])), 'ERR_TRAILING', 'a byte after the command');
  expectCode(t, () => decodeUrbCommand(header({}).subarray(0, 47)), 'ERR_TRUNCATED', 'a short header');
  expectCode(t, () => decodeUrbReply(header({ 0: 3 }), () => undefined), 'ERR_UNKNOWN_SEQNUM', 'a RET_SUBMIT for a seqnum never sent');
  expectCode(t, () => decodeUrbReply(header({ 0: 1 }), () => Direction.in), 'ERR_COMMAND', 'a CMD_SUBMIT from the server');
});
