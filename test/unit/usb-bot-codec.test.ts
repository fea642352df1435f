// Bulk-Only Transport codecs (BOT 1.0 §5.1, §5.2) against wrappers as real hosts send them: the CBWs Linux
// usb-storage builds (transport.c usb_stor_Bulk_transport: bCBWCBLength = the SCSI command's length) and the one
// Windows sends with a 12-byte REQUEST SENSE (noted in f_mass_storage.c check_command), and a device's CSWs.
import t from 'tap';
import { DecodeError } from '../../protocols/errors.js';
import {
  BotError, CBW_LENGTH, CSW_LENGTH, CswStatus, decodeCbw, decodeCsw, encodeCbw, encodeCsw,
} from '../../protocols/usb-mass-storage/bot.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// INQUIRY, 36 bytes in, LUN 0: USBC, tag 1, length 24h, flags 80h, LUN 0, CB length 6, 12 00 00 00 24 00, padding
const LINUX_INQUIRY = hex('55534243 01000000 24000000 80 00 06 120000002400 00000000000000000000');
// READ(10) of 8 blocks at LBA 0 into 4096 bytes
const LINUX_READ10 = hex('55534243 0a000000 00100000 80 00 0a 28000000000000000800 000000000000');
// WRITE(10) of 1 block at LBA 5 from 512 bytes: the OUT direction, flags 00h
const LINUX_WRITE10 = hex('55534243 0b000000 00020000 00 00 0a 2a000000000500000100 000000000000');
// TEST UNIT READY: no data phase
const LINUX_TUR = hex('55534243 02000000 00000000 00 00 06 000000000000 00000000000000000000');
// Windows' REQUEST SENSE with bCBWCBLength 12 where 6 is right
const WINDOWS_REQUEST_SENSE = hex('55534243 30000000 12000000 80 00 0c 030000001200000000000000 00000000');

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof DecodeError) return err.code;
    throw err;
  }
  return 'no error';
}

t.test('real CBWs decode to their fields and re-encode to the same bytes', (t) => {
  t.equal(LINUX_INQUIRY.length, CBW_LENGTH);
  const inq = decodeCbw(LINUX_INQUIRY);
  t.same({ tag: inq.tag, length: inq.dataTransferLength, dataIn: inq.dataIn, lun: inq.lun, cb: inq.cb.toString('hex') },
    { tag: 1, length: 36, dataIn: true, lun: 0, cb: '120000002400' });
  t.equal(encodeCbw(inq).toString('hex'), LINUX_INQUIRY.toString('hex'));

  const read = decodeCbw(LINUX_READ10);
  t.equal(read.dataTransferLength, 4096);
  t.equal(read.cb.toString('hex'), '28000000000000000800');
  t.equal(encodeCbw(read).toString('hex'), LINUX_READ10.toString('hex'));

  const write = decodeCbw(LINUX_WRITE10);
  t.equal(write.dataIn, false, 'flags 00h: host to device');
  t.equal(write.dataTransferLength, 512);
  t.equal(encodeCbw(write).toString('hex'), LINUX_WRITE10.toString('hex'));

  const tur = decodeCbw(LINUX_TUR);
  t.equal(tur.dataTransferLength, 0);
  t.equal(tur.cb.length, 6);

  const rs = decodeCbw(WINDOWS_REQUEST_SENSE);
  t.equal(rs.cb.length, 12, 'a longer command block than the command needs is still meaningful to BOT');
  t.equal(rs.tag, 0x30);
  t.end();
});

t.test('the CB is a view into the input, not a copy', (t) => {
  const copy = Buffer.from(LINUX_INQUIRY);
  const cbw = decodeCbw(copy);
  copy[15] = 0x00;
  t.equal(cbw.cb[0], 0x00);
  t.end();
});

t.test('CBWs decode from a plain Uint8Array at an offset too', (t) => {
  const backing = new Uint8Array(40).fill(0xa5);
  backing.set(LINUX_INQUIRY, 5);
  const cbw = decodeCbw(backing.subarray(5, 5 + CBW_LENGTH));
  t.equal(cbw.tag, 1);
  t.equal(cbw.cb.toString('hex'), '120000002400');
  t.end();
});

t.test('invalid CBWs (BOT 1.0 §6.2.1): wrong length or signature', (t) => {
  t.equal(codeOf(() => decodeCbw(LINUX_INQUIRY.subarray(0, 30))), BotError.cbwLength);
  t.equal(codeOf(() => decodeCbw(Buffer.concat([LINUX_INQUIRY, Buffer.from([0])]))), BotError.cbwLength);
  t.equal(codeOf(() => decodeCbw(Buffer.alloc(0))), BotError.cbwLength);
  const usbs = Buffer.from(LINUX_INQUIRY);
  usbs.write('USBS', 0, 'latin1');
  t.equal(codeOf(() => decodeCbw(usbs)), BotError.cbwSignature);
  t.throws(() => decodeCbw(usbs), { name: 'DecodeError', protocol: 'usb-bot', field: 'dCBWSignature', offset: 0 });
  t.end();
});

t.test('CBWs that are not meaningful (§6.2.2): reserved flags, LUN above the highest, CB length 0 or over 16', (t) => {
  const withByte = (at: number, value: number) => {
    const b = Buffer.from(LINUX_INQUIRY);
    b[at] = value;
    return b;
  };
  t.equal(codeOf(() => decodeCbw(withByte(12, 0x81))), BotError.cbwFlags);
  t.equal(codeOf(() => decodeCbw(withByte(12, 0x40))), BotError.cbwFlags);
  t.equal(codeOf(() => decodeCbw(withByte(13, 1))), BotError.cbwLun);
  t.equal(decodeCbw(withByte(13, 1), 1).lun, 1, 'LUN 1 is fine when Get Max LUN says 1');
  t.equal(codeOf(() => decodeCbw(withByte(13, 0x10), 15)), BotError.cbwLun, 'the high nibble is reserved');
  t.equal(codeOf(() => decodeCbw(withByte(14, 0))), BotError.cbwCbLength);
  t.equal(codeOf(() => decodeCbw(withByte(14, 17))), BotError.cbwCbLength);
  t.equal(decodeCbw(withByte(14, 16)).cb.length, 16);
  t.end();
});

t.test('CSWs: encode, decode, the three statuses and bad input', (t) => {
  const passed = encodeCsw({ tag: 1, dataResidue: 0, status: CswStatus.passed });
  t.equal(passed.toString('hex'), '55534253' + '01000000' + '00000000' + '00');
  const failed = encodeCsw({ tag: 0xdeadbeef, dataResidue: 4096, status: CswStatus.failed });
  t.equal(failed.toString('hex'), '55534253' + 'efbeadde' + '00100000' + '01');
  t.same(decodeCsw(failed), { tag: 0xdeadbeef, dataResidue: 4096, status: 1 });
  t.same(decodeCsw(encodeCsw({ tag: 7, dataResidue: 36, status: CswStatus.phaseError })), { tag: 7, dataResidue: 36, status: 2 });
  t.equal(codeOf(() => decodeCsw(passed.subarray(0, CSW_LENGTH - 1))), BotError.cswLength);
  t.equal(codeOf(() => decodeCsw(LINUX_INQUIRY.subarray(0, CSW_LENGTH))), BotError.cswSignature);
  const reserved = Buffer.from(passed);
  reserved[12] = 3;
  t.equal(codeOf(() => decodeCsw(reserved)), BotError.cswStatus);
  t.end();
});

t.test('encoders refuse values that do not fit', (t) => {
  const cb = Buffer.from([0]);
  t.throws(() => encodeCbw({ tag: -1, dataTransferLength: 0, dataIn: false, lun: 0, cb }), RangeError);
  t.throws(() => encodeCbw({ tag: 0, dataTransferLength: 2 ** 32, dataIn: false, lun: 0, cb }), RangeError);
  t.throws(() => encodeCbw({ tag: 0, dataTransferLength: 0, dataIn: false, lun: 16, cb }), RangeError);
  t.throws(() => encodeCbw({ tag: 0, dataTransferLength: 0, dataIn: false, lun: 0, cb: Buffer.alloc(0) }), RangeError);
  t.throws(() => encodeCbw({ tag: 0, dataTransferLength: 0, dataIn: false, lun: 0, cb: Buffer.alloc(17) }), RangeError);
  t.throws(() => encodeCsw({ tag: 0, dataResidue: -1, status: CswStatus.passed }), RangeError);
  t.end();
});
