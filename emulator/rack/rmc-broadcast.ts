// A shard's one listener on 0.0.0.0 at the rollout port (DESIGN "Scale facts": only a socket on 0.0.0.0 hears a
// broadcast to 127.255.255.255). Each datagram is decoded once and handed on in user space: a message addressed to
// one RMC (the header's rmcId) to that RMC if it runs here; one to every RMC (ALL_RMCS) to the RMCs a Prepare or
// Poll targets, or to all of them for any other message. Each RMC then checks it itself and counts what it ignores;
// the signature of the one decoded message is verified once for them all (their shared SignatureVerdicts, rmc-nodes.ts).
//
// A real fleet takes a broadcast on as many CPUs as it has RMCs; a shard takes it on one, at tens of µs an RMC. So it
// hands a message on HANDOFF_SLICE RMCs at a time, yielding between slices (a 0 ms timer on its Clock), and tells
// each RMC when the datagram arrived: an answer whose delay ran out while its RMC waited for its slice goes at once,
// the others at arrival + delay (rmc-node.ts). Without the slices every answer that fell due during a hand-off of
// thousands went out together when it ended: a burst the scheme never asked for, which a manager's default receive
// buffer (about 256 datagrams) does not hold (README "Broadcast replies"). Messages are handed on in arrival order.
// A Prepare whose scheme spreads the answers (octet sum, window, rank slots) is not handed on in slices: when its turn
// comes, each RMC gets its copy only when its answer falls due (rmc-reply-schedule.ts), at the scheme's own pace.
import { ALL_RMCS, MessageType } from '../../protocols/rollout/header.js';
import { ReplyScheme } from '../../protocols/rollout/prepare.js';
import type { DecodedMessage } from '../../protocols/rollout/message.js';
import { rankOf } from '../../protocols/rollout/reply-delay.js';
import type { Peer } from '../../protocols/peer.js';
import type { Clock } from '../../runtime/clock.js';
import type { DatagramHandler } from '../../runtime/udp-endpoint.js';
import { decodeDatagram, type RmcNode } from './rmc-node.js';
import { ReplySchedule, type DecodedPrepare } from './rmc-reply-schedule.js';

export interface BroadcastCounts {
  datagramsIn: number;
  /** Not a rollout message (DecodeError). */
  malformed: number;
  /** For no RMC of this shard. */
  unmatched: number;
}

/** RMCs a message is handed to before the listener yields: about a few ms of a shard's time. */
export const HANDOFF_SLICE = 128;
/**
 * Messages still being handed on at once (in slices, or on a reply schedule); one more is dropped and counted in
 * `overflowed` (a flood must not grow the queue).
 */
export const MAX_QUEUED_HANDOFFS = 64;

/** A message being handed on: to whom, from where, when it arrived, and how far it got. */
interface HandOff { m: DecodedMessage; peer: Peer; arrivedAtMs: number; recipients: RmcNode[]; next: number }

export class RmcBroadcastListener implements DatagramHandler {
  readonly counts: BroadcastCounts = { datagramsIn: 0, malformed: 0, unmatched: 0 };
  /** Messages dropped because MAX_QUEUED_HANDOFFS were still being handed on (a flood). */
  overflowed = 0;
  private readonly rmcs: RmcNode[] = [];
  private readonly byId = new Map<number, RmcNode>();
  private readonly clock: Clock;
  /** Messages not yet handed to all their RMCs, oldest first. */
  private readonly queue: HandOff[] = [];
  private resume: { cancel(): void } | null = null;
  /** Prepares handed on as their answers fall due. */
  private readonly schedules = new Set<ReplySchedule>();

  constructor(rmcs: readonly RmcNode[], clock: Clock) {
    this.clock = clock;
    for (const node of rmcs) this.add(node);
  }

  /** Hands broadcasts to `node` too (an RMC added at run time). */
  add(node: RmcNode): void {
    this.rmcs.push(node);
    this.byId.set(node.rmc.rmcId, node);
  }

  /** Hands `node` nothing more (its rack was removed), not even what it was still waiting for. */
  remove(node: RmcNode): void {
    this.rmcs.splice(this.rmcs.indexOf(node), 1);
    this.byId.delete(node.rmc.rmcId);
  }

  handle(datagram: Buffer, peer: Peer): void {
    this.counts.datagramsIn++;
    const m = decodeDatagram(datagram, () => { this.counts.malformed++; });
    if (!m) return;
    const recipients = this.recipients(m);
    if (recipients.length === 0) {
      this.counts.unmatched++;
      return;
    }
    if (this.queue.length + this.schedules.size >= MAX_QUEUED_HANDOFFS) {
      this.overflowed++;
      return;
    }
    this.queue.push({ m, peer, arrivedAtMs: this.clock.now(), recipients, next: 0 });
    if (this.queue.length === 1) this.handOn();
  }

  /** Stops handing on what is queued (the shard is stopping). */
  close(): void {
    this.resume?.cancel();
    this.resume = null;
    this.queue.length = 0;
    for (const s of this.schedules) s.close();
    this.schedules.clear();
  }

  /** One slice of the oldest message, then the next slice after a yield, until the queue is empty. */
  private handOn(): void {
    this.resume = null;
    let budget = HANDOFF_SLICE;
    while (this.queue.length > 0 && budget > 0) {
      const h = this.queue[0];
      if (spreadsAnswers(h)) {
        this.schedule(h);
        this.queue.shift();
        continue;
      }
      const end = Math.min(h.recipients.length, h.next + budget);
      budget -= end - h.next;
      for (; h.next < end; h.next++) {
        const node = h.recipients[h.next];
        if (this.byId.get(node.rmc.rmcId) === node) node.deliver(h.m, h.peer, h.arrivedAtMs);
      }
      if (h.next === h.recipients.length) this.queue.shift();
    }
    if (this.queue.length > 0) this.resume = this.clock.setTimeout(() => this.handOn(), 0);
  }

  /** Hands a Prepare to each RMC when its answer falls due. */
  private schedule(h: HandOff & { m: DecodedPrepare }): void {
    const s = new ReplySchedule(h.m, h.peer, h.arrivedAtMs, h.recipients, this.clock, (node) => this.byId.get(node.rmc.rmcId) === node, () => this.schedules.delete(s));
    this.schedules.add(s);
    s.start();
  }

  private recipients(m: DecodedMessage): RmcNode[] {
    if (m.rmcId !== ALL_RMCS) {
      const one = this.byId.get(m.rmcId);
      return one ? [one] : [];
    }
    if (m.type === MessageType.PREPARE || m.type === MessageType.POLL) {
      const targets = m.body.targets;
      return this.rmcs.filter((node) => rankOf(node.rmc.rmcId, targets) !== null);
    }
    return [...this.rmcs];
  }
}

/** A broadcast Prepare whose reply scheme delays the answers: handed on by a ReplySchedule. */
function spreadsAnswers(h: HandOff): h is HandOff & { m: DecodedPrepare } {
  return h.m.type === MessageType.PREPARE && h.m.rmcId === ALL_RMCS && h.m.body.reply.scheme !== ReplyScheme.IMMEDIATE;
}
