// SOL payload (RMCP+ payload type 01h) — IPMI 2.0 §15.9, Table 15-2 (BMC to remote console) and Table 15-3
// (remote console to BMC): a 4-byte header, then character data.
import { requireBytes } from '../errors.js';

const PROTO = 'sol';

/** Header bytes before the character data. */
export const SOL_HEADER_LENGTH = 4;
/** Packet sequence numbers run 1..15 (4 bits); 0 marks an ACK-only packet. */
export const SOL_MAX_SEQUENCE = 15;
/** The accepted character count is one byte, so one packet acknowledges at most 255 characters. */
export const SOL_MAX_ACCEPTED = 255;

/** Byte 4, BMC to remote console (Table 15-2). Bits [7], [1:0] reserved. */
export const BmcStatus = {
  NACK: 0x40,
  /** Character transfer unavailable: the BMC cannot deliver characters to the baseboard serial controller. */
  TRANSFER_UNAVAILABLE: 0x20,
  /** SOL deactivating: the payload is being deactivated, this is the last packet. */
  DEACTIVATING: 0x10,
  /** Characters from the baseboard were dropped between the previous packet and this one. */
  TRANSMIT_OVERRUN: 0x08,
  /** A break was detected on the baseboard serial port. */
  BREAK_DETECTED: 0x04,
} as const;

/** Byte 4, remote console to BMC (Table 15-3). Bit [7] reserved. */
export const ConsoleOperation = {
  NACK: 0x40,
  /** Assert RI (ring indicator / wake on ring). */
  RING_WOR: 0x20,
  /** Generate a break on the baseboard serial port. */
  GENERATE_BREAK: 0x10,
  /** Deassert CTS to the baseboard (pause). */
  CTS_PAUSE: 0x08,
  /** Deassert DCD/DSR to the baseboard. */
  DROP_DCD_DSR: 0x04,
  /** Flush the BMC's buffer of characters going to the baseboard. */
  FLUSH_INBOUND: 0x02,
  /** Flush the BMC's buffer of characters going to the remote console. */
  FLUSH_OUTBOUND: 0x01,
} as const;

export interface SolPacket {
  /** Byte 1 [3:0]: packet sequence number, 1..15; 0 = ACK-only packet (no character data). */
  sequence: number;
  /** Byte 2 [3:0]: sequence number of the packet being ACKed/NACKed; 0 = nothing acknowledged. */
  ackSequence: number;
  /** Byte 3: how many characters of the acknowledged packet were accepted. */
  acceptedCount: number;
  /** Byte 4: operation (console to BMC, ConsoleOperation) or status (BMC to console, BmcStatus) bits. */
  operation: number;
  /** Character data; on decode a view into the input buffer, not a copy. */
  data: Uint8Array;
}

export function decodeSolPacket(buf: Uint8Array): SolPacket {
  requireBytes(buf, 0, SOL_HEADER_LENGTH, PROTO, 'header');
  // Bits [7:4] of bytes 1 and 2 are reserved; real consoles (ipmitool, ipmi_sim) mask them, so do we.
  return {
    sequence: buf[0] & 0x0f,
    ackSequence: buf[1] & 0x0f,
    acceptedCount: buf[2],
    operation: buf[3] & 0x7f,
    data: buf.subarray(SOL_HEADER_LENGTH),
  };
}

export function encodingLengthSolPacket(p: Pick<SolPacket, 'data'>): number {
  return SOL_HEADER_LENGTH + p.data.length;
}

function checkField(value: number, max: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`SOL ${field} ${value} is outside 0..${max}`);
}

/** Writes `p` at `offset` of `out`; returns the number of bytes written. */
export function encodeSolPacketInto(p: SolPacket, out: Uint8Array, offset = 0): number {
  checkField(p.sequence, SOL_MAX_SEQUENCE, 'sequence');
  checkField(p.ackSequence, SOL_MAX_SEQUENCE, 'ackSequence');
  checkField(p.acceptedCount, SOL_MAX_ACCEPTED, 'acceptedCount');
  checkField(p.operation, 0x7f, 'operation');
  const length = encodingLengthSolPacket(p);
  if (offset + length > out.length) throw new RangeError(`SOL packet needs ${length} bytes at offset ${offset}`);
  out[offset] = p.sequence;
  out[offset + 1] = p.ackSequence;
  out[offset + 2] = p.acceptedCount;
  out[offset + 3] = p.operation;
  out.set(p.data, offset + SOL_HEADER_LENGTH);
  return length;
}

export function encodeSolPacket(p: SolPacket): Buffer {
  const out = Buffer.allocUnsafe(encodingLengthSolPacket(p));
  encodeSolPacketInto(p, out);
  return out;
}
