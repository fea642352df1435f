// How many bytes copy-on-write overlays may hold in memory: at most so much per host, and so much for all the hosts
// of the process together, so hosts writing to their disks cannot take the emulator's memory.

export class OverlayBudget {
  /** One host's overlay holds at most this many bytes (default 256 MiB). */
  readonly hostLimitBytes: number;
  /** Every overlay of the process together holds at most this many bytes (default 1 GiB). */
  readonly totalLimitBytes: number;
  private used = 0;

  constructor(limits: { hostLimitBytes?: number; totalLimitBytes?: number } = {}) {
    this.hostLimitBytes = limits.hostLimitBytes ?? 256 * 1024 * 1024;
    this.totalLimitBytes = limits.totalLimitBytes ?? 1024 * 1024 * 1024;
  }

  get usedBytes(): number {
    return this.used;
  }

  /** Takes `bytes` more for a host whose overlay holds `hostBytes`; false (and nothing taken) past either limit. */
  take(hostBytes: number, bytes: number): boolean {
    if (hostBytes + bytes > this.hostLimitBytes || this.used + bytes > this.totalLimitBytes) return false;
    this.used += bytes;
    return true;
  }

  /** Gives back bytes an overlay no longer holds (its disk was ejected). */
  give(bytes: number): void {
    this.used -= bytes;
  }
}
