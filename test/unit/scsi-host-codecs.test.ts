// The host's half of the SCSI codecs: the CDBs a host sends (each decoded back by the device's own decoder, and
// checked byte for byte against the SPC-4 / SBC-3 layouts), the parameter data it reads (INQUIRY, READ CAPACITY
// (10) and (16), decoded from what the device encodes), and the readable text of sense data.
import t from 'tap';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { decodeCommand } from '../../protocols/scsi/commands.js';
import { encodeBlockTransfer, encodeSynchronizeCache10, needsCdb16 } from '../../protocols/scsi/block-io.js';
import {
  decodeReadCapacity10Data, decodeReadCapacity16Data, encodeReadCapacity10, encodeReadCapacity16, readCapacity10Data, readCapacity16Data,
} from '../../protocols/scsi/capacity.js';
import {
  PeripheralDeviceType, decodeStandardInquiryData, encodeInquiry, standardInquiryData,
} from '../../protocols/scsi/inquiry.js';
import { Sense, describeSense, encodeRequestSense } from '../../protocols/scsi/sense.js';
import { encodeTestUnitReady } from '../../protocols/scsi/unit-control.js';

const hex = (b: Buffer) => b.toString('hex');

t.test('each CDB a host sends, byte for byte, and as the device decodes it', (t) => {
  t.equal(hex(encodeTestUnitReady()), '000000000000');
  t.same(decodeCommand(encodeTestUnitReady(), DriveKind.disk), { op: 'test-unit-ready' });
  t.equal(hex(encodeRequestSense()), '030000001200', 'REQUEST SENSE, 18 bytes, fixed format');
  t.same(decodeCommand(encodeRequestSense(), DriveKind.cdrom), { op: 'request-sense', allocationLength: 18 });
  t.equal(hex(encodeInquiry(36)), '120000002400');
  t.same(decodeCommand(encodeInquiry(36), DriveKind.disk), { op: 'inquiry', evpd: false, pageCode: 0, allocationLength: 36 });
  t.equal(hex(encodeInquiry(255, 0x80)), '12018000ff00', 'VPD page 80h: EVPD set, ALLOCATION LENGTH 255 in bytes 3-4');
  t.equal(hex(encodeReadCapacity10()), '25000000000000000000');
  t.same(decodeCommand(encodeReadCapacity10(), DriveKind.cdrom), { op: 'read-capacity-10' });
  t.equal(hex(encodeReadCapacity16()), '9e100000000000000000000000200000', 'SERVICE ACTION IN(16) / 10h, 32 bytes');
  t.same(decodeCommand(encodeReadCapacity16(), DriveKind.disk), { op: 'read-capacity-16', allocationLength: 32 });
  t.equal(hex(encodeSynchronizeCache10()), '35000000000000000000');
  t.same(decodeCommand(encodeSynchronizeCache10(), DriveKind.disk), { op: 'synchronize-cache', lba: 0, blocks: 0 });
  t.end();
});

t.test('READ and WRITE: (10) while it can say the LBA and length, (16) beyond', (t) => {
  t.equal(hex(encodeBlockTransfer({ op: 'read', lba: 0x01020304, blocks: 240 })), '2800010203040000f000', 'READ(10)');
  t.equal(hex(encodeBlockTransfer({ op: 'write', lba: 7, blocks: 1 })), '2a000000000700000100', 'WRITE(10)');
  t.equal(hex(encodeBlockTransfer({ op: 'read', lba: 0xffffffff, blocks: 2 })), '880000000000ffffffff000000020000', 'READ(16): the last block is past 2^32 - 1');
  t.equal(hex(encodeBlockTransfer({ op: 'read', lba: 0x1_2345_6789, blocks: 8 })), '88000000000123456789000000080000', 'READ(16), a 33-bit LBA');
  t.equal(hex(encodeBlockTransfer({ op: 'write', lba: 0, blocks: 0x10000 })), '8a000000000000000000000100000000', 'WRITE(16): 65,536 blocks');
  for (const c of [
    { op: 'read', lba: 0xfffffffe, blocks: 2 }, { op: 'read', lba: 0xffffffff, blocks: 1 }, { op: 'read', lba: 2 ** 40, blocks: 9 },
    { op: 'write', lba: 123, blocks: 0xffff }, { op: 'write', lba: 2 ** 33 + 5, blocks: 3 },
  ] as const) {
    t.same(decodeCommand(encodeBlockTransfer(c), DriveKind.disk), c, `${c.op} ${c.lba} x ${c.blocks} decodes back`);
  }
  t.notOk(needsCdb16(0xffffffff, 1), 'the last 32-bit LBA still fits (10)');
  t.ok(needsCdb16(0xffffffff, 2));
  t.throws(() => encodeBlockTransfer({ op: 'read', lba: -1, blocks: 1 }), RangeError);
  t.throws(() => encodeBlockTransfer({ op: 'read', lba: 0, blocks: 2 ** 32 }), RangeError);
  t.throws(() => encodeInquiry(0x10000), RangeError);
  t.throws(() => encodeRequestSense(256), RangeError);
  t.end();
});

t.test('the parameter data a host reads, from what the device encodes', (t) => {
  t.same(decodeReadCapacity10Data(readCapacity10Data(2048, 512)), { lastLba: 2047, blockSize: 512 });
  t.same(decodeReadCapacity10Data(readCapacity10Data(2 ** 33, 512)), { lastLba: 0xffffffff, blockSize: 512 }, 'too large: FFFFFFFFh');
  t.same(decodeReadCapacity16Data(readCapacity16Data(2 ** 33, 512)), { lastLba: 2 ** 33 - 1, blockSize: 512 });
  t.same(decodeReadCapacity10Data(Buffer.from('0000012b00000800', 'hex')), { lastLba: 299, blockSize: 2048 }, 'a 300-block CD');
  t.throws(() => decodeReadCapacity10Data(Buffer.alloc(7)), { name: 'DecodeError', code: 'ERR_TRUNCATED' });
  t.throws(() => decodeReadCapacity16Data(Buffer.alloc(11)), { name: 'DecodeError', code: 'ERR_TRUNCATED' });
  const id = { vendor: 'BMCFLEET', product: 'Virtual CD-ROM', revision: '1.00', serial: 'CD0001' };
  t.same(decodeStandardInquiryData(standardInquiryData(PeripheralDeviceType.cdDvd, id)), {
    peripheralQualifier: 0, peripheralDeviceType: 5, removable: true, version: 6, vendor: 'BMCFLEET', product: 'Virtual CD-ROM', revision: '1.00',
  });
  t.throws(() => decodeStandardInquiryData(Buffer.alloc(35)), { name: 'DecodeError', code: 'ERR_TRUNCATED' });
  t.end();
});

t.test('sense data in words', (t) => {
  t.equal(describeSense(Sense.mediumNotPresent), 'NOT READY, MEDIUM NOT PRESENT (02/3a/00)');
  t.equal(describeSense(Sense.mediumMayHaveChanged), 'UNIT ATTENTION, NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED (06/28/00)');
  t.equal(describeSense(Sense.lbaOutOfRange), 'ILLEGAL REQUEST, LOGICAL BLOCK ADDRESS OUT OF RANGE (05/21/00)');
  t.equal(describeSense({ key: 4, asc: 0x44, ascq: 0 }), 'HARDWARE ERROR (04/44/00)', 'a condition without a name: the codes');
  t.end();
});
