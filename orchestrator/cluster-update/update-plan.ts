// What a cluster update would do, before anything goes down (issue 14): for each host of the cluster, whether the
// update applies and why not, and the waves the planner would start if every host updated at once and none failed.
import type { HostRecord } from '../store/host-records.js';
import { applicabilityFor, type HostFacts } from './applicability.js';
import { clusterHosts, type ClusterFile } from './cluster-file.js';
import type { UpdateDescriptor } from './update-descriptor.js';
import { HostUpdate, WavePlanner } from './wave-planner.js';

export interface PlannedHost {
  bmc: string;
  applies: boolean;
  /** Why it is skipped; null when the update applies. */
  reason: string | null;
}

export interface UpdatePlan {
  cluster: string;
  update: { name: string; version: string };
  hosts: PlannedHost[];
  /** The hosts the update applies to, in the order they would go down: each wave once the one before it is back. */
  waves: string[][];
}

/** The facts a plan needs of each host, from the provisioning store (null: never found or never inventoried). */
export function hostFacts(bmc: string, record: HostRecord | null, installedVersion: string | null): HostFacts {
  const hw = record?.hardware ?? null;
  return { bmc, model: hw ? { vendor: hw.vendor, product: hw.product } : null, installedVersion };
}

export function planUpdate(cluster: ClusterFile, update: UpdateDescriptor, facts: (bmc: string) => HostFacts): UpdatePlan {
  const planner = new WavePlanner(cluster);
  const hosts = clusterHosts(cluster).map((bmc): PlannedHost => {
    const a = applicabilityFor(update, facts(bmc));
    if (!a.applies) planner.skip(bmc);
    return { bmc, applies: a.applies, reason: a.applies ? null : a.reason };
  });
  const waves: string[][] = [];
  for (let wave = planner.admit(); wave.length > 0; wave = planner.admit()) {
    waves.push(wave);
    for (const bmc of wave) planner.finish(bmc, HostUpdate.UPDATED);
  }
  return { cluster: cluster.cluster, update: { name: update.name, version: update.version }, hosts, waves };
}
