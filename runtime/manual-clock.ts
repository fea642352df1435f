// A clock that moves only when told to: fake time for tests, and for running long flows faster than real time.
import { MAX_TIMER_MS, type Clock } from './clock.js';

interface Timer { at: number; seq: number; fn: () => void; cancelled: boolean }

export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): { cancel(): void } {
    // Node's timers hold at most 2^31-1 ms and fire a longer one at once: refuse it, so code that would hit that in production fails in tests
    if (ms > MAX_TIMER_MS) throw new RangeError(`timer of ${ms} ms: Node fires timers over ${MAX_TIMER_MS} ms at once`);
    const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }

  /** Moves time forward by `ms`, firing due timers in time order (ties in the order they were set). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.timers = this.timers.filter((x) => !x.cancelled);
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers.splice(this.timers.indexOf(due), 1);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = end;
  }

  /** Timers still waiting. */
  get pending(): number {
    return this.timers.filter((x) => !x.cancelled).length;
  }
}
