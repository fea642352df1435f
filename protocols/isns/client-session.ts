// An iSNS client's side of one connection (or UDP socket) to a server, sans-I/O — RFC 4171 §5.1 (a
// response carries its request's Transaction ID; open-isns matches answers by it alone, and so does this)
// and §5.2 (a response may span several PDUs). It allocates transaction IDs, encodes requests, reads what
// the server sends through the receive path (receive.ts), pairs each response with its request, and times
// requests out: time is an argument. The driver (clients/isns/isns-client.ts) moves the bytes and keeps one
// timer at nextDeadline().
//
// Each request carries a context of the driver's (C: its promise, say) that comes back in the request's
// one outcome: answered, failed (its answer could not be read), timed out, or lost with a broken stream.
// Whatever matches no waiting request is counted and dropped: answers to unknown transactions (late ones,
// after a timeout), messages that are not responses, unreadable input that names no waiting request.
import { type IsnsRequest, type IsnsResponse, encodeMessage } from './codec.js';
import { isResponse } from './functions.js';
import { nextTransactionId } from './header.js';
import { IsnsDatagramReceiver, IsnsStreamReceiver, ReceiveError, ReceiveStage, type Received } from './receive.js';
import { UDP_MAX_PDU_PAYLOAD } from './segments.js';

export interface ClientSessionOptions {
  transport: 'tcp' | 'udp';
  /** How long a request waits for its answer (ms). */
  timeoutMs: number;
}

export type ClientEvent<C> =
  | { kind: 'answer'; context: C; response: IsnsResponse }
  | { kind: 'failed'; context: C; error: ReceiveError }
  | { kind: 'timeout'; context: C; functionId: number }
  /** The stream could not be framed any more: every waiting request is lost; close the connection. */
  | { kind: 'broken'; lost: C[]; error: ReceiveError };

export interface ClientSessionCounters {
  sent: number;
  answered: number;
  /** Answers that came but could not be read (their requests failed). */
  failed: number;
  timedOut: number;
  /** Responses to a transaction no request waits for (any more): dropped. */
  unknownTransaction: number;
  /** Requests and heartbeats from the server: a client has no answer for them here, so they are dropped. */
  notResponse: number;
  /** Unreadable input that names no waiting request: dropped. */
  malformed: number;
}

interface Waiting<C> { context: C; functionId: number; deadline: number }

/** The one peer of a client's UDP socket (it is connected to the server). */
const SERVER = 'server';

export class IsnsClientSession<C> {
  readonly options: ClientSessionOptions;
  readonly counters: ClientSessionCounters = { sent: 0, answered: 0, failed: 0, timedOut: 0, unknownTransaction: 0, notResponse: 0, malformed: 0 };
  /** Waiting requests by transaction ID. */
  private readonly waiting = new Map<number, Waiting<C>>();
  private readonly stream: IsnsStreamReceiver | null;
  private readonly datagrams: IsnsDatagramReceiver | null;
  private nextTx = 1;

  constructor(options: ClientSessionOptions) {
    this.options = options;
    this.stream = options.transport === 'tcp' ? new IsnsStreamReceiver() : null;
    this.datagrams = options.transport === 'udp' ? new IsnsDatagramReceiver({ maxPeers: 1 }) : null;
  }

  /** Requests waiting for their answers. */
  get inFlight(): number {
    return this.waiting.size;
  }

  /**
   * Encodes `request` under a transaction ID no waiting request holds, and waits for its answer until
   * `now` + timeoutMs. Returns the PDUs to send. Throws RangeError when all 65,535 IDs are waiting, or
   * when the request does not encode (then nothing waits).
   */
  send(request: Omit<IsnsRequest, 'transactionId'>, context: C, now: number): { transactionId: number; pdus: Buffer[] } {
    if (this.waiting.size >= 0xffff) throw new RangeError('isns: 65535 requests already wait for answers');
    let tx = this.nextTx;
    while (this.waiting.has(tx)) tx = nextTransactionId(tx);
    this.nextTx = nextTransactionId(tx);
    const pdus = encodeMessage({ ...request, transactionId: tx }, this.datagrams ? UDP_MAX_PDU_PAYLOAD : undefined);
    this.waiting.set(tx, { context, functionId: request.functionId, deadline: now + this.options.timeoutMs });
    this.counters.sent++;
    return { transactionId: tx, pdus };
  }

  /** Bytes from the server (a TCP chunk, or one UDP datagram); returns the outcomes they settle. */
  receive(bytes: Uint8Array, now: number): ClientEvent<C>[] {
    const out: ClientEvent<C>[] = [];
    if (this.datagrams) {
      const item = this.datagrams.receive(bytes, SERVER, now);
      if (item !== null) this.settle(item, out);
      return out;
    }
    const stream = this.stream!;
    stream.write(bytes);
    for (let item = stream.next(now); item !== null; item = stream.next(now)) {
      if (item instanceof ReceiveError && item.stage === ReceiveStage.FRAMING) {
        out.push({ kind: 'broken', lost: this.abandonAll(), error: item });
        break;
      }
      this.settle(item, out);
    }
    return out;
  }

  private settle(item: Received, out: ClientEvent<C>[]): void {
    if (item instanceof ReceiveError) {
      // a broken datagram is not iSNSP at all; a broken message fails the request it answers, if one waits
      const h = item.stage === ReceiveStage.FRAMING ? null : item.header;
      const w = h && isResponse(h.functionId) ? this.take(h.transactionId) : undefined;
      if (!w) { this.counters.malformed++; return; }
      this.counters.failed++;
      out.push({ kind: 'failed', context: w.context, error: item });
      return;
    }
    if (item.kind !== 'response') { this.counters.notResponse++; return; }
    const w = this.take(item.transactionId);
    if (!w) { this.counters.unknownTransaction++; return; }
    this.counters.answered++;
    out.push({ kind: 'answer', context: w.context, response: item });
  }

  private take(transactionId: number): Waiting<C> | undefined {
    const w = this.waiting.get(transactionId);
    if (w) this.waiting.delete(transactionId);
    return w;
  }

  /** The earliest deadline of a waiting request (ms), or null when none waits. */
  nextDeadline(): number | null {
    let at: number | null = null;
    for (const w of this.waiting.values()) if (at === null || w.deadline < at) at = w.deadline;
    return at;
  }

  /** Times out every request whose deadline is `now` or earlier. */
  expire(now: number): ClientEvent<C>[] {
    const out: ClientEvent<C>[] = [];
    for (const [tx, w] of this.waiting) {
      if (w.deadline > now) continue;
      this.waiting.delete(tx);
      this.counters.timedOut++;
      out.push({ kind: 'timeout', context: w.context, functionId: w.functionId });
    }
    return out;
  }

  /** Stops waiting for every request (the connection is gone); returns their contexts in the order sent. */
  abandonAll(): C[] {
    const lost = [...this.waiting.values()].map((w) => w.context);
    this.waiting.clear();
    return lost;
  }
}
