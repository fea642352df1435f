// The firmware manager's service (issue 11): what the HTTP API and CLI call. It starts rollouts (after checking the
// request: rollout-plan.ts), runs one RolloutMachine per live rollout over one UDP socket for the whole manager
// (manager-socket.ts), wakes each at its deadline through the Clock, and shows status, list and report from the
// store. resumeAll() on start-up picks up every rollout a killed manager left running, paused or aborting.
import { DecodeError } from '../../protocols/errors.js';
import { MessageType, readHeader, type Header } from '../../protocols/rollout/header.js';
import type { SigningKey } from '../../protocols/rollout/keys.js';
import { MAX_TIMER_MS, systemClock, type Clock } from '../../runtime/clock.js';
import type { RolloutStore } from '../store/rollout-store.js';
import { LIVE_STATUSES } from '../store/run-records.js';
import { ManagerSocket, type ManagerSocketOptions, type SocketCounters } from './manager-socket.js';
import { UnknownRolloutError, RolloutStateError } from './rollout-errors.js';
import { RolloutMachine, type RolloutAction, type RolloutMachineOptions } from './rollout-machine.js';
import { planRollout, type StartRequest } from './rollout-plan.js';
import type { RolloutService } from './rollout-service.js';
import { listView, reportView, statusView, type RolloutReport, type RolloutStatusView, type RolloutSummary } from './rollout-views.js';

export interface RolloutManagerOptions extends ManagerSocketOptions {
  store: RolloutStore;
  /** The manager's Ed25519 key: it signs every command and each image's manifest. */
  key: SigningKey;
  clock?: Clock;
  /** The machines' tuning (chunk size, transfer slots, timeouts, backoff, intervals). */
  tuning?: Omit<RolloutMachineOptions, 'store' | 'rolloutId' | 'key'>;
}

export interface ManagerCounters extends SocketCounters {
  /** Datagrams for no rollout this manager runs, or that do not decode. */
  strays: number;
}

interface Live { machine: RolloutMachine; timer: { cancel(): void } | null }

/** Finished rollouts' machines kept for late reports: a late RMC sends its report pages back to back. */
const KEPT_FINISHED_MACHINES = 4;

export class RolloutManager implements RolloutService {
  private readonly store: RolloutStore;
  private readonly key: SigningKey;
  private readonly clock: Clock;
  private readonly tuning: RolloutManagerOptions['tuning'];
  private readonly live = new Map<number, Live>();
  /** Machines of rollouts that are over, loaded for late reports. */
  private readonly finished = new Map<number, RolloutMachine>();
  private socket!: ManagerSocket;
  private strays = 0;

  private constructor(o: RolloutManagerOptions) {
    this.store = o.store;
    this.key = o.key;
    this.clock = o.clock ?? systemClock;
    this.tuning = o.tuning;
  }

  /** Binds the manager's socket. Call resumeAll() next to pick up what a previous run left. */
  static async open(o: RolloutManagerOptions): Promise<RolloutManager> {
    const manager = new RolloutManager(o);
    manager.socket = await ManagerSocket.open(o, (datagram) => manager.receive(datagram));
    return manager;
  }

  /** The port RMCs answer to. */
  get port(): number { return this.socket.port; }

  get counters(): ManagerCounters { return { ...this.socket.counters, strays: this.strays }; }

  /** Checks the request (typed errors, store unchanged), stores the rollout and starts its prepare round. */
  start(req: StartRequest): number {
    const { rollout, plan } = planRollout(req, this.clock.now(), this.key, this.store);
    const id = this.store.startRollout(rollout, plan);
    this.run(id);
    return id;
  }

  /** Loads and goes on with every rollout left running, paused or aborting; returns their IDs. */
  resumeAll(): number[] {
    const ids = this.store.runs().filter((r) => LIVE_STATUSES.includes(r.status) && !this.live.has(r.rolloutId)).map((r) => r.rolloutId);
    for (const id of ids) this.run(id);
    return ids;
  }

  status(id: number): RolloutStatusView {
    const view = statusView(this.store, id, this.live.get(id)?.machine.bytesSent());
    if (!view) throw new UnknownRolloutError(id);
    return view;
  }

  list(): RolloutSummary[] { return listView(this.store); }

  report(id: number): RolloutReport {
    const view = reportView(this.store, id);
    if (!view) throw new UnknownRolloutError(id);
    return view;
  }

  pause(id: number): void { this.steer(id, 'pause', (m, now) => m.pause(now)); }
  resume(id: number, flashTimeMs?: number): void { this.steer(id, 'resume', (m, now) => m.resume(now, flashTimeMs)); }
  abort(id: number): void { this.steer(id, 'abort', (m, now) => m.abort(now)); }

  /** Stops every machine and closes the socket; the rollouts stay in the store, to be resumed. */
  close(): void {
    for (const l of this.live.values()) l.timer?.cancel();
    this.live.clear();
    this.socket.close();
  }

  private steer(id: number, action: string, act: (m: RolloutMachine, nowMs: number) => RolloutAction[]): void {
    const l = this.live.get(id);
    if (!l) {
      const run = this.store.run(id);
      if (!run) throw new UnknownRolloutError(id);
      throw new RolloutStateError(id, run.status, action);
    }
    this.step(id, l, () => act(l.machine, this.clock.now()));
  }

  private run(id: number): void {
    const l: Live = { machine: new RolloutMachine({ ...this.tuning, store: this.store, rolloutId: id, key: this.key }), timer: null };
    this.live.set(id, l);
    this.step(id, l, () => l.machine.start(this.clock.now()));
  }

  /** A datagram: to the machine of the rollout its header names. */
  private receive(datagram: Buffer): void {
    let header: Header;
    try {
      header = readHeader(datagram);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.strays++;
      return;
    }
    const rolloutId = header.rolloutId;
    const l = this.live.get(rolloutId);
    if (!l) {
      if (!this.lateReport(header, datagram)) this.strays++;
      return;
    }
    this.step(rolloutId, l, () => l.machine.receive(datagram, this.clock.now()));
  }

  /**
   * A rack report (or progress) for a rollout that is over, from an RMC it gave up for silence: recorded by a machine
   * loaded for the rollout (a few kept, the oldest let go). False when it is not one.
   */
  private lateReport(h: Header, datagram: Buffer): boolean {
    if (h.type !== MessageType.RACK_REPORT && h.type !== MessageType.PROGRESS) return false;
    const run = this.store.run(h.rolloutId);
    if (!run || LIVE_STATUSES.includes(run.status)) return false;
    let machine = this.finished.get(h.rolloutId);
    if (!machine) {
      machine = new RolloutMachine({ ...this.tuning, store: this.store, rolloutId: h.rolloutId, key: this.key });
      if (this.finished.size >= KEPT_FINISHED_MACHINES) this.finished.delete(this.finished.keys().next().value!);
      this.finished.set(h.rolloutId, machine);
    }
    const before = machine.counts.lateReports;
    machine.receive(datagram, this.clock.now());
    return machine.counts.lateReports > before;
  }

  /** Runs one step of a machine, sends what it asks, then sets its timer for its next deadline (or lets it go, done). */
  private step(id: number, l: Live, run: () => RolloutAction[]): void {
    for (const a of run()) this.socket.send(a);
    l.timer?.cancel();
    l.timer = null;
    if (l.machine.done) {
      this.live.delete(id);
      return;
    }
    const deadline = l.machine.deadlineMs;
    if (deadline !== null) l.timer = this.clock.setTimeout(() => this.step(id, l, () => l.machine.tick(this.clock.now())), Math.min(MAX_TIMER_MS, Math.max(0, deadline - this.clock.now())));
  }
}
