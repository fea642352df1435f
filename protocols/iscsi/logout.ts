// Logout Request and Logout Response — RFC 7143 §11.14 and §11.15.
//
// Logout Request (§11.14):                   Logout Response (§11.15):
//   byte 0  . | I | 06h                         byte 0  . | . | 26h, byte 1 80h
//   byte 1  1 | Reason Code                     byte 2 Response
//   bytes 16-19 Initiator Task Tag              bytes 16-19 Initiator Task Tag
//   bytes 20-21 CID or reserved                 bytes 24-27 StatSN, 28-31 ExpCmdSN, 32-35 MaxCmdSN
//   bytes 24-27 CmdSN, 28-31 ExpStatSN          bytes 40-41 Time2Wait, 42-43 Time2Retain
import { Opcode, allocPdu, readBhs } from './bhs.js';

/** Reason Code (§11.14.1). */
export const LogoutReason = { closeSession: 0, closeConnection: 1, removeForRecovery: 2 } as const;

/** Response (§11.15.1). */
export const LogoutResponseCode = { closed: 0, cidNotFound: 1, recoveryNotSupported: 2, cleanupFailed: 3 } as const;

export interface LogoutRequestPdu {
  kind: 'logout-request';
  immediate: boolean;
  reason: number;
  initiatorTaskTag: number;
  cid: number;
  cmdSn: number;
  expStatSn: number;
}

export interface LogoutResponsePdu {
  kind: 'logout-response';
  response: number;
  initiatorTaskTag: number;
  statSn: number;
  expCmdSn: number;
  maxCmdSn: number;
  time2Wait: number;
  time2Retain: number;
}

export function encodeLogoutRequest(p: Omit<LogoutRequestPdu, 'kind'>): Buffer {
  const out = allocPdu(Opcode.logoutRequest, p.immediate, 0x80 | (p.reason & 0x7f), p.initiatorTaskTag, Buffer.alloc(0));
  out.writeUInt16BE(p.cid, 20);
  out.writeUInt32BE(p.cmdSn >>> 0, 24);
  out.writeUInt32BE(p.expStatSn >>> 0, 28);
  return out;
}

export function decodeLogoutRequest(header: Buffer): LogoutRequestPdu {
  const bhs = readBhs(header);
  return {
    kind: 'logout-request', immediate: bhs.immediate, reason: header[1] & 0x7f, initiatorTaskTag: bhs.initiatorTaskTag,
    cid: header.readUInt16BE(20), cmdSn: header.readUInt32BE(24), expStatSn: header.readUInt32BE(28),
  };
}

export function encodeLogoutResponse(p: Omit<LogoutResponsePdu, 'kind'>): Buffer {
  const out = allocPdu(Opcode.logoutResponse, false, 0x80, p.initiatorTaskTag, Buffer.alloc(0));
  out[2] = p.response;
  out.writeUInt32BE(p.statSn >>> 0, 24);
  out.writeUInt32BE(p.expCmdSn >>> 0, 28);
  out.writeUInt32BE(p.maxCmdSn >>> 0, 32);
  out.writeUInt16BE(p.time2Wait, 40);
  out.writeUInt16BE(p.time2Retain, 42);
  return out;
}

export function decodeLogoutResponse(header: Buffer): LogoutResponsePdu {
  const bhs = readBhs(header);
  return {
    kind: 'logout-response', response: header[2], initiatorTaskTag: bhs.initiatorTaskTag, statSn: header.readUInt32BE(24),
    expCmdSn: header.readUInt32BE(28), maxCmdSn: header.readUInt32BE(32), time2Wait: header.readUInt16BE(40), time2Retain: header.readUInt16BE(42),
  };
}
