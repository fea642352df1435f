// Reject — RFC 7143 §11.17: the target refuses a PDU it cannot take, and returns that PDU's header.
//   byte 0  . | . | 3Fh, byte 1 80h, byte 2 Reason
//   bytes 16-19 FFFFFFFFh
//   bytes 24-27 StatSN, 28-31 ExpCmdSN, 32-35 MaxCmdSN, 36-39 DataSN/R2TSN or reserved
//   data segment: the complete header of the rejected PDU (§11.17.3)
import { Opcode, RESERVED_TAG, allocPdu, readBhs } from './bhs.js';

/** Reason (§11.17.1). */
export const RejectReason = {
  dataDigestError: 0x02,
  snackReject: 0x03,
  protocolError: 0x04,
  commandNotSupported: 0x05,
  immediateCommandReject: 0x06,
  taskInProgress: 0x07,
  invalidDataAck: 0x08,
  invalidPduField: 0x09,
  longOperationReject: 0x0a,
  waitingForLogout: 0x0c,
} as const;

export interface RejectPdu {
  kind: 'reject';
  reason: number;
  statSn: number;
  expCmdSn: number;
  maxCmdSn: number;
  dataSn: number;
  /** The rejected PDU's header: its 48 bytes (the sender cuts it, BHS_LENGTH). */
  rejectedHeader: Buffer;
}

export function encodeReject(p: Omit<RejectPdu, 'kind'>): Buffer {
  const out = allocPdu(Opcode.reject, false, 0x80, RESERVED_TAG, p.rejectedHeader);
  out[2] = p.reason;
  out.writeUInt32BE(p.statSn >>> 0, 24);
  out.writeUInt32BE(p.expCmdSn >>> 0, 28);
  out.writeUInt32BE(p.maxCmdSn >>> 0, 32);
  out.writeUInt32BE(p.dataSn >>> 0, 36);
  return out;
}

export function decodeReject(header: Buffer, data: Buffer): RejectPdu {
  readBhs(header);
  return {
    kind: 'reject', reason: header[2], statSn: header.readUInt32BE(24), expCmdSn: header.readUInt32BE(28),
    maxCmdSn: header.readUInt32BE(32), dataSn: header.readUInt32BE(36), rejectedHeader: data,
  };
}
