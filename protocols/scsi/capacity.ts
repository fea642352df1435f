// READ CAPACITY(10) and READ CAPACITY(16) — SBC-3, READ CAPACITY commands (MMC-6 READ CAPACITY for the CD-ROM
// returns the same 8 bytes). (16) is SERVICE ACTION IN(16), opcode 9Eh with service action 10h.
// The obsolete LOGICAL BLOCK ADDRESS and PMI fields are ignored: the answer is always the last LBA.
import { requireBytes } from '../errors.js';
import { PROTO, ScsiOpcode, checkCdbField, invalidField, readCdb, readU64, writeU64 } from './cdb.js';

export const READ_CAPACITY_16_SERVICE_ACTION = 0x10;
export const READ_CAPACITY_10_LENGTH = 8;
export const READ_CAPACITY_16_LENGTH = 32;
/** RETURNED LOGICAL BLOCK ADDRESS of READ CAPACITY(10) when the last LBA needs more than 32 bits: ask (16). */
export const CAPACITY_10_OVERFLOW = 0xffffffff;

/** What a host reads from either answer: the last LBA (blockCount - 1) and the block length. */
export interface CapacityData {
  lastLba: number;
  blockSize: number;
}

export interface ReadCapacity10Command {
  op: 'read-capacity-10';
}

export interface ReadCapacity16Command {
  op: 'read-capacity-16';
  allocationLength: number;
}

/** READ CAPACITY(10): the operation code, the obsolete LBA and PMI left 0. */
export function encodeReadCapacity10(): Buffer {
  const cdb = Buffer.alloc(10);
  cdb[0] = ScsiOpcode.readCapacity10;
  return cdb;
}

/** READ CAPACITY(16): SERVICE ACTION IN(16) with service action 10h and ALLOCATION LENGTH (32: all of it). */
export function encodeReadCapacity16(allocationLength = READ_CAPACITY_16_LENGTH): Buffer {
  checkCdbField('READ CAPACITY(16)', 'ALLOCATION LENGTH', allocationLength, 0xffffffff);
  const cdb = Buffer.alloc(16);
  cdb[0] = ScsiOpcode.serviceActionIn16;
  cdb[1] = READ_CAPACITY_16_SERVICE_ACTION;
  cdb.writeUInt32BE(allocationLength, 10);
  return cdb;
}

export function decodeReadCapacity10(input: Uint8Array): ReadCapacity10Command {
  readCdb(input, 10, 'READ CAPACITY(10)');
  return { op: 'read-capacity-10' };
}

/** SERVICE ACTION IN(16): byte 1 [4:0] SERVICE ACTION, bytes 10-13 ALLOCATION LENGTH; other service actions are refused. */
export function decodeServiceActionIn16(input: Uint8Array): ReadCapacity16Command {
  const cdb = readCdb(input, 16, 'SERVICE ACTION IN(16)');
  const serviceAction = cdb[1] & 0x1f;
  if (serviceAction !== READ_CAPACITY_16_SERVICE_ACTION) {
    throw invalidField('SERVICE ACTION IN(16)', 'SERVICE ACTION', 1, `service action 0x${serviceAction.toString(16)} is not supported`);
  }
  return { op: 'read-capacity-16', allocationLength: cdb.readUInt32BE(10) };
}

/** READ CAPACITY(10) parameter data: RETURNED LOGICAL BLOCK ADDRESS (FFFFFFFFh when it does not fit: use (16)), BLOCK LENGTH. */
export function readCapacity10Data(blockCount: number, blockSize: number): Buffer {
  const out = Buffer.alloc(READ_CAPACITY_10_LENGTH);
  const lastLba = Math.max(0, blockCount - 1);
  out.writeUInt32BE(Math.min(lastLba, CAPACITY_10_OVERFLOW), 0);
  out.writeUInt32BE(blockSize, 4);
  return out;
}

/** READ CAPACITY(16) parameter data: 32 bytes; no protection, one logical block per physical block, no provisioning. */
export function readCapacity16Data(blockCount: number, blockSize: number): Buffer {
  const out = Buffer.alloc(READ_CAPACITY_16_LENGTH);
  writeU64(out, Math.max(0, blockCount - 1), 0); // RETURNED LOGICAL BLOCK ADDRESS, bytes 0-7
  out.writeUInt32BE(blockSize, 8); // LOGICAL BLOCK LENGTH IN BYTES
  // byte 12: P_TYPE, PROT_EN = 0; byte 13: P_I_EXPONENT, LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT = 0;
  // bytes 14-15: LBPME, LBPRZ, LOWEST ALIGNED LOGICAL BLOCK ADDRESS = 0; bytes 16-31 reserved
  return out;
}

/** READ CAPACITY(10) parameter data as a host reads it; lastLba CAPACITY_10_OVERFLOW means "ask READ CAPACITY(16)". */
export function decodeReadCapacity10Data(buf: Uint8Array): CapacityData {
  requireBytes(buf, 0, READ_CAPACITY_10_LENGTH, PROTO, 'READ CAPACITY(10) data');
  const v = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  return { lastLba: v.readUInt32BE(0), blockSize: v.readUInt32BE(4) };
}

/** READ CAPACITY(16) parameter data as a host reads it: bytes 0-7 the last LBA, 8-11 the block length; the rest unused. */
export function decodeReadCapacity16Data(buf: Uint8Array): CapacityData {
  requireBytes(buf, 0, 12, PROTO, 'READ CAPACITY(16) data');
  const v = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  return { lastLba: readU64(v, 0), blockSize: v.readUInt32BE(8) };
}
