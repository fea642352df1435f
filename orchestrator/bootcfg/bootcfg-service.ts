// What the manager's API offers of iSCSI boot configuration (issue 15): a boot request picks and reserves a disk in
// one transaction and is then run (boot-runner.ts); a release removes the host's DD and frees its disk; disks the
// inventory finds gone send the requests holding them back to pick another.
import type { Clock } from '../../runtime/clock.js';
import type { SqliteBootcfgStore } from '../store/bootcfg-store.js';
import { BootStep, diskLost, holdsDisk, startBoot, startRelease, type BootRequest } from './boot-machine.js';
import type { BootDomains, BootRunner } from './boot-runner.js';
import { ddNameFor, initiatorIqnFor, type BootDisk } from './boot-target.js';

/** No request for that host. */
export class NoSuchRequestError extends Error {
  constructor(host: string) {
    super(`${host} has no boot request`);
    this.name = 'NoSuchRequestError';
  }
}

/** The host's IP configuration written when a request names none: all zero, the host keeps its own address. */
const OWN_NETWORK = { address: '0.0.0.0', netmask: '0.0.0.0', gateway: '0.0.0.0' };

export class BootcfgService {
  private readonly o: { store: SqliteBootcfgStore; runner: BootRunner; clock: Clock; domains: BootDomains };

  constructor(o: { store: SqliteBootcfgStore; runner: BootRunner; clock: Clock; domains: BootDomains }) {
    this.o = o;
  }

  /** Reserves the best-fitting disk for `host` and starts its boot; HostBusyError or NoDiskFitsError (nothing reserved). */
  request(o: { host: string; sizeBytes: number; role: string | null; network?: BootRequest['network'] }): BootRequest {
    const initiator = initiatorIqnFor(o.host);
    const now = this.o.clock.now();
    const r = this.o.store.startRequest(o.host, o.sizeBytes, (disk) => startBoot({
      host: o.host, role: o.role, sizeBytes: o.sizeBytes, initiator, network: o.network ?? OWN_NETWORK, disk,
    }, now));
    this.o.runner.run(o.host);
    return r;
  }

  /** Starts releasing `host`: its DD goes, its disk is free once that is done. */
  release(host: string): BootRequest {
    if (this.o.store.request(host) === null) throw new NoSuchRequestError(host);
    this.o.runner.amend(host, startRelease);
    return this.o.store.request(host)!;
  }

  /** The inventory found these disks gone: each request holding one picks another (or fails). */
  disksLost(disks: readonly { target: string; lun: number }[]): void {
    for (const r of this.o.store.requests()) {
      if (holdsDisk(r) && disks.some((d) => d.target === r.disk!.target && d.lun === r.disk!.lun)) {
        this.o.runner.amend(r.host, (s, now) => (s.disk?.target === r.disk!.target && s.disk.lun === r.disk!.lun ? diskLost(s, now) : s));
      }
    }
  }

  /**
   * Registers again the DD of every request that has one: after the iSNS server restarted (an isnsd without a
   * database forgets them), a booted host's target would otherwise show itself to nobody, or to every initiator.
   */
  async restoreDomains(onProblem: (message: string) => void): Promise<void> {
    for (const r of this.o.store.requests()) {
      if (r.ddId === null || r.disk === null || r.step === BootStep.RELEASED || r.step === BootStep.RELEASING) continue;
      try {
        const ddId = await this.o.domains.ensure(ddNameFor(r.host), [r.disk.target, r.initiator]);
        if (ddId !== r.ddId) this.o.runner.amend(r.host, (s) => (s.ddId === r.ddId ? { ...s, ddId } : s));
      } catch (err) {
        onProblem(`the DD of ${r.host}'s boot request could not be registered again: ${(err as Error).message}`);
      }
    }
  }

  requests(): BootRequest[] {
    return this.o.store.requests();
  }

  requestOf(host: string): BootRequest {
    const r = this.o.store.request(host);
    if (r === null) throw new NoSuchRequestError(host);
    return r;
  }

  disks(): BootDisk[] {
    return this.o.store.disks();
  }
}
