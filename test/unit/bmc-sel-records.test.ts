// SEL record codec (IPMI 2.0 §32): system event, OEM timestamped and non-timestamped records; hostile input.
import t from 'tap';
import { DecodeError } from '../../protocols/errors.js';
import {
  SEL_RECORD_LENGTH, decode, encode, thresholdEventData1,
  type OemNonTimestampedRecord, type OemTimestampedRecord, type SystemEventRecord,
} from '../../protocols/ipmi/sel-record.js';

t.test('system event record: Table 32-1 byte order', (t) => {
  // ipmitool "Temperature CPU1 Temp | Upper Critical going high | Asserted | Reading 96 > Threshold 95"
  const rec: SystemEventRecord = {
    recordId: 0x0123, recordType: 0x02, timestamp: 0x6543_2100, generatorId: 0x0020, evmRev: 0x04, sensorType: 0x01,
    sensorNumber: 0x03, deassertion: false, eventType: 0x01, eventData: [thresholdEventData1(0x09), 96, 95],
  };
  const b = encode(rec);
  t.same([...b], [0x23, 0x01, 0x02, 0x00, 0x21, 0x43, 0x65, 0x20, 0x00, 0x04, 0x01, 0x03, 0x01, 0x59, 96, 95]);
  t.same(decode(b), rec);
  const deasserted = { ...rec, deassertion: true };
  t.equal(encode(deasserted)[12], 0x81, 'event dir bit 7');
  t.same(decode(encode(deasserted)), deasserted);
  t.end();
});

t.test('OEM records keep their bytes; manufacturer ID is 3 bytes LS first', (t) => {
  const ts: OemTimestampedRecord = { recordId: 5, recordType: 0xc0, timestamp: 1_700_000_000, manufacturerId: 32473, oemData: [0x49, 0x44, 1, 0, 0, 0] };
  const b = encode(ts);
  t.same([...b.subarray(7, 10)], [0xd9, 0x7e, 0x00]);
  t.same(decode(b), ts);
  const nts: OemNonTimestampedRecord = { recordId: 6, recordType: 0xe1, oemData: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13] };
  t.same(decode(encode(nts)), nts);
  t.throws(() => encode({ ...nts, oemData: [1, 2] }), RangeError);
  t.end();
});

t.test('hostile records: short buffers and reserved types throw DecodeError', (t) => {
  const short = t.throws(() => decode(Buffer.alloc(SEL_RECORD_LENGTH - 1))) as DecodeError;
  t.ok(short instanceof DecodeError);
  t.equal(short.code, 'ERR_TRUNCATED');
  const reserved = Buffer.alloc(SEL_RECORD_LENGTH);
  reserved[2] = 0x10;
  t.equal((t.throws(() => decode(reserved)) as DecodeError).code, 'ERR_UNSUPPORTED');
  t.same(decode(Buffer.concat([Buffer.alloc(3), encode({ recordId: 1, recordType: 0xe0, oemData: new Array(13).fill(7) })]), 3),
    { recordId: 1, recordType: 0xe0, oemData: new Array(13).fill(7) }, 'decodes at an offset');
  t.end();
});
