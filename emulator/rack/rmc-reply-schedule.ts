// A broadcast Prepare whose reply scheme spreads the answers (octet sum, window, rank slots: protocols/rollout/
// reply-delay.ts), handed to each of a shard's RMCs when its answer falls due rather than to all of them as it arrives.
//
// A real fleet takes a broadcast on as many CPUs as it has RMCs, so its answers leave when the scheme says. A shard
// takes it on one, at tens of µs an RMC: handed to its thousands of RMCs at once (even in slices, rmc-broadcast.ts),
// the answers that fell due meanwhile went out together, up to twice the scheme's rate at the end of the hand-off, a
// burst the scheme never asked for, which the congestion benchmark then blamed on the scheme. Here the shard works out
// every RMC's delay first (a few µs each, sorting included), then hands each RMC its copy (RmcNode.hold / deliverHeld)
// in the ms its answer is due, so it answers at once: a shard's work follows the scheme's pace. The delays count from
// when the shard had them all (a few ms to tens of ms after the datagram arrived, as an RMC's own processing time
// would), so the hand-off makes no answer late and bunches none up. When the shard itself stalls (a garbage collection takes it 10-20 ms), the
// answers that fell due meanwhile are not sent at once, a burst no fleet of independent RMCs would send: each wake
// hands on at most the next CATCH_UP_MS of the schedule, so a shard catches up at twice the scheme's own pace, keeping
// its shape (the octet sum's shared 1 ms slots stay bursts).
import type { Peer } from '../../protocols/peer.js';
import type { DecodedMessage } from '../../protocols/rollout/message.js';
import type { MessageType } from '../../protocols/rollout/header.js';
import { replyDelayUs } from '../../protocols/rollout/reply-delay.js';
import type { Clock } from '../../runtime/clock.js';
import type { HeldBroadcast, RmcNode } from './rmc-node.js';

/** A decoded Prepare (its signature still to be checked by each RMC). */
export type DecodedPrepare = Extract<DecodedMessage, { type: typeof MessageType.PREPARE }>;

/** The ms of the schedule one wake hands on at most: from the first copy still waiting, that ms and the next. */
export const CATCH_UP_MS = 2;

export class ReplySchedule implements HeldBroadcast {
  readonly m: DecodedPrepare;
  readonly peer: Peer;
  /** When the shard had every delay: the answers' delays count from then. */
  readonly arrivedAtMs: number;
  /** The RMCs, the earliest answer first, and the time each gets its copy. */
  private readonly order: RmcNode[];
  private readonly handOnAtMs: Float64Array;
  private next = 0;
  private timer: { cancel(): void } | null = null;
  private readonly clock: Clock;
  private readonly stillHere: (node: RmcNode) => boolean;
  private readonly done: () => void;

  /**
   * Holds `m` in each of `recipients` (the RMCs it targets) and hands it on as their answers fall due. `stillHere`
   * says whether an RMC still runs here (a removed one gets nothing); `done` is called once all are handed theirs.
   * Nothing is handed on before `start`.
   */
  constructor(m: DecodedPrepare, peer: Peer, recipients: readonly RmcNode[], clock: Clock, stillHere: (node: RmcNode) => boolean, done: () => void) {
    this.m = m;
    this.peer = peer;
    this.clock = clock;
    this.stillHere = stillHere;
    this.done = done;
    const delayMs = Float64Array.from(recipients, (node) => Math.ceil((replyDelayUs(m.body, { rmcId: node.rmc.rmcId, address: node.address }) ?? 0) / 1000));
    const byDelay = Uint32Array.from(recipients.keys()).sort((a, b) => delayMs[a] - delayMs[b]);
    const baseMs = clock.now();
    this.arrivedAtMs = baseMs;
    this.order = Array.from(byDelay, (i) => recipients[i]);
    // RmcNode.answer counts a message's first ms as possibly begun: handed on 1 ms after its delay, it answers at once
    this.handOnAtMs = Float64Array.from(byDelay, (i) => baseMs + delayMs[i] + 1);
    for (const node of this.order) node.hold(this);
  }

  /** Hands on the copies already due, then each at its time. */
  start(): void {
    this.wake();
  }

  /** Stops handing on (the shard is stopping); RMCs keep what they hold until their next message. */
  close(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private wake(): void {
    this.timer = null;
    const now = this.clock.now();
    const upToMs = this.next < this.order.length ? Math.min(now, this.handOnAtMs[this.next] + CATCH_UP_MS - 1) : now;
    while (this.next < this.order.length && this.handOnAtMs[this.next] <= upToMs) {
      const node = this.order[this.next++];
      if (this.stillHere(node)) node.deliverHeld();
    }
    if (this.next === this.order.length) {
      this.done();
      return;
    }
    this.timer = this.clock.setTimeout(() => this.wake(), Math.max(1, this.handOnAtMs[this.next] - now));
  }
}
