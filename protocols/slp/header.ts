// SLPv2 message header — RFC 2608 §8 (Figure: "SLP Message Header"); function IDs §8, flags §8, errors §7.
//
//   byte 0      Version (2)                 bytes 7-9    Next Extension Offset (§9.1)
//   byte 1      Function-ID                 bytes 10-11  XID
//   bytes 2-4   Length (the whole message)  bytes 12-13  Language Tag Length
//   bytes 5-6   Flags: O F R, 13 reserved   bytes 14-    Language Tag (RFC 1766)
import { DecodeError } from '../errors.js';
import { SlpReader, SlpWriter } from './wire.js';

export const SLP_VERSION = 2;
/** UDP and TCP port 427 (§6.1) and the administratively scoped multicast group (§6.1, "SVRLOC"). */
export const SLP_PORT = 427;
export const SLP_MULTICAST_GROUP = '239.255.255.253';
/** §6.1 CONFIG_MTU default: a UDP message longer than this is cut short and flagged OVERFLOW. */
export const SLP_MTU = 1400;
/** Fixed bytes before the language tag. */
export const HEADER_FIXED_LENGTH = 14;

export const FunctionId = {
  SRV_RQST: 1, SRV_RPLY: 2, SRV_REG: 3, SRV_DEREG: 4, SRV_ACK: 5, ATTR_RQST: 6, ATTR_RPLY: 7,
  DA_ADVERT: 8, SRV_TYPE_RQST: 9, SRV_TYPE_RPLY: 10, SA_ADVERT: 11,
} as const;

/** §8: O (the message did not fit the datagram), F (a fresh registration), R (the request was multicast). */
export const Flag = { OVERFLOW: 0x8000, FRESH: 0x4000, REQUEST_MCAST: 0x2000 } as const;

/** §7 error codes. */
export const SlpError = {
  OK: 0, LANGUAGE_NOT_SUPPORTED: 1, PARSE_ERROR: 2, INVALID_REGISTRATION: 3, SCOPE_NOT_SUPPORTED: 4,
  AUTHENTICATION_UNKNOWN: 5, AUTHENTICATION_ABSENT: 6, AUTHENTICATION_FAILED: 7, VER_NOT_SUPPORTED: 9,
  INTERNAL_ERROR: 10, DA_BUSY_NOW: 11, OPTION_NOT_UNDERSTOOD: 12, INVALID_UPDATE: 13, MSG_NOT_SUPPORTED: 14,
  REFRESH_REJECTED: 15,
} as const;

export interface SlpHeader {
  functionId: number;
  /** Flag bits; the 13 reserved bits are sent as 0 and ignored on receipt. */
  flags: number;
  /** 0: no extensions; else where the first one starts, from the start of the message. */
  nextExtOffset: number;
  xid: number;
  langTag: string;
}

/** The header of `buf`, and where the body starts. The version must be 2 and Length must be the datagram's length. */
export function decodeHeader(buf: Uint8Array): { header: SlpHeader; bodyOffset: number } {
  const r = new SlpReader(buf);
  const version = r.u8('version');
  if (version !== SLP_VERSION) throw new DecodeError('slp', 'version', 0, `version ${version}, not 2`, 'ERR_VERSION');
  const functionId = r.u8('function-id');
  const length = r.u24('length');
  if (length !== buf.length) throw new DecodeError('slp', 'length', 2, `says ${length} bytes, the message has ${buf.length}`, 'ERR_LENGTH');
  const flags = r.u16('flags') & (Flag.OVERFLOW | Flag.FRESH | Flag.REQUEST_MCAST);
  const nextExtOffset = r.u24('next extension offset');
  if (nextExtOffset !== 0 && (nextExtOffset < HEADER_FIXED_LENGTH || nextExtOffset > length - 5)) {
    throw new DecodeError('slp', 'next extension offset', 7, `${nextExtOffset} is outside the message`, 'ERR_EXTENSION');
  }
  const xid = r.u16('xid');
  const langTag = r.string('language tag');
  return { header: { functionId, flags, nextExtOffset, xid, langTag }, bodyOffset: r.offset };
}

/** Writes the header with a Length of 0; `finishHeader` fills it in once the body is written. */
export function writeHeader(w: SlpWriter, h: SlpHeader): void {
  w.u8(SLP_VERSION);
  w.u8(h.functionId);
  w.u24(0);
  w.u16(h.flags);
  w.u24(h.nextExtOffset);
  w.u16(h.xid);
  w.string(h.langTag);
}

export function finishHeader(out: Uint8Array): void {
  out[2] = (out.length >>> 16) & 0xff;
  out[3] = (out.length >>> 8) & 0xff;
  out[4] = out.length & 0xff;
}
