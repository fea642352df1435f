// SEL event records — IPMI 2.0 §32: the 16-byte record; §32.1 system event record (type 02h, Table 32-1),
// §32.2 OEM timestamped records (C0h-DFh), §32.3 OEM non-timestamped records (E0h-FFh). Event data byte 1
// layouts follow §29.7 Table 29-6. Records are plain data (numbers and arrays) so they serialise to JSON.
import { DecodeError, requireBytes } from '../errors.js';

export const SEL_RECORD_LENGTH = 16;
/** EvM Rev 04h: IPMI 1.5 / 2.0 event messages (§32.1 byte 11). */
export const EVM_REV = 0x04;
export const SEL_RECORD_TYPE_SYSTEM = 0x02;
export const SEL_OEM_TIMESTAMPED_FIRST = 0xc0;
export const SEL_OEM_NON_TIMESTAMPED_FIRST = 0xe0;
/** Generator ID of events the BMC itself generates: IPMB slave address 20h, LUN 0, channel 0 (§32.1 bytes 8-9). */
export const BMC_GENERATOR_ID = 0x0020;
/** "Unspecified" event data byte 2/3 value (§29.7). */
export const UNSPECIFIED = 0xff;

/** Sensor type codes used by the emulated BMC (§42.2 Table 42-3). */
export const SensorType = {
  TEMPERATURE: 0x01,
  VOLTAGE: 0x02,
  CURRENT: 0x03,
  FAN: 0x04,
  POWER_UNIT: 0x09,
  CRITICAL_INTERRUPT: 0x13,
  EVENT_LOGGING_DISABLED: 0x10,
  SYSTEM_BOOT_INITIATED: 0x1d,
  SYSTEM_ACPI_POWER_STATE: 0x22,
  MANAGEMENT_SUBSYSTEM_HEALTH: 0x28,
  OTHER_UNITS: 0x0b,
} as const;

/** Threshold event offsets (§42.1 Table 42-2, event/reading type 01h). Even = going low, odd = going high. */
export const ThresholdOffset = {
  LNC_LOW: 0x00, LNC_HIGH: 0x01, LC_LOW: 0x02, LC_HIGH: 0x03, LNR_LOW: 0x04, LNR_HIGH: 0x05,
  UNC_LOW: 0x06, UNC_HIGH: 0x07, UC_LOW: 0x08, UC_HIGH: 0x09, UNR_LOW: 0x0a, UNR_HIGH: 0x0b,
} as const;

export interface SystemEventRecord {
  recordId: number;
  recordType: number;
  /** Seconds since 1970-01-01 UTC on the SEL clock (values below 20000000h are "pre-init" seconds since boot). */
  timestamp: number;
  /** Bytes 8-9, LS first: [7:1] slave address or software ID, [0] 1 = software; then [7:4] channel, [1:0] LUN. */
  generatorId: number;
  evmRev: number;
  sensorType: number;
  sensorNumber: number;
  /** Byte 13 [7]: true = deassertion. */
  deassertion: boolean;
  /** Byte 13 [6:0]: event/reading type code. */
  eventType: number;
  /** Bytes 14-16. */
  eventData: [number, number, number];
}

export interface OemTimestampedRecord {
  recordId: number;
  recordType: number;
  timestamp: number;
  /** 20-bit IANA enterprise number, bytes 8-10 LS first. */
  manufacturerId: number;
  /** Bytes 11-16. */
  oemData: number[];
}

export interface OemNonTimestampedRecord {
  recordId: number;
  recordType: number;
  /** Bytes 4-16. */
  oemData: number[];
}

export type SelRecord = SystemEventRecord | OemTimestampedRecord | OemNonTimestampedRecord;

export function isSystemEvent(r: SelRecord): r is SystemEventRecord {
  return r.recordType < SEL_OEM_TIMESTAMPED_FIRST;
}

export function isOemTimestamped(r: SelRecord): r is OemTimestampedRecord {
  return r.recordType >= SEL_OEM_TIMESTAMPED_FIRST && r.recordType < SEL_OEM_NON_TIMESTAMPED_FIRST;
}

/** Records that carry a timestamp at bytes 4-7 (§32.1, §32.2). */
export function hasTimestamp(recordType: number): boolean {
  return recordType < SEL_OEM_NON_TIMESTAMPED_FIRST;
}

export function encodingLength(): number {
  return SEL_RECORD_LENGTH;
}

function byteArray(bytes: number[], length: number, what: string): number[] {
  if (bytes.length !== length || bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) {
    throw new RangeError(`${what} needs ${length} bytes`);
  }
  return bytes;
}

export function encode(r: SelRecord, out: Buffer = Buffer.alloc(SEL_RECORD_LENGTH), offset = 0): Buffer {
  out.writeUInt16LE(r.recordId & 0xffff, offset); // bytes 1-2: record ID
  out[offset + 2] = r.recordType; // byte 3
  if (isSystemEvent(r)) {
    out.writeUInt32LE(r.timestamp >>> 0, offset + 3); // bytes 4-7
    out.writeUInt16LE(r.generatorId & 0xffff, offset + 7); // bytes 8-9
    out[offset + 9] = r.evmRev; // byte 10
    out[offset + 10] = r.sensorType; // byte 11
    out[offset + 11] = r.sensorNumber; // byte 12
    out[offset + 12] = (r.deassertion ? 0x80 : 0) | (r.eventType & 0x7f); // byte 13: event dir, event type
    const data = byteArray(r.eventData, 3, 'event data');
    out[offset + 13] = data[0]; // bytes 14-16: event data 1-3
    out[offset + 14] = data[1];
    out[offset + 15] = data[2];
  } else if (isOemTimestamped(r)) {
    out.writeUInt32LE(r.timestamp >>> 0, offset + 3); // bytes 4-7
    out[offset + 7] = r.manufacturerId & 0xff; // bytes 8-10: manufacturer ID, LS first
    out[offset + 8] = (r.manufacturerId >> 8) & 0xff;
    out[offset + 9] = (r.manufacturerId >> 16) & 0x0f;
    Buffer.from(byteArray(r.oemData, 6, 'OEM data')).copy(out, offset + 10); // bytes 11-16
  } else {
    Buffer.from(byteArray(r.oemData, 13, 'OEM data')).copy(out, offset + 3); // bytes 4-16
  }
  return out;
}

export function decode(buf: Uint8Array, offset = 0): SelRecord {
  requireBytes(buf, offset, SEL_RECORD_LENGTH, 'sel', 'record');
  const b = buf.subarray(offset, offset + SEL_RECORD_LENGTH);
  const recordId = b[0] | (b[1] << 8);
  const recordType = b[2];
  const timestamp = (b[3] | (b[4] << 8) | (b[5] << 16) | (b[6] << 24)) >>> 0;
  if (recordType < SEL_OEM_TIMESTAMPED_FIRST) {
    if (recordType !== SEL_RECORD_TYPE_SYSTEM) {
      throw new DecodeError('sel', 'record type', offset + 2, `reserved record type 0x${recordType.toString(16)}`, 'ERR_UNSUPPORTED');
    }
    return {
      recordId, recordType, timestamp,
      generatorId: b[7] | (b[8] << 8),
      evmRev: b[9],
      sensorType: b[10],
      sensorNumber: b[11],
      deassertion: (b[12] & 0x80) !== 0,
      eventType: b[12] & 0x7f,
      eventData: [b[13], b[14], b[15]],
    };
  }
  if (recordType < SEL_OEM_NON_TIMESTAMPED_FIRST) {
    return { recordId, recordType, timestamp, manufacturerId: b[7] | (b[8] << 8) | ((b[9] & 0x0f) << 16), oemData: [...b.subarray(10, 16)] };
  }
  return { recordId, recordType, oemData: [...b.subarray(3, 16)] };
}

/** Event data byte 1 for a threshold event carrying the trigger reading and threshold (Table 29-6: 01b, 01b). */
export function thresholdEventData1(offset: number): number {
  return 0x50 | (offset & 0x0f);
}
