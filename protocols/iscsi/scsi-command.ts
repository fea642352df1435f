// SCSI Command and SCSI Response — RFC 7143 §11.3 and §11.4. The CDB is SCSI's (protocols/scsi/); a CDB
// longer than 16 bytes would need an Extended CDB AHS (§11.2.2.3), which no command here uses.
//
// SCSI Command (§11.3):                         SCSI Response (§11.4):
//   byte 0  . | I | 01h                            byte 0  . | . | 21h
//   byte 1  F | R | W | . . | ATTR                 byte 1  1 | . . | o | u | O | U | .
//   bytes 8-15 LUN                                 byte 2 Response, byte 3 Status
//   bytes 16-19 Initiator Task Tag                 bytes 16-19 Initiator Task Tag
//   bytes 20-23 Expected Data Transfer Length      bytes 20-23 SNACK Tag
//   bytes 24-27 CmdSN                              bytes 24-27 StatSN, 28-31 ExpCmdSN, 32-35 MaxCmdSN
//   bytes 28-31 ExpStatSN                          bytes 36-39 ExpDataSN
//   bytes 32-47 CDB                                bytes 40-43 Bidirectional Read Residual Count, 44-47 Residual Count
// The response's data segment is SenseLength (2 bytes), the sense data, then any response data (§11.4.7).
import { requireBytes } from '../errors.js';
import { Opcode, PROTO, allocPdu, readBhs } from './bhs.js';

/** ATTR (§11.3.1.4): the task attribute. */
export const TaskAttribute = { untagged: 0, simple: 1, ordered: 2, headOfQueue: 3, aca: 4 } as const;

/** Response (§11.4.3). */
export const ScsiResponseCode = { commandCompleted: 0x00, targetFailure: 0x01 } as const;

/** SCSI status (SAM-5 §5.3.1). */
export const ScsiStatus = { good: 0x00, checkCondition: 0x02, busy: 0x08, taskSetFull: 0x28 } as const;

export const CDB_FIELD_LENGTH = 16;

export interface ScsiCommandPdu {
  kind: 'scsi-command';
  immediate: boolean;
  final: boolean;
  /** R: data flows to the initiator. */
  read: boolean;
  /** W: data flows to the target. */
  write: boolean;
  attribute: number;
  /** The 8-byte LUN field (SAM-5 §4.6; protocols/scsi/lun.ts). */
  lun: Buffer;
  initiatorTaskTag: number;
  expectedDataTransferLength: number;
  cmdSn: number;
  expStatSn: number;
  /** 16 bytes; a shorter CDB is zero-padded. */
  cdb: Buffer;
  /** Immediate data (writes). */
  data: Buffer;
}

export interface ScsiResponsePdu {
  kind: 'scsi-response';
  /** o: bidirectional read overflow; u: bidirectional read underflow (§11.4.1). */
  bidiOverflow: boolean;
  bidiUnderflow: boolean;
  /** O: the target had more data than Expected Data Transfer Length; U: less. */
  overflow: boolean;
  underflow: boolean;
  response: number;
  status: number;
  initiatorTaskTag: number;
  snackTag: number;
  statSn: number;
  expCmdSn: number;
  maxCmdSn: number;
  expDataSn: number;
  bidiResidualCount: number;
  residualCount: number;
  /** Sense data (SPC-4 §4.5), empty when none. */
  sense: Buffer;
}

export function encodeScsiCommand(p: Omit<ScsiCommandPdu, 'kind'>): Buffer {
  if (p.cdb.length > CDB_FIELD_LENGTH) throw new RangeError(`a CDB of ${p.cdb.length} bytes needs an Extended CDB AHS`);
  const flags = (p.final ? 0x80 : 0) | (p.read ? 0x40 : 0) | (p.write ? 0x20 : 0) | (p.attribute & 0x07);
  const out = allocPdu(Opcode.scsiCommand, p.immediate, flags, p.initiatorTaskTag, p.data);
  p.lun.copy(out, 8, 0, 8);
  out.writeUInt32BE(p.expectedDataTransferLength >>> 0, 20);
  out.writeUInt32BE(p.cmdSn >>> 0, 24);
  out.writeUInt32BE(p.expStatSn >>> 0, 28);
  p.cdb.copy(out, 32);
  return out;
}

export function decodeScsiCommand(header: Buffer, data: Buffer): ScsiCommandPdu {
  const bhs = readBhs(header);
  return {
    kind: 'scsi-command', immediate: bhs.immediate, final: bhs.final,
    read: (header[1] & 0x40) !== 0, write: (header[1] & 0x20) !== 0, attribute: header[1] & 0x07,
    lun: Buffer.from(header.subarray(8, 16)), initiatorTaskTag: bhs.initiatorTaskTag,
    expectedDataTransferLength: header.readUInt32BE(20), cmdSn: header.readUInt32BE(24), expStatSn: header.readUInt32BE(28),
    cdb: Buffer.from(header.subarray(32, 48)), data,
  };
}

export function encodeScsiResponse(p: Omit<ScsiResponsePdu, 'kind'>): Buffer {
  const flags = 0x80 | (p.bidiOverflow ? 0x10 : 0) | (p.bidiUnderflow ? 0x08 : 0) | (p.overflow ? 0x04 : 0) | (p.underflow ? 0x02 : 0);
  let data: Buffer | null = null;
  if (p.sense.length > 0) {
    data = Buffer.alloc(2 + p.sense.length);
    data.writeUInt16BE(p.sense.length, 0); // SenseLength
    p.sense.copy(data, 2);
  }
  const out = allocPdu(Opcode.scsiResponse, false, flags, p.initiatorTaskTag, data ?? Buffer.alloc(0));
  out[2] = p.response;
  out[3] = p.status;
  out.writeUInt32BE(p.snackTag >>> 0, 20);
  out.writeUInt32BE(p.statSn >>> 0, 24);
  out.writeUInt32BE(p.expCmdSn >>> 0, 28);
  out.writeUInt32BE(p.maxCmdSn >>> 0, 32);
  out.writeUInt32BE(p.expDataSn >>> 0, 36);
  out.writeUInt32BE(p.bidiResidualCount >>> 0, 40);
  out.writeUInt32BE(p.residualCount >>> 0, 44);
  return out;
}

/** The sense data of a response's data segment: SenseLength, then that many bytes (§11.4.7.2). */
function senseOf(data: Buffer): Buffer {
  if (data.length === 0) return Buffer.alloc(0);
  requireBytes(data, 0, 2, PROTO, 'SenseLength');
  const length = data.readUInt16BE(0);
  requireBytes(data, 2, length, PROTO, 'Sense Data');
  return Buffer.from(data.subarray(2, 2 + length));
}

export function decodeScsiResponse(header: Buffer, data: Buffer): ScsiResponsePdu {
  const bhs = readBhs(header);
  return {
    kind: 'scsi-response',
    bidiOverflow: (header[1] & 0x10) !== 0, bidiUnderflow: (header[1] & 0x08) !== 0,
    overflow: (header[1] & 0x04) !== 0, underflow: (header[1] & 0x02) !== 0,
    response: header[2], status: header[3], initiatorTaskTag: bhs.initiatorTaskTag, snackTag: header.readUInt32BE(20),
    statSn: header.readUInt32BE(24), expCmdSn: header.readUInt32BE(28), maxCmdSn: header.readUInt32BE(32),
    expDataSn: header.readUInt32BE(36), bidiResidualCount: header.readUInt32BE(40), residualCount: header.readUInt32BE(44),
    sense: senseOf(data),
  };
}
