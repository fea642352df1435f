// Prepare (01h) and Poll (03h) bodies: README "The rollout protocol" (its byte tables).
// The manager broadcasts Prepare to the RMCs it governs; each targeted RMC answers with a Prepare Reply after the
// delay its reply scheme gives (reply-delay.ts), saying whether it can take the update: an RMC whose BMCs are another
// manufacturer or product than the image's says so here, before any byte of the image is sent. A Poll re-asks one
// RMC by unicast: it carries the whole Prepare (the RMC may have missed the broadcast) and is answered at once,
// whatever the scheme.
//
//   Prepare (72 + 8r):  nonce(16) imageSize(4) imageSha256(32) manufacturerId(4) productId(2) flashTimeMs(8)
//                       replyScheme(1) schemeParameterUs(4) rangeCount(1) ranges(8 each: firstRmcId(4) count(4))
//   Poll (73 + 8r):     attempt(1) then the Prepare body
import { DecodeError } from '../errors.js';
import { ROLLOUT_PROTOCOL, valuesOf, type BodyCodec, type Reader, type Writer } from './fields.js';

export const NONCE_LENGTH = 16;
export const SHA256_LENGTH = 32;
export const MAX_TARGET_RANGES = 64;
const FIXED_LENGTH = 72;

export const ReplyScheme = {
  /** Answer at once (the "burst"). */
  IMMEDIATE: 0,
  /** Tde = the sum of the four decimal octets of the RMC's IPv4 address, in ms (the original scheme). */
  OCTET_SUM: 1,
  /** Uniform pseudo-random in [0, W), from the RMC's ID and the nonce; the parameter is W in µs. */
  WINDOW: 2,
  /** The RMC's rank among the targeted RMCs times a slot width; the parameter is the slot width in µs. */
  RANK_SLOTS: 3,
} as const;
export type ReplyScheme = typeof ReplyScheme[keyof typeof ReplyScheme];

export type ReplySchemeParams =
  | { scheme: typeof ReplyScheme.IMMEDIATE }
  | { scheme: typeof ReplyScheme.OCTET_SUM }
  | { scheme: typeof ReplyScheme.WINDOW; windowUs: number }
  | { scheme: typeof ReplyScheme.RANK_SLOTS; slotUs: number };

/** Whom firmware is for, as Get Device ID reports it (IPMI 2.0 §20.1): the maker's IANA number (20 bits) and its product. */
export interface ProductIds { manufacturerId: number; productId: number }

/** RMC IDs firstRmcId .. firstRmcId + count - 1. */
export interface RmcRange { firstRmcId: number; count: number }

export interface Prepare {
  /** Fresh per rollout: seeds the window scheme's delays. */
  nonce: Uint8Array;
  imageSize: number;
  imageSha256: Uint8Array;
  /** Whom the image is for (its signed manifest's IDs): an RMC whose BMCs are another product answers WRONG_PRODUCT. */
  manufacturerId: number;
  productId: number;
  /** When the BMCs are to be flashed, ms since the Unix epoch. */
  flashTimeMs: number;
  reply: ReplySchemeParams;
  /**
   * The RMCs this rollout is for, in the manager's plan order (1 to 64 ranges, none empty, at most 2^32 RMCs in
   * all). An RMC whose ID is in none of them ignores the rollout; its rank is its place in this order.
   */
  targets: RmcRange[];
}

export interface Poll extends Prepare {
  /** 1 for the first re-ask, counting up: the manager bounds it. */
  attempt: number;
}

function schemeParameter(reply: ReplySchemeParams): number {
  switch (reply.scheme) {
    case ReplyScheme.WINDOW: return reply.windowUs;
    case ReplyScheme.RANK_SLOTS: return reply.slotUs;
    default: return 0;
  }
}

/** Why these targets cannot be sent, or null. */
function targetsProblem(targets: readonly RmcRange[]): string | null {
  if (targets.length < 1 || targets.length > MAX_TARGET_RANGES) return `1 to ${MAX_TARGET_RANGES} target ranges, got ${targets.length}`;
  let total = 0;
  for (const { firstRmcId, count } of targets) {
    if (count < 1) return 'an empty target range';
    if (firstRmcId + count > 0x1_0000_0000) return `range ${firstRmcId} + ${count} runs past the last RMC ID`;
    total += count;
  }
  return total > 0x1_0000_0000 ? 'more than 2^32 RMCs targeted' : null;
}

function writePrepare(w: Writer, p: Prepare): void {
  const param = schemeParameter(p.reply);
  if (p.reply.scheme !== ReplyScheme.IMMEDIATE && p.reply.scheme !== ReplyScheme.OCTET_SUM && param < 1) {
    throw new RangeError('a window or slot width must be at least 1 µs');
  }
  const problem = targetsProblem(p.targets);
  if (problem) throw new RangeError(`targets: ${problem}`);
  w.fixed(p.nonce, NONCE_LENGTH, 'nonce').u32(p.imageSize, 'imageSize').fixed(p.imageSha256, SHA256_LENGTH, 'imageSha256')
    .manufacturerId(p.manufacturerId, 'manufacturerId').u16(p.productId, 'productId')
    .u64(p.flashTimeMs, 'flashTimeMs').u8(p.reply.scheme, 'replyScheme').u32(param, 'schemeParameterUs').u8(p.targets.length, 'rangeCount');
  for (const t of p.targets) w.u32(t.firstRmcId, 'firstRmcId').u32(t.count, 'count');
}

function readReply(r: Reader): ReplySchemeParams {
  const at = r.offset;
  const scheme = r.code(valuesOf(ReplyScheme), 'replyScheme');
  const param = r.u32('schemeParameterUs');
  switch (scheme) {
    case ReplyScheme.WINDOW:
    case ReplyScheme.RANK_SLOTS:
      if (param < 1) throw r.fail('schemeParameterUs', 'a window or slot width of 0', 'ERR_RANGE', at + 1);
      return scheme === ReplyScheme.WINDOW ? { scheme, windowUs: param } : { scheme, slotUs: param };
    default:
      if (param !== 0) throw r.fail('schemeParameterUs', `scheme ${scheme} takes no parameter, got ${param}`, 'ERR_RESERVED', at + 1);
      return { scheme };
  }
}

function readPrepare(r: Reader): Prepare {
  const nonce = r.bytes(NONCE_LENGTH, 'nonce');
  const imageSize = r.u32('imageSize');
  const imageSha256 = r.bytes(SHA256_LENGTH, 'imageSha256');
  const manufacturerId = r.manufacturerId('manufacturerId');
  const productId = r.u16('productId');
  const flashTimeMs = r.u64('flashTimeMs');
  const reply = readReply(r);
  const at = r.offset;
  const rangeCount = r.u8('rangeCount');
  const targets: RmcRange[] = [];
  for (let i = 0; i < rangeCount; i++) targets.push({ firstRmcId: r.u32('firstRmcId'), count: r.u32('count') });
  const problem = targetsProblem(targets);
  if (problem) throw new DecodeError(ROLLOUT_PROTOCOL, 'ranges', at, problem, 'ERR_RANGE');
  return { nonce, imageSize, imageSha256, manufacturerId, productId, flashTimeMs, reply, targets };
}

export const prepareCodec: BodyCodec<Prepare> = {
  encodingLength: (p) => FIXED_LENGTH + 8 * p.targets.length,
  write: writePrepare,
  read: readPrepare,
};

export const pollCodec: BodyCodec<Poll> = {
  encodingLength: (p) => 1 + prepareCodec.encodingLength(p),
  write: (w, p) => { w.u8(p.attempt, 'attempt'); writePrepare(w, p); },
  read: (r) => { const attempt = r.u8('attempt'); return { attempt, ...readPrepare(r) }; },
};
