// The client's own port for server-originated messages — RFC 4171 §5.6.5.8 (SCN, answered by SCNRsp
// §5.7.5.8) and §5.6.5.13 (ESI, answered by ESIRsp §5.7.5.13). Listens on TCP and UDP at one address and
// port (register it as the portal's SCN Port and/or ESI Port; the UDP bit of the port says which
// transport the server uses). As open-isns does it: SCN and ESI carry no Source and no delimiter;
// SCNRsp carries the destination iSCSI Name, ESIRsp echoes the ESI's attributes.
import { systemClock } from '../../runtime/clock.js';
import { closeTcpUdp } from '../../runtime/tcp-udp.js';
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { Tag } from '../../protocols/isns/attributes.js';
import { encodeMessage, type IsnsMessage, type IsnsResponse } from '../../protocols/isns/codec.js';
import { FunctionId } from '../../protocols/isns/functions.js';
import { Flag } from '../../protocols/isns/header.js';
import { IsnsDatagramReceiver, IsnsStreamReceiver, ReceiveError, type Received } from '../../protocols/isns/receive.js';
import { Status } from '../../protocols/isns/status.js';
import type { IsnsAttribute } from '../../protocols/isns/tlv.js';

export interface ScnEventItem { bits: number; name: string; ddId?: number }
export interface ScnNotice {
  destination: string;
  /** Seconds since 1970, as the server stamped it. */
  timestamp: bigint;
  events: ScnEventItem[];
  transport: 'tcp' | 'udp';
}

/**
 * The SCN's attributes in order: Destination, Timestamp, then SCN Bitmap + iSCSI Name (+ DD_ID/DDS_ID)
 * per event. The destination is the attribute right before the Timestamp, so a sender that puts a
 * Source first is read correctly too. Null when there is no Timestamp.
 */
function parseScn(attrs: readonly IsnsAttribute[]): Omit<ScnNotice, 'transport'> | null {
  const ts = attrs.findIndex((a) => a.tag === Tag.TIMESTAMP);
  if (ts < 1 || typeof attrs[ts].value !== 'bigint') return null;
  const destination = String(attrs[ts - 1].value);
  const events: ScnEventItem[] = [];
  let current: ScnEventItem | null = null;
  for (let i = ts + 1; i < attrs.length; i++) {
    const a = attrs[i];
    if (a.tag === Tag.ISCSI_SCN_BITMAP && typeof a.value === 'number') {
      current = { bits: a.value, name: '' };
      events.push(current);
    } else if (current && a.tag === Tag.ISCSI_NAME && typeof a.value === 'string' && current.name === '') current.name = a.value;
    else if (current && a.tag === Tag.DD_ID && typeof a.value === 'number') current.ddId = a.value;
  }
  return { destination, timestamp: attrs[ts].value as bigint, events };
}

export interface ListenerCounters { scns: number; esis: number; malformed: number }

/** Emits 'scn' (ScnNotice) and 'esi' (the ESI's attributes). */
export class IsnsClientListener extends EventEmitter {
  readonly counters: ListenerCounters = { scns: 0, esis: 0, malformed: 0 };
  /** Answer ESIs (true) or stay silent (false: the server will drop the portal after its retries). */
  answerEsi = true;
  private tcp: net.Server | null = null;
  private udp: dgram.Socket | null = null;
  private readonly sockets = new Set<net.Socket>();
  private boundPort = 0;
  /** Joins the UDP datagrams of a multi-PDU message, per sending server (a few send to one listener). */
  private readonly datagrams = new IsnsDatagramReceiver({ maxPeers: 8 });

  get port(): number {
    return this.boundPort;
  }

  /** Listens on host:port over TCP and UDP (port 0: any free TCP port, UDP binds the same number). */
  async start(host: string, port = 0): Promise<void> {
    const tcp = net.createServer((sock) => this.accept(sock));
    await new Promise<void>((resolve, reject) => { tcp.once('error', reject); tcp.listen(port, host, () => { tcp.off('error', reject); resolve(); }); });
    this.tcp = tcp;
    this.boundPort = (tcp.address() as net.AddressInfo).port;
    const udp = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => { udp.once('error', reject); udp.bind(this.boundPort, host, () => { udp.off('error', reject); resolve(); }); });
    udp.on('message', (msg, rinfo) => {
      for (const b of this.datagram(msg, rinfo)) udp.send(b, rinfo.port, rinfo.address);
    });
    udp.on('error', () => { this.counters.malformed++; });
    this.udp = udp;
  }

  /** One datagram from a server; returns the answer to send back (public so tests can feed bytes directly). */
  datagram(msg: Uint8Array, from: { address: string; port: number }): Buffer[] {
    const item = this.datagrams.receive(msg, `${from.address}|${from.port}`, systemClock.now());
    return item === null ? [] : this.answer(item, 'udp');
  }

  private accept(sock: net.Socket): void {
    this.sockets.add(sock);
    const receiver = new IsnsStreamReceiver({ maxPduBytes: 1 << 20 });
    sock.on('data', (chunk) => {
      const now = systemClock.now();
      receiver.write(chunk);
      for (let item = receiver.next(now); item !== null; item = receiver.next(now)) {
        for (const b of this.answer(item, 'tcp')) sock.write(b);
      }
      if (receiver.isBroken) sock.destroy(); // nothing after a PDU that cannot be framed can be
    });
    sock.on('error', () => {});
    sock.on('close', () => this.sockets.delete(sock));
  }

  /**
   * What the receive path yields in, the answer out. Malformed input is counted and not answered; any
   * other exception (in this code, or in an 'scn' or 'esi' listener) is a bug and is not caught here.
   */
  private answer(item: Received, transport: 'tcp' | 'udp'): Buffer[] {
    if (item instanceof ReceiveError) {
      this.counters.malformed++;
      return [];
    }
    return this.handle(item, transport);
  }

  private handle(m: IsnsMessage, transport: 'tcp' | 'udp'): Buffer[] {
    if (m.kind !== 'request') return [];
    const attrs = m.source ? [m.source, ...m.key] : [...m.key];
    const reply = (status: number, key: IsnsAttribute[]): Buffer[] => {
      const rsp: IsnsResponse = { kind: 'response', functionId: m.functionId | 0x8000, transactionId: m.transactionId, flags: Flag.CLIENT, status, key, operating: [], noDelimiter: true };
      return encodeMessage(rsp);
    };
    if (m.functionId === FunctionId.SCN) {
      const scn = parseScn(attrs);
      if (!scn) {
        this.counters.malformed++;
        return reply(Status.SCN_EVENT_REJECTED, []);
      }
      this.counters.scns++;
      this.emit('scn', { ...scn, transport } satisfies ScnNotice);
      return reply(Status.SUCCESSFUL, [attrs[attrs.findIndex((a) => a.tag === Tag.TIMESTAMP) - 1]]);
    }
    if (m.functionId === FunctionId.ESI) {
      this.counters.esis++;
      this.emit('esi', attrs);
      return this.answerEsi ? reply(Status.SUCCESSFUL, attrs) : [];
    }
    return reply(Status.MESSAGE_NOT_SUPPORTED, []);
  }

  async stop(): Promise<void> {
    await closeTcpUdp(this.tcp, this.udp, this.sockets);
    this.tcp = null;
    this.udp = null;
  }
}

