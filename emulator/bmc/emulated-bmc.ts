// One emulated BMC: its device model, its command table and its LAN channel, glued per datagram, with the
// faults it has been told to show (loss, latency, busy stalls, reboots, slow commands, a hung upgrade) applied on the way, and the
// host behind it, whose serial console Serial-over-LAN carries (IPMI 2.0 §15, §24).
import type { VirtualMediaPort } from './virtual-media-port.js';
import { oemVirtualMediaCommands } from './commands/oem-virtual-media.js';
import { randomBytesPooled } from '../../protocols/random-pool.js';
import { BmcLanChannel } from '../../protocols/ipmi/bmc-side/lan-channel.js';
import type { Peer } from '../../protocols/peer.js';
import { ConfidentialityAlgorithm } from '../../protocols/ipmi/cipher-suites.js';
import { NetFn, responseTo } from '../../protocols/ipmi/message.js';
import { PayloadCommand } from '../../protocols/sol/activation.js';
import { AuthType } from '../../protocols/ipmi/session-v15.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { systemClock, type Clock } from '../../runtime/clock.js';
import type { DatagramHandler, SendAnswer } from '../../runtime/udp-endpoint.js';
import { FaultGate, type FaultSettings } from './faults.js';
import { DelayedAnswers, type DelayedAnswerLimits } from './delayed-answers.js';
import { FirmwareLink } from './firmware-link.js';
import { createCommandTable, type CommandTable } from './commands/index.js';
import { oemConsoleCommands } from './commands/oem-console.js';
import { ConsoleByteStream } from './console-byte-stream.js';
import type { SessionsView, SessionView } from './commands/types.js';
import { BmcCounters } from './counters.js';
import { BmcModel, type BmcModelOptions } from './model.js';
import type { BmcSession } from '../../protocols/ipmi/bmc-side/session.js';
import type { SessionTableLimits } from '../../protocols/ipmi/bmc-side/session-table.js';
import type { HostConsole, HostConsoleSettings } from '../host/host-console.js';
import { hostConsoleFor, type BootChooser } from './host-link.js';
import { SolLink } from './sol-link.js';
import type { HookChange, HookPort } from './hook-port.js';
import { hookedChange } from './hooked-changes.js';
import type { IpmiRequest } from '../../protocols/ipmi/message.js';
import { CompletionCode } from '../../protocols/ipmi/completion-codes.js';

export interface EmulatedBmcOptions extends BmcModelOptions {
  /** Allow cipher suite 0 (no authentication): off unless asked for. */
  allowCipherSuite0?: boolean;
  /** IPMI v1.5 auth types enabled on the LAN channel; MD5 only by default. */
  v15AuthTypes?: number[];
  /** The session table's size (the same as sessionLimits.maxSessions). */
  maxSessions?: number;
  /** Bounds of the session table; what is left out takes its default (DEFAULT_SESSION_LIMITS). */
  sessionLimits?: Partial<SessionTableLimits>;
  kg?: Buffer | null;
  clock?: Clock;
  faults?: Partial<FaultSettings>;
  /** Datagrams a busy BMC queues before it drops (like a full receive buffer); default in DEFAULT_BMC_QUEUE_LIMITS. */
  busyQueueLimit?: number;
  /** Answers latency and slow-command faults may hold back at once before they drop; defaults in DEFAULT_BMC_QUEUE_LIMITS. */
  delayedAnswerLimits?: Partial<DelayedAnswerLimits>;
  /** Source of randomness for packet loss; injectable for tests. */
  lossRandom?: () => number;
  /** Counters this BMC's counts are added to as well (its shard's totals). */
  parentCounters?: BmcCounters;
  /** The UDP port this BMC serves on: Activate Payload reports it, and ipmitool insists it is its session's port. */
  ipmiPort?: number;
  /** The host's serial console (line rate, history sizes). */
  console?: HostConsoleSettings;
  /** Virtual media: the drives the OEM commands insert into and eject from, and the USB/IP port. */
  virtualMedia?: VirtualMediaPort;
  /** The fleet's hooks (power, boot device, media, resets); none when absent. */
  hooks?: HookPort;
}

/** What one BMC holds back at most, each with its drop reason when full (the session table's bounds: DEFAULT_SESSION_LIMITS). */
export const DEFAULT_BMC_QUEUE_LIMITS = Object.freeze({
  /** Datagrams that arrive while busy, queued FIFO ('busy-queue-full'): about what a 212 KB UDP receive buffer holds. */
  busyQueueLimit: 256,
  /** Answers held back by latencyMs or slowCommands, waiting for their time ('latency-queue-full'). */
  delayedAnswers: Object.freeze({ total: 256, perSource: 64 }),
});

interface Pending { datagram: Buffer; peer: Peer; send: SendAnswer; receivedAt: number }

export class EmulatedBmc implements DatagramHandler {
  readonly model: BmcModel;
  readonly channel: BmcLanChannel;
  readonly counters: BmcCounters;
  readonly faults: FaultGate;
  /** The host's serial console (follows the chassis power). */
  readonly host: HostConsole;
  readonly sol: SolLink;
  /** HPM.1 upgrade steps on the clock, and power loss mid-flash (losePower). */
  readonly firmware: FirmwareLink;
  readonly virtualMedia: VirtualMediaPort | null;
  /** How the host boots at each power-on and restart (set by the host's installation agent); null: from its disk. */
  hostBoot: BootChooser | null = null;
  private readonly commands: CommandTable;
  private readonly clock: Clock;
  private readonly sessionsView: SessionsView;
  private readonly busyQueueLimit: number;
  /** Answers waiting out a latency or slow-command fault. */
  private readonly delayed: DelayedAnswers;
  /** Datagrams that arrived while busy, oldest first. */
  private pending: Pending[] = [];
  private drainTimer: { cancel(): void } | null = null;
  private consoleStream: ConsoleByteStream | null = null;
  /** The socket's send function, for SOL packets that leave on the BMC's own initiative. */
  private sendOut: SendAnswer | null = null;
  private readonly hooks: HookPort | null;
  /** Requests waiting for a gating hook, by session, sequence and command: a retransmission of one is dropped. */
  private readonly gated = new Set<string>();
  private closed = false;

  constructor(opts: EmulatedBmcOptions) {
    this.model = new BmcModel(opts);
    this.counters = new BmcCounters(opts.parentCounters ?? null);
    // The console watcher's OEM commands read the host console as a byte stream, made when first watched.
    const consoleSource = { read: (from: number, max: number, now: number) => (this.consoleStream ??= new ConsoleByteStream(this.host, now)).read(from, max, now) };
    this.virtualMedia = opts.virtualMedia ?? null;
    this.hooks = opts.hooks ?? null;
    this.commands = createCommandTable({
      extraCommands: [...oemConsoleCommands(consoleSource), ...(this.virtualMedia ? oemVirtualMediaCommands(this.virtualMedia) : [])],
    });
    this.clock = opts.clock ?? systemClock;
    this.channel = new BmcLanChannel({
      channel: 1,
      guid: this.model.guid,
      users: this.model.users,
      cipherSuites: this.model.cipherSuites,
      allowCipherSuite0: opts.allowCipherSuite0 ?? false,
      v15AuthTypes: opts.v15AuthTypes ?? [AuthType.MD5],
      kg: opts.kg ?? null,
      maxPrivilege: Privilege.ADMINISTRATOR,
      limits: { ...opts.sessionLimits, ...(opts.maxSessions !== undefined && { maxSessions: opts.maxSessions }) },
      random: randomBytesPooled,
      clock: () => this.clock.now(),
    });
    const table = this.channel.sessions;
    this.sessionsView = { list: () => table.active(this.clock.now()).map(view), capacity: table.limits.maxSessions };
    this.faults = new FaultGate(opts.lossRandom);
    if (opts.faults) this.faults.configure(opts.faults, this.clock.now());
    this.busyQueueLimit = opts.busyQueueLimit ?? DEFAULT_BMC_QUEUE_LIMITS.busyQueueLimit;
    this.delayed = new DelayedAnswers({ ...DEFAULT_BMC_QUEUE_LIMITS.delayedAnswers, ...opts.delayedAnswerLimits });
    if (opts.ipmiPort !== undefined) this.model.sol.port = opts.ipmiPort;
    this.host = hostConsoleFor(this.model, this.clock, opts.console, (at) => this.hostBoot?.(at) ?? {});
    this.sol = new SolLink({
      sol: this.model.sol, host: this.host, clock: this.clock, counters: this.counters,
      transmit: (sessionId, payload) => this.transmitSol(sessionId, payload),
      activationDelay: () => this.faults.answerDelay(NetFn.APP, PayloadCommand.ACTIVATE),
    });
    const solState = this.model.sol;
    this.channel.hasSolInstance = (s) => solState.hasSession(s.bmcId);
    // §24.2: a session's payload instances end with it (Close Session, idle expiry, BMC reboot).
    table.onEnd((s) => { solState.deactivateSession(s.bmcId, this.clock.now()); });
    this.firmware = new FirmwareLink(this.model.firmware, this.clock, (ms) => this.reboot(ms));
    this.firmware.setHang(this.faults.settings.firmwareHang);
  }

  handle(datagram: Buffer, peer: Peer, send: SendAnswer): void {
    this.counters.countIn();
    const now = this.clock.now();
    const admission = this.faults.admit(now);
    if (admission !== 'accept') {
      this.counters.countDrop(`fault-${admission}`);
      return;
    }
    // While busy, and until what queued meanwhile is drained, arrivals wait their turn (FIFO).
    if (this.faults.isBusy(now) || this.pending.length > 0) {
      if (this.pending.length >= this.busyQueueLimit) {
        this.counters.countDrop('busy-queue-full');
        return;
      }
      this.pending.push({ datagram, peer, send, receivedAt: now });
      this.scheduleDrain(now);
      return;
    }
    this.process(datagram, peer, send, now, now);
  }

  /** Merges `change` into the fault settings (RangeError, and no change, if it is invalid). */
  setFaults(change: Partial<FaultSettings>): void {
    this.faults.configure(change, this.clock.now());
    this.firmware.setHang(this.faults.settings.firmwareHang);
  }

  /** Busy for `ms` from now: requests queue, then are answered in order. */
  stall(ms: number): void {
    const now = this.clock.now();
    this.faults.stall(ms, now);
    if (this.pending.length > 0) this.scheduleDrain(now);
  }

  /** Reboots the BMC controller (not the host): silent for `ms`, every session and queued request lost. */
  reboot(ms: number): void {
    this.faults.reboot(ms, this.clock.now());
    this.channel.sessions.clear();
    this.pending = [];
    this.drainTimer?.cancel();
    this.drainTimer = null;
  }

  /** Stops timers (queued requests are discarded, SOL instances stop); for shutdown. */
  close(): void {
    this.closed = true;
    this.drainTimer?.cancel();
    this.drainTimer = null;
    this.pending = [];
    this.firmware.close();
    this.sol.close();
    this.host.close();
  }

  private process(datagram: Buffer, peer: Peer, send: SendAnswer, now: number, receivedAt: number): void {
    this.sendOut = send;
    const out = this.channel.receiveWithSol(datagram, peer, now);
    if (out.kind === 'drop') {
      this.counters.countDrop(out.reason);
      return;
    }
    if (out.kind === 'sol') {
      this.sol.receive(out.session.bmcId, out.payload, now);
      return;
    }
    if (out.kind === 'reply') {
      this.answer(out.datagram, peer, this.faults.settings.latencyMs, send);
      return;
    }
    const req = out.request;
    const change = this.hooks === null ? null : hookedChange(req, this.model, this.virtualMedia);
    // a request its session may not make is refused as ever (D4h), without asking any hook
    if (change !== null && this.hooks!.gates(change.event) && out.session.privilege >= (this.commands.find(req.netFn, req.cmd)?.privilege ?? Infinity)) {
      this.runGated(req, out.session, change, peer, send, receivedAt);
      return;
    }
    this.runCommand(req, out.session, peer, send, now, receivedAt, change);
  }

  /** Dispatches `req` and answers it; a change it made is told to the hooks. */
  private runCommand(req: IpmiRequest, session: BmcSession, peer: Peer, send: SendAnswer, now: number, receivedAt: number, change: HookChange | null): void {
    const result = this.commands.dispatch(req, { model: this.model, session: view(session), sessions: this.sessionsView, now, receivedAt });
    this.counters.countRequest(req.netFn, req.cmd, result.cc);
    this.answer(this.channel.respond(session, responseTo(req, result.cc, result.data)), peer, this.faults.answerDelay(req.netFn, req.cmd), send);
    if (change !== null && result.cc === CompletionCode.OK) this.hooks!.after(change);
  }

  /**
   * A request whose change a gating hook must allow first: run once it has, else answered with the hook's completion
   * code and nothing changed. Other requests and BMCs go on meanwhile; a retransmission of this one is dropped.
   */
  private runGated(req: IpmiRequest, session: BmcSession, change: HookChange, peer: Peer, send: SendAnswer, receivedAt: number): void {
    const key = `${session.bmcId}/${req.rqSeq}/${req.netFn}/${req.cmd}`;
    if (this.gated.has(key)) {
      this.counters.countDrop('hook-pending');
      return;
    }
    this.gated.add(key);
    void this.hooks!.before(change).then((verdict) => {
      this.gated.delete(key);
      const now = this.clock.now();
      if (this.closed) return;
      // the session ended, or the BMC rebooted, while the hook ran: nobody to answer
      if (this.channel.sessions.lookup(session.bmcId, now) !== session || now < this.faults.rebootUntil) {
        this.counters.countDrop('hook-session-gone');
        return;
      }
      if (verdict.ok) {
        this.runCommand(req, session, peer, send, now, receivedAt, change);
        return;
      }
      this.counters.countRequest(req.netFn, req.cmd, verdict.completionCode);
      this.answer(this.channel.respond(session, responseTo(req, verdict.completionCode)), peer, this.faults.answerDelay(req.netFn, req.cmd), send);
    });
  }

  /** False when a fault lost it (counted as a drop). */
  private answer(datagram: Buffer, peer: Peer, delayMs: number, send: SendAnswer): boolean {
    if (this.faults.loseOutgoing()) {
      this.counters.countDrop('fault-lost-outgoing');
      return false;
    }
    if (delayMs > 0 && !this.delayed.take(peer.address)) {
      this.counters.countDrop('latency-queue-full');
      return false;
    }
    this.counters.countOut();
    if (delayMs <= 0) send(datagram, peer);
    else this.clock.setTimeout(() => { this.delayed.release(peer.address); send(datagram, peer); }, delayMs);
    return true;
  }

  /** A SOL packet to the console of session `sessionId`, in that session's wrapping; false if it did not go out. */
  private transmitSol(sessionId: number, payload: Buffer): boolean {
    const now = this.clock.now();
    // A console that went silent: its session times out here (ending the SOL instance) instead of at the next login.
    const session = this.channel.sessions.lookup(sessionId, now);
    if (!session || session.state !== 'active' || !this.sendOut) return false;
    // A stalled BMC sends nothing either (the SOL retry timer resends later); latency delays SOL like any answer.
    if (this.faults.isBusy(now)) {
      this.counters.countDrop('sol-while-busy');
      return false;
    }
    const peer = { address: session.remoteAddress, port: session.remotePort };
    return this.answer(this.channel.wrapSol(session, payload), peer, this.faults.settings.latencyMs, this.sendOut);
  }

  private scheduleDrain(now: number): void {
    this.drainTimer?.cancel();
    this.drainTimer = this.clock.setTimeout(() => this.drain(), Math.max(0, this.faults.busyUntil - now));
  }

  private drain(): void {
    this.drainTimer = null;
    const now = this.clock.now();
    if (this.faults.isBusy(now)) {
      this.scheduleDrain(now);
      return;
    }
    const batch = this.pending;
    this.pending = [];
    for (const p of batch) this.process(p.datagram, p.peer, p.send, now, p.receivedAt);
  }
}

function view(s: BmcSession): SessionView {
  return {
    id: s.bmcId, handle: s.handle, userId: s.userId, privilege: s.privilege, channel: 1, protocol: s.protocol,
    remoteAddress: s.remoteAddress, remotePort: s.remotePort,
    encrypted: s.suite !== undefined && s.suite.confidentiality !== ConfidentialityAlgorithm.NONE,
  };
}
