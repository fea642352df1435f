// The Basic Header Segment — RFC 7143 §11.2.1: every iSCSI PDU opens with 48 bytes
//   byte 0      . | I | opcode (6 bits)
//   byte 1      F | opcode-specific
//   bytes 2-3   opcode-specific
//   byte 4      TotalAHSLength (4-byte words)
//   bytes 5-7   DataSegmentLength (bytes, without padding)
//   bytes 8-15  LUN or opcode-specific
//   bytes 16-19 Initiator Task Tag
//   bytes 20-47 opcode-specific
// then the Additional Header Segments (§11.2.2), then the data segment padded to 4 bytes (§11.2.3).
import { DecodeError, requireBytes } from '../errors.js';

export const PROTO = 'iscsi';
export const BHS_LENGTH = 48;

/** Operation codes (§11.2.1.2): initiator opcodes 00h-1Fh, target opcodes 20h-3Fh. */
export const Opcode = {
  nopOut: 0x00,
  scsiCommand: 0x01,
  taskManagementRequest: 0x02,
  loginRequest: 0x03,
  textRequest: 0x04,
  dataOut: 0x05,
  logoutRequest: 0x06,
  snackRequest: 0x10,
  nopIn: 0x20,
  scsiResponse: 0x21,
  taskManagementResponse: 0x22,
  loginResponse: 0x23,
  textResponse: 0x24,
  dataIn: 0x25,
  logoutResponse: 0x26,
  r2t: 0x31,
  asyncMessage: 0x32,
  reject: 0x3f,
} as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** The reserved tag 0xffffffff (§11.2.1.8, §11.18.3): "no task", "no answer wanted", "no target transfer tag". */
export const RESERVED_TAG = 0xffffffff;

/** DecodeError codes of iSCSI input. */
export const IscsiError = {
  truncated: 'ERR_TRUNCATED',
  /** A reserved or unknown operation code. */
  opcode: 'ERR_ISCSI_OPCODE',
  /** A field with a value the PDU cannot have. */
  field: 'ERR_ISCSI_FIELD',
  /** A data segment longer than the receiver declared it takes (MaxRecvDataSegmentLength, §13.12). */
  tooLong: 'ERR_ISCSI_DATA_TOO_LONG',
  /** Text data that is not key=value pairs (§6.1). */
  text: 'ERR_ISCSI_TEXT',
} as const;

/** Bytes a data segment of `length` takes on the wire: padded to a 4-byte boundary (§11.2.3). */
export function paddedLength(length: number): number {
  return (length + 3) & ~3;
}

/** The fields every BHS carries. */
export interface BhsCommon {
  opcode: number;
  /** I bit: an immediate PDU (initiator opcodes only). */
  immediate: boolean;
  /** Byte 1 bit 7. */
  final: boolean;
  /** Byte 1, all of it (opcode-specific flags). */
  flags: number;
  totalAhsLength: number;
  dataSegmentLength: number;
  initiatorTaskTag: number;
}

export function readBhs(header: Buffer): BhsCommon {
  requireBytes(header, 0, BHS_LENGTH, PROTO, 'BHS');
  return {
    opcode: header[0] & 0x3f,
    immediate: (header[0] & 0x40) !== 0,
    final: (header[1] & 0x80) !== 0,
    flags: header[1],
    totalAhsLength: header[4],
    dataSegmentLength: header.readUIntBE(5, 3),
    initiatorTaskTag: header.readUInt32BE(16),
  };
}

/** Whole bytes of the PDU that `header` opens: BHS, AHS and the padded data segment (no digests: None). */
export function pduLength(header: Buffer): number {
  return BHS_LENGTH + header[4] * 4 + paddedLength(header.readUIntBE(5, 3));
}

/** The largest DataSegmentLength the 24-bit field holds. */
export const MAX_DATA_SEGMENT_LENGTH = 0xffffff;

/**
 * A PDU with its data copied in: BHS bytes 0, 1, 4-7 and 16-19 written, the rest zero for the caller to fill.
 * `dataLength` lets a caller that sends the data separately (Data-In) allocate the header alone.
 */
export function allocPdu(opcode: number, immediate: boolean, flags: number, initiatorTaskTag: number, data: Uint8Array | null,
  dataLength = data?.length ?? 0): Buffer {
  if (dataLength > MAX_DATA_SEGMENT_LENGTH) throw new RangeError(`iSCSI data segment of ${dataLength} bytes exceeds 24 bits`);
  const out = Buffer.alloc(data === null ? BHS_LENGTH : BHS_LENGTH + paddedLength(dataLength));
  out[0] = (immediate ? 0x40 : 0) | opcode;
  out[1] = flags;
  out.writeUIntBE(dataLength, 5, 3); // TotalAHSLength (byte 4) stays 0: nothing sent here carries an AHS
  out.writeUInt32BE(initiatorTaskTag >>> 0, 16);
  if (data !== null) out.set(data, BHS_LENGTH);
  return out;
}

/** A field that must hold one of a few values; anything else is a malformed PDU. */
export function badField(field: string, offset: number, reason: string): DecodeError {
  return new DecodeError(PROTO, field, offset, reason, IscsiError.field);
}

/** Zero bytes that pad a data segment sent apart from its header. */
export const PADDING: readonly Buffer[] = [Buffer.alloc(0), Buffer.alloc(3), Buffer.alloc(2), Buffer.alloc(1)];
