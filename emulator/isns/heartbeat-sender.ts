// iSNS Heartbeat sender — RFC 4171 §5.6.5.14 (Name Service Heartbeat, function 0x000E): every interval the
// server announces its IP address, TCP and UDP ports, the interval and a counter over UDP (unicast,
// broadcast or multicast), so clients can find it without configuration and notice when it goes away.
// Never answered. open-isns isnsd sends none, so a server sends them only when configured.
//
// One connected UDP socket (so the kernel reports ICMP errors such as ECONNREFUSED, and picks the source
// address toward the destination); the timer runs on the Clock. Send errors are counted, never thrown.
import dgram from 'node:dgram';
import net from 'node:net';
import { MAX_TIMER_MS, type Clock } from '../../runtime/clock.js';
import { encodeMessage } from '../../protocols/isns/codec.js';
import { FunctionId } from '../../protocols/isns/functions.js';
import { Flag, nextTransactionId } from '../../protocols/isns/header.js';
import { isMulticastAddress } from '../../protocols/isns/ip-address.js';

/** Where heartbeats go and how often. */
export interface HeartbeatConfig {
  /** A unicast, broadcast or multicast address. */
  address: string;
  port: number;
  intervalSeconds: number;
  /** Routers a multicast heartbeat may cross (default 1: the local link only). */
  multicastTtl?: number;
}

/** Shared with the server's own counters. */
export interface HeartbeatCounters { heartbeatsSent: number; heartbeatSendErrors: number }

export interface HeartbeatSenderOptions extends HeartbeatConfig {
  /** The address the server serves on; a wildcard (0.0.0.0, ::) is replaced by the source address toward the destination. */
  serverHost: string;
  tcpPort: number;
  /** 0 when the server does not serve UDP (§5.6.5.14: Heartbeat UDP Port). */
  udpPort: number;
  clock: Clock;
  counters?: HeartbeatCounters;
}

/** The longest interval a Node timer can hold. */
export const MAX_INTERVAL_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

const isWildcard = (host: string) => host === '' || host === '0.0.0.0' || host === '::';

export class HeartbeatSender {
  readonly options: HeartbeatSenderOptions;
  readonly counters: HeartbeatCounters;
  /** The last send error's code (ECONNREFUSED, EHOSTUNREACH, ...), for diagnostics. */
  lastError: string | null = null;
  private socket: dgram.Socket | null = null;
  private timer: { cancel(): void } | null = null;
  private advertised = '';
  private counter = 0;
  private transactionId = 0;

  constructor(options: HeartbeatSenderOptions) {
    const s = options.intervalSeconds;
    if (!Number.isInteger(s) || s < 1 || s > MAX_INTERVAL_SECONDS) throw new RangeError(`isns heartbeat: interval ${s} s must be a whole number from 1 to ${MAX_INTERVAL_SECONDS}`);
    if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) throw new RangeError(`isns heartbeat: port ${options.port}`);
    this.options = options;
    this.counters = options.counters ?? { heartbeatsSent: 0, heartbeatSendErrors: 0 };
  }

  /** The address the heartbeats announce (known after start). */
  get serverAddress(): string {
    return this.advertised;
  }

  /** Opens the socket, sends the first heartbeat at once, then one every interval. Rejects when the destination cannot be used at all. */
  async start(): Promise<void> {
    const { address, serverHost } = this.options;
    // The heartbeat announces an address of the destination's family: the server must serve that family.
    if ((net.isIPv4(serverHost) && net.isIPv6(address)) || (net.isIPv6(serverHost) && serverHost !== '::' && net.isIPv4(address))) {
      throw new Error(`cannot send iSNS heartbeats to ${address}: the server serves on ${serverHost}, so clients could not reach the address a heartbeat there announces`);
    }
    const v6 = net.isIPv6(address) || (!net.isIPv4(address) && net.isIPv6(serverHost));
    const sameFamily = !isWildcard(serverHost) && (v6 ? net.isIPv6(serverHost) : net.isIPv4(serverHost));
    const sock = dgram.createSocket(v6 ? 'udp6' : 'udp4');
    try {
      // from the server's own address when it has one of the destination's family
      await new Promise<void>((resolve, reject) => { sock.once('error', reject); sock.bind(0, sameFamily ? serverHost : undefined, () => { sock.off('error', reject); resolve(); }); });
      if (isMulticastAddress(address)) {
        sock.setMulticastTTL(this.options.multicastTtl ?? 1);
        sock.setMulticastLoopback(true); // listeners on this machine hear it too
        if (sameFamily && !v6) sock.setMulticastInterface(serverHost); // out of the interface the server serves on
      } else if (!v6) {
        sock.setBroadcast(true); // harmless for unicast; needed for 255.255.255.255 and subnet broadcasts
      }
      await new Promise<void>((resolve, reject) => { sock.once('error', reject); sock.connect(this.options.port, address, () => { sock.off('error', reject); resolve(); }); });
    } catch (err) {
      sock.close();
      throw new Error(`cannot send iSNS heartbeats to ${address}:${this.options.port}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    sock.on('error', (err) => this.failed(err));
    this.socket = sock;
    this.advertised = isWildcard(serverHost) || !net.isIP(serverHost) ? sock.address().address : serverHost; // a name: the address it left from
    this.beat();
  }

  async stop(): Promise<void> {
    this.timer?.cancel();
    this.timer = null;
    const sock = this.socket;
    this.socket = null;
    if (sock) await new Promise<void>((r) => sock.close(() => r()));
  }

  private beat(): void {
    if (!this.socket) return;
    this.timer = this.options.clock.setTimeout(() => this.beat(), this.options.intervalSeconds * 1000);
    this.counter = (this.counter + 1) % 0x1_0000_0000; // every heartbeat, sent or failed, takes a number: listeners see gaps
    this.transactionId = nextTransactionId(this.transactionId);
    let pdus: Buffer[];
    try {
      pdus = encodeMessage({
        kind: 'heartbeat', functionId: FunctionId.HEARTBEAT, transactionId: this.transactionId, flags: Flag.SERVER,
        address: this.advertised, tcpPort: this.options.tcpPort, udpPort: this.options.udpPort,
        intervalSeconds: this.options.intervalSeconds, counter: this.counter,
      });
    } catch (err) {
      this.failed(err as Error);
      return;
    }
    const sock = this.socket;
    try {
      sock.send(pdus[0], (err) => {
        if (err) this.failed(err);
        else this.counters.heartbeatsSent++;
      });
    } catch (err) {
      this.failed(err as Error);
    }
  }

  private failed(err: Error): void {
    this.counters.heartbeatSendErrors++;
    this.lastError = (err as NodeJS.ErrnoException).code ?? err.message;
  }
}
