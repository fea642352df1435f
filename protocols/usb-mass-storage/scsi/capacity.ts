// READ CAPACITY(10) and READ CAPACITY(16) — SBC-3, READ CAPACITY commands (MMC-6 READ CAPACITY for the CD-ROM
// returns the same 8 bytes). (16) is SERVICE ACTION IN(16), opcode 9Eh with service action 10h.
// The obsolete LOGICAL BLOCK ADDRESS and PMI fields are ignored: the answer is always the last LBA.
import { invalidField, readCdb } from './cdb.js';

export const READ_CAPACITY_16_SERVICE_ACTION = 0x10;

export interface ReadCapacity10Command {
  op: 'read-capacity-10';
}

export interface ReadCapacity16Command {
  op: 'read-capacity-16';
  allocationLength: number;
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
  const out = Buffer.alloc(8);
  const lastLba = Math.max(0, blockCount - 1);
  out.writeUInt32BE(Math.min(lastLba, 0xffffffff), 0);
  out.writeUInt32BE(blockSize, 4);
  return out;
}

/** READ CAPACITY(16) parameter data: 32 bytes; no protection, one logical block per physical block, no provisioning. */
export function readCapacity16Data(blockCount: number, blockSize: number): Buffer {
  const out = Buffer.alloc(32);
  const lastLba = Math.max(0, blockCount - 1);
  out.writeUInt32BE(Math.floor(lastLba / 0x1_0000_0000), 0); // RETURNED LOGICAL BLOCK ADDRESS, bytes 0-7
  out.writeUInt32BE(lastLba % 0x1_0000_0000, 4);
  out.writeUInt32BE(blockSize, 8); // LOGICAL BLOCK LENGTH IN BYTES
  // byte 12: P_TYPE, PROT_EN = 0; byte 13: P_I_EXPONENT, LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT = 0;
  // bytes 14-15: LBPME, LBPRZ, LOWEST ALIGNED LOGICAL BLOCK ADDRESS = 0; bytes 16-31 reserved
  return out;
}
