// A broadcast Prepare whose reply scheme spreads the answers (octet sum, window, rank slots: protocols/rollout/
// reply-delay.ts), handed to each of a shard's RMCs when its answer falls due rather than to all of them as it arrives.
//
// A real fleet takes a broadcast on as many CPUs as it has RMCs, so its answers leave when the scheme says. A shard
// takes it on one, at tens of µs an RMC: handed to its thousands of RMCs at once (even in slices, rmc-broadcast.ts),
// the answers that fell due meanwhile went out together, up to twice the scheme's rate at the end of the hand-off, a
// burst the scheme never asked for, which the congestion benchmark then blamed on the scheme. Here the shard works out
// every RMC's delay first (a few µs each, sorting included), then hands each RMC its copy (RmcNode.hold / deliverHeld)
// in the ms its answer is due, so it answers at once: a shard's work follows the scheme's pace. The delays count from
// when the datagram reached the shard, as on RMCs that each took it on at once.
//
// A shard that is behind (it was working the delays out, a garbage collection stalled it 10-20 ms, or its timers fire
// late because the machine's cores are busy) does not send what fell due meanwhile at once, a burst no fleet of
// independent RMCs would send: each wake hands on at most CATCH_UP_PACE times the time since the last wake (of which
// it counts MAX_WAKE_GAP_MS at most) past what it had handed on, so it catches up at twice the scheme's own pace,
// keeping its shape (the octet sum's shared 1 ms slots stay bursts). The pace is per ms of the shard's own time, not
// per wake: a shard whose every timer fires late still keeps up.
import type { Peer } from '../../protocols/peer.js';
import type { DecodedMessage } from '../../protocols/rollout/message.js';
import type { MessageType } from '../../protocols/rollout/header.js';
import { replyDelayUs } from '../../protocols/rollout/reply-delay.js';
import type { Clock } from '../../runtime/clock.js';
import type { HeldBroadcast, RmcNode } from './rmc-node.js';

/** A decoded Prepare (its signature still to be checked by each RMC). */
export type DecodedPrepare = Extract<DecodedMessage, { type: typeof MessageType.PREPARE }>;

/** How many ms of the schedule a shard that is behind hands on per ms of its own time. */
export const CATCH_UP_PACE = 2;
/** The time since the last wake that counts towards catching up, at most: a longer gap is a stall, not a pace. */
export const MAX_WAKE_GAP_MS = 4;

export class ReplySchedule implements HeldBroadcast {
  readonly m: DecodedPrepare;
  readonly peer: Peer;
  /** When the datagram reached the shard: the answers' delays count from then. */
  readonly arrivedAtMs: number;
  /** The RMCs, the earliest answer first, and the time each gets its copy. */
  private readonly order: RmcNode[];
  private readonly handOnAtMs: Float64Array;
  private next = 0;
  /** The schedule is handed on up to this time, and the last wake was at lastWakeMs (shard time). */
  private handedUpToMs: number;
  private lastWakeMs = 0;
  private timer: { cancel(): void } | null = null;
  private readonly clock: Clock;
  private readonly stillHere: (node: RmcNode) => boolean;
  private readonly done: () => void;

  /**
   * Holds `m`, which reached the shard at `arrivedAtMs`, in each of `recipients` (the RMCs it targets) and hands it on
   * as their answers fall due. `stillHere` says whether an RMC still runs here (a removed one gets nothing); `done` is
   * called once all are handed theirs. Nothing is handed on before `start`.
   */
  constructor(m: DecodedPrepare, peer: Peer, arrivedAtMs: number, recipients: readonly RmcNode[], clock: Clock, stillHere: (node: RmcNode) => boolean, done: () => void) {
    this.m = m;
    this.peer = peer;
    this.clock = clock;
    this.stillHere = stillHere;
    this.done = done;
    const delayMs = Float64Array.from(recipients, (node) => Math.ceil((replyDelayUs(m.body, { rmcId: node.rmc.rmcId, address: node.address }) ?? 0) / 1000));
    const byDelay = Uint32Array.from(recipients.keys()).sort((a, b) => delayMs[a] - delayMs[b]);
    this.arrivedAtMs = arrivedAtMs;
    this.handedUpToMs = arrivedAtMs;
    this.order = Array.from(byDelay, (i) => recipients[i]);
    // RmcNode.answer counts a message's first ms as possibly begun: handed on 1 ms after its delay, it answers at once
    this.handOnAtMs = Float64Array.from(byDelay, (i) => arrivedAtMs + delayMs[i] + 1);
    for (const node of this.order) node.hold(this);
  }

  /** Hands on the copies already due, then each at its time. */
  start(): void {
    this.lastWakeMs = this.clock.now();
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
    const paced = this.handedUpToMs + CATCH_UP_PACE * Math.min(now - this.lastWakeMs, MAX_WAKE_GAP_MS);
    // never less than the next ms that has copies due, so every wake hands on some
    const upToMs = this.next < this.order.length ? Math.min(now, Math.max(paced, this.handOnAtMs[this.next])) : now;
    while (this.next < this.order.length && this.handOnAtMs[this.next] <= upToMs) {
      const node = this.order[this.next++];
      if (this.stillHere(node)) node.deliverHeld();
    }
    this.handedUpToMs = upToMs;
    this.lastWakeMs = now;
    if (this.next === this.order.length) {
      this.done();
      return;
    }
    this.timer = this.clock.setTimeout(() => this.wake(), Math.max(1, this.handOnAtMs[this.next] - now));
  }
}
