// Cluster updates run by the manager (issue 14): one image for every host of a cluster it applies to, in waves within
// the cluster's limits (wave-planner.ts). Each host in a wave goes through the same install as provisioning
// (install-runner.ts: the image into its BMC's CD-ROM, boot from CD, power cycle, the agent applies it, boots from
// disk); the install's label names the update, so a host's install is known to be this update's.
//
// Crash safety: a host is saved as updating before its install starts (write-ahead), and the install runner keeps
// its own state; a manager started again (resumeAll) rebuilds each live update's planner from the store, starts the
// installs a crash left unstarted, and finishes the hosts whose installs ended meanwhile.
import type { Clock } from '../../runtime/clock.js';
import type { HostRecord } from '../store/host-records.js';
import type { ProvisioningStore } from '../store/provisioning-store.js';
import { LIVE_UPDATE_STATUSES, UpdateStatus, type ClusterUpdateRecord, type SqliteClusterUpdateStore, type UpdateHostRecord } from '../store/cluster-update-store.js';
import { InstallStep, type InstallState } from '../provisioning/install-machine.js';
import type { InstallRunner } from '../provisioning/install-runner.js';
import { applicabilityFor } from './applicability.js';
import { clusterHosts, type ClusterFile } from './cluster-file.js';
import { hostFacts } from './update-plan.js';
import { compareVersions, type UpdateDescriptor } from './update-descriptor.js';
import { HostUpdate, WavePlanner } from './wave-planner.js';

export class ClusterUpdateError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = 'ClusterUpdateError';
    this.status = status;
  }
}

interface Live { record: ClusterUpdateRecord; planner: WavePlanner; label: string }

export interface ClusterUpdatesOptions {
  store: SqliteClusterUpdateStore;
  hosts: ProvisioningStore;
  runner: InstallRunner;
  clock: Clock;
}

/** The install label of update `id`: how a host's install is known to be this update's. */
export function updateLabel(id: number, d: UpdateDescriptor): string {
  return `update ${id}: ${d.name} ${d.version}`;
}

export class ClusterUpdates {
  private readonly o: ClusterUpdatesOptions;
  private readonly live = new Map<number, Live>();

  constructor(o: ClusterUpdatesOptions) {
    this.o = o;
  }

  /** Starts updating `cluster` with `descriptor`; refused (409) when one of its hosts is in another live update. */
  start(cluster: ClusterFile, descriptor: UpdateDescriptor): ClusterUpdateRecord {
    const bmcs = clusterHosts(cluster);
    for (const l of this.live.values()) {
      const shared = bmcs.find((b) => l.record.hosts.some((h) => h.bmc === b));
      if (shared !== undefined) throw new ClusterUpdateError(`${shared} is in cluster update ${l.record.id} (${l.record.status}): one update at a time per host`, 409);
    }
    const hosts = this.decide(cluster, descriptor);
    const record: Omit<ClusterUpdateRecord, 'id'> = {
      createdAtMs: this.o.clock.now(), cluster, descriptor, status: UpdateStatus.RUNNING, progress: { failuresSinceResume: 0, paused: null }, hosts,
    };
    const id = this.o.store.create(record);
    const l = this.track({ ...record, id });
    this.advance(l, []);
    this.stageImage(l);
    return this.view(id);
  }

  /** Each host of the cluster: pending (the update applies) or skipped with why. */
  decide(cluster: ClusterFile, descriptor: UpdateDescriptor): UpdateHostRecord[] {
    const installed = installedVersions(this.o.store, descriptor.name);
    return clusterHosts(cluster).map((bmc) => {
      const a = applicabilityFor(descriptor, hostFacts(bmc, this.o.hosts.host(bmc), installed.get(bmc) ?? null));
      return a.applies ? { bmc, state: HostUpdate.PENDING, reason: null } : { bmc, state: HostUpdate.SKIPPED, reason: a.reason };
    });
  }

  /** Takes up every live update after a restart. */
  resumeAll(): number[] {
    const ids: number[] = [];
    for (const { id, status } of this.o.store.updates()) {
      if (!LIVE_UPDATE_STATUSES.includes(status)) continue;
      const l = this.track(this.o.store.update(id)!);
      const changed: UpdateHostRecord[] = [];
      for (const h of l.record.hosts) {
        if (h.state !== HostUpdate.UPDATING) continue;
        const install = this.o.hosts.host(h.bmc)?.install ?? null;
        if (install === null || install.role !== l.label) this.startInstall(l, h.bmc, changed); // saved as updating, never started
        else if (install.step === InstallStep.DONE || install.step === InstallStep.FAILED) changed.push(this.finishHost(l, h.bmc, install));
      }
      this.advance(l, changed);
      ids.push(id);
    }
    return ids;
  }

  /** The install runner's news of a host: an install of a live update that ended moves that update on. */
  hostChanged(host: HostRecord): void {
    const install = host.install;
    if (install === null || (install.step !== InstallStep.DONE && install.step !== InstallStep.FAILED)) return;
    for (const l of this.live.values()) {
      if (install.role !== l.label || l.planner.state(host.address) !== HostUpdate.UPDATING) continue;
      this.advance(l, [this.finishHost(l, host.address, install)]);
    }
  }

  pause(id: number): ClusterUpdateRecord {
    const l = this.liveOr409(id, [UpdateStatus.RUNNING], 'pause');
    l.planner.pause('paused by the operator');
    this.advance(l, []);
    return this.view(id);
  }

  /** Goes on after a pause (the operator's, or the failure budget's); `retryFailed` puts failed hosts back in line. */
  resume(id: number, retryFailed: boolean): ClusterUpdateRecord {
    const l = this.liveOr409(id, [UpdateStatus.PAUSED], 'resume');
    const failed = l.record.hosts.filter((h) => h.state === HostUpdate.FAILED).map((h) => h.bmc);
    l.planner.resume(retryFailed);
    l.record.status = UpdateStatus.RUNNING;
    this.advance(l, retryFailed ? failed.map((bmc) => ({ bmc, state: HostUpdate.PENDING, reason: null })) : []);
    return this.view(id);
  }

  /** No more hosts go down; those updating finish, then the update is aborted. */
  abort(id: number): ClusterUpdateRecord {
    const l = this.liveOr409(id, [UpdateStatus.RUNNING, UpdateStatus.PAUSED], 'abort');
    l.record.status = UpdateStatus.ABORTING;
    l.planner.pause('aborted by the operator');
    this.advance(l, []);
    return this.view(id);
  }

  view(id: number): ClusterUpdateRecord {
    const record = this.o.store.update(id);
    if (record === null) throw new ClusterUpdateError(`no cluster update ${id}`, 404);
    return record;
  }

  list(): { id: number; status: UpdateStatus }[] {
    return this.o.store.updates();
  }

  private track(record: ClusterUpdateRecord): Live {
    const planner = new WavePlanner(record.cluster, new Map(record.hosts.map((h) => [h.bmc, h.state])), record.progress);
    const l: Live = { record, planner, label: updateLabel(record.id, record.descriptor) };
    this.live.set(record.id, l);
    return l;
  }

  /** Admits what the limits allow (unless paused or aborting), saves the step, and ends the update when nothing is left. */
  private advance(l: Live, changed: UpdateHostRecord[]): void {
    const r = l.record;
    if (r.status === UpdateStatus.RUNNING && l.planner.paused === null) {
      for (const bmc of l.planner.admit()) this.startInstall(l, bmc, changed);
    }
    const updating = r.hosts.some((h) => l.planner.state(h.bmc) === HostUpdate.UPDATING);
    if (r.status === UpdateStatus.ABORTING && !updating) r.status = UpdateStatus.ABORTED;
    else if (r.status === UpdateStatus.RUNNING && l.planner.paused !== null) r.status = UpdateStatus.PAUSED;
    else if (r.status === UpdateStatus.RUNNING && l.planner.done) r.status = UpdateStatus.DONE;
    for (const c of changed) {
      const h = r.hosts.find((x) => x.bmc === c.bmc)!;
      h.state = c.state;
      h.reason = c.reason;
    }
    r.progress = l.planner.progress;
    this.o.store.save(r.id, { status: r.status, progress: r.progress, hosts: changed });
    if (!LIVE_UPDATE_STATUSES.includes(r.status)) this.live.delete(r.id);
  }

  /** The image into the CD-ROM of every host still waiting for its wave (the first wave's installs insert it themselves). */
  private stageImage(l: Live): void {
    const waiting = l.record.hosts.filter((h) => l.planner.state(h.bmc) === HostUpdate.PENDING).map((h) => h.bmc);
    void this.o.runner.stage(waiting, l.record.descriptor.image);
  }

  /** Saves the host as updating, then starts its install (a host already installing something else fails at once). */
  private startInstall(l: Live, bmc: string, changed: UpdateHostRecord[]): void {
    this.o.store.save(l.record.id, { status: l.record.status, progress: l.planner.progress, hosts: [{ bmc, state: HostUpdate.UPDATING, reason: null }] });
    try {
      this.o.runner.start([bmc], l.label, l.record.descriptor.image, false);
      changed.push({ bmc, state: HostUpdate.UPDATING, reason: null });
    } catch (err) {
      l.planner.finish(bmc, HostUpdate.FAILED);
      changed.push({ bmc, state: HostUpdate.FAILED, reason: (err as Error).message });
    }
  }

  /** An ended install: updated when it is done and the host's agent says it installed the update's version. */
  private finishHost(l: Live, bmc: string, install: InstallState): UpdateHostRecord {
    const reason = install.step === InstallStep.DONE ? versionMismatch(install, l.record.descriptor) : install.failure;
    const outcome = reason === null ? HostUpdate.UPDATED : HostUpdate.FAILED;
    l.planner.finish(bmc, outcome);
    return { bmc, state: outcome, reason };
  }

  private liveOr409(id: number, statuses: readonly UpdateStatus[], action: string): Live {
    const l = this.live.get(id);
    const status = l?.record.status ?? this.view(id).status;
    if (!l || !statuses.includes(status)) throw new ClusterUpdateError(`cluster update ${id} is ${status}: it cannot ${action}`, 409);
    return l;
  }
}

/**
 * Why a finished install is not the update: the agent's last report (Get Install Progress, "installed NAME VERSION"
 * once done) names another version, or none. null: it is the update's version.
 */
function versionMismatch(install: InstallState, d: UpdateDescriptor): string | null {
  const installed = /^installed .* (\S+)$/.exec(install.progress?.message ?? '')?.[1];
  if (installed === undefined) return `the host did not say which version it installed (its agent reported "${install.progress?.message ?? ''}")`;
  return compareVersions(installed, d.version) === 0 ? null : `the host installed version ${installed}, not ${d.version}: the image is not the update the descriptor describes`;
}

/** Each host's newest version of update `name` that a cluster update gave it (read once for a whole cluster). */
export function installedVersions(store: SqliteClusterUpdateStore, name: string): Map<string, string> {
  const versions = new Map<string, string>();
  for (const { id } of store.updates()) {
    const u = store.update(id)!;
    if (u.descriptor.name !== name) continue;
    for (const h of u.hosts) {
      const had = versions.get(h.bmc);
      if (h.state === HostUpdate.UPDATED && (had === undefined || compareVersions(u.descriptor.version, had) > 0)) versions.set(h.bmc, u.descriptor.version);
    }
  }
  return versions;
}
