// Finding iSNS servers by their Name Service Heartbeats — RFC 4171 §5.6.5.14: a server announces its IP
// address, TCP/UDP ports, interval and a counter over UDP (unicast, broadcast or multicast). This binds a
// UDP socket, decodes heartbeats (anything else is counted and ignored, bad bytes never throw) and tells
// apart each server (by its announced address and TCP port):
//   'found'     the first heartbeat of a server (or the first after it was lost)
//   'heartbeat' every heartbeat, with the sender's address and how many were missed before it
//   'gap'       the counter skipped: heartbeats missed
//   'lost'      no heartbeat for `lostAfterIntervals` of the server's intervals
// Timers run on the Clock, so tests can move time by hand.
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { MAX_TIMER_MS, systemClock, type Clock } from '../../runtime/clock.js';
import { DecodeError } from '../../protocols/errors.js';
import { FunctionId } from '../../protocols/isns/functions.js';
import { decodePdu } from '../../protocols/isns/header.js';
import { isMulticastAddress } from '../../protocols/isns/ip-address.js';
import { decodeHeartbeat, type Heartbeat } from '../../protocols/isns/heartbeat.js';

export interface HeartbeatSeen extends Heartbeat {
  /** Where the datagram came from. */
  from: { address: string; port: number };
  /** `address:tcpPort` as announced: the server's identity here. */
  server: string;
  /** Heartbeats missed just before this one (from the counter). */
  missed: number;
}
export interface HeartbeatGap { server: string; previous: number; counter: number; missed: number }
export interface ServerLost { server: string; lastCounter: number; intervalSeconds: number }

export interface HeartbeatListenerOptions {
  clock: Clock;
  /** A server is lost after this many of its intervals without a heartbeat (default 3). */
  lostAfterIntervals: number;
  /** Servers tracked at once (default 1024); a heartbeat from one more drops the one heard from longest ago. */
  maxServers: number;
  /** For a multicast group: the local interface address to join it on (default: the kernel's choice). */
  multicastInterface?: string;
}

export interface HeartbeatListenerCounters {
  heartbeats: number; ignored: number; malformed: number; duplicates: number; missed: number; lost: number; evicted: number; socketErrors: number;
}

interface Tracked { counter: number; intervalSeconds: number; timer: { cancel(): void } }

export class IsnsHeartbeatListener extends EventEmitter {
  readonly options: HeartbeatListenerOptions;
  readonly counters: HeartbeatListenerCounters = { heartbeats: 0, ignored: 0, malformed: 0, duplicates: 0, missed: 0, lost: 0, evicted: 0, socketErrors: 0 };
  private readonly servers = new Map<string, Tracked>();
  private socket: dgram.Socket | null = null;

  constructor(options: Partial<HeartbeatListenerOptions> = {}) {
    super();
    this.options = { clock: systemClock, lostAfterIntervals: 3, maxServers: 1024, ...options };
  }

  /** The bound UDP port (after start). */
  get port(): number {
    return this.socket?.address().port ?? 0;
  }

  /** Servers currently heard from. */
  get known(): string[] {
    return [...this.servers.keys()];
  }

  /** Listens on host:port; a multicast host binds the wildcard address and joins the group. */
  async start(host: string, port: number): Promise<void> {
    const multicast = isMulticastAddress(host);
    const v6 = net.isIPv6(host);
    const sock = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', reuseAddr: true }); // several listeners may share a broadcast/multicast port
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(port, multicast ? (v6 ? '::' : '0.0.0.0') : host, () => { sock.off('error', reject); resolve(); });
    });
    if (multicast) sock.addMembership(host, this.options.multicastInterface);
    sock.on('message', (msg, rinfo) => this.datagram(msg, rinfo));
    sock.on('error', () => { this.counters.socketErrors++; });
    this.socket = sock;
  }

  async stop(): Promise<void> {
    for (const s of this.servers.values()) s.timer.cancel();
    this.servers.clear();
    const sock = this.socket;
    this.socket = null;
    if (sock) await new Promise<void>((r) => sock.close(() => r()));
  }

  /** One datagram in: public so tests can feed bytes directly. */
  datagram(msg: Uint8Array, rinfo: { address: string; port: number }): void {
    let hb: Heartbeat;
    try {
      const pdu = decodePdu(msg);
      if (pdu.header.functionId !== FunctionId.HEARTBEAT) { this.counters.ignored++; return; }
      hb = decodeHeartbeat(pdu.payload);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err; // a bug, not bad bytes
      this.counters.malformed++;
      return;
    }
    this.track(hb, { address: rinfo.address, port: rinfo.port });
  }

  private track(hb: Heartbeat, from: { address: string; port: number }): void {
    const server = `${hb.address}:${hb.tcpPort}`;
    const prev = this.servers.get(server);
    let missed = 0;
    if (prev) {
      const step = (hb.counter - prev.counter) >>> 0; // §5.6.5.14 Heartbeat Counter, modulo 2^32
      if (step === 0) { this.counters.duplicates++; return; }
      if (step < 0x8000_0000) missed = step - 1; // else it went back: the server restarted its count
      prev.timer.cancel();
      this.servers.delete(server); // re-inserted below: the map stays ordered by last heartbeat
    } else if (this.servers.size >= this.options.maxServers) {
      const [oldest, o] = this.servers.entries().next().value as [string, Tracked]; // anyone can send heartbeats: keep the table bounded
      o.timer.cancel();
      this.servers.delete(oldest);
      this.counters.evicted++;
    }
    this.servers.set(server, { counter: hb.counter, intervalSeconds: hb.intervalSeconds, timer: this.lostTimer(server, hb) });
    this.counters.heartbeats++;
    const seen: HeartbeatSeen = { ...hb, from, server, missed };
    if (!prev) this.emit('found', seen);
    if (missed > 0) {
      this.counters.missed += missed;
      this.emit('gap', { server, previous: prev!.counter, counter: hb.counter, missed } satisfies HeartbeatGap);
    }
    this.emit('heartbeat', seen);
  }

  private lostTimer(server: string, hb: Heartbeat): { cancel(): void } {
    // a very long announced interval waits as long as a Node timer can, at most
    const ms = Math.min(MAX_TIMER_MS, Math.max(1, hb.intervalSeconds) * 1000 * this.options.lostAfterIntervals);
    return this.options.clock.setTimeout(() => {
      this.servers.delete(server);
      this.counters.lost++;
      this.emit('lost', { server, lastCounter: hb.counter, intervalSeconds: hb.intervalSeconds } satisfies ServerLost);
    }, ms);
  }
}

export class HeartbeatTimeoutError extends Error {
  constructor(host: string, port: number, seconds: number) {
    super(`no iSNS heartbeat on ${host}:${port} within ${seconds} s`);
    this.name = 'HeartbeatTimeoutError';
  }
}

/** Waits for the first heartbeat on host:port (any server); rejects with HeartbeatTimeoutError after `timeoutSeconds`. */
export async function discoverIsnsServer(host: string, port: number, timeoutSeconds: number,
  options: Partial<HeartbeatListenerOptions> = {}): Promise<HeartbeatSeen> {
  const listener = new IsnsHeartbeatListener(options);
  await listener.start(host, port);
  const clock = listener.options.clock;
  try {
    return await new Promise<HeartbeatSeen>((resolve, reject) => {
      const timer = clock.setTimeout(() => reject(new HeartbeatTimeoutError(host, port, timeoutSeconds)), timeoutSeconds * 1000);
      listener.once('heartbeat', (seen: HeartbeatSeen) => { timer.cancel(); resolve(seen); });
    });
  } finally {
    await listener.stop();
  }
}
