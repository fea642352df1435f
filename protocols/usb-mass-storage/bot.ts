// USB Mass Storage Class Bulk-Only Transport 1.0: the Command Block Wrapper (§5.1, Table 5.1) and the
// Command Status Wrapper (§5.2, Table 5.2). Both are little-endian and of fixed length.
//
// A CBW is valid (§6.2.1) when it is 31 bytes long and carries the signature; it is meaningful (§6.2.2)
// when no reserved bit is set, the LUN exists and bCBWCBLength is 1..16. Either failure is a DecodeError
// here: the device stalls both bulk endpoints until a reset recovery (§6.6.1), as Linux's f_mass_storage
// gadget does for both.
import { DecodeError } from '../errors.js';

const PROTO = 'usb-bot';

export const CBW_LENGTH = 31;
export const CSW_LENGTH = 13;
/** dCBWSignature: "USBC" on the wire (§5.1). */
export const CBW_SIGNATURE = 0x43425355;
/** dCSWSignature: "USBS" on the wire (§5.2). */
export const CSW_SIGNATURE = 0x53425355;
/** bCBWCBLength's valid range is 1..16 (§5.1). */
export const MAX_CB_LENGTH = 16;
/** bmCBWFlags bit 7 (§5.1): data from device to host; bits 6..0 are reserved. */
export const CBW_FLAG_DATA_IN = 0x80;

/** bCSWStatus (§5.2, Table 5.3); 03h..FFh are reserved. */
export const CswStatus = { passed: 0x00, failed: 0x01, phaseError: 0x02 } as const;
export type CswStatus = (typeof CswStatus)[keyof typeof CswStatus];

/** Stable DecodeError codes of this file. */
export const BotError = {
  cbwLength: 'ERR_CBW_LENGTH',
  cbwSignature: 'ERR_CBW_SIGNATURE',
  cbwFlags: 'ERR_CBW_FLAGS',
  cbwLun: 'ERR_CBW_LUN',
  cbwCbLength: 'ERR_CBW_CB_LENGTH',
  cswLength: 'ERR_CSW_LENGTH',
  cswSignature: 'ERR_CSW_SIGNATURE',
  cswStatus: 'ERR_CSW_STATUS',
} as const;

export interface CommandBlockWrapper {
  /** dCBWTag: echoed in the CSW. */
  tag: number;
  /** dCBWDataTransferLength: bytes the host expects to move in the data phase (H). */
  dataTransferLength: number;
  /** bmCBWFlags bit 7: true when the data phase is device to host. */
  dataIn: boolean;
  /** bCBWLUN [3:0]. */
  lun: number;
  /** CBWCB: the command block, bCBWCBLength bytes; on decode a view into the input, not a copy. */
  cb: Buffer;
}

export interface CommandStatusWrapper {
  /** dCSWTag: the dCBWTag of the command it ends. */
  tag: number;
  /** dCSWDataResidue: what the host expected less what the device moved (or processed). */
  dataResidue: number;
  status: CswStatus;
}

function view(buf: Uint8Array): Buffer {
  return Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Decodes one CBW, the whole content of a bulk OUT transfer received after a CSW or a reset. */
export function decodeCbw(input: Uint8Array, maxLun = 0): CommandBlockWrapper {
  const buf = view(input);
  if (buf.length !== CBW_LENGTH) {
    throw new DecodeError(PROTO, 'CBW', 0, `is ${buf.length} bytes, must be ${CBW_LENGTH} (BOT 1.0 §6.2.1)`, BotError.cbwLength);
  }
  const signature = buf.readUInt32LE(0);
  if (signature !== CBW_SIGNATURE) {
    throw new DecodeError(PROTO, 'dCBWSignature', 0, `0x${signature.toString(16).padStart(8, '0')} is not 43425355h`, BotError.cbwSignature);
  }
  const flags = buf[12];
  if ((flags & ~CBW_FLAG_DATA_IN) !== 0) {
    throw new DecodeError(PROTO, 'bmCBWFlags', 12, `reserved bits set in 0x${flags.toString(16)}`, BotError.cbwFlags);
  }
  const lun = buf[13];
  if (lun > maxLun) {
    throw new DecodeError(PROTO, 'bCBWLUN', 13, `LUN ${lun} is above the highest LUN ${maxLun}`, BotError.cbwLun);
  }
  const cbLength = buf[14];
  if (cbLength < 1 || cbLength > MAX_CB_LENGTH) {
    throw new DecodeError(PROTO, 'bCBWCBLength', 14, `${cbLength} is outside 1..${MAX_CB_LENGTH}`, BotError.cbwCbLength);
  }
  return {
    tag: buf.readUInt32LE(4),
    dataTransferLength: buf.readUInt32LE(8),
    dataIn: flags === CBW_FLAG_DATA_IN,
    lun,
    cb: buf.subarray(15, 15 + cbLength),
  };
}

function checkU32(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`BOT ${field} ${value} is not a 32-bit unsigned integer`);
}

/** The 31-byte CBW, the command block zero-padded to 16 bytes. */
export function encodeCbw(cbw: CommandBlockWrapper): Buffer {
  checkU32(cbw.tag, 'tag');
  checkU32(cbw.dataTransferLength, 'dataTransferLength');
  if (!Number.isInteger(cbw.lun) || cbw.lun < 0 || cbw.lun > 15) throw new RangeError(`BOT lun ${cbw.lun} is outside 0..15`);
  if (cbw.cb.length < 1 || cbw.cb.length > MAX_CB_LENGTH) throw new RangeError(`BOT command block of ${cbw.cb.length} bytes is outside 1..16`);
  const out = Buffer.alloc(CBW_LENGTH);
  out.writeUInt32LE(CBW_SIGNATURE, 0);
  out.writeUInt32LE(cbw.tag, 4);
  out.writeUInt32LE(cbw.dataTransferLength, 8);
  out[12] = cbw.dataIn ? CBW_FLAG_DATA_IN : 0;
  out[13] = cbw.lun;
  out[14] = cbw.cb.length;
  out.set(cbw.cb, 15);
  return out;
}

/** Decodes a CSW as a host reads it (BOT 1.0 §6.3: valid = 13 bytes and the signature; meaningful = status 0..2). */
export function decodeCsw(input: Uint8Array): CommandStatusWrapper {
  const buf = view(input);
  if (buf.length !== CSW_LENGTH) {
    throw new DecodeError(PROTO, 'CSW', 0, `is ${buf.length} bytes, must be ${CSW_LENGTH} (BOT 1.0 §6.3.1)`, BotError.cswLength);
  }
  const signature = buf.readUInt32LE(0);
  if (signature !== CSW_SIGNATURE) {
    throw new DecodeError(PROTO, 'dCSWSignature', 0, `0x${signature.toString(16).padStart(8, '0')} is not 53425355h`, BotError.cswSignature);
  }
  const status = buf[12];
  if (status > CswStatus.phaseError) {
    throw new DecodeError(PROTO, 'bCSWStatus', 12, `0x${status.toString(16)} is reserved`, BotError.cswStatus);
  }
  return { tag: buf.readUInt32LE(4), dataResidue: buf.readUInt32LE(8), status: status as CswStatus };
}

/** The 13-byte CSW. A fresh buffer each time: the caller may queue it on a socket. */
export function encodeCsw(csw: CommandStatusWrapper): Buffer {
  checkU32(csw.tag, 'tag');
  checkU32(csw.dataResidue, 'dataResidue');
  const out = Buffer.allocUnsafe(CSW_LENGTH);
  out.writeUInt32LE(CSW_SIGNATURE, 0);
  out.writeUInt32LE(csw.tag, 4);
  out.writeUInt32LE(csw.dataResidue, 8);
  out[12] = csw.status;
  return out;
}
