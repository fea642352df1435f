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
// closes. Connections over the limit are closed at once. Everything dropped is counted.
import { closeTcpUdp } from '../../runtime/tcp-udp.js';
import dgram from 'node:dgram';
import net from 'node:net';
import { systemClock, type Clock } from '../../runtime/clock.js';
import { encodeMessage, type IsnsMessage, type IsnsRequest, type IsnsResponse } from '../../protocols/isns/codec.js';
import { responseIdFor } from '../../protocols/isns/functions.js';
import { Flag } from '../../protocols/isns/header.js';
import { errorResponseBody } from '../../protocols/isns/message.js';
import { IsnsDatagramReceiver, IsnsStreamReceiver, ReceiveError, ReceiveStage, type Received } from '../../protocols/isns/receive.js';
import { UDP_MAX_PDU_PAYLOAD, type ReassembledMessage } from '../../protocols/isns/segments.js';
import { Status } from '../../protocols/isns/status.js';
import { EsiMonitor } from './esi.js';
import { HeartbeatSender, type HeartbeatConfig } from './heartbeat-sender.js';
import { IsnsRegistry, type RegistryOptions } from './registry/registry.js';
import { ScnSender } from './scn.js';
import { OutboundCalls } from './server-outbound.js';
import { StateDir } from './state.js';

export interface IsnsServerOptions {
  host: string;
  /** TCP and UDP port; 0 = any free port (TCP's, then UDP binds the same number). */
  port: number;
  udp: boolean;
  maxConnections: number;
  /** Largest reassembled message (bytes of payload). */
  maxMessageBytes: number;
  /** Largest single PDU on a stream (header + payload + auth block). */
  maxPduBytes: number;
  /** UDP peers with partial messages held at once. */
  maxUdpPeers: number;
  /** Housekeeping period (expiry, ESI, reassembly cleanup). */
  tickMs: number;
  /** How long a partial multi-PDU message may wait for its other PDUs. */
  reassemblyTimeoutMs: number;
  /** A TCP connection with no bytes for this long is closed (0 = never), so idle peers cannot hold every slot. */
  idleTimeoutMs: number;
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
  host: '127.0.0.1', port: 3205, udp: true, maxConnections: 1024, maxMessageBytes: 1 << 20, maxPduBytes: 12 + 0xffff + 4096,
  maxUdpPeers: 1024, tickMs: 1000, idleTimeoutMs: 300_000, reassemblyTimeoutMs: 30_000, outboundTimeoutMs: 5000, esiRetries: 3, stateDir: null,
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
  private readonly sockets = new Set<net.Socket>();
  /** The receive path of each TCP connection, and of the UDP socket. */
  private readonly streams = new Set<IsnsStreamReceiver>();
  private readonly datagrams: IsnsDatagramReceiver;
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
    this.datagrams = new IsnsDatagramReceiver({ maxPeers: this.options.maxUdpPeers, maxMessageBytes: this.options.maxMessageBytes },
      () => this.drop('udp peer evicted'));
  }

  get port(): number {
    return this.boundPort;
  }

  private drop(reason: string): void {
    this.counters.drops.set(reason, (this.counters.drops.get(reason) ?? 0) + 1);
  }

  async start(): Promise<void> {
    const now = this.options.clock.now();
    if (this.state && this.state.load(this.registry.store, now)) this.esi.sync(now);
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
    await closeTcpUdp(this.tcp, this.udp, this.sockets);
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

  /** Expiry, ESI, stale partial messages, SCNs for what changed, and saving. Public for tests on a fake clock. */
  housekeeping(): void {
    const now = this.options.clock.now();
    const expired = this.registry.expire(now);
    this.esi.sync(now);
    const dropped = this.esi.tick(now);
    if (expired.length + dropped.length > 0) this.dirty = true;
    for (const r of this.streams) r.expire(now, this.options.reassemblyTimeoutMs);
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
    if (this.counters.connectionsOpen >= this.options.maxConnections) {
      this.counters.connectionsRefused++;
      sock.destroy();
      return;
    }
    this.counters.connectionsAccepted++;
    this.counters.connectionsOpen++;
    this.sockets.add(sock);
    const receiver = new IsnsStreamReceiver({ maxPduBytes: this.options.maxPduBytes, maxMessageBytes: this.options.maxMessageBytes });
    this.streams.add(receiver);
    sock.setNoDelay(true);
    let idle: { cancel(): void } | null = null;
    const rearm = () => {
      idle?.cancel();
      if (this.options.idleTimeoutMs > 0) {
        idle = this.options.clock.setTimeout(() => { this.drop('idle timeout'); sock.destroy(); }, this.options.idleTimeoutMs);
      }
    };
    rearm();
    sock.on('data', (chunk: Buffer) => {
      rearm();
      const now = this.options.clock.now();
      receiver.write(chunk);
      const out: Buffer[] = [];
      for (let item = receiver.next(now); item !== null; item = receiver.next(now)) {
        out.push(...this.answer(item, now, false));
      }
      if (out.length > 0) this.writeAll(sock, out);
      if (receiver.isBroken) {
        // what came before the break is answered (above); nothing after it can be framed
        sock.end();
        sock.destroy();
      }
    });
    sock.on('error', () => this.drop('tcp socket error'));
    sock.on('close', () => {
      idle?.cancel();
      this.counters.connectionsOpen--;
      this.sockets.delete(sock);
      this.streams.delete(receiver);
    });
  }

  private writeAll(sock: net.Socket, bufs: Buffer[]): void {
    if (sock.destroyed) return;
    sock.write(bufs.length === 1 ? bufs[0] : Buffer.concat(bufs));
  }

  // ---------------------------------------------------------------- UDP

  private datagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const now = this.options.clock.now();
    const item = this.datagrams.receive(msg, `${rinfo.address}|${rinfo.port}`, now);
    if (item === null) return;
    for (const b of this.answer(item, now, true)) this.udp?.send(b, rinfo.port, rinfo.address);
  }

  // ---------------------------------------------------------------- both

  /** What the receive path yields in; the response PDUs out. */
  private answer(item: Received, now: number, udp: boolean): Buffer[] {
    return item instanceof ReceiveError ? this.answerError(item, now, udp) : this.answerMessage(item, now, udp);
  }

  /** A whole message: the response PDUs to a request (none for responses and heartbeats). */
  private answerMessage(m: IsnsMessage, now: number, udp: boolean): Buffer[] {
    if (m.kind !== 'request') {
      // on UDP a response may answer an SCN or ESI we sent from this socket
      if (udp && (m.kind !== 'response' || !this.calls.settle(m))) this.drop('unmatched response');
      return [];
    }
    return this.respond(m, now, udp);
  }

  /** Input that did not come through whole: the RFC status (§5.4) when it was a request, and a count. */
  private answerError(err: ReceiveError, now: number, udp: boolean): Buffer[] {
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
        return this.respond(raw, now, udp);
      }
    }
  }

  /** The registry's answer to a request (decoded, or as received when it could not be read), encoded. */
  private respond(req: IsnsRequest | ReassembledMessage, now: number, udp: boolean): Buffer[] {
    let rsp: IsnsResponse | null;
    try {
      rsp = 'kind' in req ? this.registry.handle(req, now) : this.registry.handleRaw(req, now);
    } catch {
      this.drop('internal error');
      return this.errorFor(req.functionId, req.transactionId, Status.INTERNAL_ERROR);
    }
    this.dirty ||= rsp !== null && rsp.status === Status.SUCCESSFUL && isMutation(req.functionId);
    this.afterChange(now);
    if (!rsp) return [];
    this.counters.answered++;
    try {
      return encodeMessage(rsp, udp ? UDP_MAX_PDU_PAYLOAD : undefined);
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
