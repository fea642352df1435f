// The console watcher's heartbeat register (issue 4, "the console watcher"), sans-I/O: time comes in as `now`
// (ms), the caller sends what tick() says and reports replies with reply(). Wire format of the heartbeat: the
// bmcfleet OEM Console Heartbeat, protocols/ipmi/oem/console-heartbeat.ts.
//
// Rules, exactly:
// - Every `periodMs` one heartbeat goes out with the next sequence number (u16, wrapping). A late tick sends one
//   heartbeat, never a burst, and the cadence keeps its phase. Sent heartbeats stay in the register in send
//   order until answered or superseded.
// - A heartbeat is missed once `replyTimeoutMs` (default `periodMs`) has passed since it was sent without a
//   reply: the miss counter goes up by one, once per heartbeat. A missed heartbeat stays in the register, so its
//   late reply is still accepted.
// - A reply matching ANY heartbeat in the register is accepted. It removes that heartbeat and every older one:
//   a reply to heartbeat n shows the BMC alive after all of them were sent (the BMC answers first-in first-out),
//   and each answer carries the console from the watcher's acknowledged position, so an older answer adds nothing
//   the newer one lacks. The register therefore holds exactly the current heartbeat cycle: what was sent since
//   the newest answered heartbeat. After a reply the miss counter equals the missed heartbeats still in the
//   register (those sent after the answered one and themselves overdue): 0 when the newest overdue one answers.
// - Replies to heartbeats not in the register never end the session: they are counted as duplicate (already
//   answered), stale (superseded by a newer reply, or from before reset()) or unknown, and otherwise ignored.
// - Only when the miss counter exceeds `missThreshold` does tick() say 'end-session'. That verdict stays until
//   reset(), called once the watcher has reconnected; sequence numbers carry on across resets.

export interface HeartbeatRegisterOptions {
  /** Interval between heartbeats, ms. */
  periodMs: number;
  /** A heartbeat unanswered this long is missed; default periodMs. */
  replyTimeoutMs?: number;
  /** Consecutive misses tolerated; one more ends the session. Default 4 (the 5th miss in a row ends it). */
  missThreshold?: number;
  /** First sequence number (default 0). */
  firstSeq?: number;
}

export type HeartbeatVerdict = 'alive' | 'end-session';

export interface TickResult {
  /** Sequence number of a heartbeat to send now, or null. */
  send: number | null;
  verdict: HeartbeatVerdict;
}

export type ReplyResult =
  | { kind: 'accepted'; late: boolean; rttMs: number; superseded: number }
  | { kind: 'duplicate' | 'stale' | 'unknown' };

export interface HeartbeatStats {
  sent: number;
  accepted: number;
  /** Accepted after their heartbeat had been counted missed. */
  late: number;
  /** Removed unanswered because a newer heartbeat was answered. */
  superseded: number;
  duplicates: number;
  stale: number;
  unknown: number;
  /** Heartbeats that went overdue, in total. */
  missed: number;
  /** The miss counter now, and its highest value. */
  consecutiveMisses: number;
  peakConsecutiveMisses: number;
  sessionsEnded: number;
  lastRttMs: number | null;
  maxRttMs: number;
  /** Heartbeats in the register now. */
  outstanding: number;
}

interface Sent { seq: number; sentAt: number; missed: boolean }

type Retired = 'answered' | 'superseded';

/** How many retired sequence numbers are remembered to tell duplicates and stale replies from unknown ones. */
const RETIRED_MEMORY = 1024;

export class HeartbeatRegister {
  readonly periodMs: number;
  readonly replyTimeoutMs: number;
  readonly missThreshold: number;
  /** Oldest first. */
  private register: Sent[] = [];
  private readonly retired = new Map<number, Retired>();
  private nextSeq: number;
  private nextSendAt: number | null = null;
  private ended = false;
  private misses = 0;
  private readonly counts = {
    sent: 0, accepted: 0, late: 0, superseded: 0, duplicates: 0, stale: 0, unknown: 0, missed: 0,
    peakConsecutiveMisses: 0, sessionsEnded: 0, lastRttMs: null as number | null, maxRttMs: 0,
  };

  constructor(options: HeartbeatRegisterOptions) {
    const { periodMs, replyTimeoutMs = periodMs, missThreshold = 4, firstSeq = 0 } = options;
    if (!(periodMs > 0) || !Number.isFinite(periodMs)) throw new RangeError(`periodMs must be positive, got ${periodMs}`);
    if (!(replyTimeoutMs > 0) || !Number.isFinite(replyTimeoutMs)) throw new RangeError(`replyTimeoutMs must be positive, got ${replyTimeoutMs}`);
    if (!Number.isInteger(missThreshold) || missThreshold < 0 || missThreshold > 1000) throw new RangeError(`missThreshold must be 0..1000, got ${missThreshold}`);
    if (!Number.isInteger(firstSeq) || firstSeq < 0 || firstSeq > 0xffff) throw new RangeError(`firstSeq must be 0..65535, got ${firstSeq}`);
    this.periodMs = periodMs;
    this.replyTimeoutMs = replyTimeoutMs;
    this.missThreshold = missThreshold;
    this.nextSeq = firstSeq;
  }

  /** Counts overdue heartbeats, gives the verdict, and says whether a heartbeat is due. */
  tick(now: number): TickResult {
    if (this.ended) return { send: null, verdict: 'end-session' };
    for (const h of this.register) {
      if (h.missed || now < h.sentAt + this.replyTimeoutMs) continue;
      h.missed = true;
      this.counts.missed++;
      this.setMisses(this.misses + 1);
    }
    if (this.misses > this.missThreshold) {
      this.ended = true;
      this.counts.sessionsEnded++;
      return { send: null, verdict: 'end-session' };
    }
    if (this.nextSendAt !== null && now < this.nextSendAt) return { send: null, verdict: 'alive' };
    return { send: this.issue(now), verdict: 'alive' };
  }

  /** A reply carrying heartbeat sequence `seq` arrived at `now`. */
  reply(seq: number, now: number): ReplyResult {
    const i = this.register.findIndex((h) => h.seq === seq);
    if (i < 0) {
      const was = this.retired.get(seq);
      if (was === 'answered') { this.counts.duplicates++; return { kind: 'duplicate' }; }
      if (was === 'superseded') { this.counts.stale++; return { kind: 'stale' }; }
      this.counts.unknown++;
      return { kind: 'unknown' };
    }
    const done = this.register.splice(0, i + 1); // the answered one and every older one leave the register
    const h = done[i];
    for (let k = 0; k < i; k++) this.retire(done[k].seq, 'superseded');
    this.retire(h.seq, 'answered');
    this.counts.accepted++;
    this.counts.superseded += i;
    if (h.missed) this.counts.late++;
    const rttMs = Math.max(0, now - h.sentAt);
    this.counts.lastRttMs = rttMs;
    this.counts.maxRttMs = Math.max(this.counts.maxRttMs, rttMs);
    if (!this.ended) this.setMisses(this.register.reduce((n, r) => n + (r.missed ? 1 : 0), 0));
    return { kind: 'accepted', late: h.missed, rttMs, superseded: i };
  }

  /** A new session: the register empties (late replies to it count as stale), the verdict clears, a heartbeat is due now. */
  reset(now: number): void {
    for (const h of this.register) this.retire(h.seq, 'superseded');
    this.register = [];
    this.ended = false;
    this.misses = 0;
    this.nextSendAt = now;
  }

  /**
   * When tick() next has something to do (a heartbeat due or one going overdue): -Infinity before the first
   * tick (due now), null once the session ended.
   */
  nextTickAt(): number | null {
    if (this.ended) return null;
    let at = this.nextSendAt ?? Number.NEGATIVE_INFINITY;
    for (const h of this.register) if (!h.missed) at = Math.min(at, h.sentAt + this.replyTimeoutMs);
    return at;
  }

  /** Sequence numbers in the register, oldest first. */
  outstanding(): number[] {
    return this.register.map((h) => h.seq);
  }

  get verdict(): HeartbeatVerdict {
    return this.ended ? 'end-session' : 'alive';
  }

  stats(): HeartbeatStats {
    return { ...this.counts, consecutiveMisses: this.misses, outstanding: this.register.length };
  }

  private issue(now: number): number {
    const seq = this.nextSeq;
    this.nextSeq = (seq + 1) & 0xffff;
    this.retired.delete(seq);
    this.register.push({ seq, sentAt: now, missed: false });
    this.counts.sent++;
    // Misses past the threshold end the session long before 65,536 heartbeats could pile up; this only guards
    // against a caller that never ticks the verdict out of a stalled register.
    if (this.register.length > 0x8000) this.retire(this.register.shift()!.seq, 'superseded');
    // Keep the cadence's phase: the next slot after now.
    const due = this.nextSendAt ?? now;
    this.nextSendAt = due + (Math.floor((now - due) / this.periodMs) + 1) * this.periodMs;
    return seq;
  }

  private retire(seq: number, how: Retired): void {
    this.retired.delete(seq);
    this.retired.set(seq, how);
    if (this.retired.size > RETIRED_MEMORY) this.retired.delete(this.retired.keys().next().value!);
  }

  private setMisses(n: number): void {
    this.misses = n;
    this.counts.peakConsecutiveMisses = Math.max(this.counts.peakConsecutiveMisses, n);
  }
}
