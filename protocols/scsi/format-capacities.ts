// READ FORMAT CAPACITIES — MMC-6 §6.24 (the UFI command set's, INCITS/USB UFI 1.0 §4.10, is the same): Windows asks a
// removable USB disk for it before anything else, and Linux's USB gadget mass-storage answers it for both its disks and
// CD-ROMs. The answer is the Capacity List Header and one Current/Maximum Capacity Descriptor for the medium in the
// drive, formatted; no Formattable Capacity Descriptors (the medium cannot be formatted). An empty drive gets NOT READY
// (the logical unit answers it before this), as the gadget does.
import { readCdb } from './cdb.js';

/** DESCRIPTOR TYPE, byte 4 [1:0] of the Current/Maximum Capacity Descriptor. */
export const CapacityDescriptorType = { unformatted: 0b01, formatted: 0b10, noMedium: 0b11 } as const;

export interface ReadFormatCapacitiesCommand {
  op: 'read-format-capacities';
  allocationLength: number;
}

/** CDB: byte 0 23h, bytes 7-8 ALLOCATION LENGTH; the rest reserved (byte 1 [7:5] the obsolete LUN in UFI). */
export function decodeReadFormatCapacities(input: Uint8Array): ReadFormatCapacitiesCommand {
  const cdb = readCdb(input, 10, 'READ FORMAT CAPACITIES');
  return { op: 'read-format-capacities', allocationLength: cdb.readUInt16BE(7) };
}

export const FORMAT_CAPACITIES_LENGTH = 12;

/** The whole answer for a formatted medium of `blockCount` blocks of `blockSize` bytes. */
export function formatCapacitiesData(blockCount: number, blockSize: number): Buffer {
  const out = Buffer.alloc(FORMAT_CAPACITIES_LENGTH);
  // Capacity List Header: bytes 0-2 reserved, byte 3 CAPACITY LIST LENGTH (8 per descriptor after the header)
  out[3] = FORMAT_CAPACITIES_LENGTH - 4;
  // Current/Maximum Capacity Descriptor: bytes 0-3 NUMBER OF BLOCKS, byte 4 DESCRIPTOR TYPE, bytes 5-7 BLOCK LENGTH
  out.writeUInt32BE(Math.min(blockCount, 0xffffffff), 4);
  out.writeUInt32BE(blockSize & 0xffffff, 8);
  out[8] = CapacityDescriptorType.formatted;
  return out;
}
