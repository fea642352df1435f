// NOP-Out and NOP-In — RFC 7143 §11.18 and §11.19: a ping either way. A NOP-Out with an Initiator Task Tag
// other than FFFFFFFFh asks for a NOP-In carrying the same tag and the same data (§11.18.3); with FFFFFFFFh
// it answers a target's ping or asks for nothing (then it must be immediate).
//
// NOP-Out (§11.18):                         NOP-In (§11.19):
//   byte 0  . | I | 00h, byte 1 80h            byte 0  . | . | 20h, byte 1 80h
//   bytes 8-15 LUN or reserved                 bytes 8-15 LUN or reserved
//   bytes 16-19 Initiator Task Tag             bytes 16-19 Initiator Task Tag
//   bytes 20-23 Target Transfer Tag            bytes 20-23 Target Transfer Tag
//   bytes 24-27 CmdSN                          bytes 24-27 StatSN
//   bytes 28-31 ExpStatSN                      bytes 28-31 ExpCmdSN, 32-35 MaxCmdSN
import { Opcode, allocPdu, readBhs } from './bhs.js';

export interface NopOutPdu {
  kind: 'nop-out';
  immediate: boolean;
  lun: Buffer;
  initiatorTaskTag: number;
  targetTransferTag: number;
  cmdSn: number;
  expStatSn: number;
  /** Ping data. */
  data: Buffer;
}

export interface NopInPdu {
  kind: 'nop-in';
  lun: Buffer;
  initiatorTaskTag: number;
  targetTransferTag: number;
  statSn: number;
  expCmdSn: number;
  maxCmdSn: number;
  data: Buffer;
}

export function encodeNopOut(p: Omit<NopOutPdu, 'kind'>): Buffer {
  const out = allocPdu(Opcode.nopOut, p.immediate, 0x80, p.initiatorTaskTag, p.data);
  p.lun.copy(out, 8, 0, 8);
  out.writeUInt32BE(p.targetTransferTag >>> 0, 20);
  out.writeUInt32BE(p.cmdSn >>> 0, 24);
  out.writeUInt32BE(p.expStatSn >>> 0, 28);
  return out;
}

export function decodeNopOut(header: Buffer, data: Buffer): NopOutPdu {
  const bhs = readBhs(header);
  return {
    kind: 'nop-out', immediate: bhs.immediate, lun: Buffer.from(header.subarray(8, 16)), initiatorTaskTag: bhs.initiatorTaskTag,
    targetTransferTag: header.readUInt32BE(20), cmdSn: header.readUInt32BE(24), expStatSn: header.readUInt32BE(28), data,
  };
}

export function encodeNopIn(p: Omit<NopInPdu, 'kind'>): Buffer {
  const out = allocPdu(Opcode.nopIn, false, 0x80, p.initiatorTaskTag, p.data);
  p.lun.copy(out, 8, 0, 8);
  out.writeUInt32BE(p.targetTransferTag >>> 0, 20);
  out.writeUInt32BE(p.statSn >>> 0, 24);
  out.writeUInt32BE(p.expCmdSn >>> 0, 28);
  out.writeUInt32BE(p.maxCmdSn >>> 0, 32);
  return out;
}

export function decodeNopIn(header: Buffer, data: Buffer): NopInPdu {
  const bhs = readBhs(header);
  return {
    kind: 'nop-in', lun: Buffer.from(header.subarray(8, 16)), initiatorTaskTag: bhs.initiatorTaskTag,
    targetTransferTag: header.readUInt32BE(20), statSn: header.readUInt32BE(24), expCmdSn: header.readUInt32BE(28),
    maxCmdSn: header.readUInt32BE(32), data,
  };
}
