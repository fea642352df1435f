// One provisioning step over many hosts, sans-I/O (time is an argument; what to do comes back as actions): at most
// `concurrency` hosts in the step at once, taken in the order they were added, each given `timeoutMs`. The glue does
// a host's I/O on 'begin' and calls finish() when it ends; a host still in the step at its deadline is abandoned
// (the glue stops its I/O and records the timeout), and its late end is not taken. Hosts may be added while the run
// goes (as a sweep finds them); close() says no more will come, and the run is done once every host is through.

export type StepAction =
  | { kind: 'begin'; address: string }
  | { kind: 'abandon'; address: string };

export interface StepRunOptions {
  /** Hosts in the step at once, at most. */
  concurrency: number;
  /** How long one host's step may take. */
  timeoutMs: number;
}

export interface StepCounts { begun: number; finished: number; abandoned: number }

export class StepRun {
  readonly counts: StepCounts = { begun: 0, finished: 0, abandoned: 0 };
  private readonly o: StepRunOptions;
  private readonly queued: string[] = [];
  private queuedHead = 0;
  /** Hosts in the step, by address, with their deadline; in the order they began (so by deadline). */
  private readonly running = new Map<string, number>();
  private readonly known = new Set<string>();
  private closed = false;

  constructor(o: StepRunOptions) {
    if (!Number.isInteger(o.concurrency) || o.concurrency < 1) throw new RangeError(`concurrency is at least 1, not ${o.concurrency}`);
    if (!(o.timeoutMs > 0)) throw new RangeError(`a step takes more than 0 ms, not ${o.timeoutMs}`);
    this.o = o;
  }

  get done(): boolean { return this.closed && this.running.size === 0 && this.queuedHead === this.queued.length; }
  /** Hosts waiting for a slot. */
  get waiting(): number { return this.queued.length - this.queuedHead; }

  /** The first deadline of a host in the step, or null with none in it: call tick then. */
  get deadlineMs(): number | null {
    for (const due of this.running.values()) return due;
    return null;
  }

  /** Is `address` in the step now (begun, neither finished nor abandoned)? */
  isRunning(address: string): boolean { return this.running.has(address); }

  /** A host for the step (one already added is not added again); it begins at once when a slot is free. */
  add(address: string, nowMs: number): StepAction[] {
    if (this.closed) throw new Error('the run is closed: no more hosts');
    if (this.known.has(address)) return [];
    this.known.add(address);
    this.queued.push(address);
    return this.fill(nowMs);
  }

  /** No more hosts will be added. */
  close(): void { this.closed = true; }

  /** A host's step ended (either way): the next host begins. A host not in the step (abandoned) is ignored. */
  finish(address: string, nowMs: number): StepAction[] {
    if (!this.running.delete(address)) return [];
    this.counts.finished++;
    return this.fill(nowMs);
  }

  /** Hosts past their deadline are abandoned, and others begin in their place. */
  tick(nowMs: number): StepAction[] {
    const actions: StepAction[] = [];
    for (const [address, due] of this.running) {
      if (due > nowMs) break;
      this.running.delete(address);
      this.counts.abandoned++;
      actions.push({ kind: 'abandon', address });
    }
    return [...actions, ...this.fill(nowMs)];
  }

  private fill(nowMs: number): StepAction[] {
    const actions: StepAction[] = [];
    while (this.running.size < this.o.concurrency && this.queuedHead < this.queued.length) {
      const address = this.queued[this.queuedHead++];
      this.running.set(address, nowMs + this.o.timeoutMs);
      this.counts.begun++;
      actions.push({ kind: 'begin', address });
    }
    if (this.queuedHead > 1024 && this.queuedHead * 2 > this.queued.length) {
      this.queued.splice(0, this.queuedHead);
      this.queuedHead = 0;
    }
    return actions;
  }
}
