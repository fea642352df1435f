// Answers a BMC holds back for latency and slow-command faults: bounded in all and per source address, so a
// flood from one address fills only its own share and other clients' answers still go out.

export interface DelayedAnswerLimits {
  /** Answers held at once by the whole BMC. */
  total: number;
  /** Answers held at once for one source address (any port). */
  perSource: number;
}

export class DelayedAnswers {
  readonly limits: DelayedAnswerLimits;
  private held = 0;
  private readonly bySource = new Map<string, number>();

  constructor(limits: DelayedAnswerLimits) {
    this.limits = limits;
  }

  /** Takes a place for an answer to `address`; false when the BMC or that address holds its limit. */
  take(address: string): boolean {
    const fromSource = this.bySource.get(address) ?? 0;
    if (this.held >= this.limits.total || fromSource >= this.limits.perSource) return false;
    this.held++;
    this.bySource.set(address, fromSource + 1);
    return true;
  }

  /** Gives back the place of an answer to `address` once it has gone out. */
  release(address: string): void {
    const left = (this.bySource.get(address) ?? 1) - 1;
    if (left === 0) this.bySource.delete(address);
    else this.bySource.set(address, left);
    this.held--;
  }
}
