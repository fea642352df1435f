// IPMI LAN message format — IPMI 2.0 §13.8 Table 13-8: the IPMB-style request and response inside a session.
import { DecodeError, requireBytes } from '../errors.js';

export const BMC_SLAVE_ADDRESS = 0x20;
export const REMOTE_CONSOLE_SWID = 0x81;
const HEADER = 6; // addr, netFn/lun, chk1, addr, seq/lun, cmd
const MIN_LENGTH = HEADER + 1; // + chk2

export interface IpmiRequest {
  rsAddr: number;
  netFn: number;
  rsLun: number;
  rqAddr: number;
  rqSeq: number;
  rqLun: number;
  cmd: number;
  data: Uint8Array;
}

export interface IpmiResponse {
  rqAddr: number;
  /** Response netFn (request netFn | 1). */
  netFn: number;
  rqLun: number;
  rsAddr: number;
  rqSeq: number;
  rsLun: number;
  cmd: number;
  completionCode: number;
  data: Uint8Array;
}

/** Two's-complement checksum: the covered bytes plus the checksum sum to 0 mod 256 (§13.8). */
export function checksum(buf: Uint8Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += buf[i];
  return -sum & 0xff;
}

function decodeFrame(buf: Uint8Array, what: string) {
  requireBytes(buf, 0, MIN_LENGTH, 'ipmi', what);
  if (checksum(buf, 0, 2) !== buf[2]) throw new DecodeError('ipmi', 'checksum1', 2, 'header checksum mismatch', 'ERR_CHECKSUM');
  const end = buf.length - 1;
  if (checksum(buf, 3, end) !== buf[end]) throw new DecodeError('ipmi', 'checksum2', end, 'data checksum mismatch', 'ERR_CHECKSUM');
  return {
    addr1: buf[0], netFn: buf[1] >> 2, lun1: buf[1] & 3,
    addr2: buf[3], seq: buf[4] >> 2, lun2: buf[4] & 3, cmd: buf[5],
    body: buf.subarray(HEADER, end),
  };
}

function encodeFrame(addr1: number, netFn: number, lun1: number, addr2: number, seq: number, lun2: number, cmd: number,
  body: Uint8Array, prefix: number | null): Buffer {
  const bodyLen = body.length + (prefix === null ? 0 : 1);
  const out = Buffer.allocUnsafe(MIN_LENGTH + bodyLen);
  out[0] = addr1;
  out[1] = ((netFn & 0x3f) << 2) | (lun1 & 3);
  out[2] = checksum(out, 0, 2);
  out[3] = addr2;
  out[4] = ((seq & 0x3f) << 2) | (lun2 & 3);
  out[5] = cmd;
  let o = HEADER;
  if (prefix !== null) out[o++] = prefix;
  out.set(body, o);
  const end = out.length - 1;
  out[end] = checksum(out, 3, end);
  return out;
}

export function decodeRequest(buf: Uint8Array): IpmiRequest {
  const f = decodeFrame(buf, 'request');
  return { rsAddr: f.addr1, netFn: f.netFn, rsLun: f.lun1, rqAddr: f.addr2, rqSeq: f.seq, rqLun: f.lun2, cmd: f.cmd, data: f.body };
}

export function encodeRequest(r: IpmiRequest): Buffer {
  return encodeFrame(r.rsAddr, r.netFn, r.rsLun, r.rqAddr, r.rqSeq, r.rqLun, r.cmd, r.data, null);
}

export function decodeResponse(buf: Uint8Array): IpmiResponse {
  const f = decodeFrame(buf, 'response');
  if (f.body.length < 1) throw new DecodeError('ipmi', 'completionCode', HEADER, 'missing completion code', 'ERR_TRUNCATED');
  return {
    rqAddr: f.addr1, netFn: f.netFn, rqLun: f.lun1, rsAddr: f.addr2, rqSeq: f.seq, rsLun: f.lun2, cmd: f.cmd,
    completionCode: f.body[0], data: f.body.subarray(1),
  };
}

export function encodeResponse(r: IpmiResponse): Buffer {
  return encodeFrame(r.rqAddr, r.netFn, r.rqLun, r.rsAddr, r.rqSeq, r.rsLun, r.cmd, r.data, r.completionCode);
}

export function encodingLengthRequest(r: Pick<IpmiRequest, 'data'>): number {
  return MIN_LENGTH + r.data.length;
}

export function encodingLengthResponse(r: Pick<IpmiResponse, 'data'>): number {
  return MIN_LENGTH + 1 + r.data.length;
}

/** The response a BMC gives to `req`: addresses swapped, netFn+1, same sequence and command (§13.8). */
export function responseTo(req: IpmiRequest, completionCode: number, data: Uint8Array = new Uint8Array(0)): IpmiResponse {
  return {
    rqAddr: req.rqAddr, netFn: req.netFn | 1, rqLun: req.rqLun, rsAddr: req.rsAddr, rqSeq: req.rqSeq, rsLun: req.rsLun,
    cmd: req.cmd, completionCode, data,
  };
}

export const NetFn = {
  CHASSIS: 0x00,
  BRIDGE: 0x02,
  SENSOR_EVENT: 0x04,
  APP: 0x06,
  FIRMWARE: 0x08,
  STORAGE: 0x0a,
  TRANSPORT: 0x0c,
  GROUP_EXTENSION: 0x2c,
  OEM_GROUP: 0x2e,
} as const;
