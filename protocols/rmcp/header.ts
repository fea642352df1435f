// RMCP header — DMTF ASF 2.0 §3.2.2.1 (IPMI 2.0 §13.1.3): version, reserved, sequence, class.
import { DecodeError, requireBytes } from '../errors.js';

export const RMCP_VERSION_1_0 = 0x06;
export const RMCP_HEADER_LENGTH = 4;
/** Sequence number 0xFF means "no RMCP ACK" — what every IPMI message uses (IPMI 2.0 §13.1.3). */
export const RMCP_SEQ_NO_ACK = 0xff;

export const RmcpClass = {
  ASF: 0x06,
  IPMI: 0x07,
  OEM: 0x08,
} as const;

export interface RmcpHeader {
  version: number;
  sequence: number;
  /** Low five bits of the class byte. */
  messageClass: number;
  /** Bit 7 of the class byte: this is an RMCP ACK. */
  ack: boolean;
}

export function decodeRmcpHeader(buf: Uint8Array, offset = 0): RmcpHeader {
  requireBytes(buf, offset, RMCP_HEADER_LENGTH, 'rmcp', 'header');
  const version = buf[offset];
  if (version !== RMCP_VERSION_1_0) {
    throw new DecodeError('rmcp', 'version', offset, `unsupported version 0x${version.toString(16)}`, 'ERR_VERSION');
  }
  const cls = buf[offset + 3];
  return { version, sequence: buf[offset + 2], messageClass: cls & 0x1f, ack: (cls & 0x80) !== 0 };
}

export function encodeRmcpHeader(h: Pick<RmcpHeader, 'messageClass'> & Partial<RmcpHeader>, buf: Uint8Array, offset = 0): number {
  buf[offset] = RMCP_VERSION_1_0;
  buf[offset + 1] = 0;
  buf[offset + 2] = h.sequence ?? RMCP_SEQ_NO_ACK;
  buf[offset + 3] = (h.messageClass & 0x1f) | (h.ack ? 0x80 : 0);
  return offset + RMCP_HEADER_LENGTH;
}
