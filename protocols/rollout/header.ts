// The rollout protocol's common header (README "The rollout protocol", the header table): 16 bytes in front of
// every message, the same over UDP (one message per datagram) and TCP (messages back to back, each sized by
// its length field). A signed message ends with the 80-byte auth trailer (auth.ts).
//
//   0  version (1)      1  type (1): bits 6-0 message type, bit 7 SIGNED      2  length (2): the whole message
//   4  rolloutId (4)    8  rmcId (4): sender (RMC) or addressee (manager; FFFFFFFFh every RMC)    12  sequence (4)
import { DecodeError } from '../errors.js';
import { ROLLOUT_PROTOCOL, Reader, Writer, valuesOf } from './fields.js';

export const ROLLOUT_VERSION = 1;
export const HEADER_LENGTH = 16;
/** keyId (8), timestampMs (8), signature (64). */
export const AUTH_TRAILER_LENGTH = 80;
/** The length field is a u16. */
export const MAX_MESSAGE_LENGTH = 0xffff;
/**
 * UDP and TCP port 4623: unassigned in the IANA registry (the copy Wireshark 4.0 ships), outside Linux's
 * ephemeral range (32768-60999), and a reminder of IPMI's 623. Not 6230-6250: virtual BMC tools use those.
 */
export const DEFAULT_ROLLOUT_PORT = 4623;
/** The rmcId of a message for every RMC (a broadcast Prepare, a fleet-wide Pause). */
export const ALL_RMCS = 0xffff_ffff;

/** Bit 7 of the type byte. */
const SIGNED_BIT = 0x80;

export const MessageType = {
  PREPARE: 0x01,
  PREPARE_REPLY: 0x02,
  POLL: 0x03,
  IMAGE_OFFER: 0x04,
  IMAGE_CHUNK: 0x05,
  TRANSFER_ACK: 0x06,
  VERIFY_RESULT: 0x07,
  FLASH: 0x08,
  PROGRESS: 0x09,
  RACK_REPORT: 0x0a,
  PAUSE: 0x0b,
  RESUME: 0x0c,
  ABORT: 0x0d,
} as const;
export type MessageType = typeof MessageType[keyof typeof MessageType];
const MESSAGE_TYPES = valuesOf(MessageType);

/**
 * The manager's commands: an RMC acts on them only when signed by a key it trusts (command-verifier.ts).
 * Image Chunks are not among them: the signed manifest's SHA-256 covers the bytes they carry.
 */
export const COMMAND_TYPES: ReadonlySet<MessageType> = new Set([
  MessageType.PREPARE, MessageType.POLL, MessageType.IMAGE_OFFER, MessageType.FLASH,
  MessageType.PAUSE, MessageType.RESUME, MessageType.ABORT,
]);

export interface Header {
  type: MessageType;
  signed: boolean;
  /** The whole message: header, body and auth trailer. */
  length: number;
  rolloutId: number;
  rmcId: number;
  sequence: number;
}

export function writeHeader(w: Writer, h: Header): void {
  w.u8(ROLLOUT_VERSION, 'version').u8(h.type | (h.signed ? SIGNED_BIT : 0), 'type').u16(h.length, 'length')
    .u32(h.rolloutId, 'rolloutId').u32(h.rmcId, 'rmcId').u32(h.sequence, 'sequence');
}

/** Reads the header at the start of `d`; the length must lie in [16 + auth trailer, 65535] (not checked against d). */
export function readHeader(d: Uint8Array): Header {
  const r = new Reader(d);
  const version = r.u8('version');
  if (version !== ROLLOUT_VERSION) throw new DecodeError(ROLLOUT_PROTOCOL, 'version', 0, `version ${version}, this is ${ROLLOUT_VERSION}`, 'ERR_VERSION');
  const typeByte = r.u8('type');
  const type = (typeByte & ~SIGNED_BIT) as MessageType;
  if (!MESSAGE_TYPES.includes(type)) throw new DecodeError(ROLLOUT_PROTOCOL, 'type', 1, `unknown message type ${type}`, 'ERR_TYPE');
  const signed = (typeByte & SIGNED_BIT) !== 0;
  const length = r.u16('length');
  if (length < HEADER_LENGTH + (signed ? AUTH_TRAILER_LENGTH : 0)) {
    throw new DecodeError(ROLLOUT_PROTOCOL, 'length', 2, `${length} is shorter than the header${signed ? ' and auth trailer' : ''}`, 'ERR_LENGTH');
  }
  return { type, signed, length, rolloutId: r.u32('rolloutId'), rmcId: r.u32('rmcId'), sequence: r.u32('sequence') };
}

/**
 * The length of the message that starts `d`, once its first 4 bytes are there (null before): what a TCP reader
 * needs to cut messages out of the stream. Throws DecodeError on a version, type or length that cannot be.
 */
export function messageLengthAt(d: Uint8Array): number | null {
  if (d.length < 4) return null;
  const head = new Uint8Array(HEADER_LENGTH);
  head.set(d.subarray(0, 4));
  return readHeader(head).length;
}
