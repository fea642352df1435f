// Text Request and Text Response — RFC 7143 §11.10 and §11.11: text key=value pairs (text.ts) outside login,
// SendTargets above all (§12.3, Appendix C).
//
// Text Request (§11.10):                      Text Response (§11.11):
//   byte 0  . | I | 04h                          byte 0  . | . | 24h
//   byte 1  F | C | reserved                     byte 1  F | C | reserved
//   bytes 8-15 LUN or reserved                   bytes 8-15 LUN or reserved
//   bytes 16-19 Initiator Task Tag               bytes 16-19 Initiator Task Tag
//   bytes 20-23 Target Transfer Tag              bytes 20-23 Target Transfer Tag
//   bytes 24-27 CmdSN                            bytes 24-27 StatSN
//   bytes 28-31 ExpStatSN                        bytes 28-31 ExpCmdSN, 32-35 MaxCmdSN
import { Opcode, allocPdu, badField, readBhs } from './bhs.js';

interface TextCommon {
  final: boolean;
  /** C: the text continues in the next PDU. */
  continue: boolean;
  initiatorTaskTag: number;
  targetTransferTag: number;
  data: Buffer;
}

export interface TextRequest extends TextCommon {
  kind: 'text-request';
  immediate: boolean;
  cmdSn: number;
  expStatSn: number;
}

export interface TextResponse extends TextCommon {
  kind: 'text-response';
  statSn: number;
  expCmdSn: number;
  maxCmdSn: number;
}

function flags(p: TextCommon): number {
  return (p.final ? 0x80 : 0) | (p.continue ? 0x40 : 0);
}

/** F and C together is a protocol error (§11.10.2). */
function readFlags(header: Buffer): Pick<TextCommon, 'final' | 'continue'> {
  const final = (header[1] & 0x80) !== 0;
  const cont = (header[1] & 0x40) !== 0;
  if (final && cont) throw badField('Text F/C', 1, 'F and C are both set');
  return { final, continue: cont };
}

export function encodeTextRequest(p: Omit<TextRequest, 'kind'>): Buffer {
  const out = allocPdu(Opcode.textRequest, p.immediate, flags(p), p.initiatorTaskTag, p.data);
  out.writeUInt32BE(p.targetTransferTag >>> 0, 20);
  out.writeUInt32BE(p.cmdSn >>> 0, 24);
  out.writeUInt32BE(p.expStatSn >>> 0, 28);
  return out;
}

export function decodeTextRequest(header: Buffer, data: Buffer): TextRequest {
  const bhs = readBhs(header);
  return {
    kind: 'text-request', immediate: bhs.immediate, ...readFlags(header), initiatorTaskTag: bhs.initiatorTaskTag,
    targetTransferTag: header.readUInt32BE(20), cmdSn: header.readUInt32BE(24), expStatSn: header.readUInt32BE(28), data,
  };
}

export function encodeTextResponse(p: Omit<TextResponse, 'kind'>): Buffer {
  const out = allocPdu(Opcode.textResponse, false, flags(p), p.initiatorTaskTag, p.data);
  out.writeUInt32BE(p.targetTransferTag >>> 0, 20);
  out.writeUInt32BE(p.statSn >>> 0, 24);
  out.writeUInt32BE(p.expCmdSn >>> 0, 28);
  out.writeUInt32BE(p.maxCmdSn >>> 0, 32);
  return out;
}

export function decodeTextResponse(header: Buffer, data: Buffer): TextResponse {
  const bhs = readBhs(header);
  return {
    kind: 'text-response', ...readFlags(header), initiatorTaskTag: bhs.initiatorTaskTag, targetTransferTag: header.readUInt32BE(20),
    statSn: header.readUInt32BE(24), expCmdSn: header.readUInt32BE(28), maxCmdSn: header.readUInt32BE(32), data,
  };
}
