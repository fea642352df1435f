// Finding services by SLP, as a User Agent — RFC 2608 §8.1 (a SrvRqst with a service type, scopes and a
// predicate) sent either unicast to a Directory Agent (one answer, retried) or to the multicast group with
// multicast convergence (§6.3): the request is sent again, naming every agent that already answered in its
// previous responder list, until a round brings no new answer or the wait runs out. Replies are matched by XID.
// On loopback the request must leave through 127.0.0.1 (../shared/PEERS.md "SLP"), so the socket binds there
// and pins the multicast interface. Timers run on the Clock.
import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import { systemClock, type Clock } from '../../runtime/clock.js';
import { DecodeError } from '../../protocols/errors.js';
import { Flag, FunctionId, SLP_MTU, SLP_MULTICAST_GROUP, SLP_PORT, SlpError } from '../../protocols/slp/header.js';
import { decodeMessage, encodeMessage, type SlpMessage } from '../../protocols/slp/message.js';
import { serviceAddress } from '../../protocols/slp/service-url.js';

export interface FindOptions {
  serviceType: string;
  scopes: string[];
  /** An LDAPv3 filter; "" for every service of the type. */
  predicate: string;
  langTag: string;
  /** Ask this Directory Agent (unicast); null: multicast convergence. */
  directoryAgent: { host: string; port: number } | null;
  /** The agents' port (427; another in tests) and the group. */
  port: number;
  group: string;
  /** Send from, and multicast out of, this interface address. */
  interface: string;
  /** The whole search waits at most this long (§13 CONFIG_MC_MAX is 15 s; a DA gets it too). */
  timeoutMs: number;
  /** The first multicast round waits this long for answers; each next round twice as long. */
  firstRoundMs: number;
  clock: Clock;
}

export const DEFAULT_FIND_OPTIONS: Omit<FindOptions, 'serviceType' | 'predicate'> = {
  scopes: ['DEFAULT'], langTag: 'en', directoryAgent: null, port: SLP_PORT, group: SLP_MULTICAST_GROUP, interface: '127.0.0.1',
  timeoutMs: 3000, firstRoundMs: 250, clock: systemClock,
};

export interface FoundService {
  url: string;
  /** Seconds the URL stays valid, as its agent said. */
  lifetime: number;
  /** The agent that answered. */
  from: string;
}

export interface FindResult {
  services: FoundService[];
  /** Agents that answered (DA: the DA). */
  responders: string[];
  /** Multicast rounds sent (a DA: 1). */
  rounds: number;
  /** Replies with an error code, and replies that did not decode. */
  errors: { from: string; error: string }[];
}

export class SlpErrorReply extends Error {
  readonly errorCode: number;
  constructor(from: string, errorCode: number) {
    super(`${from} answered ${Object.entries(SlpError).find(([, v]) => v === errorCode)?.[0] ?? `error ${errorCode}`}`);
    this.name = 'SlpErrorReply';
    this.errorCode = errorCode;
  }
}

export class SlpTimeoutError extends Error {
  constructor(where: string, ms: number) {
    super(`no SLP answer from ${where} within ${ms} ms`);
    this.name = 'SlpTimeoutError';
  }
}

/** Runs one search; a DA that answers with an error raises SlpErrorReply, a silent one SlpTimeoutError. */
export async function findServices(options: Partial<FindOptions> & Pick<FindOptions, 'serviceType' | 'predicate'>): Promise<FindResult> {
  const o: FindOptions = { ...DEFAULT_FIND_OPTIONS, ...options };
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, o.interface, () => { sock.off('error', reject); resolve(); });
  });
  try {
    if (o.directoryAgent === null) {
      sock.setMulticastInterface(o.interface);
      sock.setMulticastTTL(1); // §6.1: the local link unless configured otherwise
      sock.setMulticastLoopback(true);
    }
    return await new Search(o, sock).run();
  } finally {
    await new Promise<void>((r) => sock.close(() => r()));
  }
}

/** iSNS servers found by SLP (RFC 4018 service:iscsi:sms, open-isns's "(protocols=isns)"): host and port (3205 when the URL names none). */
export async function findIsnsServers(options: Partial<FindOptions> = {}): Promise<{ host: string; port: number; url: string; from: string }[]> {
  const r = await findServices({ serviceType: 'service:iscsi:sms', predicate: '(protocols=isns)', ...options });
  return r.services.flatMap((s) => {
    const a = serviceAddress(s.url);
    return a ? [{ host: a.host, port: a.port ?? 3205, url: s.url, from: s.from }] : [];
  });
}

class Search {
  private readonly o: FindOptions;
  private readonly sock: dgram.Socket;
  private readonly xid = randomInt(1, 0x10000);
  private readonly found = new Map<string, FoundService>();
  private readonly responders: string[] = [];
  private readonly errors: { from: string; error: string }[] = [];
  private onReply: (() => void) | null = null;

  constructor(o: FindOptions, sock: dgram.Socket) {
    this.o = o;
    this.sock = sock;
    sock.on('message', (msg, rinfo) => this.reply(msg, rinfo.address));
  }

  async run(): Promise<FindResult> {
    const started = this.o.clock.now();
    const left = () => this.o.timeoutMs - (this.o.clock.now() - started);
    if (this.o.directoryAgent) return this.askDirectory(started);
    let rounds = 0;
    let wait = this.o.firstRoundMs;
    while (left() > 0) {
      const before = this.responders.length;
      const request = this.request(Flag.REQUEST_MCAST);
      if (request.length > SLP_MTU) break; // §6.3: the previous responder list no longer fits a datagram
      this.sock.send(request, this.o.port, this.o.group);
      rounds++;
      await this.sleep(Math.min(wait, left()), false);
      wait *= 2;
      if (this.responders.length === before) break; // §6.3: a round with no new answer ends the search
    }
    return { services: [...this.found.values()], responders: [...this.responders], rounds, errors: this.errors };
  }

  /** Unicast to the DA: sent again after 1/4, 1/2 of the timeout, ..., until its reply. */
  private async askDirectory(started: number): Promise<FindResult> {
    const da = this.o.directoryAgent!;
    const where = `${da.host}:${da.port}`;
    let wait = Math.max(1, Math.floor(this.o.timeoutMs / 4));
    while (this.responders.length === 0 && this.errors.length === 0) {
      const left = this.o.timeoutMs - (this.o.clock.now() - started);
      if (left <= 0) throw new SlpTimeoutError(where, this.o.timeoutMs);
      this.sock.send(this.request(0), da.port, da.host);
      await this.sleep(Math.min(wait, left), true);
      wait *= 2;
    }
    const e = this.errors.find((x) => x.error.startsWith('error '));
    if (e) throw new SlpErrorReply(where, Number(e.error.slice(6)));
    return { services: [...this.found.values()], responders: [...this.responders], rounds: 1, errors: this.errors };
  }

  private request(flags: number): Buffer {
    return encodeMessage({
      flags, xid: this.xid, langTag: this.o.langTag,
      body: { functionId: FunctionId.SRV_RQST, previousResponders: this.responders, serviceType: this.o.serviceType, scopes: this.o.scopes, predicate: this.o.predicate, spi: '' },
    });
  }

  /** Waits `ms`, or (untilReply) until a reply arrives. */
  private sleep(ms: number, untilReply: boolean): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.o.clock.setTimeout(() => { this.onReply = null; resolve(); }, ms);
      if (untilReply) this.onReply = () => { timer.cancel(); this.onReply = null; resolve(); };
    });
  }

  private reply(msg: Buffer, from: string): void {
    let m: SlpMessage;
    try {
      m = decodeMessage(msg);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.errors.push({ from, error: err.code });
      this.onReply?.();
      return;
    }
    if (m.xid !== this.xid || m.body.functionId !== FunctionId.SRV_RPLY) return; // not ours
    if (this.responders.includes(from)) return; // a copy, or an answer to a resent request
    if (m.body.errorCode !== SlpError.OK) {
      this.errors.push({ from, error: `error ${m.body.errorCode}` });
    } else {
      this.responders.push(from);
      for (const u of m.body.urls) if (!this.found.has(u.url)) this.found.set(u.url, { url: u.url, lifetime: u.lifetime, from });
    }
    this.onReply?.();
  }
}
