// One upgrade's time limit on the Clock: every wait of the flasher (an answer, a pause between polls) is raced
// against it, so a BMC that never finishes cannot hold the flasher past its timeoutMs.
import type { Clock } from '../../runtime/clock.js';

/** What a wait throws once the deadline has passed. */
export class DeadlinePassed extends Error {
  constructor(ms: number) {
    super(`not done within ${ms} ms`);
    this.name = 'DeadlinePassed';
  }
}

export class Deadline {
  readonly at: number;
  private readonly clock: Clock;
  private readonly expired: Promise<never>;
  private readonly timer: { cancel(): void };
  private passed = false;

  constructor(clock: Clock, ms: number) {
    this.clock = clock;
    this.at = clock.now() + ms;
    let reject!: (err: Error) => void;
    this.expired = new Promise<never>((_, r) => { reject = r; });
    this.expired.catch(() => {}); // raced by whoever waits; nobody may be waiting when it passes
    this.timer = clock.setTimeout(() => { this.passed = true; reject(new DeadlinePassed(ms)); }, ms);
  }

  get hasPassed(): boolean {
    return this.passed;
  }

  /** `op`'s outcome, or DeadlinePassed if the deadline comes first (op goes on; its outcome is then ignored). */
  within<T>(op: Promise<T>): Promise<T> {
    return Promise.race([op, this.expired]);
  }

  /** Waits `ms` on the clock (DeadlinePassed if the deadline comes first). */
  sleep(ms: number): Promise<void> {
    let timer: { cancel(): void } | null = null;
    const slept = new Promise<void>((resolve) => { timer = this.clock.setTimeout(resolve, ms); });
    return this.within(slept).finally(() => timer?.cancel());
  }

  /** Ms left, at least 0. */
  remaining(): number {
    return Math.max(0, this.at - this.clock.now());
  }

  cancel(): void {
    this.timer.cancel();
  }
}
