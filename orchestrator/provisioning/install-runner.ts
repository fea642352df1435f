// Runs hosts' installs (install-machine.ts) against their BMCs, a bounded number at once: each host's state is
// saved before every action it takes, so a manager killed at any point and started again (resume()) takes each
// host up where the store has it. The BMC side is an InstallBmc (over IPMI: clients/ipmi/install-bmc.ts).
import { sleepOn, type Clock } from '../../runtime/clock.js';
import type { HostRecord } from '../store/host-records.js';
import type { ProvisioningStore } from '../store/provisioning-store.js';
import {
  INSTALL_TIMING, actionDone, actionFailed, insertFailed, isFinal, nextAction, startInstall,
  type ActionResult, type AgentReport, type InstallAction, type InstallState, type InstallTiming,
} from './install-machine.js';

/** What an install asks of a host's BMC; each call is safe to repeat. */
export interface InstallBmc {
  /** Puts `image` in the virtual CD-ROM (again: no change); resolves with the drive's state. */
  insertCd(image: string): Promise<'inserted' | 'inserting'>;
  /** Next boot from CD (System Boot Options parameter 5). */
  setBootCd(): Promise<void>;
  progress(): Promise<AgentReport>;
  powerCycle(): Promise<void>;
  close(): void;
}

/** The image can never go in (it cannot be found or read): the install fails without more tries. */
export class InsertRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InsertRefusedError';
  }
}

export interface InstallRunnerOptions {
  store: ProvisioningStore;
  clock: Clock;
  bmcFor(host: HostRecord): InstallBmc;
  /** Hands a finished host to the pool (pool file, webhook); throws to be tried again later. */
  handOver(host: HostRecord): Promise<void>;
  /** Hosts installing at once (default 20, Metal3's). */
  concurrency?: number;
  timing?: InstallTiming;
  /** Told of each saved state (progress output, tests). */
  onChange?(host: HostRecord): void;
}

export class InstallRunner {
  private readonly o: InstallRunnerOptions;
  private readonly timing: InstallTiming;
  private readonly running = new Set<string>();
  private readonly queue: string[] = [];
  private active = 0;
  private closed = false;
  private readonly waiters: (() => void)[] = [];
  /** Hosts whose CD-ROM stage() is loading: their install waits for it, so two inserts never cross. */
  private readonly staging = new Map<string, Promise<void>>();

  constructor(o: InstallRunnerOptions) {
    this.o = o;
    this.timing = o.timing ?? INSTALL_TIMING;
  }

  /**
   * Starts installing `role`'s image on each host (saved first, all together); a host already installing is refused.
   * `handOver` false: the host is not handed to the pool after (a cluster update: it is in service already).
   */
  start(addresses: readonly string[], role: string, image: string, handOver = true): void {
    const hosts = addresses.map((a) => {
      const h = this.o.store.host(a);
      if (h === null) throw new Error(`${a}: no such host (bmcfleet provision discover finds hosts)`);
      if (h.install !== null && !isFinal(h.install)) throw new Error(`${a}: already installing (${h.install.role}, ${h.install.step})`);
      return { ...h, install: startInstall(role, image, this.o.clock.now(), handOver) };
    });
    this.o.store.saveHosts(hosts);
    for (const h of hosts) this.enqueue(h.address);
  }

  /**
   * Puts `image` into each host's CD-ROM now, `concurrency` BMCs at a time, without starting anything: a cluster
   * update stages its one image on every host it applies to at once, so the fleet's shared cache loads it once and
   * each host's install later finds it inserted. A BMC that fails is left: its install inserts it again and reports.
   */
  async stage(addresses: readonly string[], image: string): Promise<void> {
    const left = [...addresses];
    const worker = async () => {
      for (let a = left.shift(); a !== undefined && !this.closed; a = left.shift()) {
        const host = this.o.store.host(a);
        if (host === null || this.running.has(a)) continue; // its install is under way: it inserts the image itself
        const bmc = this.o.bmcFor(host);
        const done = bmc.insertCd(image).then(() => {}, () => {
          // a BMC that cannot take it now: its install inserts it again, and says why if it still cannot
        }).finally(() => {
          bmc.close();
          this.staging.delete(a);
        });
        this.staging.set(a, done);
        await done;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency ?? 20, left.length) }, worker));
  }

  /** Takes up every install the store holds unfinished. */
  resume(): number {
    const open = this.o.store.hosts().filter((h) => h.install !== null && !isFinal(h.install));
    for (const h of open) this.enqueue(h.address);
    return open.length;
  }

  /** Resolves when no install is running or waiting. */
  idle(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops taking actions (each host's state stays as saved: resume() goes on from it). */
  close(): void {
    this.closed = true;
  }

  private enqueue(address: string): void {
    if (this.running.has(address)) return;
    this.running.add(address);
    this.queue.push(address);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.active < (this.o.concurrency ?? 20) && this.queue.length > 0) {
      const address = this.queue.shift()!;
      this.active++;
      this.install(address).catch((err: unknown) => queueMicrotask(() => { throw err; })).finally(() => {
        this.active--;
        this.running.delete(address);
        this.pump();
        if (this.active === 0 && this.queue.length === 0) for (const w of this.waiters.splice(0)) w();
      });
    }
  }

  private async install(address: string): Promise<void> {
    await this.staging.get(address);
    let host = this.o.store.host(address)!;
    const bmc = this.o.bmcFor(host);
    try {
      while (!this.closed && host.install !== null && !isFinal(host.install)) {
        const now = this.o.clock.now();
        const next = nextAction(host.install, now);
        if (next === null) {
          await sleepOn(this.o.clock, Math.max(0, (host.install.dueMs ?? now) - now));
          continue;
        }
        if (next.save !== host.install) host = this.save({ ...host, install: next.save });
        const after = await this.take(next.action, host, bmc, next.save);
        if (this.closed) return;
        host = this.save({ ...host, install: after });
      }
    } finally {
      bmc.close();
    }
  }

  /** One action against the BMC, and the state it leads to. */
  private async take(action: InstallAction, host: HostRecord, bmc: InstallBmc, s: InstallState): Promise<InstallState> {
    let result: ActionResult;
    try {
      switch (action.kind) {
        case 'insert': result = { kind: 'insert', drive: await bmc.insertCd(action.image) }; break;
        case 'set-boot-cd': await bmc.setBootCd(); result = { kind: 'set-boot-cd' }; break;
        case 'read-run': result = { kind: 'read-run', run: (await bmc.progress()).run }; break;
        case 'power-cycle': await bmc.powerCycle(); result = { kind: 'power-cycle' }; break;
        case 'poll-progress': result = { kind: 'poll-progress', report: await bmc.progress() }; break;
        case 'hand-over': await this.o.handOver(host); result = { kind: 'hand-over' }; break;
      }
    } catch (err) {
      const now = this.o.clock.now();
      if (err instanceof InsertRefusedError) return insertFailed(s, err.message, now);
      return actionFailed(s, (err as Error).message, now, this.timing);
    }
    return actionDone(s, result, this.o.clock.now(), this.timing);
  }

  private save(host: HostRecord): HostRecord {
    this.o.store.saveHosts([host]);
    this.o.onChange?.(host);
    return host;
  }
}
