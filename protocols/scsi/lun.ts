// The 8-byte LUN field — SAM-5 §4.7 (logical unit number structure), as SCSI transports carry it (iSCSI BHS
// bytes 8-15, REPORT LUNS entries). Single-level addressing only: LUNs 0-255 in the peripheral device method
// (§4.7.7, byte 0 = 00h, byte 1 = LUN), 256-16383 in the flat space method (§4.7.8, byte 0 = 01b << 6 | LUN >> 8).
import { DecodeError } from '../errors.js';
import { PROTO } from './cdb.js';

export const LUN_FIELD_LENGTH = 8;
/** The largest LUN single-level flat space addressing holds (14 bits). */
export const MAX_LUN = 16383;

const PERIPHERAL_DEVICE = 0b00;
const FLAT_SPACE = 0b01;

export function encodeLun(lun: number, out: Buffer = Buffer.alloc(LUN_FIELD_LENGTH), offset = 0): Buffer {
  if (!Number.isInteger(lun) || lun < 0 || lun > MAX_LUN) throw new RangeError(`LUN ${lun} is outside 0..${MAX_LUN}`);
  out.fill(0, offset, offset + LUN_FIELD_LENGTH);
  if (lun < 256) {
    out[offset + 1] = lun; // ADDRESS METHOD 00b, BUS IDENTIFIER 0
  } else {
    out[offset] = (FLAT_SPACE << 6) | (lun >> 8);
    out[offset + 1] = lun & 0xff;
  }
  return out;
}

/** The LUN of a single-level address; a second level, or another addressing method, is not a LUN of this device. */
export function decodeLun(field: Uint8Array, offset = 0): number {
  if (field.length < offset + LUN_FIELD_LENGTH) {
    throw new DecodeError(PROTO, 'LUN', offset, `needs ${LUN_FIELD_LENGTH} bytes`, 'ERR_TRUNCATED');
  }
  for (let i = 2; i < LUN_FIELD_LENGTH; i++) {
    if (field[offset + i] !== 0) throw new DecodeError(PROTO, 'LUN', offset + i, 'a second addressing level is not supported', 'ERR_SCSI_LUN');
  }
  const method = field[offset] >> 6;
  if (method === PERIPHERAL_DEVICE && (field[offset] & 0x3f) === 0) return field[offset + 1];
  if (method === FLAT_SPACE) return ((field[offset] & 0x3f) << 8) | field[offset + 1];
  throw new DecodeError(PROTO, 'LUN', offset, `address method ${method} (byte 0x${field[offset].toString(16)}) is not supported`, 'ERR_SCSI_LUN');
}
