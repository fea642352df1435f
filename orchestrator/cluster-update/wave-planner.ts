// Which hosts of a cluster may go down for their update now (issue 14, "Updates in waves, within QoS limits"). Pure:
// the cluster update's machine asks it, and tells it how each host ended. A host starts as soon as every limit allows
// it, in the cluster file's order, so each group's down count climbs to its max-down and stays there: the waves.
//
// Limits, all at once: at most each group's max-down of its hosts down (a host in two groups counts in both); the two
// hosts of a redundancy pair never down together. A host is down while it updates, and a failed host stays counted
// down (it is not back in service): failures stop the wave from growing. Failures beyond the budget pause the whole
// update; resume() counts the budget again from there, and can put the failed hosts back in line to try again.
import { clusterHosts, shareOf, type ClusterFile } from './cluster-file.js';

export const HostUpdate = {
  PENDING: 'pending',
  UPDATING: 'updating',
  UPDATED: 'updated',
  SKIPPED: 'skipped',
  FAILED: 'failed',
} as const;
export type HostUpdate = (typeof HostUpdate)[keyof typeof HostUpdate];

const DOWN: readonly HostUpdate[] = [HostUpdate.UPDATING, HostUpdate.FAILED];

export interface WaveProgress {
  failuresSinceResume: number;
  paused: string | null;
}

interface GroupLimit {
  readonly name: string;
  readonly allowed: number;
  down: number;
}

export class WavePlanner {
  private readonly order: readonly string[];
  private readonly states = new Map<string, HostUpdate>();
  private readonly groupsOf = new Map<string, GroupLimit[]>();
  private readonly partnersOf = new Map<string, string[]>();
  private readonly budget: number;
  private failuresSinceResume = 0;
  private pausedBecause: string | null = null;

  /**
   * `restored`: each host's state as the store kept it (a manager started again; the others are pending), and the
   * budget's count and the pause as `progress` gave them.
   */
  constructor(cluster: ClusterFile, restored: ReadonlyMap<string, HostUpdate> = new Map(), progress: WaveProgress = { failuresSinceResume: 0, paused: null }) {
    this.order = clusterHosts(cluster);
    for (const g of cluster.groups) {
      const limit: GroupLimit = { name: g.name, allowed: shareOf(g.maxDown, g.hosts.length), down: 0 };
      for (const host of g.hosts) this.groupsOf.set(host, [...(this.groupsOf.get(host) ?? []), limit]);
    }
    for (const [a, b] of cluster.pairs) {
      this.partnersOf.set(a, [...(this.partnersOf.get(a) ?? []), b]);
      this.partnersOf.set(b, [...(this.partnersOf.get(b) ?? []), a]);
    }
    this.budget = Math.max(1, shareOf(cluster.failureBudget, this.order.length));
    for (const host of this.order) this.set(host, restored.get(host) ?? HostUpdate.PENDING);
    this.failuresSinceResume = progress.failuresSinceResume;
    this.pausedBecause = progress.paused;
  }

  /** What the store keeps beside the hosts' states, for a manager started again. */
  get progress(): WaveProgress {
    return { failuresSinceResume: this.failuresSinceResume, paused: this.pausedBecause };
  }

  state(host: string): HostUpdate | undefined { return this.states.get(host); }

  /** Why the update is paused (the failure budget spent), or null. */
  get paused(): string | null { return this.pausedBecause; }

  /** Every host updated, skipped or failed: nothing is updating and nothing more can start. */
  get done(): boolean {
    for (const s of this.states.values()) if (s === HostUpdate.PENDING || s === HostUpdate.UPDATING) return false;
    return true;
  }

  /** The hosts that may go down now, in cluster order; each is then updating. None while paused. */
  admit(): string[] {
    if (this.pausedBecause !== null) return [];
    const started: string[] = [];
    for (const host of this.order) {
      if (this.states.get(host) !== HostUpdate.PENDING || this.whyWaiting(host) !== null) continue;
      this.set(host, HostUpdate.UPDATING);
      started.push(host);
    }
    return started;
  }

  /** A host that needs nothing (already current, or the image is not for it): skipped without going down. */
  skip(host: string): void {
    if (this.states.get(host) === HostUpdate.PENDING) this.set(host, HostUpdate.SKIPPED);
  }

  /** How a host that was updating ended. A failure may spend the budget and pause the update. */
  finish(host: string, outcome: typeof HostUpdate.UPDATED | typeof HostUpdate.FAILED): void {
    if (this.states.get(host) !== HostUpdate.UPDATING) return;
    this.set(host, outcome);
    if (outcome === HostUpdate.FAILED && ++this.failuresSinceResume >= this.budget && this.pausedBecause === null) {
      this.pausedBecause = `${this.failuresSinceResume} failed, the failure budget is ${this.budget}`;
    }
  }

  /** An operator's pause: nothing more starts; hosts updating go on. */
  pause(why: string): void {
    this.pausedBecause ??= why;
  }

  /** Goes on after a pause, the budget counted again from now; `retryFailed` puts failed hosts back in line. */
  resume(retryFailed = false): void {
    this.pausedBecause = null;
    this.failuresSinceResume = 0;
    if (retryFailed) for (const host of this.order) if (this.states.get(host) === HostUpdate.FAILED) this.set(host, HostUpdate.PENDING);
  }

  /** Why a pending host cannot go down now, or null when it can. */
  whyWaiting(host: string): string | null {
    for (const g of this.groupsOf.get(host) ?? []) {
      if (g.down >= g.allowed) return `${g.name} has ${g.down} down, its max-down is ${g.allowed}`;
    }
    for (const partner of this.partnersOf.get(host) ?? []) {
      const s = this.states.get(partner);
      if (s !== undefined && DOWN.includes(s)) return `its pair ${partner} is ${s}`;
    }
    return null;
  }

  /** How many hosts of each group are down now. */
  downByGroup(): Map<string, { down: number; allowed: number }> {
    const out = new Map<string, { down: number; allowed: number }>();
    for (const limits of this.groupsOf.values()) for (const g of limits) out.set(g.name, { down: g.down, allowed: g.allowed });
    return out;
  }

  private set(host: string, next: HostUpdate): void {
    const before = this.states.get(host);
    const wasDown = before !== undefined && DOWN.includes(before);
    const isDown = DOWN.includes(next);
    if (wasDown !== isDown) for (const g of this.groupsOf.get(host) ?? []) g.down += isDown ? 1 : -1;
    this.states.set(host, next);
  }
}
