// Sensor Data Records — IPMI 2.0 §43: the 5-byte record header (§43.1), Full Sensor Record type 01h (Table 43-1),
// Compact Sensor Record type 02h (Table 43-2), FRU Device Locator type 11h (Table 43-7) and Management Controller
// Device Locator type 12h (Table 43-8). Byte numbers in comments are the spec's (1-based, header included).
import { DecodeError, requireBytes } from '../errors.js';

export const SdrRecordType = {
  FULL_SENSOR: 0x01,
  COMPACT_SENSOR: 0x02,
  EVENT_ONLY: 0x03,
  FRU_DEVICE_LOCATOR: 0x11,
  MC_DEVICE_LOCATOR: 0x12,
} as const;

/** SDR version 51h: IPMI 1.5 / 2.0 records (§43.1 byte 3). */
export const SDR_VERSION = 0x51;
export const SDR_HEADER_LENGTH = 5;
/** ID strings hold at most 16 bytes (byte 48/32/16 type/length [4:0]). */
export const SDR_ID_MAX = 16;
/** Type/length byte [7:6] = 11b: 8-bit ASCII + Latin 1 (§43.15). */
const ID_TYPE_LATIN1 = 0xc0;

export const EventReadingType = { THRESHOLD: 0x01, SENSOR_SPECIFIC: 0x6f } as const;

/** Sensor units 1 [7:6], analog data format (§43.1 byte 21). */
export const AnalogFormat = { UNSIGNED: 0, ONES_COMPLEMENT: 1, TWOS_COMPLEMENT: 2, NONE: 3 } as const;

export interface SdrHeader {
  recordId: number;
  version: number;
  recordType: number;
  /** Bytes following the header. */
  length: number;
}

interface SensorKeyAndBody {
  recordId: number;
  /** Byte 6: [7:1] slave address / software ID, [0] 0 = IPMB address. Stored as the whole byte (20h = BMC). */
  ownerId: number;
  /** Byte 7 [7:4]. */
  ownerChannel: number;
  /** Byte 7 [1:0]. */
  ownerLun: number;
  sensorNumber: number;
  entityId: number;
  /** Byte 10: [7] logical entity, [6:0] instance; stored as the whole byte. */
  entityInstance: number;
  sensorInitialization: number;
  sensorCapabilities: number;
  sensorType: number;
  eventReadingType: number;
  /** Bytes 15-16, LS first: assertion event mask / lower threshold reading mask. */
  assertionMask: number;
  /** Bytes 17-18: deassertion event mask / upper threshold reading mask. */
  deassertionMask: number;
  /** Bytes 19-20: discrete reading mask / settable + readable threshold mask. */
  readingMask: number;
  /** Byte 21: [7:6] analog format, [5:3] rate unit, [2:1] modifier unit, [0] percentage. */
  units1: number;
  baseUnit: number;
  modifierUnit: number;
  positiveHysteresis: number;
  negativeHysteresis: number;
  oem: number;
  idString: string;
}

export interface FullSensorRecord extends SensorKeyAndBody {
  recordType: typeof SdrRecordType.FULL_SENSOR;
  linearization: number;
  /** 10-bit two's complement. */
  m: number;
  /** 6 bits, in +/- half raw counts. */
  tolerance: number;
  /** 10-bit two's complement. */
  b: number;
  /** 10 bits, in 1/100 percent scaled by 10^accuracyExp. */
  accuracy: number;
  accuracyExp: number;
  /** 0 unspecified, 1 input, 2 output. */
  sensorDirection: number;
  /** R (result) exponent, 4-bit two's complement. */
  rExp: number;
  /** B exponent (K1), 4-bit two's complement. */
  bExp: number;
  analogFlags: number;
  nominalReading: number;
  normalMax: number;
  normalMin: number;
  sensorMax: number;
  sensorMin: number;
  upperNonRecoverable: number;
  upperCritical: number;
  upperNonCritical: number;
  lowerNonRecoverable: number;
  lowerCritical: number;
  lowerNonCritical: number;
}

export interface CompactSensorRecord extends SensorKeyAndBody {
  recordType: typeof SdrRecordType.COMPACT_SENSOR;
  /** Byte 24 [7:6]. */
  sensorDirection: number;
  /** Byte 24 [5:0] and byte 25: record sharing; kept raw (0 = not shared). */
  sharing: number;
}

export interface FruDeviceLocatorRecord {
  recordType: typeof SdrRecordType.FRU_DEVICE_LOCATOR;
  recordId: number;
  /** Byte 6 as sent: [7:1] device access address. */
  accessAddress: number;
  /** Byte 7: FRU device ID (logical) or slave address (physical). */
  fruDeviceId: number;
  /** Byte 8 [7]. */
  logical: boolean;
  /** Byte 8 [4:3]. */
  accessLun: number;
  /** Byte 8 [2:0]. */
  privateBusId: number;
  /** Byte 9 [7:4]. */
  channel: number;
  deviceType: number;
  deviceTypeModifier: number;
  entityId: number;
  entityInstance: number;
  oem: number;
  idString: string;
}

export interface McDeviceLocatorRecord {
  recordType: typeof SdrRecordType.MC_DEVICE_LOCATOR;
  recordId: number;
  /** Byte 6 as sent: [7:1] slave address. */
  slaveAddress: number;
  /** Byte 7 [3:0]. */
  channel: number;
  /** Byte 8: power state notification and global initialization. */
  powerStateInit: number;
  /** Byte 9: device capabilities (same bits as Get Device ID additional device support). */
  capabilities: number;
  entityId: number;
  entityInstance: number;
  oem: number;
  idString: string;
}

export type SdrRecord = FullSensorRecord | CompactSensorRecord | FruDeviceLocatorRecord | McDeviceLocatorRecord;

const FULL_FIXED = 48; // bytes 1..48, ID string follows
const COMPACT_FIXED = 32;
const LOCATOR_FIXED = 16;

function fixedPart(type: number): number {
  switch (type) {
    case SdrRecordType.FULL_SENSOR: return FULL_FIXED;
    case SdrRecordType.COMPACT_SENSOR: return COMPACT_FIXED;
    default: return LOCATOR_FIXED;
  }
}

function idBytes(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  if (bytes.length > SDR_ID_MAX) throw new RangeError(`SDR ID string "${text}" is longer than ${SDR_ID_MAX} bytes`);
  return bytes;
}

function signed(value: number, bits: number): number {
  const sign = 1 << (bits - 1);
  return value & sign ? value - (1 << bits) : value;
}

function checkRange(value: number, bits: number, isSigned: boolean, what: string): number {
  const min = isSigned ? -(1 << (bits - 1)) : 0;
  const max = isSigned ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${what} ${value} does not fit ${bits} bits`);
  return value & ((1 << bits) - 1);
}

/** Fields that are one whole byte: [field, 0-based offset] (the offset is the spec's byte number minus 1). */
type ByteFields<T> = ReadonlyArray<readonly [keyof T & string, number]>;

function writeBytes<T>(out: Buffer, r: T, fields: ByteFields<T>): void {
  for (const [field, at] of fields) out[at] = r[field] as number;
}

function readBytes<K extends string>(buf: Uint8Array, fields: ReadonlyArray<readonly [K, number]>): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const [field, at] of fields) out[field] = buf[at];
  return out;
}

// Table 43-1 / 43-2 bytes 6, 8-14, 21-23 (byte 7 packs channel and LUN; 15-20 are 16-bit masks)
const SENSOR_BYTES = [
  ['ownerId', 5], ['sensorNumber', 7], ['entityId', 8], ['entityInstance', 9], ['sensorInitialization', 10],
  ['sensorCapabilities', 11], ['sensorType', 12], ['eventReadingType', 13], ['units1', 20], ['baseUnit', 21], ['modifierUnit', 22],
] as const satisfies ByteFields<SensorKeyAndBody>;
// Table 43-1 bytes 24, 31-44, 47 (25-30 pack M, B, tolerance, accuracy and the exponents; 45-46 reserved)
const FULL_BYTES = [
  ['linearization', 23], ['analogFlags', 30], ['nominalReading', 31], ['normalMax', 32], ['normalMin', 33], ['sensorMax', 34],
  ['sensorMin', 35], ['upperNonRecoverable', 36], ['upperCritical', 37], ['upperNonCritical', 38], ['lowerNonRecoverable', 39],
  ['lowerCritical', 40], ['lowerNonCritical', 41], ['positiveHysteresis', 42], ['negativeHysteresis', 43], ['oem', 46],
] as const satisfies ByteFields<FullSensorRecord>;
// Table 43-2 bytes 26, 27, 31 (24-25 pack direction and sharing; 28-30 reserved)
const COMPACT_BYTES = [['positiveHysteresis', 25], ['negativeHysteresis', 26], ['oem', 30]] as const satisfies ByteFields<CompactSensorRecord>;
// Table 43-7 bytes 6, 7, 11-15 (8-9 pack flags and channel; 10 reserved)
const FRU_LOCATOR_BYTES = [
  ['accessAddress', 5], ['fruDeviceId', 6], ['deviceType', 10], ['deviceTypeModifier', 11], ['entityId', 12], ['entityInstance', 13], ['oem', 14],
] as const satisfies ByteFields<FruDeviceLocatorRecord>;
// Table 43-8 bytes 6, 8, 9, 13-15 (7 holds the channel in [3:0]; 10-12 reserved)
const MC_LOCATOR_BYTES = [
  ['slaveAddress', 5], ['powerStateInit', 7], ['capabilities', 8], ['entityId', 12], ['entityInstance', 13], ['oem', 14],
] as const satisfies ByteFields<McDeviceLocatorRecord>;

export function encodingLength(record: SdrRecord): number {
  return fixedPart(record.recordType) + idBytes(record.idString).length;
}

export function decodeHeader(buf: Uint8Array, offset = 0): SdrHeader {
  requireBytes(buf, offset, SDR_HEADER_LENGTH, 'sdr', 'header');
  return {
    recordId: buf[offset] | (buf[offset + 1] << 8),
    version: buf[offset + 2],
    recordType: buf[offset + 3],
    length: buf[offset + 4],
  };
}

function writeSensorKeyAndBody(out: Buffer, r: SensorKeyAndBody): void {
  writeBytes(out, r, SENSOR_BYTES);
  out[6] = ((r.ownerChannel & 0x0f) << 4) | (r.ownerLun & 0x03); // byte 7
  out.writeUInt16LE(r.assertionMask & 0xffff, 14); // bytes 15-16
  out.writeUInt16LE(r.deassertionMask & 0xffff, 16); // bytes 17-18
  out.writeUInt16LE(r.readingMask & 0xffff, 18); // bytes 19-20
}

/** The fields both sensor record types share; hysteresis and OEM come from each type's own table. */
function readSensorKeyAndBody(r: Uint8Array, recordId: number, idAt: number): Omit<SensorKeyAndBody, 'positiveHysteresis' | 'negativeHysteresis' | 'oem'> {
  return {
    ...readBytes(r, SENSOR_BYTES),
    recordId,
    ownerChannel: r[6] >> 4, // byte 7 [7:4]
    ownerLun: r[6] & 0x03, // byte 7 [1:0]
    assertionMask: r[14] | (r[15] << 8),
    deassertionMask: r[16] | (r[17] << 8),
    readingMask: r[18] | (r[19] << 8),
    idString: readId(r, 0, idAt),
  };
}

/** The type/length byte at 1-based byte `idAt`, then the string (§43.15). */
function readId(buf: Uint8Array, o: number, idAt: number): string {
  const code = buf[o + idAt - 1];
  const len = code & 0x1f;
  requireBytes(buf, o + idAt, len, 'sdr', 'id string');
  return Buffer.from(buf.subarray(o + idAt, o + idAt + len)).toString('latin1');
}

function writeId(out: Buffer, idAt: number, id: Buffer): void {
  out[idAt - 1] = ID_TYPE_LATIN1 | id.length;
  id.copy(out, idAt);
}

function header(out: Buffer, recordId: number, type: number): void {
  out.writeUInt16LE(recordId & 0xffff, 0); // bytes 1-2
  out[2] = SDR_VERSION; // byte 3
  out[3] = type; // byte 4
  out[4] = out.length - SDR_HEADER_LENGTH; // byte 5: remaining record length
}

export function encode(record: SdrRecord): Buffer {
  const id = idBytes(record.idString);
  const out = Buffer.alloc(fixedPart(record.recordType) + id.length);
  header(out, record.recordId, record.recordType);
  switch (record.recordType) {
    case SdrRecordType.FULL_SENSOR: {
      const r = record;
      writeSensorKeyAndBody(out, r);
      writeBytes(out, r, FULL_BYTES);
      const m = checkRange(r.m, 10, true, 'M');
      const b = checkRange(r.b, 10, true, 'B');
      const accuracy = checkRange(r.accuracy, 10, false, 'accuracy');
      out[24] = m & 0xff; // byte 25: M LS 8 bits
      out[25] = ((m >> 8) << 6) | checkRange(r.tolerance, 6, false, 'tolerance'); // byte 26: M MS 2 bits, tolerance
      out[26] = b & 0xff; // byte 27: B LS 8 bits
      out[27] = ((b >> 8) << 6) | (accuracy & 0x3f); // byte 28: B MS 2 bits, accuracy LS 6 bits
      out[28] = ((accuracy >> 6) << 4) | (checkRange(r.accuracyExp, 2, false, 'accuracy exp') << 2) | (r.sensorDirection & 0x03); // byte 29
      out[29] = (checkRange(r.rExp, 4, true, 'R exp') << 4) | checkRange(r.bExp, 4, true, 'B exp'); // byte 30
      writeId(out, 48, id);
      break;
    }
    case SdrRecordType.COMPACT_SENSOR: {
      const r = record;
      writeSensorKeyAndBody(out, r);
      out[23] = ((r.sensorDirection & 0x03) << 6) | ((r.sharing >> 8) & 0x3f); // byte 24
      out[24] = r.sharing & 0xff; // byte 25
      writeBytes(out, r, COMPACT_BYTES);
      writeId(out, 32, id);
      break;
    }
    case SdrRecordType.FRU_DEVICE_LOCATOR: {
      const r = record;
      writeBytes(out, r, FRU_LOCATOR_BYTES);
      out[7] = (r.logical ? 0x80 : 0) | ((r.accessLun & 0x03) << 3) | (r.privateBusId & 0x07); // byte 8
      out[8] = (r.channel & 0x0f) << 4; // byte 9
      writeId(out, 16, id);
      break;
    }
    case SdrRecordType.MC_DEVICE_LOCATOR: {
      const r = record;
      writeBytes(out, r, MC_LOCATOR_BYTES);
      out[6] = r.channel & 0x0f; // byte 7
      writeId(out, 16, id);
      break;
    }
  }
  return out;
}

/** Decodes one whole record (header included) at `offset`. */
export function decode(buf: Uint8Array, offset = 0): SdrRecord {
  const h = decodeHeader(buf, offset);
  requireBytes(buf, offset + SDR_HEADER_LENGTH, h.length, 'sdr', 'record body');
  const fixed = h.recordType === SdrRecordType.FULL_SENSOR || h.recordType === SdrRecordType.COMPACT_SENSOR ||
    h.recordType === SdrRecordType.FRU_DEVICE_LOCATOR || h.recordType === SdrRecordType.MC_DEVICE_LOCATOR
    ? fixedPart(h.recordType) : -1;
  if (fixed < 0) throw new DecodeError('sdr', 'record type', offset + 3, `unsupported record type 0x${h.recordType.toString(16)}`, 'ERR_UNSUPPORTED');
  if (SDR_HEADER_LENGTH + h.length < fixed) {
    throw new DecodeError('sdr', 'record length', offset + 4, `type 0x${h.recordType.toString(16)} needs at least ${fixed - SDR_HEADER_LENGTH} bytes, has ${h.length}`, 'ERR_TRUNCATED');
  }
  // Only the record's own bytes are visible from here on: the ID string cannot run into the next record.
  const r = buf.subarray(offset, offset + SDR_HEADER_LENGTH + h.length);
  switch (h.recordType) {
    case SdrRecordType.FULL_SENSOR: {
      const m = signed(r[24] | ((r[25] >> 6) << 8), 10);
      const b = signed(r[26] | ((r[27] >> 6) << 8), 10);
      return {
        ...readSensorKeyAndBody(r, h.recordId, 48),
        ...readBytes(r, FULL_BYTES),
        recordType: SdrRecordType.FULL_SENSOR,
        m,
        tolerance: r[25] & 0x3f,
        b,
        accuracy: (r[27] & 0x3f) | ((r[28] >> 4) << 6),
        accuracyExp: (r[28] >> 2) & 0x03,
        sensorDirection: r[28] & 0x03,
        rExp: signed(r[29] >> 4, 4),
        bExp: signed(r[29] & 0x0f, 4),
      };
    }
    case SdrRecordType.COMPACT_SENSOR: {
      return {
        ...readSensorKeyAndBody(r, h.recordId, 32),
        ...readBytes(r, COMPACT_BYTES),
        recordType: SdrRecordType.COMPACT_SENSOR,
        sensorDirection: r[23] >> 6,
        sharing: ((r[23] & 0x3f) << 8) | r[24],
      };
    }
    case SdrRecordType.FRU_DEVICE_LOCATOR:
      return {
        ...readBytes(r, FRU_LOCATOR_BYTES),
        recordType: SdrRecordType.FRU_DEVICE_LOCATOR,
        recordId: h.recordId,
        logical: (r[7] & 0x80) !== 0,
        accessLun: (r[7] >> 3) & 0x03,
        privateBusId: r[7] & 0x07,
        channel: r[8] >> 4,
        idString: readId(r, 0, 16),
      };
    default:
      return {
        ...readBytes(r, MC_LOCATOR_BYTES),
        recordType: SdrRecordType.MC_DEVICE_LOCATOR,
        recordId: h.recordId,
        channel: r[6] & 0x0f,
        idString: readId(r, 0, 16),
      };
  }
}

/** Linear conversion of a raw reading (§36.3): y = (M*x + B*10^K1) * 10^K2, for unsigned analog data. */
export function rawToValue(r: Pick<FullSensorRecord, 'm' | 'b' | 'bExp' | 'rExp'>, raw: number): number {
  return (r.m * raw + r.b * 10 ** r.bExp) * 10 ** r.rExp;
}

/** The inverse of rawToValue, rounded and clamped to an unsigned byte. */
export function valueToRaw(r: Pick<FullSensorRecord, 'm' | 'b' | 'bExp' | 'rExp'>, value: number): number {
  const raw = Math.round((value / 10 ** r.rExp - r.b * 10 ** r.bExp) / r.m);
  return Math.min(255, Math.max(0, raw));
}
