// ASF Presence Ping / Pong — DMTF ASF 2.0 §3.2.4.1-3.2.4.3; the pong's "IPMI supported" bit is IPMI 2.0 §13.2.
import { DecodeError, requireBytes } from '../errors.js';
import { RMCP_HEADER_LENGTH, RmcpClass, decodeRmcpHeader, encodeRmcpHeader } from './header.js';

export const ASF_IANA = 4542; // 0x000011BE
export const AsfMessageType = { PRESENCE_PONG: 0x40, PRESENCE_PING: 0x80 } as const;
const ASF_HEADER_LENGTH = 8; // IANA(4) type(1) tag(1) reserved(1) data length(1)
const PONG_DATA_LENGTH = 16;

export interface AsfMessage {
  sequence: number;
  messageType: number;
  messageTag: number;
  data: Uint8Array;
}

export interface PresencePong {
  iana: number;
  oem: number;
  /** Bit 7: IPMI supported; bits 3:0: ASF version (1 = 1.0). */
  supportedEntities: number;
  supportedInteractions: number;
}

/** Decodes a whole RMCP datagram of class ASF. */
export function decodeAsf(buf: Uint8Array): AsfMessage {
  const rmcp = decodeRmcpHeader(buf);
  if (rmcp.messageClass !== RmcpClass.ASF) throw new DecodeError('asf', 'class', 3, 'not an ASF message', 'ERR_CLASS');
  const o = RMCP_HEADER_LENGTH;
  requireBytes(buf, o, ASF_HEADER_LENGTH, 'asf', 'header');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const iana = dv.getUint32(o);
  if (iana !== ASF_IANA) throw new DecodeError('asf', 'iana', o, `expected ${ASF_IANA}, got ${iana}`, 'ERR_IANA');
  const len = buf[o + 7];
  requireBytes(buf, o + ASF_HEADER_LENGTH, len, 'asf', 'data');
  return { sequence: rmcp.sequence, messageType: buf[o + 4], messageTag: buf[o + 5], data: buf.subarray(o + 8, o + 8 + len) };
}

export function encodeAsf(msg: AsfMessage): Buffer {
  const out = Buffer.alloc(encodingLengthAsf(msg));
  let o = encodeRmcpHeader({ messageClass: RmcpClass.ASF, sequence: msg.sequence }, out);
  out.writeUInt32BE(ASF_IANA, o);
  out[o + 4] = msg.messageType;
  out[o + 5] = msg.messageTag;
  out[o + 6] = 0;
  out[o + 7] = msg.data.length;
  out.set(msg.data, o + 8);
  return out;
}

export function encodingLengthAsf(msg: AsfMessage): number {
  return RMCP_HEADER_LENGTH + ASF_HEADER_LENGTH + msg.data.length;
}

export function encodePresencePing(sequence: number, messageTag: number): Buffer {
  return encodeAsf({ sequence, messageType: AsfMessageType.PRESENCE_PING, messageTag, data: new Uint8Array(0) });
}

/** Pong answering `ping`: same RMCP sequence and message tag (ASF 2.0 §3.2.4.3). */
export function encodePresencePong(ping: AsfMessage, pong: Partial<PresencePong> = {}): Buffer {
  const data = Buffer.alloc(PONG_DATA_LENGTH);
  data.writeUInt32BE(pong.iana ?? ASF_IANA, 0);
  data.writeUInt32BE(pong.oem ?? 0, 4);
  data[8] = pong.supportedEntities ?? 0x81; // IPMI supported, ASF 1.0
  data[9] = pong.supportedInteractions ?? 0x00;
  return encodeAsf({ sequence: ping.sequence, messageType: AsfMessageType.PRESENCE_PONG, messageTag: ping.messageTag, data });
}

export function decodePresencePong(msg: AsfMessage): PresencePong {
  if (msg.messageType !== AsfMessageType.PRESENCE_PONG) throw new DecodeError('asf', 'messageType', 4, 'not a presence pong', 'ERR_TYPE');
  requireBytes(msg.data, 0, PONG_DATA_LENGTH, 'asf', 'pong');
  const dv = new DataView(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength);
  return { iana: dv.getUint32(0), oem: dv.getUint32(4), supportedEntities: msg.data[8], supportedInteractions: msg.data[9] };
}
