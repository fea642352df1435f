// An IPMI-over-LAN client for one BMC — IPMI 2.0 §13: an RMCP+ session (protocols/ipmi/client-side) over a UDP socket.
// Many requests may be in flight at once: an answer finds its request by netFn, command and rqSeq (§13.8). A request
// not answered in time goes again with a fresh session sequence number (§13.14). Every timeout runs on the Clock.
import { createSocket, type Socket } from 'node:dgram';
import { systemClock, type Clock } from '../../runtime/clock.js';
import { RmcpPlusClientSession, SessionError, type HandshakeStep } from '../../protocols/ipmi/client-side/rmcpplus-session.js';
import { randomBytesPooled } from '../../protocols/random-pool.js';
import type { IpmiCommand } from '../../protocols/ipmi/commands/command.js';
import { SessionCommand, encodeCloseSessionRequest } from '../../protocols/ipmi/commands/session-setup.js';
import { NetFn, type IpmiResponse } from '../../protocols/ipmi/message.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { CompletionCodeError, IpmiAuthError, IpmiClosedError, IpmiTimeoutError } from './ipmi-errors.js';

export interface IpmiClientOptions {
  host: string;
  port?: number;
  username: string;
  password: string;
  kg?: Buffer | null;
  cipherSuite?: number;
  privilege?: number;
  /** Per-attempt timeout. */
  timeoutMs?: number;
  /** Retransmissions after the first attempt. */
  retries?: number;
  /** Runs the timeouts and retransmissions (default: the system clock). */
  clock?: Clock;
  /** Counts what this client sends, added to what others sharing it sent (a benchmark's bytes on the wire). */
  traffic?: TrafficCount;
}

/** Datagrams and their bytes (IPMI payload and RMCP/RMCP+ headers; not UDP/IP). */
export interface TrafficCount { datagrams: number; bytes: number }

/**
 * Requests awaiting their answers at once; more wait their turn. The BMC takes a session sequence number up to 15
 * behind the highest it has seen (§13.14), so 16 out at once stay in its window however the network reorders them.
 */
export const MAX_IN_FLIGHT = 16;

const NO_DATA = new Uint8Array(0);

type Timer = ReturnType<Clock['setTimeout']>;

/** A request, or a handshake step, awaiting its answer. */
interface Exchange<T> {
  /** The command's name for errors ("Get Device ID"), or null: named by netFn and command. */
  readonly name: string | null;
  readonly netFn: number;
  readonly cmd: number;
  readonly data: Uint8Array;
  /** A handshake step's datagram, sent as it is each time; a request is built afresh for each attempt. */
  readonly datagram: Buffer | null;
  rqSeq: number;
  /** Attempts sent so far. */
  sent: number;
  timer: Timer | null;
  resolve(value: T): void;
  reject(err: Error): void;
}

/** What an answer is matched by: its netFn (the request's + 1), command and rqSeq (§13.8). */
function answerKey(responseNetFn: number, cmd: number, rqSeq: number): number {
  return (responseNetFn << 14) | (cmd << 6) | rqSeq;
}

function commandName(name: string | null, netFn: number, cmd: number): string {
  return name ?? `netFn 0x${netFn.toString(16)} cmd 0x${cmd.toString(16)}`;
}

export class IpmiLanClient {
  readonly host: string;
  private readonly socket: Socket;
  private readonly session: RmcpPlusClientSession;
  private readonly clock: Clock;
  private readonly opts: Required<Omit<IpmiClientOptions, 'kg' | 'clock' | 'traffic'>> & { kg: Buffer | null };
  private readonly traffic: TrafficCount | null;
  private rqSeq = 0;
  private closed = false;
  /** The handshake step awaiting the BMC's answer: one at a time, each needs the last one's answer. */
  private handshakeStep: Exchange<HandshakeStep> | null = null;
  /** Requests awaiting their answers, by answerKey. */
  private readonly inFlight = new Map<number, Exchange<IpmiResponse>>();
  /** Requests waiting for fewer than MAX_IN_FLIGHT to be in flight, oldest first. */
  private readonly queued: Exchange<IpmiResponse>[] = [];
  /** Answers no waiting request claims: those to post()ed requests, and late or duplicate ones. */
  onResponse: ((response: IpmiResponse) => void) | null = null;

  private constructor(opts: IpmiClientOptions, socket: Socket) {
    this.opts = { port: 623, cipherSuite: 17, privilege: Privilege.ADMINISTRATOR, timeoutMs: 1000, retries: 3, kg: null, ...opts };
    this.host = opts.host;
    this.socket = socket;
    this.clock = opts.clock ?? systemClock;
    this.traffic = opts.traffic ?? null;
    this.session = new RmcpPlusClientSession({
      username: opts.username, password: opts.password, kg: this.opts.kg, cipherSuite: this.opts.cipherSuite,
      privilege: this.opts.privilege, random: randomBytesPooled,
    });
    socket.on('message', (msg) => this.onDatagram(msg));
    // ICMP port unreachable surfaces as ECONNREFUSED on a connected socket: treat it as "no answer yet".
    socket.on('error', () => {});
  }

  /**
   * Opens an RMCP+ session and raises it to the requested privilege. Throws IpmiAuthError when the BMC refuses the
   * login or the password is wrong, IpmiTimeoutError when it does not answer, DecodeError for a malformed answer.
   */
  static async connect(opts: IpmiClientOptions): Promise<IpmiLanClient> {
    const socket = createSocket('udp4');
    let client: IpmiLanClient | null = null;
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.connect(opts.port ?? 623, opts.host, () => { socket.off('error', reject); resolve(); });
      });
      client = new IpmiLanClient(opts, socket);
      await client.handshake();
      await client.callNamed('Set Session Privilege Level', NetFn.APP, SessionCommand.SET_SESSION_PRIVILEGE_LEVEL, Uint8Array.of(client.opts.privilege));
      return client;
    } catch (err) {
      if (client) client.closed = true;
      socket.close();
      throw err;
    }
  }

  /**
   * Runs one command from its definition: encodes the request, throws CompletionCodeError unless the completion
   * code is 00h, and decodes the answer (a DecodeError if it is malformed).
   */
  call<Res>(def: IpmiCommand<void, Res>): Promise<Res>;
  call<Req, Res>(def: IpmiCommand<Req, Res>, req: Req): Promise<Res>;
  async call<Req, Res>(def: IpmiCommand<Req, Res>, req?: Req): Promise<Res> {
    const data = await this.callNamed(def.name, def.netFn, def.cmd, def.encodeRequest(req as Req));
    return def.decodeResponse(data, req as Req);
  }

  /** Like request(), but throws CompletionCodeError unless the completion code is 00h, and returns the data. */
  callRaw(netFn: number, cmd: number, data: Uint8Array = NO_DATA): Promise<Uint8Array> {
    return this.callNamed(null, netFn, cmd, data);
  }

  /** Sends a request and waits for its answer, sending it again on timeout; any completion code is an answer. */
  request(netFn: number, cmd: number, data: Uint8Array = NO_DATA): Promise<IpmiResponse> {
    return this.requestNamed(null, netFn, cmd, data);
  }

  /**
   * Sends a request without waiting for it and without retransmitting: its answer, whenever it comes, goes to
   * onResponse (match it by rqSeq, returned here, or by its contents). For requests that may be outstanding
   * many at a time with answers that may come late, such as the console watcher's heartbeats.
   */
  post(netFn: number, cmd: number, data: Uint8Array = NO_DATA): number {
    if (this.closed) throw new IpmiClosedError(commandName(null, netFn, cmd), this.host);
    const rqSeq = this.nextRqSeq(netFn, cmd);
    this.transmit(this.session.request(netFn, cmd, data, rqSeq));
    return rqSeq;
  }

  /** Fails what is still waiting with IpmiClosedError, closes the session (best effort) and the socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const x of [...this.queued, ...this.inFlight.values()]) {
      x.timer?.cancel();
      x.reject(new IpmiClosedError(commandName(x.name, x.netFn, x.cmd), this.host));
    }
    this.queued.length = 0;
    this.inFlight.clear();
    try {
      if (this.session.state === 'active') {
        await this.exchange('Close Session', NetFn.APP, SessionCommand.CLOSE_SESSION, encodeCloseSessionRequest(this.session.bmcId));
      }
    } catch (err) {
      // The BMC may already have dropped the session and say nothing: closing the socket is what matters.
      if (!(err instanceof IpmiTimeoutError)) throw err;
    } finally {
      this.socket.close();
    }
  }

  private async callNamed(name: string | null, netFn: number, cmd: number, data: Uint8Array): Promise<Uint8Array> {
    const res = await this.requestNamed(name, netFn, cmd, data);
    if (res.completionCode !== 0) throw new CompletionCodeError(commandName(name, netFn, cmd), res.completionCode, this.host);
    return res.data;
  }

  private requestNamed(name: string | null, netFn: number, cmd: number, data: Uint8Array): Promise<IpmiResponse> {
    if (this.closed) return Promise.reject(new IpmiClosedError(commandName(name, netFn, cmd), this.host));
    return this.exchange(name, netFn, cmd, data);
  }

  private exchange(name: string | null, netFn: number, cmd: number, data: Uint8Array): Promise<IpmiResponse> {
    return new Promise<IpmiResponse>((resolve, reject) => {
      const x: Exchange<IpmiResponse> = { name, netFn, cmd, data, datagram: null, rqSeq: 0, sent: 0, timer: null, resolve, reject };
      if (this.inFlight.size < MAX_IN_FLIGHT) this.launch(x);
      else this.queued.push(x);
    });
  }

  private launch(x: Exchange<IpmiResponse>): void {
    x.rqSeq = this.nextRqSeq(x.netFn, x.cmd);
    this.inFlight.set(answerKey(x.netFn | 1, x.cmd, x.rqSeq), x);
    this.attempt(x);
  }

  /** The next rqSeq (6 bits) whose answer cannot be taken for that of a request still in flight. */
  private nextRqSeq(netFn: number, cmd: number): number {
    do this.rqSeq = (this.rqSeq + 1) & 0x3f;
    while (this.inFlight.has(answerKey(netFn | 1, cmd, this.rqSeq))); // ends: at most 16 of the 64 are taken
    return this.rqSeq;
  }

  private transmit(datagram: Buffer): void {
    if (this.traffic) {
      this.traffic.datagrams++;
      this.traffic.bytes += datagram.length;
    }
    this.socket.send(datagram);
  }

  /** Sends the next attempt, or ends the exchange with a timeout once the retries are spent. */
  private attempt<T>(x: Exchange<T>): void {
    if (x.sent++ > this.opts.retries) {
      this.finish(x, new IpmiTimeoutError(commandName(x.name, x.netFn, x.cmd), this.host));
      return;
    }
    // A retransmitted request gets a fresh session sequence number (§13.14): the BMC drops a repeated one.
    this.transmit(x.datagram ?? this.session.request(x.netFn, x.cmd, x.data, x.rqSeq));
    x.timer = this.clock.setTimeout(() => this.attempt(x), this.opts.timeoutMs);
  }

  /** Ends an exchange with its answer or an error; a request leaving makes room for the oldest queued one. */
  private finish<T>(x: Exchange<T>, err: Error | null, value?: T): void {
    x.timer?.cancel();
    x.timer = null;
    if (x === this.handshakeStep) {
      this.handshakeStep = null;
    } else if (this.inFlight.delete(answerKey(x.netFn | 1, x.cmd, x.rqSeq))) {
      const next = this.queued.shift();
      if (next) this.launch(next);
    }
    if (err) x.reject(err);
    else x.resolve(value as T);
  }

  private onDatagram(datagram: Buffer): void {
    const step = this.handshakeStep;
    if (step) {
      this.onHandshakeAnswer(step, datagram);
      return;
    }
    if (this.session.state !== 'active') return;
    const res = this.session.response(datagram);
    if (res === null) return;
    const x = this.inFlight.get(answerKey(res.netFn, res.cmd, res.rqSeq));
    if (x) this.finish(x, null, res);
    else this.onResponse?.(res);
  }

  private onHandshakeAnswer(x: Exchange<HandshakeStep>, datagram: Buffer): void {
    let step: HandshakeStep;
    try {
      step = this.session.handshake(datagram);
    } catch (err) {
      // The BMC refused, or a check failed: the setup ends. So does anything else thrown (a DecodeError, or a bug).
      // A wrong password leaves a session set aside on the BMC: tell it to drop it (sent before the socket closes).
      const abort = this.session.takeAbort();
      if (abort) this.transmit(abort);
      this.finish(x, err instanceof SessionError ? new IpmiAuthError(err, this.host) : err as Error);
      return;
    }
    if (step.kind !== 'ignored') this.finish(x, null, step);
  }

  /** Open Session and RAKP 1-4 (§13.17-13.23), each step sent again, as it is, until answered. */
  private async handshake(): Promise<void> {
    let datagram = this.session.open();
    for (;;) {
      const step = await new Promise<HandshakeStep>((resolve, reject) => {
        const x: Exchange<HandshakeStep> = {
          name: 'RMCP+ session setup', netFn: 0, cmd: 0, data: NO_DATA, datagram, rqSeq: 0, sent: 0, timer: null, resolve, reject,
        };
        this.handshakeStep = x;
        this.attempt(x);
      });
      if (step.kind !== 'send') return; // established
      datagram = step.datagram;
    }
  }
}
