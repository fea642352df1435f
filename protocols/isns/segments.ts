// iSNS message segmentation and reassembly — RFC 4171 §5.2 (with the flags of §5.1.5 and the Sequence ID of
// §5.1.7): a message may span several PDUs with
// the same Function ID and Transaction ID; the first carries the First PDU flag, the last the Last PDU
// flag (a one-PDU message carries both), and Sequence IDs count up from the first PDU's. TLVs need not
// align with PDU boundaries (§5.3), so a receiver joins the payloads before reading attributes.
//
// Sending: `encodeMessagePdus` cuts at attribute boundaries whenever an attribute fits, so even a
// receiver that parses each PDU on its own copes; only an attribute larger than a PDU is split inside.
// Receiving: `Reassembler` joins PDUs per (function, transaction), accepts them in any order (UDP),
// and bounds memory: message size, number of partial messages, and age (time passed in, no timers).
// One Reassembler per TCP connection or per UDP peer; a ReassemblyBudget shared by all of them bounds the sum.
import { DecodeError } from '../errors.js';
import { Flag, MAX_PDU_PAYLOAD, encodePdu, type IsnsPdu } from './header.js';
import type { ReassemblyBudget } from './reassembly-budget.js';
import { TLV_HEADER } from './tlv.js';

const P = 'isns';
/** The largest payload that keeps 4-byte alignment under the 16-bit PDU Length. */
export const DEFAULT_MAX_PDU_PAYLOAD = MAX_PDU_PAYLOAD & ~3;
/** The payload cut for UDP: a PDU (12-byte header + payload) well inside one datagram (65,507 bytes over IPv4). */
export const UDP_MAX_PDU_PAYLOAD = 60_000;
const PDU_FLAGS = Flag.FIRST_PDU | Flag.LAST_PDU;

export interface MessageHeader {
  functionId: number;
  transactionId: number;
  /** Client/Server/Replace bits; First/Last PDU are set here, Auth by encodePdu. */
  flags: number;
}

/** Offsets where an attribute starts (plus the payload end), from `tlvStart` on; stops at malformed input. */
function attributeBoundaries(payload: Uint8Array, tlvStart: number): number[] {
  const cuts: number[] = [];
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  let o = tlvStart;
  while (o + TLV_HEADER <= payload.length) {
    cuts.push(o);
    const next = o + TLV_HEADER + view.getUint32(o + 4);
    if (next > payload.length || next <= o) break;
    o = next;
  }
  cuts.push(payload.length);
  return cuts;
}

/**
 * Splits a message payload into PDU payloads of at most `maxPayload` bytes (a multiple of 4, >= 8).
 * `tlvStart` is where attributes begin: 4 for a response (after the status), 0 for a request, and
 * `payload.length` for a payload without attributes (the Heartbeat).
 */
export function splitPayload(payload: Uint8Array, maxPayload = DEFAULT_MAX_PDU_PAYLOAD, tlvStart = 0): Uint8Array[] {
  if (!Number.isInteger(maxPayload) || maxPayload < 8 || maxPayload > MAX_PDU_PAYLOAD || maxPayload % 4 !== 0) {
    throw new RangeError(`isns: maxPayload ${maxPayload} must be a multiple of 4 in 8..${DEFAULT_MAX_PDU_PAYLOAD}`);
  }
  if (payload.length <= maxPayload) return [payload];
  const cuts = attributeBoundaries(payload, Math.min(tlvStart, payload.length));
  const parts: Uint8Array[] = [];
  let start = 0;
  let ci = 0;
  while (start < payload.length) {
    const limit = start + maxPayload;
    if (limit >= payload.length) {
      parts.push(payload.subarray(start));
      break;
    }
    // the last attribute boundary in (start, limit]; else cut the oversized attribute at the limit
    while (ci + 1 < cuts.length && cuts[ci + 1] <= limit) ci++;
    const end = cuts[ci] > start ? cuts[ci] : limit;
    parts.push(payload.subarray(start, end));
    start = end;
  }
  return parts;
}

/** The PDUs of one message, with First/Last flags and consecutive Sequence IDs from 0. */
export function encodeMessagePdus(h: MessageHeader, payload: Uint8Array, maxPayload = DEFAULT_MAX_PDU_PAYLOAD, tlvStart = 0): Buffer[] {
  const parts = splitPayload(payload, maxPayload, tlvStart);
  const base = h.flags & ~(Flag.FIRST_PDU | Flag.LAST_PDU | Flag.AUTH);
  return parts.map((part, i) => encodePdu({
    version: 1,
    functionId: h.functionId,
    transactionId: h.transactionId,
    sequenceId: i & 0xffff,
    flags: base | (i === 0 ? Flag.FIRST_PDU : 0) | (i === parts.length - 1 ? Flag.LAST_PDU : 0),
  }, part));
}

export interface ReassembledMessage {
  version: number;
  functionId: number;
  transactionId: number;
  /** Flags of the first PDU (Client/Server/Replace/Auth as sent) without First/Last PDU, which belong to PDUs. */
  flags: number;
  payload: Uint8Array;
  pduCount: number;
  /** Authentication block of the first PDU that had one, else null. */
  authBlock: Uint8Array | null;
}

export interface ReassemblerLimits {
  /** Largest joined payload (default 1 MiB). */
  maxMessageBytes: number;
  /** Partial messages held at once (default 8). */
  maxPending: number;
  /** PDUs in one message (default 1024), so empty PDUs cannot pile up either. */
  maxPdus: number;
}

interface PartialMessage {
  version: number;
  functionId: number;
  transactionId: number;
  flags: number;
  first: number | null;
  last: number | null;
  parts: Map<number, Uint8Array>;
  bytes: number;
  startedAt: number;
  authBlock: Uint8Array | null;
}

export class Reassembler {
  readonly limits: ReassemblerLimits;
  private readonly pending = new Map<number, PartialMessage>();
  private readonly budget: ReassemblyBudget | null;

  /** `budget`, when given, is shared with other Reassemblers: it may drop this one's partial messages for theirs. */
  constructor(limits: Partial<ReassemblerLimits> = {}, budget: ReassemblyBudget | null = null) {
    this.limits = { maxMessageBytes: 1 << 20, maxPending: 8, maxPdus: 1024, ...limits };
    this.budget = budget;
  }

  /** Drops the partial message under `key`, giving its bytes back to the budget. */
  private forget(key: number): void {
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    this.budget?.release(p);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Takes one decoded PDU; returns the whole message once its last missing PDU arrives, else null.
   * Payloads of multi-PDU messages are copied (the input may be reused); a one-PDU message is passed
   * through as a view. Errors drop the partial message and throw DecodeError: ERR_SEQUENCE (a Sequence
   * ID repeated or outside the First..Last range), ERR_MESSAGE_TOO_LARGE (bytes or PDUs over the limits),
   * ERR_TOO_MANY_PENDING, ERR_REASSEMBLY_BUDGET (the shared budget is full and this message is the oldest
   * in it; older messages of anyone are dropped first).
   */
  push(pdu: IsnsPdu, now: number): ReassembledMessage | null {
    const h = pdu.header;
    const isFirst = (h.flags & Flag.FIRST_PDU) !== 0;
    const isLast = (h.flags & Flag.LAST_PDU) !== 0;
    const key = (h.functionId << 16) | h.transactionId;
    if (isFirst && isLast) {
      this.forget(key); // a fresh one-PDU message replaces any stale partial one
      return {
        version: h.version, functionId: h.functionId, transactionId: h.transactionId, flags: h.flags & ~PDU_FLAGS,
        payload: pdu.payload, pduCount: 1, authBlock: pdu.authBlock,
      };
    }
    let p = this.pending.get(key);
    if (p && isFirst && p.first !== null) {
      this.forget(key); // a retransmitted message starts over
      p = undefined;
    }
    if (!p) {
      if (this.pending.size >= this.limits.maxPending) {
        throw new DecodeError(P, 'reassembly', 0, `${this.pending.size} partial messages already pending`, 'ERR_TOO_MANY_PENDING');
      }
      p = {
        version: h.version, functionId: h.functionId, transactionId: h.transactionId, flags: h.flags, first: null, last: null,
        parts: new Map(), bytes: 0, startedAt: now, authBlock: null,
      };
      this.pending.set(key, p);
    }
    const fail = (reason: string, code: string): never => {
      this.forget(key);
      throw new DecodeError(P, 'sequence id', 10, reason, code);
    };
    if (p.parts.has(h.sequenceId)) fail(`sequence id ${h.sequenceId} received twice`, 'ERR_SEQUENCE');
    if (isFirst) { p.first = h.sequenceId; p.flags = h.flags; p.version = h.version; }
    if (isLast) {
      if (p.last !== null) fail('two PDUs flagged Last', 'ERR_SEQUENCE');
      p.last = h.sequenceId;
    }
    p.bytes += pdu.payload.length;
    if (p.bytes > this.limits.maxMessageBytes) fail(`message exceeds ${this.limits.maxMessageBytes} bytes`, 'ERR_MESSAGE_TOO_LARGE');
    if (p.parts.size >= this.limits.maxPdus) fail(`message exceeds ${this.limits.maxPdus} PDUs`, 'ERR_MESSAGE_TOO_LARGE');
    const held = p;
    const dropped = () => { if (this.pending.get(key) === held) this.pending.delete(key); };
    if (this.budget && !this.budget.take(held, pdu.payload.length, dropped)) {
      fail(`partial messages exceed the reassembly budget of ${this.budget.maxBytes} bytes`, 'ERR_REASSEMBLY_BUDGET');
    }
    p.parts.set(h.sequenceId, Buffer.from(pdu.payload));
    if (pdu.authBlock && !p.authBlock) p.authBlock = Buffer.from(pdu.authBlock);
    if (p.first === null || p.last === null) return null;
    const first = p.first;
    const span = ((p.last - first) & 0xffff) + 1;
    // The PDU that closed the range checks every part held; later ones check only themselves.
    for (const s of isFirst || isLast ? p.parts.keys() : [h.sequenceId]) {
      if (((s - first) & 0xffff) >= span) fail(`sequence id ${s} outside ${first}..${p.last}`, 'ERR_SEQUENCE');
    }
    if (p.parts.size !== span) return null;
    this.forget(key);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < span; i++) chunks.push(p.parts.get((p.first! + i) & 0xffff)!);
    return {
      version: p.version, functionId: p.functionId, transactionId: p.transactionId,
      flags: p.flags & ~PDU_FLAGS, payload: Buffer.concat(chunks), pduCount: span, authBlock: p.authBlock,
    };
  }

  /** Drops partial messages whose first PDU arrived more than `maxAgeMs` before `now`; returns how many. */
  expire(now: number, maxAgeMs: number): number {
    let n = 0;
    for (const [k, p] of this.pending) {
      if (now - p.startedAt > maxAgeMs) { this.forget(k); n++; }
    }
    return n;
  }

  clear(): void {
    for (const k of [...this.pending.keys()]) this.forget(k);
  }
}
