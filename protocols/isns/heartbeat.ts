// Name Service Heartbeat payload — RFC 4171 §5.6.5.14: sent by the server over UDP broadcast/multicast,
// never answered; no TLVs. Field order as Wireshark's iSNS dissector reads it.
//
//   bytes 0-15   Heartbeat IP Address (16-byte form, see ip-address.ts)
//   bytes 16-17  Heartbeat TCP Port      bytes 20-23  Heartbeat Interval (seconds)
//   bytes 18-19  Heartbeat UDP Port      bytes 24-27  Heartbeat Counter
import { requireBytes } from '../errors.js';
import { formatIsnsAddress, writeIsnsAddress } from './ip-address.js';

export const HEARTBEAT_LENGTH = 28;

export interface Heartbeat {
  address: string;
  tcpPort: number;
  udpPort: number;
  intervalSeconds: number;
  counter: number;
}

/** Reads the 28 fixed bytes; anything after them (an authentication block is separate) is ignored. */
export function decodeHeartbeat(payload: Uint8Array): Heartbeat {
  requireBytes(payload, 0, HEARTBEAT_LENGTH, 'isns', 'heartbeat');
  const v = new DataView(payload.buffer, payload.byteOffset, HEARTBEAT_LENGTH);
  return {
    address: formatIsnsAddress(payload, 0),
    tcpPort: v.getUint16(16),
    udpPort: v.getUint16(18),
    intervalSeconds: v.getUint32(20),
    counter: v.getUint32(24),
  };
}

export function encodeHeartbeat(h: Heartbeat): Buffer {
  const out = Buffer.alloc(HEARTBEAT_LENGTH);
  writeIsnsAddress(h.address, out, 0);
  out.writeUInt16BE(h.tcpPort, 16);
  out.writeUInt16BE(h.udpPort, 18);
  out.writeUInt32BE(h.intervalSeconds, 20);
  out.writeUInt32BE(h.counter, 24);
  return out;
}

export function encodingLengthHeartbeat(): number {
  return HEARTBEAT_LENGTH;
}
