// USB/IP URB messages (the phase after import) — Linux Documentation/usb/usbip_protocol.rst, "USBIP_CMD_SUBMIT" to
// "USBIP_RET_UNLINK", struct usbip_header of drivers/usb/usbip/usbip_common.h. Every field is big-endian; the 8-byte
// setup packet inside CMD_SUBMIT keeps USB's own little-endian layout (usb-setup.ts).
//
//   basic header (20)   command u32, seqnum u32, devid u32, direction u32 (0 out, 1 in), ep u32 (0-15)
//   CMD_SUBMIT  (1)     transfer_flags, transfer_buffer_length, start_frame, number_of_packets, interval, setup[8];
//                       then transfer_buffer_length bytes of OUT data, then 16 x number_of_packets ISO descriptors
//   RET_SUBMIT  (3)     status (negative errno), actual_length, start_frame, number_of_packets, error_count, pad[8];
//                       then actual_length bytes of IN data (when the command was IN), then the ISO descriptors
//   CMD_UNLINK  (2)     unlink_seqnum, pad[24]
//   RET_UNLINK  (4)     status (-ECONNRESET: unlinked; 0: it had completed), pad[24]
//
// number_of_packets for a non-ISO transfer is 0xffffffff in the document and 0 in practice (the kernel sends 0, and
// tshark 4.0 mis-frames the stream on 0xffffffff): both are read as "no ISO descriptors", and we send 0.
import { DecodeError, requireBytes } from '../errors.js';

const P = 'usbip';

export const URB_HEADER_LENGTH = 48;
export const SETUP_LENGTH = 8;
export const ISO_DESCRIPTOR_LENGTH = 16;
/** USBIP_MAX_ISO_PACKETS (usbip_common.h): the kernel refuses more. */
export const MAX_ISO_PACKETS = 1024;
/** The document's "not ISO" number_of_packets. */
export const NOT_ISO = 0xffffffff;
/** Largest transfer_buffer_length / actual_length a reader accepts: Linux usb-storage moves at most 120 KiB per URB on USB 2.0. */
export const DEFAULT_MAX_TRANSFER = 1024 * 1024;

export const UrbCommand = { cmdSubmit: 1, cmdUnlink: 2, retSubmit: 3, retUnlink: 4 } as const;
export const Direction = { out: 0, in: 1 } as const;
export type Direction = (typeof Direction)[keyof typeof Direction];

/** Errno values a RET_SUBMIT or RET_UNLINK carries beyond UrbStatus (usb-function.ts): include/uapi/asm-generic/errno-base.h. */
export const Errno = {
  /** An ISO transfer to a device with no ISO endpoint (usb_submit_urb refuses what does not fit the endpoint so). */
  EINVAL: -22,
} as const;

export interface IsoPacket { offset: number; length: number; actualLength: number; status: number }

interface UrbBasic {
  seqnum: number;
  /** (busnum << 16) | devnum from the client; 0 from the server. */
  devid: number;
  direction: Direction;
  ep: number;
}

export interface CmdSubmit extends UrbBasic {
  kind: 'cmd-submit';
  transferFlags: number;
  transferBufferLength: number;
  startFrame: number;
  numberOfPackets: number;
  interval: number;
  /** The 8-byte SETUP packet (zeros when not a control transfer): a view into the input. */
  setup: Uint8Array;
  /** OUT data (transferBufferLength bytes); empty for IN. A view into the input. */
  data: Uint8Array;
  iso: IsoPacket[];
}

export interface RetSubmit extends UrbBasic {
  kind: 'ret-submit';
  status: number;
  actualLength: number;
  startFrame: number;
  numberOfPackets: number;
  errorCount: number;
  /** IN data (actualLength bytes) when the command was IN; else empty. A view into the input. */
  data: Uint8Array;
  iso: IsoPacket[];
}

export interface CmdUnlink extends UrbBasic { kind: 'cmd-unlink'; unlinkSeqnum: number }
export interface RetUnlink extends UrbBasic { kind: 'ret-unlink'; status: number }

/** What a client sends after the import. */
export type UrbCommandMessage = CmdSubmit | CmdUnlink;
/** What the server sends back. */
export type UrbReplyMessage = RetSubmit | RetUnlink;
export type UrbMessage = UrbCommandMessage | UrbReplyMessage;

/** True when number_of_packets announces ISO descriptors. */
export function isIso(numberOfPackets: number): boolean {
  return numberOfPackets !== 0 && numberOfPackets !== NOT_ISO;
}

function view(buf: Uint8Array, offset: number): DataView {
  return new DataView(buf.buffer, buf.byteOffset + offset, URB_HEADER_LENGTH);
}

function readBasic(v: DataView, offset: number): UrbBasic {
  const direction = v.getUint32(12);
  if (direction > 1) throw new DecodeError(P, 'direction', offset + 12, `${direction} is neither 0 (out) nor 1 (in)`, 'ERR_DIRECTION');
  const ep = v.getUint32(16);
  if (ep > 15) throw new DecodeError(P, 'ep', offset + 16, `endpoint ${ep} is past 15`, 'ERR_ENDPOINT');
  return { seqnum: v.getUint32(4), devid: v.getUint32(8), direction: direction as Direction, ep };
}

function writeBasic(out: Buffer, command: number, m: UrbBasic): void {
  out.writeUInt32BE(command, 0);
  out.writeUInt32BE(m.seqnum, 4);
  out.writeUInt32BE(m.devid, 8);
  out.writeUInt32BE(m.direction, 12);
  out.writeUInt32BE(m.ep, 16);
}

function isoBytes(numberOfPackets: number, offset: number, maxIsoPackets: number): number {
  if (!isIso(numberOfPackets)) return 0;
  if (numberOfPackets > maxIsoPackets) {
    throw new DecodeError(P, 'number_of_packets', offset + 0x20, `${numberOfPackets} ISO packets, more than ${maxIsoPackets}`, 'ERR_ISO_PACKETS');
  }
  return ISO_DESCRIPTOR_LENGTH * numberOfPackets;
}

function checkTransfer(length: number, field: string, offset: number, maxTransfer: number): void {
  if (length > maxTransfer) throw new DecodeError(P, field, offset, `${length} bytes, more than ${maxTransfer}`, 'ERR_TRANSFER_TOO_LARGE');
}

export interface UrbLimits {
  /** Largest transfer_buffer_length (CMD_SUBMIT) or actual_length (RET_SUBMIT). */
  maxTransfer: number;
  maxIsoPackets: number;
}

const DEFAULT_LIMITS: UrbLimits = { maxTransfer: DEFAULT_MAX_TRANSFER, maxIsoPackets: MAX_ISO_PACKETS };

/**
 * Bytes of the client's message at `offset` (CMD_SUBMIT with its OUT data and ISO descriptors, or CMD_UNLINK), or
 * null until the header is complete. Throws ERR_COMMAND for another command, ERR_DIRECTION, ERR_ENDPOINT,
 * ERR_TRANSFER_TOO_LARGE and ERR_ISO_PACKETS: after any of them the stream cannot be framed again.
 */
export function urbCommandLengthAt(buf: Uint8Array, offset = 0, limits: UrbLimits = DEFAULT_LIMITS): number | null {
  if (buf.length - offset < URB_HEADER_LENGTH) return null;
  const v = view(buf, offset);
  const command = v.getUint32(0);
  if (command === UrbCommand.cmdUnlink) {
    readBasic(v, offset);
    return URB_HEADER_LENGTH;
  }
  if (command !== UrbCommand.cmdSubmit) throw unknownCommand(command, offset, 'CMD_SUBMIT or CMD_UNLINK');
  const { direction } = readBasic(v, offset);
  const length = v.getUint32(0x18);
  checkTransfer(length, 'transfer_buffer_length', offset + 0x18, limits.maxTransfer);
  return URB_HEADER_LENGTH + (direction === Direction.out ? length : 0) + isoBytes(v.getUint32(0x20), offset, limits.maxIsoPackets);
}

/**
 * Bytes of the server's message at `offset`, or null until known. A RET_SUBMIT carries data only when its command was
 * IN, which the header does not say (the server sends direction 0): `directionOf` answers it by seqnum from the
 * client's own record, and undefined for a seqnum it never sent (ERR_UNKNOWN_SEQNUM: vhci_rx.c drops the connection).
 */
export function urbReplyLengthAt(buf: Uint8Array, directionOf: (seqnum: number) => Direction | undefined, offset = 0,
  limits: UrbLimits = DEFAULT_LIMITS): number | null {
  if (buf.length - offset < URB_HEADER_LENGTH) return null;
  const v = view(buf, offset);
  const command = v.getUint32(0);
  if (command === UrbCommand.retUnlink) {
    readBasic(v, offset);
    return URB_HEADER_LENGTH;
  }
  if (command !== UrbCommand.retSubmit) throw unknownCommand(command, offset, 'RET_SUBMIT or RET_UNLINK');
  const { seqnum } = readBasic(v, offset);
  const direction = directionOf(seqnum);
  if (direction === undefined) throw new DecodeError(P, 'seqnum', offset + 4, `RET_SUBMIT for seqnum ${seqnum}, which was never submitted`, 'ERR_UNKNOWN_SEQNUM');
  const length = v.getUint32(0x18);
  checkTransfer(length, 'actual_length', offset + 0x18, limits.maxTransfer);
  return URB_HEADER_LENGTH + (direction === Direction.in ? length : 0) + isoBytes(v.getUint32(0x20), offset, limits.maxIsoPackets);
}

function unknownCommand(command: number, offset: number, expected: string): DecodeError {
  return new DecodeError(P, 'command', offset, `0x${command.toString(16)} is not ${expected}`, 'ERR_COMMAND');
}

function readIso(buf: Uint8Array, offset: number, n: number): IsoPacket[] {
  const out: IsoPacket[] = [];
  for (let i = 0; i < n; i++, offset += ISO_DESCRIPTOR_LENGTH) {
    const v = new DataView(buf.buffer, buf.byteOffset + offset, ISO_DESCRIPTOR_LENGTH);
    out.push({ offset: v.getUint32(0), length: v.getUint32(4), actualLength: v.getUint32(8), status: v.getInt32(12) });
  }
  return out;
}

function writeIso(out: Buffer, offset: number, iso: readonly IsoPacket[]): void {
  for (const p of iso) {
    out.writeUInt32BE(p.offset, offset);
    out.writeUInt32BE(p.length, offset + 4);
    out.writeUInt32BE(p.actualLength, offset + 8);
    out.writeInt32BE(p.status, offset + 12);
    offset += ISO_DESCRIPTOR_LENGTH;
  }
}

function trailing(buf: Uint8Array, length: number): void {
  if (buf.length > length) throw new DecodeError(P, 'message', length, `${buf.length - length} byte(s) after the message`, 'ERR_TRAILING');
}

/** Exactly one CMD_SUBMIT or CMD_UNLINK (data and setup are views into `buf`); trailing bytes are ERR_TRAILING. */
export function decodeUrbCommand(buf: Uint8Array, limits: UrbLimits = DEFAULT_LIMITS): UrbCommandMessage {
  const length = urbCommandLengthAt(buf, 0, limits);
  if (length === null) throw new DecodeError(P, 'urb header', 0, `needs ${URB_HEADER_LENGTH} bytes, ${buf.length} left`, 'ERR_TRUNCATED');
  requireBytes(buf, 0, length, P, 'transfer buffer');
  trailing(buf, length);
  return decodeFramedUrbCommand(buf);
}

/** Where a framed message's data ends: where its ISO descriptors, the last thing in it, begin. */
function dataEndOf(buf: Uint8Array, numberOfPackets: number): number {
  return buf.length - (isIso(numberOfPackets) ? ISO_DESCRIPTOR_LENGTH * numberOfPackets : 0);
}

/**
 * decodeUrbCommand for `buf` that is exactly one message as urbCommandLengthAt framed it (a stream that has already
 * read the header): nothing is checked again.
 */
export function decodeFramedUrbCommand(buf: Uint8Array): UrbCommandMessage {
  const v = view(buf, 0);
  const basic = readBasic(v, 0);
  if (v.getUint32(0) === UrbCommand.cmdUnlink) return { kind: 'cmd-unlink', ...basic, unlinkSeqnum: v.getUint32(0x14) };
  const transferBufferLength = v.getUint32(0x18);
  const numberOfPackets = v.getUint32(0x20);
  const dataEnd = dataEndOf(buf, numberOfPackets);
  return {
    kind: 'cmd-submit', ...basic,
    transferFlags: v.getUint32(0x14),
    transferBufferLength,
    startFrame: v.getUint32(0x1c),
    numberOfPackets,
    interval: v.getUint32(0x24),
    setup: buf.subarray(0x28, URB_HEADER_LENGTH),
    data: buf.subarray(URB_HEADER_LENGTH, dataEnd),
    iso: isIso(numberOfPackets) ? readIso(buf, dataEnd, numberOfPackets) : [],
  };
}

/** Exactly one RET_SUBMIT or RET_UNLINK (data is a view into `buf`); see urbReplyLengthAt for `directionOf`. */
export function decodeUrbReply(buf: Uint8Array, directionOf: (seqnum: number) => Direction | undefined,
  limits: UrbLimits = DEFAULT_LIMITS): UrbReplyMessage {
  const length = urbReplyLengthAt(buf, directionOf, 0, limits);
  if (length === null) throw new DecodeError(P, 'urb header', 0, `needs ${URB_HEADER_LENGTH} bytes, ${buf.length} left`, 'ERR_TRUNCATED');
  requireBytes(buf, 0, length, P, 'transfer buffer');
  trailing(buf, length);
  return decodeFramedUrbReply(buf);
}

/**
 * decodeUrbReply for `buf` that is exactly one message as urbReplyLengthAt framed it: nothing is checked again, and the
 * data is what lies between the header and the ISO descriptors (the framing already asked `directionOf`).
 */
export function decodeFramedUrbReply(buf: Uint8Array): UrbReplyMessage {
  const v = view(buf, 0);
  const basic = readBasic(v, 0);
  if (v.getUint32(0) === UrbCommand.retUnlink) return { kind: 'ret-unlink', ...basic, status: v.getInt32(0x14) };
  const actualLength = v.getUint32(0x18);
  const numberOfPackets = v.getUint32(0x20);
  const dataEnd = dataEndOf(buf, numberOfPackets);
  return {
    kind: 'ret-submit', ...basic,
    status: v.getInt32(0x14),
    actualLength,
    startFrame: v.getUint32(0x1c),
    numberOfPackets,
    errorCount: v.getUint32(0x24),
    data: buf.subarray(URB_HEADER_LENGTH, dataEnd),
    iso: isIso(numberOfPackets) ? readIso(buf, dataEnd, numberOfPackets) : [],
  };
}

/** The 48-byte header of a message; its data and ISO descriptors are sent after it (encodeUrb joins them). */
export function encodeUrbHeader(m: UrbMessage): Buffer {
  const out = Buffer.alloc(URB_HEADER_LENGTH);
  switch (m.kind) {
    case 'cmd-submit':
      writeBasic(out, UrbCommand.cmdSubmit, m);
      out.writeUInt32BE(m.transferFlags, 0x14);
      out.writeUInt32BE(m.transferBufferLength, 0x18);
      out.writeUInt32BE(m.startFrame, 0x1c);
      out.writeUInt32BE(m.numberOfPackets, 0x20);
      out.writeUInt32BE(m.interval, 0x24);
      if (m.setup.length !== SETUP_LENGTH) throw new RangeError(`usbip: a setup packet is ${SETUP_LENGTH} bytes, not ${m.setup.length}`);
      out.set(m.setup, 0x28);
      break;
    case 'ret-submit':
      writeBasic(out, UrbCommand.retSubmit, m);
      out.writeInt32BE(m.status, 0x14);
      out.writeUInt32BE(m.actualLength, 0x18);
      out.writeUInt32BE(m.startFrame, 0x1c);
      out.writeUInt32BE(m.numberOfPackets, 0x20);
      out.writeUInt32BE(m.errorCount, 0x24);
      break;
    case 'cmd-unlink':
      writeBasic(out, UrbCommand.cmdUnlink, m);
      out.writeUInt32BE(m.unlinkSeqnum, 0x14);
      break;
    case 'ret-unlink':
      writeBasic(out, UrbCommand.retUnlink, m);
      out.writeInt32BE(m.status, 0x14);
      break;
  }
  return out;
}

/** Header, data and ISO descriptors in one buffer. On a socket, write encodeUrbHeader(m) and m.data separately instead. */
export function encodeUrb(m: UrbMessage): Buffer {
  const out = Buffer.alloc(encodingLengthUrb(m));
  encodeUrbHeader(m).copy(out);
  if (m.kind === 'cmd-submit' || m.kind === 'ret-submit') {
    checkDataLength(m);
    out.set(m.data, URB_HEADER_LENGTH);
    writeIso(out, URB_HEADER_LENGTH + m.data.length, m.iso);
  }
  return out;
}

/**
 * The data must be what the header announces: a CMD_SUBMIT OUT carries transfer_buffer_length bytes, an IN none; a
 * RET_SUBMIT carries actual_length bytes for an IN command and none for an OUT one (its header does not say which).
 */
function checkDataLength(m: CmdSubmit | RetSubmit): void {
  const ok = m.kind === 'cmd-submit'
    ? m.data.length === (m.direction === Direction.out ? m.transferBufferLength : 0)
    : m.data.length === 0 || m.data.length === m.actualLength;
  if (!ok) throw new RangeError(`usbip: ${m.data.length} data bytes do not match the ${m.kind} header`);
  if (m.iso.length !== (isIso(m.numberOfPackets) ? m.numberOfPackets : 0)) {
    throw new RangeError(`usbip: ${m.iso.length} ISO descriptors, number_of_packets is ${m.numberOfPackets}`);
  }
}

export function encodingLengthUrb(m: UrbMessage): number {
  if (m.kind === 'cmd-unlink' || m.kind === 'ret-unlink') return URB_HEADER_LENGTH;
  return URB_HEADER_LENGTH + m.data.length + ISO_DESCRIPTOR_LENGTH * m.iso.length;
}
