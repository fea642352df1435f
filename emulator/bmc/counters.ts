// Per-BMC counters the fleet reports (and later exports as Prometheus metrics).

export class BmcCounters {
  datagramsIn = 0;
  datagramsOut = 0;
  /** Dispatched requests by "netFn/cmd/cc" (hex). */
  readonly requests = new Map<string, number>();
  /** Dropped datagrams by reason. */
  readonly drops = new Map<string, number>();

  countRequest(netFn: number, cmd: number, cc: number): void {
    const key = `${hex(netFn)}/${hex(cmd)}/${hex(cc)}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  countDrop(reason: string): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
