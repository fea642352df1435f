// Whole rollout messages: README "The rollout protocol". The header (header.ts), the body of its type (one file
// per family: prepare, prepare-reply, transfer, verify-result, schedule, rack-status) and, when the type byte's
// SIGNED bit is set, the auth trailer:
//
//   auth trailer (80):  keyId(8) timestampMs(8) signature(64): Ed25519 over every byte of the message before it
//
// encodeMessage writes the trailer it is given; signMessage (auth.ts) computes one with the manager's key.
// decodeMessage takes exactly one message (a datagram, or what stream.ts cut from a TCP stream) and throws a
// DecodeError on anything malformed: a wrong version, type or length, a field out of range, bytes left over.
import { DecodeError } from '../errors.js';
import { ROLLOUT_PROTOCOL, Reader, Writer, type BodyCodec } from './fields.js';
import {
  AUTH_TRAILER_LENGTH, HEADER_LENGTH, MAX_MESSAGE_LENGTH, MessageType, readHeader, writeHeader,
} from './header.js';
import { KEY_ID_LENGTH, SIGNATURE_LENGTH } from './keys.js';
import { pollCodec, prepareCodec, type Poll, type Prepare } from './prepare.js';
import { prepareReplyCodec, type PrepareReply } from './prepare-reply.js';
import { progressCodec, rackReportCodec, type RackStatus } from './rack-status.js';
import { flashCodec, noBodyCodec, type Flash, type NoBody } from './schedule.js';
import { imageChunkCodec, imageOfferCodec, transferAckCodec, type ImageChunk, type ImageOffer, type TransferAck } from './transfer.js';
import { verifyResultCodec, type VerifyResult } from './verify-result.js';

/** What every message carries besides its body. */
export interface Envelope {
  rolloutId: number;
  /** The RMC that sends it, or the one it is for (ALL_RMCS: every RMC). */
  rmcId: number;
  /** The sender's count, from 1; the manager never repeats one within a rollout (it is the replay check's key). */
  sequence: number;
}

/** Each message type with its body. */
export interface Bodies {
  [MessageType.PREPARE]: Prepare;
  [MessageType.PREPARE_REPLY]: PrepareReply;
  [MessageType.POLL]: Poll;
  [MessageType.IMAGE_OFFER]: ImageOffer;
  [MessageType.IMAGE_CHUNK]: ImageChunk;
  [MessageType.TRANSFER_ACK]: TransferAck;
  [MessageType.VERIFY_RESULT]: VerifyResult;
  [MessageType.FLASH]: Flash;
  [MessageType.PROGRESS]: RackStatus;
  [MessageType.RACK_REPORT]: RackStatus;
  [MessageType.PAUSE]: NoBody;
  [MessageType.RESUME]: NoBody;
  [MessageType.ABORT]: NoBody;
}

/** A message of one type: `{ type, rolloutId, rmcId, sequence, body }`. */
export type MessageOf<T extends MessageType> = Envelope & { type: T; body: Bodies[T] };
export type RolloutMessage = { [T in MessageType]: MessageOf<T> }[MessageType];

export interface AuthTrailer {
  keyId: Uint8Array;
  /** When the manager signed it, ms since the Unix epoch: the RMC rejects one outside its window. */
  timestampMs: number;
  signature: Uint8Array;
}

/** A decoded message; `auth` is null when unsigned, else its bytes (and every body's bytes) are views into the input. */
export type DecodedMessage = RolloutMessage & { auth: (AuthTrailer & { signedBytes: Uint8Array }) | null };

const CODECS: { [T in MessageType]: BodyCodec<Bodies[T]> } = {
  [MessageType.PREPARE]: prepareCodec,
  [MessageType.PREPARE_REPLY]: prepareReplyCodec,
  [MessageType.POLL]: pollCodec,
  [MessageType.IMAGE_OFFER]: imageOfferCodec,
  [MessageType.IMAGE_CHUNK]: imageChunkCodec,
  [MessageType.TRANSFER_ACK]: transferAckCodec,
  [MessageType.VERIFY_RESULT]: verifyResultCodec,
  [MessageType.FLASH]: flashCodec,
  [MessageType.PROGRESS]: progressCodec,
  [MessageType.RACK_REPORT]: rackReportCodec,
  [MessageType.PAUSE]: noBodyCodec,
  [MessageType.RESUME]: noBodyCodec,
  [MessageType.ABORT]: noBodyCodec,
};

function codecOf(m: RolloutMessage): BodyCodec<RolloutMessage['body']> {
  return CODECS[m.type] as BodyCodec<RolloutMessage['body']>;
}

/** Bytes of the encoded message, with the auth trailer when `signed`. */
export function encodingLength(m: RolloutMessage, signed = false): number {
  return HEADER_LENGTH + codecOf(m).encodingLength(m.body) + (signed ? AUTH_TRAILER_LENGTH : 0);
}

/** Encodes `m`; with `auth`, sets the SIGNED bit and appends the trailer as given. RangeError on a bad value. */
export function encodeMessage(m: RolloutMessage, auth?: AuthTrailer): Buffer {
  const length = encodingLength(m, auth !== undefined);
  if (length > MAX_MESSAGE_LENGTH) throw new RangeError(`a rollout message is at most ${MAX_MESSAGE_LENGTH} bytes, this one ${length}`);
  const w = new Writer(length);
  writeHeader(w, { type: m.type, signed: auth !== undefined, length, rolloutId: m.rolloutId, rmcId: m.rmcId, sequence: m.sequence });
  codecOf(m).write(w, m.body);
  if (auth) w.fixed(auth.keyId, KEY_ID_LENGTH, 'keyId').u64(auth.timestampMs, 'timestampMs').fixed(auth.signature, SIGNATURE_LENGTH, 'signature');
  return w.done();
}

/** Decodes exactly one message: `d` must be as long as its length field says (ERR_LENGTH otherwise). */
export function decodeMessage(d: Uint8Array): DecodedMessage {
  const h = readHeader(d);
  if (h.length !== d.length) throw new DecodeError(ROLLOUT_PROTOCOL, 'length', 2, `says ${h.length} bytes, the message has ${d.length}`, 'ERR_LENGTH');
  const bodyEnd = h.length - (h.signed ? AUTH_TRAILER_LENGTH : 0);
  const r = new Reader(d, HEADER_LENGTH, bodyEnd);
  const body = (CODECS[h.type] as BodyCodec<unknown>).read(r);
  r.finish('body');
  let auth: DecodedMessage['auth'] = null;
  if (h.signed) {
    const t = new Reader(d, bodyEnd);
    auth = { keyId: t.bytes(KEY_ID_LENGTH, 'keyId'), timestampMs: t.u64('timestampMs'), signature: t.bytes(SIGNATURE_LENGTH, 'signature'), signedBytes: d.subarray(0, d.length - SIGNATURE_LENGTH) };
  }
  return { type: h.type, rolloutId: h.rolloutId, rmcId: h.rmcId, sequence: h.sequence, body, auth } as DecodedMessage;
}
