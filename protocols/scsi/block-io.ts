// Block transfers — SBC-3 READ(6), READ(10), READ(12), READ(16), WRITE(6), WRITE(10), WRITE(16) and SYNCHRONIZE
// CACHE(10) (MMC-6 READ(10) and READ(12) have the same layout; Linux sd sends the (6) forms to a device that takes them,
// and Windows' disk class driver to a small removable disk). DPO, FUA and the group number are accepted and ignored;
// a non-zero RDPROTECT/WRPROTECT asks for protection information this device does not have.
import { ScsiOpcode, checkCdbField, invalidField, readCdb, readU64, writeU64 } from './cdb.js';

export interface BlockTransferCommand {
  op: 'read' | 'write';
  /** LOGICAL BLOCK ADDRESS of the first block. */
  lba: number;
  /** TRANSFER LENGTH in blocks; 0 moves nothing and is not an error. */
  blocks: number;
}

export interface SynchronizeCacheCommand {
  op: 'synchronize-cache';
  lba: number;
  /** NUMBER OF LOGICAL BLOCKS; 0 means from `lba` to the last block. */
  blocks: number;
}

/** Byte 1 [7:5] RDPROTECT / WRPROTECT: only 000b, no protection information (SBC-3, protection information). */
function checkProtect(cdb: Buffer, command: string): void {
  if ((cdb[1] & 0xe0) !== 0) throw invalidField(command, 'RDPROTECT/WRPROTECT', 1, 'protection information is not supported');
}

/** READ or WRITE in any of its sizes; `input[0]` must be one of their operation codes. */
export function decodeBlockTransfer(input: Uint8Array): BlockTransferCommand {
  const opcode = input[0];
  const op = opcode === ScsiOpcode.write6 || opcode === ScsiOpcode.write10 || opcode === ScsiOpcode.write16 ? 'write' : 'read';
  switch (opcode) {
    case ScsiOpcode.read6:
    case ScsiOpcode.write6: {
      // SBC-3 READ(6) / WRITE(6): byte 1 [4:0] and bytes 2-3 LOGICAL BLOCK ADDRESS (21 bits), byte 4 TRANSFER LENGTH,
      // where 0 means 256 blocks; no protection field
      const cdb = readCdb(input, 6, op === 'read' ? 'READ(6)' : 'WRITE(6)');
      return { op, lba: ((cdb[1] & 0x1f) << 16) | cdb.readUInt16BE(2), blocks: cdb[4] === 0 ? 256 : cdb[4] };
    }
    case ScsiOpcode.read10:
    case ScsiOpcode.write10: {
      // bytes 2-5 LOGICAL BLOCK ADDRESS, byte 6 GROUP NUMBER, bytes 7-8 TRANSFER LENGTH
      const cdb = readCdb(input, 10, op === 'read' ? 'READ(10)' : 'WRITE(10)');
      checkProtect(cdb, op === 'read' ? 'READ(10)' : 'WRITE(10)');
      return { op, lba: cdb.readUInt32BE(2), blocks: cdb.readUInt16BE(7) };
    }
    case ScsiOpcode.read12: {
      // bytes 2-5 LOGICAL BLOCK ADDRESS, bytes 6-9 TRANSFER LENGTH
      const cdb = readCdb(input, 12, 'READ(12)');
      checkProtect(cdb, 'READ(12)');
      return { op, lba: cdb.readUInt32BE(2), blocks: cdb.readUInt32BE(6) };
    }
    default: {
      // READ(16), WRITE(16): bytes 2-9 LOGICAL BLOCK ADDRESS, bytes 10-13 TRANSFER LENGTH
      const cdb = readCdb(input, 16, op === 'read' ? 'READ(16)' : 'WRITE(16)');
      checkProtect(cdb, op === 'read' ? 'READ(16)' : 'WRITE(16)');
      return { op, lba: readU64(cdb, 2), blocks: cdb.readUInt32BE(10) };
    }
  }
}

/** The largest LBA + blocks a (10) CDB can carry (32-bit LBA), and its largest TRANSFER LENGTH (16 bits). */
const LBA_LIMIT_10 = 0x1_0000_0000;
const BLOCKS_LIMIT_10 = 0xffff;

/** Whether a transfer needs READ(16) / WRITE(16): blocks past the 32-bit LBA range, or more than 65,535 of them (as Linux sd picks). */
export function needsCdb16(lba: number, blocks: number): boolean {
  return lba + blocks > LBA_LIMIT_10 || blocks > BLOCKS_LIMIT_10;
}

/** READ or WRITE of `blocks` blocks from `lba`: the (10) CDB when it can say it, else the (16) one; DPO, FUA, group 0. */
export function encodeBlockTransfer(c: BlockTransferCommand): Buffer {
  const sixteen = needsCdb16(c.lba, c.blocks);
  const name = `${c.op === 'read' ? 'READ' : 'WRITE'}(${sixteen ? 16 : 10})`;
  checkCdbField(name, 'LOGICAL BLOCK ADDRESS', c.lba, Number.MAX_SAFE_INTEGER);
  checkCdbField(name, 'TRANSFER LENGTH', c.blocks, 0xffffffff);
  if (sixteen) {
    const cdb = Buffer.alloc(16);
    cdb[0] = c.op === 'read' ? ScsiOpcode.read16 : ScsiOpcode.write16;
    writeU64(cdb, c.lba, 2);
    cdb.writeUInt32BE(c.blocks, 10);
    return cdb;
  }
  const cdb = Buffer.alloc(10);
  cdb[0] = c.op === 'read' ? ScsiOpcode.read10 : ScsiOpcode.write10;
  cdb.writeUInt32BE(c.lba, 2);
  cdb.writeUInt16BE(c.blocks, 7);
  return cdb;
}

/** SYNCHRONIZE CACHE(10) of the whole medium (LBA 0, NUMBER OF LOGICAL BLOCKS 0), as Linux sd sends it. */
export function encodeSynchronizeCache10(): Buffer {
  const cdb = Buffer.alloc(10);
  cdb[0] = ScsiOpcode.synchronizeCache10;
  return cdb;
}

/** SYNCHRONIZE CACHE(10): bytes 2-5 LOGICAL BLOCK ADDRESS, bytes 7-8 NUMBER OF LOGICAL BLOCKS; IMMED and SYNC_NV ignored. */
export function decodeSynchronizeCache10(input: Uint8Array): SynchronizeCacheCommand {
  const cdb = readCdb(input, 10, 'SYNCHRONIZE CACHE(10)');
  return { op: 'synchronize-cache', lba: cdb.readUInt32BE(2), blocks: cdb.readUInt16BE(7) };
}

/** Whether blocks [lba, lba + blocks) lie on a medium of `blockCount` blocks (else LOGICAL BLOCK ADDRESS OUT OF RANGE). */
export function inRange(lba: number, blocks: number, blockCount: number): boolean {
  return lba + blocks <= blockCount;
}
