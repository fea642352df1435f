// Updates that arrive (issue 14, "A feed, and alerts"): from the watched feed or a pushed alert, each new update is
// recorded once (by name, version and sum) with what the manager decided of it for each cluster it knows: how many
// hosts it applies to and how many it skips, and whether it started (a cluster with autoUpdate) or waits for an
// operator's `bmcfleet cluster-update start`.
import type { Clock } from '../../runtime/clock.js';
import type { ArrivalDecision, ArrivalRecord, SqliteClusterUpdateStore } from '../store/cluster-update-store.js';
import type { ClusterFile } from './cluster-file.js';
import { ClusterUpdateError, type ClusterUpdates } from './cluster-updates.js';
import type { UpdateDescriptor } from './update-descriptor.js';
import { HostUpdate } from './wave-planner.js';

export function arrivalKey(d: UpdateDescriptor): string {
  return `${d.name}@${d.version}:${d.sha256}`;
}

export interface UpdateArrivalsOptions {
  store: SqliteClusterUpdateStore;
  updates: ClusterUpdates;
  /** The clusters the manager knows, read when an update arrives. */
  clusters(): ClusterFile[];
  clock: Clock;
}

export class UpdateArrivals {
  private readonly o: UpdateArrivalsOptions;

  constructor(o: UpdateArrivalsOptions) {
    this.o = o;
  }

  /** Whether `d` (by name, version and sum) arrived before. */
  known(d: UpdateDescriptor): boolean {
    return this.o.store.hasArrival(arrivalKey(d));
  }

  /** Records `d` and decides for each cluster; null when this update arrived before (nothing done again). */
  receive(d: UpdateDescriptor, source: string, description: string): ArrivalRecord | null {
    const key = arrivalKey(d);
    if (this.o.store.hasArrival(key)) return null;
    const decisions = this.o.clusters().map((c) => this.decide(c, d));
    const record: ArrivalRecord = { key, source, receivedAtMs: this.o.clock.now(), description: description || d.description, descriptor: d, decisions };
    this.o.store.addArrival(record);
    return record;
  }

  list(): ArrivalRecord[] {
    return this.o.store.arrivals();
  }

  private decide(cluster: ClusterFile, d: UpdateDescriptor): ArrivalDecision {
    const hosts = this.o.updates.decide(cluster, d);
    const applies = hosts.filter((h) => h.state === HostUpdate.PENDING).length;
    const decision: ArrivalDecision = { cluster: cluster.cluster, applies, skipped: hosts.length - applies, started: null, note: '' };
    if (applies === 0) return { ...decision, note: `nothing to update: ${hosts.length} skipped (${[...new Set(hosts.map((h) => h.reason))].join('; ')})` };
    if (!cluster.autoUpdate) return { ...decision, note: `waits for bmcfleet cluster-update start (the cluster has no autoUpdate)` };
    try {
      const started = this.o.updates.start(cluster, d);
      return { ...decision, started: started.id, note: `started as cluster update ${started.id}` };
    } catch (err) {
      if (!(err instanceof ClusterUpdateError)) throw err;
      return { ...decision, note: `not started: ${err.message}` };
    }
  }
}
