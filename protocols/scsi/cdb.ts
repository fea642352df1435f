// What every SCSI command decoder here shares: the operation codes this device knows (SPC-4, SBC-3 and MMC-6
// command tables), the DecodeError codes a refused CDB carries, and the helpers that read a CDB safely.
// The logical unit turns each code into the sense data SPC-4 prescribes (logical-unit.ts).
import { DecodeError } from '../errors.js';

export const PROTO = 'scsi';

export const ScsiOpcode = {
  testUnitReady: 0x00,
  requestSense: 0x03,
  read6: 0x08,
  write6: 0x0a,
  inquiry: 0x12,
  modeSense6: 0x1a,
  startStopUnit: 0x1b,
  preventAllowMediumRemoval: 0x1e,
  readFormatCapacities: 0x23,
  readCapacity10: 0x25,
  read10: 0x28,
  write10: 0x2a,
  synchronizeCache10: 0x35,
  readTocPmaAtip: 0x43,
  getConfiguration: 0x46,
  getEventStatusNotification: 0x4a,
  readDiscInformation: 0x51,
  modeSense10: 0x5a,
  read16: 0x88,
  write16: 0x8a,
  serviceActionIn16: 0x9e,
  read12: 0xa8,
} as const;

/** Why a CDB is refused; the logical unit maps each to an ILLEGAL REQUEST sense (SPC-4 §4.5.6). */
export const CdbError = {
  /** An operation code this logical unit does not implement: INVALID COMMAND OPERATION CODE (20h/00h). */
  opcode: 'ERR_SCSI_OPCODE',
  /** A reserved or unsupported value in a field: INVALID FIELD IN CDB (24h/00h). */
  field: 'ERR_SCSI_FIELD',
  /** Fewer CDB bytes than the operation code's CDB length: INVALID FIELD IN CDB (24h/00h). */
  length: 'ERR_SCSI_CDB_LENGTH',
  /** MODE SENSE of saved values, which this device does not keep: SAVING PARAMETERS NOT SUPPORTED (39h/00h). */
  savedValues: 'ERR_SCSI_SAVED_VALUES',
} as const;

/** A Buffer view of `cdb` (no copy), after checking it holds the command's `length` bytes. */
export function readCdb(cdb: Uint8Array, length: number, command: string): Buffer {
  if (cdb.length < length) {
    throw new DecodeError(PROTO, command, cdb.length, `CDB is ${cdb.length} bytes, needs ${length}`, CdbError.length);
  }
  return Buffer.isBuffer(cdb) ? cdb : Buffer.from(cdb.buffer, cdb.byteOffset, cdb.byteLength);
}

export function invalidField(command: string, field: string, offset: number, reason: string): DecodeError {
  return new DecodeError(PROTO, `${command} ${field}`, offset, reason, CdbError.field);
}

/** An encoder's argument out of its field's range is the caller's bug: a RangeError, not a CDB that says something else. */
export function checkCdbField(command: string, field: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`${command} ${field} ${value} is outside 0..${max}`);
}

/** Writes `value` (0..2^53) as a 64-bit big-endian number, the layout readU64 reads. */
export function writeU64(out: Buffer, value: number, offset: number): void {
  out.writeUInt32BE(Math.floor(value / 0x1_0000_0000), offset);
  out.writeUInt32BE(value % 0x1_0000_0000, offset + 4);
}

/** A 64-bit big-endian LBA as a number: exact up to 2^53, and beyond that still larger than any medium here. */
export function readU64(buf: Buffer, offset: number): number {
  return buf.readUInt32BE(offset) * 0x1_0000_0000 + buf.readUInt32BE(offset + 4);
}

/** Data-in is cut to the CDB's ALLOCATION LENGTH; length fields inside it still count everything (SPC-4, allocation length). */
export function truncateToAllocation(data: Buffer, allocationLength: number): Buffer {
  return data.length > allocationLength ? data.subarray(0, allocationLength) : data;
}

/** Writes `text` left-aligned and space-padded into `width` bytes, printable ASCII only (SPC-4, ASCII data field requirements). */
export function writeAsciiField(out: Buffer, offset: number, width: number, text: string): void {
  for (let i = 0; i < width; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x20;
    out[offset + i] = c >= 0x20 && c <= 0x7e ? c : 0x20;
  }
}
