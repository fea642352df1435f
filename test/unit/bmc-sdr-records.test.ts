// SDR record codecs (IPMI 2.0 §43): byte layouts against hand-built spec vectors, round trips, hostile input.
import t from 'tap';
import { DecodeError } from '../../protocols/errors.js';
import {
  SdrRecordType, decode, decodeHeader, encode, encodingLength, rawToValue, valueToRaw,
  type CompactSensorRecord, type FruDeviceLocatorRecord, type FullSensorRecord, type McDeviceLocatorRecord,
} from '../../protocols/ipmi/sdr-records.js';

const full: FullSensorRecord = {
  recordType: SdrRecordType.FULL_SENSOR, recordId: 0x0102, ownerId: 0x20, ownerChannel: 0, ownerLun: 0, sensorNumber: 0x20,
  entityId: 0x07, entityInstance: 0x01, sensorInitialization: 0x7f, sensorCapabilities: 0x54, sensorType: 0x02,
  eventReadingType: 0x01, assertionMask: 0x7a95, deassertionMask: 0x7a95, readingMask: 0x3f3f, units1: 0x00, baseUnit: 4,
  modifierUnit: 0, linearization: 0, m: -300, tolerance: 5, b: 511, accuracy: 0x2a5, accuracyExp: 2, sensorDirection: 1,
  rExp: -3, bExp: 7, analogFlags: 0x07, nominalReading: 201, normalMax: 210, normalMin: 190, sensorMax: 0xff, sensorMin: 0,
  upperNonRecoverable: 230, upperCritical: 220, upperNonCritical: 211, lowerNonRecoverable: 160, lowerCritical: 181,
  lowerNonCritical: 191, positiveHysteresis: 1, negativeHysteresis: 2, oem: 0x5a, idString: '12V',
};

t.test('full sensor record: every field lands on its Table 43-1 byte', (t) => {
  const b = encode(full);
  t.equal(b.length, 48 + 3);
  t.equal(encodingLength(full), b.length);
  t.same([...b.subarray(0, 5)], [0x02, 0x01, 0x51, 0x01, 46], 'header: ID LS first, version 51h, type, remaining length');
  t.same([b[5], b[6], b[7], b[8], b[9]], [0x20, 0x00, 0x20, 0x07, 0x01], 'owner, LUN, number, entity');
  t.same([b[14], b[15], b[18], b[19]], [0x95, 0x7a, 0x3f, 0x3f], 'masks LS first');
  // M = -300 = 0x2D4 (10-bit): LS 0xD4, MS bits 10b; tolerance 5
  t.same([b[24], b[25]], [0xd4, (0b10 << 6) | 5]);
  // B = 511 = 0x1FF: LS 0xFF, MS bits 01b; accuracy 0x2A5: LS 6 bits 0x25, MS 4 bits 0xA
  t.same([b[26], b[27], b[28]], [0xff, (0b01 << 6) | 0x25, (0x0a << 4) | (2 << 2) | 1]);
  t.equal(b[29], (0x0d << 4) | 0x07, 'R exp -3 (Dh), B exp 7');
  t.same([...b.subarray(36, 44)], [230, 220, 211, 160, 181, 191, 1, 2], 'UNR UC UNC LNR LC LNC, hysteresis');
  t.equal(b[46], 0x5a, 'OEM byte 47');
  t.same([...b.subarray(47)], [0xc3, 0x31, 0x32, 0x56], 'ID type/length C3h then "12V"');
  t.same(decode(b), full, 'round trip');
  t.end();
});

t.test('compact sensor and both locator records round-trip', (t) => {
  const compact: CompactSensorRecord = {
    recordType: SdrRecordType.COMPACT_SENSOR, recordId: 7, ownerId: 0x20, ownerChannel: 0, ownerLun: 0, sensorNumber: 0x51,
    entityId: 0x13, entityInstance: 1, sensorInitialization: 0x63, sensorCapabilities: 0x40, sensorType: 0x09,
    eventReadingType: 0x6f, assertionMask: 3, deassertionMask: 3, readingMask: 3, units1: 0xc0, baseUnit: 0, modifierUnit: 0,
    sensorDirection: 0, sharing: 0, positiveHysteresis: 0, negativeHysteresis: 0, oem: 0, idString: 'Host Power',
  };
  const fru: FruDeviceLocatorRecord = {
    recordType: SdrRecordType.FRU_DEVICE_LOCATOR, recordId: 9, accessAddress: 0x20, fruDeviceId: 1, logical: true, accessLun: 0,
    privateBusId: 0, channel: 0, deviceType: 0x10, deviceTypeModifier: 0, entityId: 0x0a, entityInstance: 1, oem: 0, idString: 'PSU1 FRU',
  };
  const mc: McDeviceLocatorRecord = {
    recordType: SdrRecordType.MC_DEVICE_LOCATOR, recordId: 1, slaveAddress: 0x20, channel: 0, powerStateInit: 0, capabilities: 0x8f,
    entityId: 0x06, entityInstance: 1, oem: 0, idString: 'BMC',
  };
  const c = encode(compact);
  t.equal(c.length, 32 + 10);
  t.equal(c[31], 0xca, 'compact ID type/length at byte 32');
  t.same(decode(c), compact);
  const f = encode(fru);
  t.same([f[5], f[6], f[7], f[10], f[12]], [0x20, 0x01, 0x80, 0x10, 0x0a], 'access address, FRU ID, logical bit, device type, entity');
  t.same(decode(f), fru);
  const m = encode(mc);
  t.equal(m[8], 0x8f, 'capabilities at byte 9');
  t.same(decode(m), mc);
  t.same(decodeHeader(m), { recordId: 1, version: 0x51, recordType: 0x12, length: m.length - 5 });
  t.end();
});

t.test('conversion follows y = (M x + B 10^K1) 10^K2 and back', (t) => {
  const volts = { m: 60, b: 0, bExp: 0, rExp: -3 };
  t.equal(rawToValue(volts, 201), 12.06);
  t.equal(valueToRaw(volts, 12.06), 201);
  t.equal(valueToRaw(volts, 100), 255, 'clamped high');
  t.equal(valueToRaw(volts, -5), 0, 'clamped low');
  t.equal(rawToValue({ m: 2, b: -5, bExp: 1, rExp: 0 }, 30), 10);
  t.end();
});

t.test('hostile records throw DecodeError with a stable code, never read past the end', (t) => {
  const good = encode(full);
  const cases: Array<[string, Uint8Array, string]> = [
    ['no header', good.subarray(0, 4), 'ERR_TRUNCATED'],
    ['body shorter than the length byte', good.subarray(0, 20), 'ERR_TRUNCATED'],
    ['length too small for a full record', Buffer.concat([good.subarray(0, 4), Buffer.from([10]), good.subarray(5, 15)]), 'ERR_TRUNCATED'],
    ['unknown type', Buffer.from([1, 0, 0x51, 0x08, 0]), 'ERR_UNSUPPORTED'],
  ];
  for (const [name, bytes, code] of cases) {
    const err = t.throws(() => decode(bytes), name) as DecodeError;
    t.ok(err instanceof DecodeError, name);
    t.equal(err.code, code, name);
  }
  // an ID length that claims more bytes than the record holds, though the buffer goes on
  const lying = Buffer.concat([good, Buffer.alloc(16)]);
  lying[47] = 0xcf;
  t.equal((t.throws(() => decode(lying)) as DecodeError).code, 'ERR_TRUNCATED', 'ID string cannot run into the next record');
  t.throws(() => encode({ ...full, idString: 'seventeen chars!!' }), RangeError);
  t.throws(() => encode({ ...full, m: 600 }), RangeError);
  t.end();
});
