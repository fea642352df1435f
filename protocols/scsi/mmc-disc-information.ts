// READ DISC INFORMATION — MMC-6 §6.22, Standard Disc Information (data type 000b) of the only disc this drive
// holds: a finalized CD-ROM, one complete session with one track. A DVD-ROM answers the same (DISC TYPE 00h is what
// a non-CD disc reports).
import { invalidField, readCdb } from './cdb.js';

export interface ReadDiscInformationCommand {
  op: 'read-disc-information';
  allocationLength: number;
}

/** CDB: byte 1 [2:0] DATA TYPE (only 000b, standard disc information), bytes 7-8 ALLOCATION LENGTH. */
export function decodeReadDiscInformation(input: Uint8Array): ReadDiscInformationCommand {
  const cdb = readCdb(input, 10, 'READ DISC INFORMATION');
  const dataType = cdb[1] & 0x07;
  if (dataType !== 0) throw invalidField('READ DISC INFORMATION', 'DATA TYPE', 1, `data type ${dataType} is not supported`);
  return { op: 'read-disc-information', allocationLength: cdb.readUInt16BE(7) };
}

export const DISC_INFORMATION_LENGTH = 34;

/** Standard Disc Information, whole. */
export function discInformationData(): Buffer {
  const out = Buffer.alloc(DISC_INFORMATION_LENGTH);
  out.writeUInt16BE(DISC_INFORMATION_LENGTH - 2, 0); // DISC INFORMATION LENGTH: bytes after itself
  out[2] = 0x0e; // DATA TYPE 000b, ERASABLE 0, STATE OF LAST SESSION 11b complete, DISC STATUS 10b finalized
  out[3] = 1; // NUMBER OF FIRST TRACK ON DISC
  out[4] = 1; // NUMBER OF SESSIONS (LSB)
  out[5] = 1; // FIRST TRACK NUMBER IN LAST SESSION (LSB)
  out[6] = 1; // LAST TRACK NUMBER IN LAST SESSION (LSB)
  out[7] = 0x20; // DID_V, DBC_V = 0; URU (5) = 1: unrestricted use; DAC_V = 0; BG FORMAT STATUS = 0
  out[8] = 0x00; // DISC TYPE: CD-DA or CD-ROM
  // bytes 9-11: the MSBs of the counts above = 0; bytes 12-15 DISC IDENTIFICATION = 0
  out.writeUInt32BE(0xffffffff, 16); // LAST SESSION LEAD-IN START ADDRESS: none, the disc is finalized
  out.writeUInt32BE(0xffffffff, 20); // LAST POSSIBLE LEAD-OUT START ADDRESS: none
  // bytes 24-31 DISC BAR CODE = 0, byte 32 DISC APPLICATION CODE = 0, byte 33 NUMBER OF OPC TABLES = 0
  return out;
}
