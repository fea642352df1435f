// The bounded unicast poll round, sans-I/O: the way Ironic and xCAT collect from a fleet, kept as the baseline the
// broadcast schemes are measured against (issue 12). No broadcast: the manager sends a signed Poll (README "The
// rollout protocol", Poll: it carries the whole Prepare and is answered at once) to at most `concurrency` RMCs at
// a time, in plan order, and asks the next one as soon as one answers or its wait (`pollTimeoutMs`) runs out. An RMC
// still silent after `maxPolls` Polls is declared missing. Same store, actions and counts as PrepareRound
// (prepare-round.ts): each step is saved before its Polls are returned, so a restarted manager asks again only the
// RMCs still silent (those it had asked get a new Poll at once), and never reuses a sequence number.
import type { SigningKey } from '../../protocols/rollout/keys.js';
import type { Prepare, ProductIds } from '../../protocols/rollout/prepare.js';
import { RmcStep, RoundPhase, type RmcRecord, type RolloutRecord, type RolloutStore, type RoundState } from '../store/rollout-store.js';
import { answeredRmc, newRoundCounts, pollAction, prepareOf, type RoundAction } from './round-messages.js';
import { SequencePool } from './sequence-pool.js';

export interface PollRoundOptions {
  store: RolloutStore;
  rolloutId: number;
  /** The manager's key: a Poll is a signed command. */
  key: SigningKey;
  /** RMCs asked at once (k). Default 32. */
  concurrency?: number;
  /** Wait for an answer to one Poll. Default 500 ms. */
  pollTimeoutMs?: number;
  /** Polls to one RMC before it is declared missing (at most 255: the Poll's attempt is a byte). Default 3. */
  maxPolls?: number;
  /** Whom the image is for (the Prepare names it). Default: the rollout's signed manifest's IDs; a round alone must give it. */
  product?: ProductIds;
}

export class PollRound {
  readonly counts = newRoundCounts();
  private readonly store: RolloutStore;
  private readonly key: SigningKey;
  private readonly rollout: RolloutRecord;
  private readonly prepare: Prepare;
  private readonly byId = new Map<number, RmcRecord>();
  private readonly concurrency: number;
  private readonly pollTimeoutMs: number;
  private readonly maxPolls: number;
  /** RMCs not asked yet, in plan order, and where the next one is. */
  private readonly queue: RmcRecord[];
  private next = 0;
  /** RMCs asked and not answered yet -> when their wait ends; in the order asked, so the first ends first. */
  private readonly waiting = new Map<number, number>();
  private round: RoundState;
  private silent: number;
  /** Reserved `concurrency` at a time: numbers lost to a restart are skipped, never reused. */
  private readonly sequences: SequencePool;

  /** Loads the round from the store: a new rollout starts with its first Polls, a restarted one asks the silent again. */
  constructor(o: PollRoundOptions) {
    const rollout = o.store.rollout(o.rolloutId);
    if (!rollout) throw new Error(`no rollout ${o.rolloutId} in the store`);
    this.store = o.store;
    this.key = o.key;
    this.rollout = rollout;
    this.round = rollout.round;
    this.concurrency = o.concurrency ?? 32;
    this.pollTimeoutMs = o.pollTimeoutMs ?? 500;
    this.maxPolls = o.maxPolls ?? 3;
    if (!(this.concurrency >= 1) || !(this.maxPolls >= 1 && this.maxPolls <= 255)) throw new RangeError('a concurrency of at least 1 and 1 to 255 Polls');
    this.sequences = new SequencePool(o.store, this.concurrency);
    const rmcs = o.store.rmcs(o.rolloutId);
    for (const m of rmcs) this.byId.set(m.rmcId, m);
    // Those asked before a restart first: their Polls may have been lost with the process.
    const silent = rmcs.filter((m) => m.step === RmcStep.SILENT);
    this.queue = [...silent.filter((m) => m.polls > 0), ...silent.filter((m) => m.polls === 0)];
    this.silent = silent.length;
    this.prepare = prepareOf(o.store, rollout, rmcs, o.product);
  }

  get phase(): RoundPhase { return this.round.phase; }
  get done(): boolean { return this.round.phase === RoundPhase.DONE; }
  /** When the glue must call tick next (ms since the Unix epoch), or null (not started, or done). */
  get deadlineMs(): number | null { return this.round.deadlineMs; }

  /** The first Polls (at most `concurrency`); a restarted round asks its silent RMCs again. */
  start(nowMs: number): RoundAction[] {
    if (this.done) return [];
    return this.step(nowMs, []);
  }

  /** One datagram that arrived at `nowMs`; an answer frees a place, so the next RMC's Poll comes back. */
  receive(datagram: Uint8Array, nowMs: number): RoundAction[] {
    const answered = answeredRmc(datagram, nowMs, this.rollout.id, !this.done && this.round.phase !== RoundPhase.PLANNED, this.byId, this.counts);
    if (!answered) return [];
    this.waiting.delete(answered.rmcId);
    this.silent--;
    return this.step(nowMs, [answered]);
  }

  /** Called at (or after) the deadline: asks again those whose wait ran out, or declares them missing. */
  tick(nowMs: number): RoundAction[] {
    if (this.round.deadlineMs === null || nowMs < this.round.deadlineMs) return [];
    const changed: RmcRecord[] = [];
    for (const [rmcId, until] of this.waiting) {
      if (until > nowMs) break;
      this.waiting.delete(rmcId);
      const m = this.byId.get(rmcId)!;
      if (m.polls < this.maxPolls) {
        this.queue.push(m);
      } else {
        changed.push({ ...m, step: RmcStep.MISSING });
        this.silent--;
      }
    }
    return this.step(nowMs, changed);
  }

  /** RMCs in plan order, with their step and answer. */
  rmcs(): RmcRecord[] { return [...this.byId.values()].sort((a, b) => a.rank - b.rank); }

  /** Fills the free places with Polls, saves the step (with `changed`), and returns the Polls. */
  private step(nowMs: number, changed: RmcRecord[]): RoundAction[] {
    const polled: RmcRecord[] = [];
    while (this.waiting.size < this.concurrency && this.next < this.queue.length) {
      const m = this.byId.get(this.queue[this.next++].rmcId)!;
      const asked = { ...m, polls: m.polls + 1 };
      polled.push(asked);
      this.waiting.set(asked.rmcId, nowMs + this.pollTimeoutMs);
    }
    if (this.next === this.queue.length) { this.queue.length = 0; this.next = 0; }
    const attempt = Math.max(this.round.attempt, ...polled.map((m) => m.polls));
    const first = this.waiting.values().next();
    const round: RoundState = this.silent === 0
      ? { phase: RoundPhase.DONE, attempt, deadlineMs: null }
      : { phase: RoundPhase.POLLING, attempt, deadlineMs: first.done ? null : first.value };
    this.store.saveRoundStep(this.rollout.id, round, [...changed, ...polled]);
    this.round = round;
    for (const m of [...changed, ...polled]) this.byId.set(m.rmcId, m);
    return polled.map((m) => pollAction(this.rollout.id, m, m.polls, this.prepare, this.sequences.take(), this.key, nowMs));
  }
}
