// Runs boot requests (boot-machine.ts): each request's state is saved before every action it takes, so a manager
// killed at any point and started again (resume()) takes each request up where the store has it. The BMC side is a
// BootBmc (over IPMI: ipmi-boot-bmc.ts), the host's boot result comes from a HostBootProbe, the discovery domains
// from BootDomains (over iSNS: isns-boot-domains.ts). Changes from outside (a release, a disk lost) reach a request
// the runner is working on between two of its actions, never in the middle of one.
import type { Clock } from '../../runtime/clock.js';
import type { IscsiBootConfig } from '../../protocols/ipmi/commands/iscsi-boot-parameters.js';
import type { SqliteBootcfgStore } from '../store/bootcfg-store.js';
import {
  BOOT_TIMING, BootStep, actionDone, actionFailed, isFinal, nextAction, type BootAction, type BootReport, type BootRequest, type BootResult, type BootTiming,
} from './boot-machine.js';
import { ddNameFor } from './boot-target.js';

/** What a boot asks of a host's BMC; each call is safe to repeat. */
export interface BootBmc {
  /** The iSCSI boot parameters (OEM 100-109), bracketed by set-in-progress. */
  writeParameters(config: IscsiBootConfig): Promise<void>;
  /** Next boot from the network (PXE), once (System Boot Options parameter 5). */
  setBootPxe(): Promise<void>;
  /** Powers the host on, or cycles it when it is on. */
  powerOnOrCycle(): Promise<void>;
  close(): void;
}

/** Where the host's boot result is read (the BMC's Get iSCSI Boot Status). */
export interface HostBootProbe {
  status(): Promise<BootReport>;
  close(): void;
}

/** The discovery domains a boot needs on the iSNS server. */
export interface BootDomains {
  /** A DD named `name` holding exactly `members` (made, or found by its name and set right); its ID. */
  ensure(name: string, members: readonly string[]): Promise<number>;
  /** The DD named `name` is gone; one already gone is fine. */
  remove(name: string): Promise<void>;
}

/** Requests driven at once. */
export const DEFAULT_BOOT_CONCURRENCY = 50;

export interface BootRunnerOptions {
  store: SqliteBootcfgStore;
  clock: Clock;
  domains: BootDomains;
  bmcFor(host: string): BootBmc;
  probeFor(host: string): HostBootProbe;
  /** The iSNS server the host asks for its target (boot parameter 102), when known. */
  isnsServer?(): { address: string; port: number } | null;
  /** The CHAP account a target asks for (boot parameters 108/109), from config, never saved; null for none. */
  chapFor?(target: string): { name: string; secret: string } | null;
  timing?: BootTiming;
  /** Told of each saved state (progress output, tests). */
  onChange?(request: BootRequest): void;
}

export class BootRunner {
  private readonly o: BootRunnerOptions;
  private readonly timing: BootTiming;
  private readonly running = new Set<string>();
  /** Changes waiting for a request the runner is working on. */
  private readonly amendments = new Map<string, ((s: BootRequest, nowMs: number) => BootRequest)[]>();
  private readonly queue: string[] = [];
  private active = 0;
  private closed = false;
  private readonly waiters: (() => void)[] = [];
  private readonly sleepers = new Map<string, () => void>();

  constructor(o: BootRunnerOptions) {
    this.o = o;
    this.timing = o.timing ?? BOOT_TIMING;
  }

  /** Works on `host`'s request as the store holds it. */
  run(host: string): void {
    if (this.closed || this.running.has(host)) return;
    this.running.add(host);
    this.queue.push(host);
    this.pump();
  }

  /** Takes up every request the store holds unfinished; returns how many. */
  resume(): number {
    const open = this.o.store.requests().filter((r) => !isFinal(r));
    for (const r of open) this.run(r.host);
    return open.length;
  }

  /**
   * Changes `host`'s request with `change` (a release, a disk lost): at once and saved when the runner is not working
   * on it, else between two of its actions. The request is then run.
   */
  amend(host: string, change: (s: BootRequest, nowMs: number) => BootRequest): void {
    if (this.running.has(host)) {
      const list = this.amendments.get(host) ?? [];
      list.push(change);
      this.amendments.set(host, list);
      this.sleepers.get(host)?.(); // a request waiting for its next poll takes the change now
      return;
    }
    const s = this.o.store.request(host);
    if (s === null) return;
    const after = change(s, this.o.clock.now());
    if (after !== s) this.save(after);
    if (!isFinal(after)) this.run(host);
  }

  /** Resolves when no request is running or waiting. */
  idle(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops taking actions (each request's state stays as saved: resume() goes on from it). */
  close(): void {
    this.closed = true;
    for (const wake of this.sleepers.values()) wake();
  }

  private pump(): void {
    while (!this.closed && this.active < DEFAULT_BOOT_CONCURRENCY && this.queue.length > 0) {
      const host = this.queue.shift()!;
      this.active++;
      this.drive(host).catch((err: unknown) => queueMicrotask(() => { throw err; })).finally(() => {
        this.active--;
        this.running.delete(host);
        // a change that came after the last action: applied now that the request is idle
        const late = this.amendments.get(host);
        this.amendments.delete(host);
        for (const change of late ?? []) this.amend(host, change);
        this.pump();
        if (this.active === 0 && this.queue.length === 0) for (const w of this.waiters.splice(0)) w();
      });
    }
  }

  private async drive(host: string): Promise<void> {
    let s = this.o.store.request(host);
    let bmc: BootBmc | null = null;
    let probe: HostBootProbe | null = null;
    try {
      while (!this.closed && s !== null) {
        s = this.applyAmendments(s);
        if (isFinal(s)) return;
        const now = this.o.clock.now();
        const next = nextAction(s, now);
        if (next === null) {
          await this.sleep(host, Math.max(0, (s.dueMs ?? now) - now));
          continue;
        }
        if (next.save !== s) s = this.save(next.save);
        if (next.action.kind === 'poll' || next.action.kind === 'read-run') probe ??= this.o.probeFor(host);
        else if (next.action.kind !== 'pick' && next.action.kind !== 'dd' && next.action.kind !== 'release') bmc ??= this.o.bmcFor(host);
        const after = await this.take(next.action, s, bmc, probe);
        if (this.closed) return;
        s = after.step === BootStep.RELEASED ? this.saveReleased(after) : this.save(after);
      }
    } finally {
      bmc?.close();
      probe?.close();
    }
  }

  private applyAmendments(s: BootRequest): BootRequest {
    const changes = this.amendments.get(s.host);
    if (!changes) return s;
    this.amendments.delete(s.host);
    let after = s;
    for (const change of changes) after = change(after, this.o.clock.now());
    return after === s ? s : this.save(after);
  }

  private sleep(host: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.o.clock.setTimeout(() => wake(), ms);
      const wake = () => { timer.cancel(); this.sleepers.delete(host); resolve(); };
      this.sleepers.set(host, wake);
    });
  }

  /** One action, and the state it leads to. */
  private async take(action: BootAction, s: BootRequest, bmc: BootBmc | null, probe: HostBootProbe | null): Promise<BootRequest> {
    let result: BootResult;
    try {
      switch (action.kind) {
        case 'pick': result = { kind: 'pick', disk: this.o.store.repick(s.host, action.sizeBytes) }; break;
        case 'dd': result = { kind: 'dd', ddId: await this.o.domains.ensure(ddNameFor(s.host), action.members) }; break;
        case 'parameters': {
          const chap = this.o.chapFor?.(action.config.targetName) ?? null;
          await bmc!.writeParameters({ ...action.config, isns: this.o.isnsServer?.() ?? null, ...(chap ? { chapName: chap.name, chapSecret: chap.secret } : {}) });
          result = { kind: 'parameters' };
          break;
        }
        case 'boot-pxe': await bmc!.setBootPxe(); result = { kind: 'boot-pxe' }; break;
        case 'read-run': result = { kind: 'read-run', run: (await probe!.status()).run }; break;
        case 'power': await bmc!.powerOnOrCycle(); result = { kind: 'power' }; break;
        case 'poll': result = { kind: 'poll', report: await probe!.status() }; break;
        case 'release': await this.o.domains.remove(ddNameFor(s.host)); result = { kind: 'release' }; break;
      }
    } catch (err) {
      return actionFailed(s, (err as Error).message, this.o.clock.now(), this.timing);
    }
    return actionDone(s, result, this.o.clock.now(), this.timing);
  }

  private save(s: BootRequest): BootRequest {
    this.o.store.saveRequest(s);
    this.o.onChange?.(s);
    return s;
  }

  private saveReleased(s: BootRequest): BootRequest {
    this.o.store.saveReleased(s);
    this.o.onChange?.(s);
    return s;
  }
}
