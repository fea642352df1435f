// Per-BMC counters the fleet reports; a shard's totals are a BmcCounters too (the parent of its BMCs').

export class BmcCounters {
  datagramsIn = 0;
  datagramsOut = 0;
  /** Dispatched requests by "netFn/cmd/cc" (hex). */
  readonly requests = new Map<string, number>();
  /** Dropped datagrams by reason. */
  readonly drops = new Map<string, number>();
  /** Also counts into these (a shard's totals), when given. */
  private readonly parent: BmcCounters | null;

  constructor(parent: BmcCounters | null = null) {
    this.parent = parent;
  }

  countIn(): void {
    this.datagramsIn++;
    this.parent?.countIn();
  }

  countOut(): void {
    this.datagramsOut++;
    this.parent?.countOut();
  }

  countRequest(netFn: number, cmd: number, cc: number): void {
    const key = `${hex(netFn)}/${hex(cmd)}/${hex(cc)}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    this.parent?.countRequest(netFn, cmd, cc);
  }

  countDrop(reason: string): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
    this.parent?.countDrop(reason);
  }

  /** Plain data, for JSON and for crossing to another process. */
  snapshot(): CountersSnapshot {
    return {
      datagramsIn: this.datagramsIn, datagramsOut: this.datagramsOut,
      requests: Object.fromEntries(this.requests), drops: Object.fromEntries(this.drops),
    };
  }
}

export interface CountersSnapshot {
  datagramsIn: number;
  datagramsOut: number;
  requests: Record<string, number>;
  drops: Record<string, number>;
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
