// SCSI Data-In and Data-Out — RFC 7143 §11.7.
//
// Data-In (§11.7):                                Data-Out (§11.7):
//   byte 0  . | . | 25h                              byte 0  . | . | 05h
//   byte 1  F | A | . . . | O | U | S                byte 1  F | reserved
//   byte 3  Status (valid when S)                    bytes 8-15 LUN or reserved
//   bytes 8-15 LUN or reserved                       bytes 16-19 Initiator Task Tag
//   bytes 16-19 Initiator Task Tag                   bytes 20-23 Target Transfer Tag
//   bytes 20-23 Target Transfer Tag                  bytes 28-31 ExpStatSN
//   bytes 24-27 StatSN (when S)                      bytes 36-39 DataSN
//   bytes 28-31 ExpCmdSN, 32-35 MaxCmdSN             bytes 40-43 Buffer Offset
//   bytes 36-39 DataSN, 40-43 Buffer Offset
//   bytes 44-47 Residual Count (when S)
// F ends a sequence (at most MaxBurstLength bytes, §13.14), S carries the command's status ("phase collapse",
// §11.7.3: only without sense data), and DataSN counts every Data-In of the command (§11.7.5).
import { Opcode, allocPdu, badField, readBhs } from './bhs.js';

export interface DataInPdu {
  kind: 'data-in';
  final: boolean;
  /** A: acknowledge wanted (ErrorRecoveryLevel > 0 only). */
  acknowledge: boolean;
  /** O and U (with S): residual overflow and underflow. */
  overflow: boolean;
  underflow: boolean;
  /** S: the status follows in this PDU. */
  hasStatus: boolean;
  status: number;
  lun: Buffer;
  initiatorTaskTag: number;
  targetTransferTag: number;
  statSn: number;
  expCmdSn: number;
  maxCmdSn: number;
  dataSn: number;
  bufferOffset: number;
  residualCount: number;
  data: Buffer;
}

export interface DataOutPdu {
  kind: 'data-out';
  final: boolean;
  lun: Buffer;
  initiatorTaskTag: number;
  targetTransferTag: number;
  expStatSn: number;
  dataSn: number;
  bufferOffset: number;
  data: Buffer;
}

/**
 * The 48-byte header of a Data-In whose `dataLength` bytes go after it (and PADDING[dataLength & 3]): the bytes
 * stay where they are, no copy per PDU.
 */
export function encodeDataInHeader(p: Omit<DataInPdu, 'kind' | 'data'>, dataLength: number): Buffer {
  if (p.hasStatus && !p.final) throw new RangeError('a Data-In with S must have F');
  const flags = (p.final ? 0x80 : 0) | (p.acknowledge ? 0x40 : 0) | (p.overflow ? 0x04 : 0) | (p.underflow ? 0x02 : 0) | (p.hasStatus ? 0x01 : 0);
  const out = allocPdu(Opcode.dataIn, false, flags, p.initiatorTaskTag, null, dataLength);
  out[3] = p.status; // Status, StatSN and Residual Count are reserved (0) without S: the caller passes 0 then
  p.lun.copy(out, 8, 0, 8);
  out.writeUInt32BE(p.targetTransferTag >>> 0, 20);
  out.writeUInt32BE(p.statSn >>> 0, 24);
  out.writeUInt32BE(p.expCmdSn >>> 0, 28);
  out.writeUInt32BE(p.maxCmdSn >>> 0, 32);
  out.writeUInt32BE(p.dataSn >>> 0, 36);
  out.writeUInt32BE(p.bufferOffset >>> 0, 40);
  out.writeUInt32BE(p.residualCount >>> 0, 44);
  return out;
}

/** A whole Data-In PDU (header, data, padding) in one buffer. */
export function encodeDataIn(p: Omit<DataInPdu, 'kind'>): Buffer {
  const header = encodeDataInHeader(p, p.data.length);
  const out = Buffer.alloc(header.length + ((p.data.length + 3) & ~3));
  header.copy(out);
  p.data.copy(out, header.length);
  return out;
}

export function decodeDataIn(header: Buffer, data: Buffer): DataInPdu {
  const bhs = readBhs(header);
  const hasStatus = (header[1] & 0x01) !== 0;
  if (hasStatus && !bhs.final) throw badField('Data-In S', 1, 'S without F');
  return {
    kind: 'data-in', final: bhs.final, acknowledge: (header[1] & 0x40) !== 0,
    overflow: (header[1] & 0x04) !== 0, underflow: (header[1] & 0x02) !== 0, hasStatus, status: header[3],
    lun: Buffer.from(header.subarray(8, 16)), initiatorTaskTag: bhs.initiatorTaskTag, targetTransferTag: header.readUInt32BE(20),
    statSn: header.readUInt32BE(24), expCmdSn: header.readUInt32BE(28), maxCmdSn: header.readUInt32BE(32),
    dataSn: header.readUInt32BE(36), bufferOffset: header.readUInt32BE(40), residualCount: header.readUInt32BE(44), data,
  };
}

export function encodeDataOut(p: Omit<DataOutPdu, 'kind'>): Buffer {
  const out = allocPdu(Opcode.dataOut, false, p.final ? 0x80 : 0, p.initiatorTaskTag, p.data);
  p.lun.copy(out, 8, 0, 8);
  out.writeUInt32BE(p.targetTransferTag >>> 0, 20);
  out.writeUInt32BE(p.expStatSn >>> 0, 28);
  out.writeUInt32BE(p.dataSn >>> 0, 36);
  out.writeUInt32BE(p.bufferOffset >>> 0, 40);
  return out;
}

export function decodeDataOut(header: Buffer, data: Buffer): DataOutPdu {
  const bhs = readBhs(header);
  return {
    kind: 'data-out', final: bhs.final, lun: Buffer.from(header.subarray(8, 16)), initiatorTaskTag: bhs.initiatorTaskTag,
    targetTransferTag: header.readUInt32BE(20), expStatSn: header.readUInt32BE(28), dataSn: header.readUInt32BE(36),
    bufferOffset: header.readUInt32BE(40), data,
  };
}
