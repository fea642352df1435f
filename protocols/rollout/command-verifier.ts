// The RMC's check of the manager's commands (README "The rollout protocol", the signed commands). A command (header.ts
// COMMAND_TYPES) is acted on only when it is signed by a trusted key, addressed to this RMC or to all, signed
// within the time window around `now`, and not seen before: its (rollout ID, sequence) is new. Each rejection has a
// reason, counted here, so the RMC can show how many unsigned, forged or replayed commands it ignored.
//
// Replays are tracked per rollout with a sliding window over the manager's sequence numbers (the IPMI 2.0 §13.14
// window, ../ipmi/replay-window.ts, open ahead: the manager's counter is shared by all its RMCs, so an RMC sees
// jumps): any number above the highest seen is new, as are the unseen ones up to 31 below it. Memory is bounded:
// at most `maxRollouts` windows; dropping the least recently used raises a floor, and a command of a rollout no
// longer tracked must be signed after it. A restarted RMC passes `notBeforeMs` (its start time) for the same reason.
//
// An Ed25519 check costs about 0.2-0.3 ms. A shard's broadcast listener decodes a broadcast once and hands the same
// decoded message to each of its RMCs, so the RMCs of a shard share one SignatureVerdicts: the signature of that
// message is checked once per datagram, and only the replay, target and time checks run per RMC.
import { ReplayWindow } from '../ipmi/replay-window.js';
import { ALL_RMCS, COMMAND_TYPES } from './header.js';
import { findKey, signatureValid, type TrustedKey } from './keys.js';
import type { DecodedMessage } from './message.js';

/** A decoded command's auth trailer, with the bytes its signature covers. */
type SignedTrailer = NonNullable<DecodedMessage['auth']>;

export const RejectReason = {
  UNSIGNED: 'unsigned',
  /** Signed with a key this RMC does not trust. */
  UNKNOWN_KEY: 'unknown-key',
  BAD_SIGNATURE: 'bad-signature',
  /** Validly signed, but for another RMC. */
  WRONG_RMC: 'wrong-rmc',
  /** Signed outside the time window (or before notBeforeMs). */
  STALE: 'stale',
  /** This rollout ID and sequence were accepted before, or are too far behind to tell. */
  REPLAYED: 'replayed',
} as const;
export type RejectReason = typeof RejectReason[keyof typeof RejectReason];

export type Verdict = { ok: true } | { ok: false; reason: RejectReason };

export interface CommandVerifierOptions {
  /** This RMC's ID: commands addressed to another RMC are rejected. */
  rmcId: number;
  /** The manager's public keys this RMC trusts (keys.ts trustedKeyFromRaw). */
  trustedKeys: readonly TrustedKey[];
  /** How far a command's timestamp may be from `now`, either way. Default 60 s. */
  windowMs?: number;
  /** Rollouts whose sequence numbers are tracked at once. Default 64. */
  maxRollouts?: number;
  /** Reject commands signed before this time (ms since the Unix epoch): an RMC that restarted lost its windows. */
  notBeforeMs?: number;
  /** Shared by the RMCs that are handed the same decoded messages (a shard's): one signature check per message. */
  signatures?: SignatureVerdicts;
}

/**
 * The verdict on the last signature checked: the same decoded trailer checked again with the same key (the next RMC
 * handed the same broadcast) gets it without a second Ed25519 verification. It holds one entry, so it never grows.
 */
export class SignatureVerdicts {
  /** Ed25519 verifications actually run. */
  checks = 0;
  private auth: SignedTrailer | null = null;
  private key: TrustedKey | null = null;
  private valid = false;

  isValid(key: TrustedKey, auth: SignedTrailer): boolean {
    if (auth !== this.auth || key !== this.key) {
      this.checks++;
      this.valid = signatureValid(key, auth.signedBytes, auth.signature);
      this.auth = auth;
      this.key = key;
    }
    return this.valid;
  }
}

/** Up to 31 behind the highest (the window's limit), any distance ahead. */
const BEHIND = 31;
const AHEAD = 0x7fff_ffff;

export class CommandVerifier {
  /** Commands rejected, by reason. */
  readonly rejected: Record<RejectReason, number> = {
    unsigned: 0, 'unknown-key': 0, 'bad-signature': 0, 'wrong-rmc': 0, stale: 0, replayed: 0,
  };
  accepted = 0;
  private readonly rmcId: number;
  private readonly keys: readonly TrustedKey[];
  private readonly windowMs: number;
  private readonly maxRollouts: number;
  private readonly signatures: SignatureVerdicts;
  /** Commands of rollouts not tracked must be signed after this. */
  private floorMs: number;
  /** Per tracked rollout, least recently used first: its window and the latest timestamp accepted. */
  private readonly rollouts = new Map<number, { window: ReplayWindow; lastSignedMs: number }>();

  constructor(o: CommandVerifierOptions) {
    this.rmcId = o.rmcId;
    this.keys = o.trustedKeys;
    this.windowMs = o.windowMs ?? 60_000;
    this.maxRollouts = o.maxRollouts ?? 64;
    this.floorMs = o.notBeforeMs ?? -Infinity;
    this.signatures = o.signatures ?? new SignatureVerdicts();
  }

  /**
   * Checks a decoded command at time `nowMs` (ms since the Unix epoch) and, when it passes, records its sequence
   * so the same bytes are rejected next time. Messages that are not commands pass unchecked.
   */
  check(m: DecodedMessage, nowMs: number): Verdict {
    if (!COMMAND_TYPES.has(m.type)) return { ok: true };
    const reason = this.problem(m, nowMs);
    if (reason) {
      this.rejected[reason]++;
      return { ok: false, reason };
    }
    this.accepted++;
    return { ok: true };
  }

  private problem(m: DecodedMessage, nowMs: number): RejectReason | null {
    const auth = m.auth;
    if (!auth) return RejectReason.UNSIGNED;
    const key = findKey(this.keys, auth.keyId);
    if (!key) return RejectReason.UNKNOWN_KEY;
    if (!this.signatures.isValid(key, auth)) return RejectReason.BAD_SIGNATURE;
    if (m.rmcId !== ALL_RMCS && m.rmcId !== this.rmcId) return RejectReason.WRONG_RMC;
    if (Math.abs(auth.timestampMs - nowMs) > this.windowMs) return RejectReason.STALE;
    const tracked = this.rollouts.get(m.rolloutId);
    if (!tracked && auth.timestampMs <= this.floorMs) return RejectReason.STALE;
    const entry = tracked ?? { window: new ReplayWindow(0, BEHIND, AHEAD), lastSignedMs: -Infinity };
    if (!entry.window.accept(m.sequence)) return RejectReason.REPLAYED;
    entry.lastSignedMs = Math.max(entry.lastSignedMs, auth.timestampMs);
    this.track(m.rolloutId, entry);
    return null;
  }

  /** Marks the rollout most recently used; drops the least recently used beyond the limit, raising the floor. */
  private track(rolloutId: number, entry: { window: ReplayWindow; lastSignedMs: number }): void {
    this.rollouts.delete(rolloutId);
    this.rollouts.set(rolloutId, entry);
    for (const [oldest, dropped] of this.rollouts) {
      if (this.rollouts.size <= this.maxRollouts) break;
      this.floorMs = Math.max(this.floorMs, dropped.lastSignedMs);
      this.rollouts.delete(oldest);
    }
  }
}
