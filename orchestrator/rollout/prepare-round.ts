// The manager's prepare round (issue 11, steps 2-3), sans-I/O: time is an argument, and what to send comes back
// as actions for the glue (prepare-round-udp.ts). It broadcasts the signed Prepare, collects Prepare Replies,
// and once the reply scheme's longest delay plus a margin has passed, asks the RMCs still silent again by
// unicast Poll, at most `maxPolls` times, then declares them missing. Every step is saved through the store
// before its actions are returned, so a manager restarted from the store re-asks only the RMCs still silent.
// A step saved whose sends were lost (a kill between the two) costs one attempt, never a reply. Replies, which ask
// for no send, are saved in batches (SAVE_BATCH replies, or SAVE_DELAY_MS after the first unsaved one): one SQLite
// transaction per reply would cap how fast the manager drains a burst. A reply a kill loses is asked for again by
// the restarted round's Poll, which the RMC answers at once.
import { signMessage } from '../../protocols/rollout/auth.js';
import { ALL_RMCS, MessageType } from '../../protocols/rollout/header.js';
import type { SigningKey } from '../../protocols/rollout/keys.js';
import { ReplyScheme, type Prepare, type ProductIds } from '../../protocols/rollout/prepare.js';
import { octetSumDelayUs } from '../../protocols/rollout/reply-delay.js';
import { RmcStep, RoundPhase, type RmcRecord, type RolloutRecord, type RolloutStore, type RoundState } from '../store/rollout-store.js';
import { answeredRmc, newRoundCounts, pollAction, prepareOf, type RoundAction } from './round-messages.js';

export type { RoundAction, RoundCounts } from './round-messages.js';

/** Replies saved in one transaction at most, and the longest a reply waits unsaved. */
const SAVE_BATCH = 256;
const SAVE_DELAY_MS = 20;

/** The store setting where a finished burst round (immediate replies) leaves the reply rate it measured (replies/s). */
export const REPLY_RATE_SETTING = 'replyRatePerSecond';

export interface PrepareRoundOptions {
  store: RolloutStore;
  rolloutId: number;
  /** The manager's key: Prepare and Poll are signed commands. */
  key: SigningKey;
  /** Wait after the scheme's longest reply delay before polling. Default 200 ms. */
  marginMs?: number;
  /** Wait for answers after each Poll round. Default 500 ms. */
  pollTimeoutMs?: number;
  /** Poll rounds before a silent RMC is declared missing. Default 3. */
  maxPolls?: number;
  /** Whom the image is for (the Prepare names it). Default: the rollout's signed manifest's IDs; a round alone must give it. */
  product?: ProductIds;
}

/** The longest delay the rollout's reply scheme gives any of its RMCs, in ms (rounded up). */
export function longestReplyDelayMs(rollout: Pick<RolloutRecord, 'reply'>, rmcs: readonly Pick<RmcRecord, 'address'>[]): number {
  const r = rollout.reply;
  switch (r.scheme) {
    case ReplyScheme.IMMEDIATE: return 0;
    case ReplyScheme.OCTET_SUM: return rmcs.reduce((most, m) => Math.max(most, octetSumDelayUs(m.address) / 1000), 0);
    case ReplyScheme.WINDOW: return Math.ceil(r.windowUs / 1000);
    case ReplyScheme.RANK_SLOTS: return Math.ceil((Math.max(0, rmcs.length - 1) * r.slotUs) / 1000);
  }
}

export class PrepareRound {
  readonly counts = newRoundCounts();
  private readonly store: RolloutStore;
  private readonly key: SigningKey;
  private readonly rollout: RolloutRecord;
  private readonly prepare: Prepare;
  private readonly byId = new Map<number, RmcRecord>();
  private readonly marginMs: number;
  private readonly pollTimeoutMs: number;
  private readonly maxPolls: number;
  private round: RoundState;
  private silent: number;
  /** Replies recorded here but not yet in the store, and when the first of them came. */
  private unsaved: RmcRecord[] = [];
  private unsavedSinceMs = 0;
  /** First-round replies for the rate: the first and last arrival times and how many. */
  private firstReplyMs = 0;
  private lastReplyMs = 0;
  private timedReplies = 0;

  /** Loads the round from the store: a new rollout starts from its broadcast, a restarted one where it stood. */
  constructor(o: PrepareRoundOptions) {
    const rollout = o.store.rollout(o.rolloutId);
    if (!rollout) throw new Error(`no rollout ${o.rolloutId} in the store`);
    this.store = o.store;
    this.key = o.key;
    this.rollout = rollout;
    this.round = rollout.round;
    this.marginMs = o.marginMs ?? 200;
    this.pollTimeoutMs = o.pollTimeoutMs ?? 500;
    this.maxPolls = o.maxPolls ?? 3;
    const rmcs = o.store.rmcs(o.rolloutId);
    for (const m of rmcs) this.byId.set(m.rmcId, m);
    this.silent = rmcs.filter((m) => m.step === RmcStep.SILENT).length;
    this.prepare = prepareOf(o.store, rollout, rmcs, o.product);
  }

  get phase(): RoundPhase { return this.round.phase; }
  get done(): boolean { return this.round.phase === RoundPhase.DONE; }
  /** When the glue must call tick next (ms since the Unix epoch), or null (not started, or done). */
  get deadlineMs(): number | null {
    const due = this.round.deadlineMs;
    if (this.unsaved.length === 0) return due;
    const save = this.unsavedSinceMs + SAVE_DELAY_MS;
    return due === null ? save : Math.min(due, save);
  }

  /** What a fresh round (the broadcast) or a restarted one (a Poll round, if its wait is over) sends now. */
  start(nowMs: number): RoundAction[] {
    if (this.round.phase !== RoundPhase.PLANNED) return this.tick(nowMs);
    const wait = longestReplyDelayMs(this.rollout, [...this.byId.values()]) + this.marginMs;
    this.save({ phase: RoundPhase.COLLECTING, attempt: 0, deadlineMs: nowMs + wait }, []);
    const message = { type: MessageType.PREPARE, rolloutId: this.rollout.id, rmcId: ALL_RMCS, sequence: this.store.reserveSequences(1), body: this.prepare } as const;
    return [{ kind: 'broadcast', bytes: signMessage(message, this.key, nowMs) }];
  }

  /** One datagram that arrived at `nowMs`. Anything but a Prepare Reply from a silent target is counted and ignored. */
  receive(datagram: Uint8Array, nowMs: number): void {
    const answered = answeredRmc(datagram, nowMs, this.rollout.id, !this.done && this.round.phase !== RoundPhase.PLANNED, this.byId, this.counts);
    if (!answered) return;
    if (this.round.phase === RoundPhase.COLLECTING) this.timeReply(nowMs);
    this.silent--;
    this.byId.set(answered.rmcId, answered);
    if (this.unsaved.length === 0) this.unsavedSinceMs = nowMs;
    this.unsaved.push(answered);
    if (this.silent === 0) this.save({ ...this.round, phase: RoundPhase.DONE, deadlineMs: null }, []);
    else if (this.unsaved.length >= SAVE_BATCH) this.save(this.round, []);
  }

  /** Called at (or after) the deadline: polls the silent RMCs again, or declares them missing. */
  tick(nowMs: number): RoundAction[] {
    if (this.unsaved.length > 0 && nowMs >= this.unsavedSinceMs + SAVE_DELAY_MS) this.save(this.round, []);
    if (this.round.deadlineMs === null || nowMs < this.round.deadlineMs) return [];
    const silent = [...this.byId.values()].filter((m) => m.step === RmcStep.SILENT);
    if (silent.length > 0 && this.round.attempt < this.maxPolls) return this.poll(silent, nowMs);
    this.save({ ...this.round, phase: RoundPhase.DONE, deadlineMs: null }, silent.map((m) => ({ ...m, step: RmcStep.MISSING })));
    return [];
  }

  /** RMCs in plan order, with their step and answer. */
  rmcs(): RmcRecord[] { return [...this.byId.values()].sort((a, b) => a.rank - b.rank); }

  /**
   * The rate replies to the broadcast arrived at (replies/s) between the first and the last, when at least two
   * came at least 1 ms apart: under a spreading scheme the arrival rate, under a burst the rate the manager drained them.
   */
  replyRate(): number | null {
    const spanMs = this.lastReplyMs - this.firstReplyMs;
    return this.timedReplies >= 2 && spanMs >= 1 ? ((this.timedReplies - 1) * 1000) / spanMs : null;
  }

  private timeReply(nowMs: number): void {
    if (this.timedReplies === 0) this.firstReplyMs = nowMs;
    this.lastReplyMs = nowMs;
    this.timedReplies++;
  }

  private poll(silent: RmcRecord[], nowMs: number): RoundAction[] {
    const attempt = this.round.attempt + 1;
    const polled = silent.map((m) => ({ ...m, polls: m.polls + 1 }));
    this.save({ phase: RoundPhase.POLLING, attempt, deadlineMs: nowMs + this.pollTimeoutMs }, polled);
    const first = this.store.reserveSequences(polled.length);
    return polled.map((m, i) => pollAction(this.rollout.id, m, attempt, this.prepare, first + i, this.key, nowMs));
  }

  /** Saves one step (round state and changed RMCs together, with the replies not saved yet), then applies it here. */
  private save(round: RoundState, changed: RmcRecord[]): void {
    this.store.saveRoundStep(this.rollout.id, round, this.unsaved.length === 0 ? changed : [...this.unsaved, ...changed]);
    this.unsaved = [];
    this.round = round;
    for (const m of changed) this.byId.set(m.rmcId, m);
    // Only a burst shows how fast the manager drains replies; a spreading scheme's rate is its own pacing.
    const rate = round.phase === RoundPhase.DONE && this.rollout.reply.scheme === ReplyScheme.IMMEDIATE ? this.replyRate() : null;
    if (rate !== null) this.store.setSetting(REPLY_RATE_SETTING, rate);
  }
}
