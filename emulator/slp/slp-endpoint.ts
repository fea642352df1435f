// Where an SLP agent (service-agent.ts, directory-agent.ts) listens — RFC 2608 §6.1: UDP port 427 on its own
// address (unicast requests, and the answers to what it sends), and, when asked, the SLP multicast group
// 239.255.255.253 joined on one interface. On loopback the group works when it is joined on 127.0.0.1 (lo has no
// MULTICAST flag, but Linux delivers; ../shared/PEERS.md "SLP"): the group socket is bound to the group address
// itself (reuseAddr: several agents on one machine each get a copy) and only receives; every answer leaves from
// the unicast socket, so it comes from the agent's own address. A join that fails is reported, not fatal: the
// agent still answers unicast (and registers with a Directory Agent if it has one).
import dgram from 'node:dgram';
import { DecodeError } from '../../protocols/errors.js';
import { SLP_MULTICAST_GROUP } from '../../protocols/slp/header.js';
import { decodeMessage, type SlpMessage } from '../../protocols/slp/message.js';
import type { Answer } from '../../protocols/slp/agent.js';

export interface SlpEndpointOptions {
  /** The agent's own address (unicast), and its port (427; another for tests). */
  host: string;
  port: number;
  /** Join the multicast group on this interface address; null: unicast only. */
  multicastInterface: string | null;
  group?: string;
}

export interface SlpEndpointCounters {
  received: number;
  answered: number;
  /** Not answered, by reason: a decode error code, or the agent's Silence. */
  silent: Map<string, number>;
  sendErrors: number;
}

/** 'joined', 'off' (not asked), or why the join failed ('failed: EADDRNOTAVAIL'). */
export type MulticastState = 'joined' | 'off' | `failed: ${string}`;

export type SlpHandler = (m: SlpMessage, multicast: boolean, from: dgram.RemoteInfo) => Answer | null;

export class SlpEndpoint {
  readonly options: SlpEndpointOptions;
  readonly counters: SlpEndpointCounters = { received: 0, answered: 0, silent: new Map(), sendErrors: 0 };
  multicast: MulticastState = 'off';
  private unicast: dgram.Socket | null = null;
  private group: dgram.Socket | null = null;
  private readonly handler: SlpHandler;

  constructor(options: SlpEndpointOptions, handler: SlpHandler) {
    this.options = options;
    this.handler = handler;
  }

  get port(): number {
    return this.unicast?.address().port ?? 0;
  }

  async start(): Promise<void> {
    const { host, port, multicastInterface } = this.options;
    const unicast = dgram.createSocket('udp4');
    await bind(unicast, port, host);
    unicast.on('message', (msg, rinfo) => this.datagram(msg, rinfo, false));
    unicast.on('error', () => { this.counters.sendErrors++; });
    this.unicast = unicast;
    if (multicastInterface !== null) await this.join(multicastInterface, this.port);
  }

  private async join(iface: string, port: number): Promise<void> {
    const groupAddress = this.options.group ?? SLP_MULTICAST_GROUP;
    const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    try {
      await bind(sock, port, groupAddress);
      sock.addMembership(groupAddress, iface);
    } catch (err) {
      sock.close();
      this.multicast = `failed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      return;
    }
    sock.on('message', (msg, rinfo) => this.datagram(msg, rinfo, true));
    sock.on('error', () => { /* a receive-only socket: nothing to count */ });
    this.group = sock;
    this.multicast = 'joined';
  }

  async stop(): Promise<void> {
    const socks = [this.unicast, this.group].filter((s): s is dgram.Socket => s !== null);
    this.unicast = null;
    this.group = null;
    await Promise.all(socks.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }

  /** Sends from the agent's own address (a registration to a DA, a deregistration). */
  send(bytes: Uint8Array, port: number, address: string): void {
    this.unicast?.send(bytes, port, address, (err) => { if (err) this.counters.sendErrors++; });
  }

  /** One datagram in; public so tests can feed bytes directly. */
  datagram(msg: Buffer, from: dgram.RemoteInfo, multicast: boolean): void {
    this.counters.received++;
    let m: SlpMessage;
    try {
      m = decodeMessage(msg);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err; // a bug, not bad bytes
      this.silent(err.code); // §7 PARSE_ERROR would need the XID of a message that does not decode: dropped, counted
      return;
    }
    const a = this.handler(m, multicast, from);
    if (a === null) return;
    if ('silence' in a) {
      this.silent(a.silence);
      return;
    }
    this.counters.answered++;
    this.send(a.reply, from.port, from.address);
  }

  private silent(reason: string): void {
    this.counters.silent.set(reason, (this.counters.silent.get(reason) ?? 0) + 1);
  }
}

function bind(sock: dgram.Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, address, () => { sock.off('error', reject); resolve(); });
  });
}
