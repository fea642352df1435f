// Asynchronous work that must run one piece at a time, in the order it was asked for, whether or not each caller
// awaits its piece: a Bulk-Only host's commands, a USB function's URBs, a copy-on-write overlay's writes.

export class InTurn {
  private last: Promise<unknown> = Promise.resolve();

  /** Runs `op` once everything asked for before it has settled; one that fails does not hold up the next. */
  run<T>(op: () => Promise<T>): Promise<T> {
    const run = this.last.then(op);
    this.last = run.catch(() => undefined);
    return run;
  }

  /** Resolves once everything asked for so far has settled, failed or not. */
  async settled(): Promise<void> {
    await this.last;
  }
}
