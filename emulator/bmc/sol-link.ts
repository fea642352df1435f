// Serial-over-LAN glue for one BMC (IPMI 2.0 §15, §24.1-24.2): each SOL activation in model.sol gets a
// BmcSolSession state machine fed by the host console's output, console packets from the LAN channel, and the
// clock (a timer only at the state machine's deadline); what it sends goes out through `transmit`, what the
// console typed goes to the host. Deactivation by the owning session sends no SOL packet (ipmitool is waiting for
// the Deactivate Payload response and would take a SOL packet for it); any other end tells the console.
import { BmcSolSession, type SolStep } from '../../protocols/sol/bmc-sol-session.js';
import type { Clock } from '../../runtime/clock.js';
import type { HostConsole } from '../host/host-console.js';
import type { BmcCounters } from './counters.js';
import type { SolActivation, SolChange, SolConfig } from './sol-config.js';

export interface SolLinkOptions {
  sol: SolConfig;
  host: HostConsole;
  clock: Clock;
  /** Sends SOL payload `payload` to the console of BMC session `sessionId` (wrapped in that session); false if held back or lost. */
  transmit(sessionId: number, payload: Buffer): boolean;
  /** ms before the Activate Payload response is on the wire: host output waits for it (default 0). */
  activationDelay?: () => number;
  /** The BMC's counters: SOL activations, packets sent and well-formed packets received, characters, drops 'sol-malformed' / 'sol-orphan'. */
  counters: BmcCounters;
}

interface Running {
  activation: SolActivation;
  session: BmcSolSession;
  timer: { cancel(): void } | null;
  startTimer: { cancel(): void } | null;
  unsubscribe: (() => void) | null;
}

export class SolLink {
  private readonly opts: SolLinkOptions;
  private readonly running = new Map<number, Running>();
  private readonly unsubscribe: () => void;

  constructor(opts: SolLinkOptions) {
    this.opts = opts;
    this.unsubscribe = opts.sol.onChange((change) => this.changed(change));
  }

  /** A SOL payload from the console of BMC session `sessionId` (authenticated and decrypted by the channel). */
  receive(sessionId: number, payload: Uint8Array, now: number): void {
    const r = this.bySession(sessionId);
    if (!r) {
      this.opts.counters.countDrop('sol-orphan'); // for an instance that is not running here (raced with its end)
      return;
    }
    const step = r.session.receive(payload, now);
    if (!step.events.some((e) => e.kind === 'malformed')) this.opts.counters.countSol('packetsIn'); // malformed: a drop instead
    this.apply(r, step);
  }

  /** Ends every instance (for shutdown), telling no console. */
  close(): void {
    this.unsubscribe();
    for (const r of this.running.values()) this.stop(r);
    this.running.clear();
  }

  private bySession(sessionId: number): Running | undefined {
    for (const r of this.running.values()) if (r.activation.sessionId === sessionId) return r;
    return undefined;
  }

  private changed(change: SolChange): void {
    if (change.kind === 'activate') this.activated(change.activation);
    else if (change.kind === 'deactivate') this.deactivated(change.activation, change.by);
  }

  private activated(activation: SolActivation): void {
    const old = this.running.get(activation.instance);
    if (old) this.stop(old);
    const r: Running = { activation, session: new BmcSolSession(this.opts.sol.sessionOptions()), timer: null, startTimer: null, unsubscribe: null };
    this.running.set(activation.instance, r);
    this.opts.counters.countSol('activations');
    // Host output starts once the Activate Payload response has left: a SOL packet before it would be taken for it.
    const delay = (this.opts.activationDelay?.() ?? 0) + 1;
    r.startTimer = this.opts.clock.setTimeout(() => {
      r.startTimer = null;
      r.unsubscribe = this.opts.host.subscribe((bytes, at) => this.apply(r, r.session.hostOutput(bytes, at)), this.opts.clock.now());
    }, delay);
  }

  private deactivated(activation: SolActivation, by: number | null): void {
    const r = this.running.get(activation.instance);
    if (!r || r.activation !== activation) return;
    this.running.delete(activation.instance);
    this.stop(r);
    // §24.2: the BMC, or another session, ended it: the last packet says so (SOL deactivating). The owner asked: silence.
    const step = r.session.deactivate(by !== activation.sessionId);
    for (const p of step.packets) this.send(r, p);
  }

  private stop(r: Running): void {
    r.timer?.cancel();
    r.timer = null;
    r.startTimer?.cancel();
    r.startTimer = null;
    r.unsubscribe?.();
    r.unsubscribe = null;
  }

  private apply(r: Running, step: SolStep): void {
    if (this.running.get(r.activation.instance) !== r) return;
    for (const p of step.packets) this.send(r, p);
    for (const e of step.events) {
      if (e.kind === 'input') {
        this.opts.counters.countSol('charactersToHost', e.data.length);
        this.opts.host.input(Buffer.from(e.data), this.opts.clock.now());
      } else if (e.kind === 'malformed') this.opts.counters.countDrop('sol-malformed');
    }
    if (this.running.get(r.activation.instance) === r) this.schedule(r, r.session.deadline);
  }

  private schedule(r: Running, deadline: number | null): void {
    r.timer?.cancel();
    r.timer = null;
    if (deadline === null) return;
    const clock = this.opts.clock;
    r.timer = clock.setTimeout(() => {
      r.timer = null;
      this.apply(r, r.session.poll(clock.now()));
    }, Math.max(0, deadline - clock.now()));
  }

  private send(r: Running, payload: Buffer): void {
    if (this.opts.transmit(r.activation.sessionId, payload)) this.opts.counters.countSol('packetsOut');
  }
}
