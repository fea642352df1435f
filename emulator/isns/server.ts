// The iSNS server — RFC 4171 §5.1 (iSNSP over TCP and UDP on one address; 3205 by default) around the
// sans-I/O IsnsRegistry: the receive path (protocols/isns/receive.ts: framing, reassembly, decoding), the
// registry, and the answers back, in order, on the same connection (requests may be pipelined). Also: SCNs
// to registered SCN ports (scn.ts), ESI monitoring (esi.ts), registration-period expiry, and a state
// directory (state.ts). One housekeeping timer on the Clock drives expiry, ESI and stale-reassembly cleanup.
// Optionally Name Service Heartbeats (§5.6.5.14, heartbeat-sender.ts) to a configured UDP destination.
//
// Bad input (§5.4 status codes): a message whose body does not decode gets 2 (Message Format Error), so
// does one over the message-size limit; unknown functions get 15; other iSNSP versions 10. A PDU whose
// header announces more than the PDU limit cannot be skipped on a stream: it gets 2 and the connection
// closes. Everything dropped is counted.
//
// No single client can exhaust the server (issue 17; every bound and its default: limits.ts): connections in
// all and per source (source.ts) are capped, and one that completes no message for the idle timeout is
// closed; a connection whose answers are not read is not read either (server-connection.ts); half-received
// messages of all connections and UDP peers share one reassembly budget; UDP answers are bounded by the size
// of the question (udp-answer.ts); the registry keeps quotas per source and per entity.
import { closeTcpUdp } from '../../runtime/tcp-udp.js';
import dgram from 'node:dgram';
import net from 'node:net';
import { systemClock, type Clock } from '../../runtime/clock.js';
import { encodeMessage, type IsnsMessage, type IsnsRequest, type IsnsResponse } from '../../protocols/isns/codec.js';
import { responseIdFor } from '../../protocols/isns/functions.js';
import { Flag } from '../../protocols/isns/header.js';
import { errorResponseBody } from '../../protocols/isns/message.js';
import { IsnsDatagramReceiver, IsnsStreamReceiver, ReceiveError, ReceiveStage, type Received } from '../../protocols/isns/receive.js';
import { ReassemblyBudget } from '../../protocols/isns/reassembly-budget.js';
import { type ReassembledMessage } from '../../protocols/isns/segments.js';
import { Status } from '../../protocols/isns/status.js';
import { EsiMonitor } from './esi.js';
import { HeartbeatSender, type HeartbeatConfig } from './heartbeat-sender.js';
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from './limits.js';
import { IsnsRegistry, type RegistryOptions } from './registry/registry.js';
import { ScnSender } from './scn.js';
import { ServerConnection } from './server-connection.js';
import { OutboundCalls } from './server-outbound.js';
import { sourceOf } from './source.js';
import { StateDir } from './state.js';
import { questionBytes, udpAnswer } from './udp-answer.js';

/** Where to serve, what to run, and the bounds of limits.ts (SERVER_LIMITS: what each means, and its default). */
export interface IsnsServerOptions extends ServerLimits {
  host: string;
  /** TCP and UDP port; 0 = any free port (TCP's, then UDP binds the same number). */
  port: number;
  udp: boolean;
  /** Housekeeping period (expiry, ESI, reassembly cleanup, idle connections). */
  tickMs: number;
  /** How long the server waits for an SCNRsp or ESIRsp. */
  outboundTimeoutMs: number;
  esiRetries: number;
  stateDir: string | null;
  clock: Clock;
  registry: Partial<RegistryOptions>;
  /** Send Heartbeats (§5.6.5.14) there every interval; null = none (as isnsd). */
  heartbeat: HeartbeatConfig | null;
}

export const DEFAULT_SERVER_OPTIONS: IsnsServerOptions = {
  ...DEFAULT_SERVER_LIMITS, host: '127.0.0.1', port: 3205, udp: true, tickMs: 1000, outboundTimeoutMs: 5000, esiRetries: 3, stateDir: null,
  clock: systemClock, registry: {}, heartbeat: null,
};

export interface ServerCounters {
  connectionsAccepted: number;
  connectionsRefused: number;
  connectionsOpen: number;
  /** Requests answered (all transports). */
  answered: number;
  /** Drops and refusals by reason. */
  drops: Map<string, number>;
  /** Heartbeats sent, and heartbeat sends that failed (ECONNREFUSED, EHOSTUNREACH, ...). */
  heartbeatsSent: number;
  heartbeatSendErrors: number;
}

export class IsnsServer {
  readonly options: IsnsServerOptions;
  readonly registry: IsnsRegistry;
  readonly counters: ServerCounters = { connectionsAccepted: 0, connectionsRefused: 0, connectionsOpen: 0, answered: 0, drops: new Map(),
    heartbeatsSent: 0, heartbeatSendErrors: 0 };
  readonly scn: ScnSender;
  readonly esi: EsiMonitor;
  private readonly calls: OutboundCalls;
  private readonly state: StateDir | null;
  private tcp: net.Server | null = null;
  private udp: dgram.Socket | null = null;
  private readonly connections = new Set<ServerConnection>();
  /** Open connections per source. */
  private readonly perSource = new Map<string, number>();
  /** The receive path of the UDP socket (each connection has its own). */
  private readonly datagrams: IsnsDatagramReceiver;
  /** Bytes of half-received messages, all connections and UDP peers together. */
  private readonly budget: ReassemblyBudget;
  private tickTimer: { cancel(): void } | null = null;
  private heartbeat: HeartbeatSender | null = null;
  private dirty = false;
  private boundPort = 0;

  constructor(options: Partial<IsnsServerOptions> = {}) {
    this.options = { ...DEFAULT_SERVER_OPTIONS, ...options };
    this.registry = new IsnsRegistry(this.options.registry);
    this.calls = new OutboundCalls(this.options.clock, (b, port, ip) => this.udp?.send(b, port, ip), this.options.outboundTimeoutMs);
    this.scn = new ScnSender(this.calls);
    this.esi = new EsiMonitor(this.registry, this.calls, this.options.esiRetries);
    this.state = this.options.stateDir ? new StateDir(this.options.stateDir) : null;
    this.budget = new ReassemblyBudget(this.options.reassemblyBudgetBytes, () => this.drop('reassembly budget'));
    this.datagrams = new IsnsDatagramReceiver({ ...this.reassemblyLimits(), maxPeers: this.options.maxUdpPeers }, () => this.drop('udp peer evicted'));
  }

  private reassemblyLimits(): { maxMessageBytes: number; maxPending: number; budget: ReassemblyBudget } {
    return { maxMessageBytes: this.options.maxMessageBytes, maxPending: this.options.maxPartialMessages, budget: this.budget };
  }

  /** Bytes of half-received messages held now (within reassemblyBudgetBytes). */
  get reassemblyBytes(): number {
    return this.budget.heldBytes;
  }

  get port(): number {
    return this.boundPort;
  }

  private drop(reason: string): void {
    this.counters.drops.set(reason, (this.counters.drops.get(reason) ?? 0) + 1);
  }

  async start(): Promise<void> {
    const now = this.options.clock.now();
    if (this.state && this.state.load(this.registry.store, now, this.registry.options.maxRegistrationPeriod)) this.esi.sync(now);
    this.registry.store.drainEvents();
    const tcp = net.createServer((sock) => this.accept(sock));
    tcp.maxConnections = this.options.maxConnections + 64; // our own check answers first; this is the backstop
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(this.options.port, this.options.host, () => { tcp.off('error', reject); resolve(); });
    });
    this.tcp = tcp;
    this.boundPort = (tcp.address() as net.AddressInfo).port;
    if (this.options.udp) {
      const udp = dgram.createSocket({ type: net.isIPv6(this.options.host) ? 'udp6' : 'udp4' });
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(this.boundPort, this.options.host, () => { udp.off('error', reject); resolve(); });
      });
      udp.on('message', (msg, rinfo) => this.datagram(msg, rinfo));
      udp.on('error', () => this.drop('udp socket error'));
      this.udp = udp;
    }
    this.schedule();
    await this.startHeartbeat();
  }

  /** The heartbeat sender while it runs (null when off). */
  get heartbeatSender(): HeartbeatSender | null {
    return this.heartbeat;
  }

  private async startHeartbeat(): Promise<void> {
    const hb = this.options.heartbeat;
    if (!hb) return;
    try {
      const sender = new HeartbeatSender({
        ...hb, serverHost: this.options.host, tcpPort: this.boundPort, udpPort: this.options.udp ? this.boundPort : 0,
        clock: this.options.clock, counters: this.counters,
      });
      await sender.start();
      this.heartbeat = sender;
    } catch (err) {
      await this.stop(); // a destination that cannot be used at all is a configuration error: do not half-start
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.tickTimer?.cancel();
    this.tickTimer = null;
    await this.heartbeat?.stop();
    this.heartbeat = null;
    this.calls.close();
    await closeTcpUdp(this.tcp, this.udp, [...this.connections].map((c) => c.socket));
    this.tcp = null;
    this.udp = null;
    this.persist(true);
  }

  private schedule(): void {
    this.tickTimer = this.options.clock.setTimeout(() => {
      this.housekeeping();
      if (this.tcp) this.schedule();
    }, this.options.tickMs);
  }

  /** Expiry, ESI, stale partial messages, idle connections, SCNs for what changed, and saving. Public for tests on a fake clock. */
  housekeeping(): void {
    const now = this.options.clock.now();
    const expired = this.registry.expire(now);
    this.esi.sync(now);
    const dropped = this.esi.tick(now);
    if (expired.length + dropped.length > 0) this.dirty = true;
    const idleMs = this.options.idleTimeoutMs;
    for (const c of this.connections) {
      c.receiver.expire(now, this.options.reassemblyTimeoutMs);
      if (idleMs > 0 && now - c.lastMessageAt >= idleMs && !c.socket.destroyed) {
        this.drop('idle timeout');
        c.socket.destroy();
      }
    }
    this.datagrams.expire(now, this.options.reassemblyTimeoutMs);
    this.afterChange(now);
    this.persist(false); // at most once per tick, however busy
  }

  private afterChange(now: number): void {
    const scns = this.registry.drainScns(now, () => this.calls.transaction());
    if (scns.length > 0) this.scn.deliver(scns);
    this.esi.sync(now);
  }

  private persist(force: boolean): void {
    if (!this.state || (!this.dirty && !force)) return;
    this.dirty = false;
    try {
      this.state.save(this.registry.store);
    } catch {
      this.drop('state save failed');
    }
  }

  // ---------------------------------------------------------------- TCP

  private accept(sock: net.Socket): void {
    const source = sourceOf(sock.remoteAddress);
    const fromSource = this.perSource.get(source) ?? 0;
    if (this.connections.size >= this.options.maxConnections || fromSource >= this.options.maxConnectionsPerSource) {
      this.counters.connectionsRefused++;
      if (this.connections.size < this.options.maxConnections) this.drop('connections per source');
      sock.destroy();
      return;
    }
    this.counters.connectionsAccepted++;
    this.counters.connectionsOpen++;
    this.perSource.set(source, fromSource + 1);
    sock.setNoDelay(true);
    const receiver = new IsnsStreamReceiver({ ...this.reassemblyLimits(), maxPduBytes: this.options.maxPduBytes });
    const conn = new ServerConnection(sock, source, receiver, { maxOutputBytes: this.options.maxOutputBytes, now: () => this.options.clock.now() },
      (item, now) => this.answer(item, now, source, null));
    this.connections.add(conn);
    sock.on('error', () => this.drop('tcp socket error'));
    sock.on('close', () => {
      this.counters.connectionsOpen--;
      this.connections.delete(conn);
      const left = (this.perSource.get(source) ?? 1) - 1;
      if (left > 0) this.perSource.set(source, left);
      else this.perSource.delete(source);
      receiver.clear(); // partial messages give their bytes back to the budget
    });
  }

  // ---------------------------------------------------------------- UDP

  private datagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const now = this.options.clock.now();
    const item = this.datagrams.receive(msg, `${rinfo.address}|${rinfo.port}`, now);
    if (item === null) return;
    // the source address is not verified: answers stay within a few times the question (udp-answer.ts)
    const maxAnswer = this.options.udpAnswerFactor * questionBytes(item, msg.length);
    for (const b of this.answer(item, now, sourceOf(rinfo.address), maxAnswer)) this.udp?.send(b, rinfo.port, rinfo.address);
  }

  // ---------------------------------------------------------------- both

  /**
   * What the receive path yields in (from `source`); the response PDUs out. `udpMax`: the bytes a UDP answer
   * may take (null on TCP).
   */
  private answer(item: Received, now: number, source: string, udpMax: number | null): Buffer[] {
    return item instanceof ReceiveError ? this.answerError(item, now, source, udpMax) : this.answerMessage(item, now, source, udpMax);
  }

  /** A whole message: the response PDUs to a request (none for responses and heartbeats). */
  private answerMessage(m: IsnsMessage, now: number, source: string, udpMax: number | null): Buffer[] {
    if (m.kind !== 'request') {
      // on UDP a response may answer an SCN or ESI we sent from this socket
      if (udpMax !== null && (m.kind !== 'response' || !this.calls.settle(m))) this.drop('unmatched response');
      return [];
    }
    return this.respond(m, now, source, udpMax);
  }

  /** Input that did not come through whole: the RFC status (§5.4) when it was a request, and a count. */
  private answerError(err: ReceiveError, now: number, source: string, udpMax: number | null): Buffer[] {
    const udp = udpMax !== null;
    const h = err.header;
    switch (err.stage) {
      case ReceiveStage.FRAMING:
        this.drop(udp ? `udp ${err.code}` : err.code);
        // a PDU that cannot be cut out is answered by its header, unless a server sent it
        return h && (h.flags & Flag.SERVER) === 0 ? this.errorFor(h.functionId, h.transactionId, Status.MESSAGE_FORMAT_ERROR) : [];
      case ReceiveStage.REASSEMBLY:
        this.drop(err.code);
        return this.errorFor(h!.functionId, h!.transactionId, Status.MESSAGE_FORMAT_ERROR);
      default: {
        const raw = err.raw!;
        if (responseIdFor(raw.functionId) === null) {
          if (udp) this.drop('malformed response');
          return [];
        }
        // the registry answers what it cannot read (status 10 for another version, 2 for a bad body) and counts it
        return this.respond(raw, now, source, udpMax);
      }
    }
  }

  /** The registry's answer to a request (decoded, or as received when it could not be read), encoded. */
  private respond(req: IsnsRequest | ReassembledMessage, now: number, source: string, udpMax: number | null): Buffer[] {
    let rsp: IsnsResponse | null;
    try {
      rsp = 'kind' in req ? this.registry.handle(req, now, source) : this.registry.handleRaw(req, now, source);
    } catch {
      this.drop('internal error');
      return this.errorFor(req.functionId, req.transactionId, Status.INTERNAL_ERROR);
    }
    const changed = rsp !== null && rsp.status === Status.SUCCESSFUL && isMutation(req.functionId);
    this.dirty ||= changed;
    this.afterChange(now);
    if (!rsp) return [];
    this.counters.answered++;
    try {
      if (udpMax === null) return encodeMessage(rsp);
      const { pdus, cut } = udpAnswer(rsp, changed, udpMax);
      if (cut !== null) this.drop(`udp answer ${cut}`);
      return pdus;
    } catch {
      this.drop('response encoding');
      return this.errorFor(req.functionId, req.transactionId, Status.INTERNAL_ERROR);
    }
  }

  /** A status-only answer to a request (nothing for responses and heartbeats, which are never answered). */
  private errorFor(functionId: number, transactionId: number, status: number): Buffer[] {
    const rspId = responseIdFor(functionId);
    if (rspId === null) return [];
    return encodeMessage({ kind: 'response', functionId: rspId, transactionId, flags: Flag.SERVER, ...errorResponseBody(status) });
  }
}

/** Requests that can change the database (worth saving after). */
function isMutation(functionId: number): boolean {
  return functionId === 0x0001 || functionId === 0x0004 || (functionId >= 0x0005 && functionId <= 0x000c && functionId !== 0x0007);
}
