// The glue of a StepRun (step-run.ts): it starts each host's work as the run begins it, hands the outcome back, and
// abandons a host at its deadline (its work's AbortSignal fires; the late outcome is dropped). One timer, for the
// earliest deadline, on the Clock: hosts begin in time order and wait equally long, so it is never late.
import { MAX_TIMER_MS, type Clock } from '../../runtime/clock.js';
import { StepRun, type StepAction, type StepRunOptions } from './step-run.js';

export type StepOutcome<T> =
  | { kind: 'done'; value: T }
  | { kind: 'failed'; error: unknown }
  | { kind: 'timed-out' };

export interface StepDriverOptions<T> extends StepRunOptions {
  clock: Clock;
  /** One host's work; it should end soon after `signal` aborts. */
  work(address: string, signal: AbortSignal): Promise<T>;
  /** Each host's outcome, once, at `nowMs`. */
  settle(address: string, outcome: StepOutcome<T>, nowMs: number): void;
}

export class StepDriver<T> {
  private readonly run: StepRun;
  private readonly o: StepDriverOptions<T>;
  private readonly aborts = new Map<string, AbortController>();
  private timer: { cancel(): void } | null = null;
  private finished: (() => void) | null = null;
  private failure: unknown = null;

  constructor(o: StepDriverOptions<T>) {
    this.run = new StepRun(o);
    this.o = o;
  }

  add(address: string): void {
    this.act(this.run.add(address, this.o.clock.now()));
  }

  /** No more hosts: resolves once every host added is through (rejects with what a settle threw: a bug). */
  close(): Promise<void> {
    this.run.close();
    return new Promise<void>((resolve, reject) => {
      this.finished = () => (this.failure === null ? resolve() : reject(this.failure));
      this.act([]);
    });
  }

  private act(actions: StepAction[]): void {
    for (const a of actions) {
      if (a.kind === 'begin') this.begin(a.address);
      else this.abandon(a.address);
    }
    if (this.run.done) {
      this.timer?.cancel();
      this.timer = null;
      this.finished?.();
      return;
    }
    const deadline = this.run.deadlineMs;
    if (this.timer === null && deadline !== null) {
      const clock = this.o.clock;
      this.timer = clock.setTimeout(() => {
        this.timer = null;
        this.act(this.run.tick(clock.now()));
      }, Math.min(MAX_TIMER_MS, Math.max(0, deadline - clock.now())));
    }
  }

  private begin(address: string): void {
    const abort = new AbortController();
    this.aborts.set(address, abort);
    const end = (outcome: StepOutcome<T>) => {
      if (!this.run.isRunning(address)) return; // abandoned meanwhile: its timeout is what was recorded
      this.aborts.delete(address);
      this.settle(address, outcome);
      this.act(this.run.finish(address, this.o.clock.now()));
    };
    this.o.work(address, abort.signal).then((value) => end({ kind: 'done', value }), (error) => end({ kind: 'failed', error }));
  }

  private abandon(address: string): void {
    const abort = this.aborts.get(address);
    this.aborts.delete(address);
    abort?.abort();
    this.settle(address, { kind: 'timed-out' });
  }

  /** A settle that throws is a bug: the run stops taking outcomes into account and close() rejects with it. */
  private settle(address: string, outcome: StepOutcome<T>): void {
    try {
      this.o.settle(address, outcome, this.o.clock.now());
    } catch (err) {
      this.failure ??= err;
    }
  }
}
