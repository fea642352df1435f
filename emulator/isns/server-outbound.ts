// Server-originated iSNSP calls — RFC 4171 §5.6.5.8 (SCN) and §5.6.5.13 (ESI): the server is the
// sender, the client's SCN or ESI port answers. Over TCP a fresh connection per call (as isnsd does for
// ESI: it drops the TCP socket every time); over UDP the datagram leaves from the server's own UDP socket,
// and the answer comes back there, matched by transaction ID (the server hands it to `settle`).
// Every wait is bounded by a timeout on the Clock.
import { nextTransactionId } from '../../protocols/isns/header.js';
import net from 'node:net';
import type { Clock } from '../../runtime/clock.js';
import { encodeMessage, type IsnsRequest, type IsnsResponse } from '../../protocols/isns/codec.js';
import { IsnsStreamReceiver, ReceiveError } from '../../protocols/isns/receive.js';
import { UDP_MAX_PDU_PAYLOAD } from '../../protocols/isns/segments.js';
import type { PortValue } from '../../protocols/isns/tlv.js';

export type UdpSend = (bytes: Buffer, port: number, ip: string) => void;

interface Pending { resolve(r: IsnsResponse | null): void; timer: { cancel(): void } }

export class OutboundCalls {
  private readonly pending = new Map<number, Pending>();
  private nextTx = 1;
  private readonly clock: Clock;
  private readonly udpSend: UdpSend | null;
  readonly timeoutMs: number;

  constructor(clock: Clock, udpSend: UdpSend | null, timeoutMs: number) {
    this.clock = clock;
    this.udpSend = udpSend;
    this.timeoutMs = timeoutMs;
  }

  /** The clock's time (ms), for messages built by the callers. */
  clockNow(): number {
    return this.clock.now();
  }

  /** A fresh transaction ID for a server-originated message. */
  transaction(): number {
    const tx = this.nextTx;
    this.nextTx = nextTransactionId(this.nextTx);
    return tx;
  }

  /** Sends `msg` to ip:port and resolves with the response, or null on timeout, refusal or garbage. */
  call(ip: string, port: PortValue, msg: IsnsRequest): Promise<IsnsResponse | null> {
    return port.udp ? this.callUdp(ip, port.port, msg) : this.callTcp(ip, port.port, msg);
  }

  /** For the server's UDP socket: a response that may answer one of our calls; true when it did. */
  settle(rsp: IsnsResponse): boolean {
    const p = this.pending.get(rsp.transactionId);
    if (!p) return false;
    this.pending.delete(rsp.transactionId);
    p.timer.cancel();
    p.resolve(rsp);
    return true;
  }

  private callUdp(ip: string, port: number, msg: IsnsRequest): Promise<IsnsResponse | null> {
    const send = this.udpSend;
    if (!send) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(msg.transactionId);
        resolve(null);
      }, this.timeoutMs);
      this.pending.get(msg.transactionId)?.resolve(null);
      this.pending.set(msg.transactionId, { resolve, timer });
      try {
        for (const pdu of encodeMessage(msg, UDP_MAX_PDU_PAYLOAD)) send(pdu, port, ip);
      } catch {
        this.pending.delete(msg.transactionId);
        timer.cancel();
        resolve(null);
      }
    });
  }

  private callTcp(ip: string, port: number, msg: IsnsRequest): Promise<IsnsResponse | null> {
    return new Promise((resolve) => {
      const sock = net.connect({ host: ip, port });
      const receiver = new IsnsStreamReceiver({ maxPduBytes: 256 * 1024, maxMessageBytes: 256 * 1024 });
      let done = false;
      const finish = (r: IsnsResponse | null) => {
        if (done) return;
        done = true;
        timer.cancel();
        sock.destroy();
        resolve(r);
      };
      const timer = this.clock.setTimeout(() => finish(null), this.timeoutMs);
      sock.on('connect', () => {
        for (const pdu of encodeMessage(msg)) sock.write(pdu);
      });
      sock.on('data', (chunk) => {
        const now = this.clock.now();
        receiver.write(chunk);
        for (let item = receiver.next(now); item !== null && !done; item = receiver.next(now)) {
          if (item instanceof ReceiveError) finish(null); // garbage from the client: no answer
          else if (item.kind === 'response' && item.transactionId === msg.transactionId) finish(item);
        }
      });
      sock.on('error', () => finish(null));
      sock.on('close', () => finish(null));
    });
  }

  /** Resolves every waiting call with null. */
  close(): void {
    for (const p of this.pending.values()) {
      p.timer.cancel();
      p.resolve(null);
    }
    this.pending.clear();
  }
}
