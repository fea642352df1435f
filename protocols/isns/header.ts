// iSNSP PDU — RFC 4171 §5.1: a 12-byte header, the PDU payload, and (broadcast/multicast only) an
// authentication block (§5.5, SLP-style: BSD, length of the whole block, timestamp, SPI, signature).
//
//   bytes 0-1   iSNSP Version (1)            bytes 6-7    Flags (§5.1.5)
//   bytes 2-3   Function ID (§5.1.3)         bytes 8-9    Transaction ID
//   bytes 4-5   PDU Length (payload only)    bytes 10-11  Sequence ID (0, 1, ... within a message)
//
// The version is decoded, not checked: a server answers other versions with status 10 (Version Not Supported).
import { DecodeError, requireBytes } from '../errors.js';

const P = 'isns';
export const HEADER_LENGTH = 12;
export const ISNSP_VERSION = 1;
/** The PDU Length field is 16 bits. */
export const MAX_PDU_PAYLOAD = 0xffff;
/** Fixed part of an authentication block (§5.5): BSD (4), block length (4), timestamp (8), SPI string length (4). */
const AUTH_FIXED = 20;

/** Flag bits 16-21 of the second header word (§5.1.5), as bits of the 16-bit Flags field. */
export const Flag = {
  CLIENT: 0x8000,
  SERVER: 0x4000,
  AUTH: 0x2000,
  REPLACE: 0x1000,
  LAST_PDU: 0x0800,
  FIRST_PDU: 0x0400,
} as const;

/** The transaction ID after `tx`: 1-65535, wrapping past 0 (which no message uses). */
export function nextTransactionId(tx: number): number {
  return (tx % 0xffff) + 1;
}

export interface IsnsHeader {
  version: number;
  functionId: number;
  /** Payload bytes in this PDU (header and authentication block not counted). */
  pduLength: number;
  flags: number;
  transactionId: number;
  sequenceId: number;
}

export interface IsnsPdu {
  header: IsnsHeader;
  /** View into the input. */
  payload: Uint8Array;
  /** The whole authentication block when Flag.AUTH is set (view into the input), else null. */
  authBlock: Uint8Array | null;
}

export function decodeHeader(buf: Uint8Array, offset = 0): IsnsHeader {
  requireBytes(buf, offset, HEADER_LENGTH, P, 'header');
  const v = new DataView(buf.buffer, buf.byteOffset + offset, HEADER_LENGTH);
  return {
    version: v.getUint16(0),
    functionId: v.getUint16(2),
    pduLength: v.getUint16(4),
    flags: v.getUint16(6),
    transactionId: v.getUint16(8),
    sequenceId: v.getUint16(10),
  };
}

export function writeHeader(h: IsnsHeader, out: Buffer, offset = 0): void {
  out.writeUInt16BE(h.version, offset);
  out.writeUInt16BE(h.functionId, offset + 2);
  out.writeUInt16BE(h.pduLength, offset + 4);
  out.writeUInt16BE(h.flags, offset + 6);
  out.writeUInt16BE(h.transactionId, offset + 8);
  out.writeUInt16BE(h.sequenceId, offset + 10);
}

export function encodeHeader(h: IsnsHeader): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LENGTH);
  writeHeader(h, out);
  return out;
}

/**
 * Length of the authentication block starting at `offset`, from its length field (§5.5); throws
 * ERR_TRUNCATED when fewer bytes are there, ERR_AUTH_LENGTH when the field is below the fixed part.
 */
export function authBlockLength(buf: Uint8Array, offset: number): number {
  requireBytes(buf, offset, 8, P, 'authentication block');
  const len = new DataView(buf.buffer, buf.byteOffset + offset, 8).getUint32(4);
  if (len < AUTH_FIXED) throw new DecodeError(P, 'authentication block length', offset + 4, `${len} is below ${AUTH_FIXED}`, 'ERR_AUTH_LENGTH');
  return len;
}

/**
 * Total bytes of the PDU at the start of `buf` (header + payload + authentication block), or null when
 * `buf` does not yet hold enough to tell. For framing a TCP stream.
 */
export function pduLengthAt(buf: Uint8Array, offset = 0): number | null {
  if (buf.length - offset < HEADER_LENGTH) return null;
  const v = new DataView(buf.buffer, buf.byteOffset + offset, HEADER_LENGTH);
  const body = HEADER_LENGTH + v.getUint16(4);
  if ((v.getUint16(6) & Flag.AUTH) === 0) return body;
  if (buf.length - offset < body + 8) return null;
  return body + authBlockLength(buf, offset + body);
}

/** Decodes exactly one PDU; trailing bytes are an error (ERR_TRAILING), as a datagram holds one PDU. */
export function decodePdu(buf: Uint8Array): IsnsPdu {
  const header = decodeHeader(buf);
  requireBytes(buf, HEADER_LENGTH, header.pduLength, P, 'payload');
  const end = HEADER_LENGTH + header.pduLength;
  let authBlock: Uint8Array | null = null;
  let total = end;
  if (header.flags & Flag.AUTH) {
    const len = authBlockLength(buf, end);
    requireBytes(buf, end, len, P, 'authentication block');
    authBlock = buf.subarray(end, end + len);
    total = end + len;
  }
  if (buf.length !== total) throw new DecodeError(P, 'pdu', total, `${buf.length - total} byte(s) after the PDU`, 'ERR_TRAILING');
  return { header, payload: buf.subarray(HEADER_LENGTH, end), authBlock };
}

/** Header + payload (+ authentication block); `pduLength` is taken from the payload, not from `header`. */
export function encodePdu(header: Omit<IsnsHeader, 'pduLength'>, payload: Uint8Array, authBlock: Uint8Array | null = null): Buffer {
  if (payload.length > MAX_PDU_PAYLOAD) throw new RangeError(`isns: PDU payload of ${payload.length} bytes exceeds ${MAX_PDU_PAYLOAD}`);
  const flags = authBlock ? header.flags | Flag.AUTH : header.flags & ~Flag.AUTH;
  const out = Buffer.allocUnsafe(HEADER_LENGTH + payload.length + (authBlock?.length ?? 0));
  writeHeader({ ...header, flags, pduLength: payload.length }, out);
  out.set(payload, HEADER_LENGTH);
  if (authBlock) out.set(authBlock, HEADER_LENGTH + payload.length);
  return out;
}

export function encodingLengthPdu(payload: Uint8Array, authBlock: Uint8Array | null = null): number {
  return HEADER_LENGTH + payload.length + (authBlock?.length ?? 0);
}

/** "Client, Last PDU, First PDU" — the order Wireshark prints them in. */
export function describeFlags(flags: number): string {
  const names: string[] = [];
  if (flags & Flag.CLIENT) names.push('Client');
  if (flags & Flag.SERVER) names.push('Server');
  if (flags & Flag.AUTH) names.push('Auth');
  if (flags & Flag.REPLACE) names.push('Replace');
  if (flags & Flag.LAST_PDU) names.push('Last PDU');
  if (flags & Flag.FIRST_PDU) names.push('First PDU');
  return names.join(', ');
}
