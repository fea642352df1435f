// A sweep of IPv4 addresses for BMCs, sans-I/O (time is an argument; what to send comes back as actions): an ASF
// Presence Ping to each address (DMTF ASF 2.0 §3.2.4.1-3; the pong's "IPMI supported" bit, IPMI 2.0 §13.2.1), then,
// to each that says it speaks IPMI, Get Channel Authentication Capabilities outside a session (IPMI 2.0 §22.13,
// §6.12.1), as ipmitool opens every session. At most `window` probes await an answer at once, so the answers that
// can arrive together are bounded (the caller's receive buffer holds them) whatever the number of live BMCs; a probe
// unanswered for `timeoutMs` is sent again, at most `retries` times. An address with no BMC therefore holds one slot
// of the window for (retries + 1) x timeoutMs and then is given up: N silent addresses add at most
// N x (retries + 1) x timeoutMs / window to a sweep.
//
// A timeout measures the network and the BMC, not this process: an answer that arrived in time but waits in the
// socket's receive queue while the process is busy (it reads a few datagrams per turn of its event loop) must not
// make the sweep give an address up. A probe whose wait ends is simply sent again (a second answer is ignored); when
// the last try's wait ends, the sweep asks the glue to send a marker datagram to its own socket ('mark') and gives
// the address up only when the marker comes back (marked()): the queue is first in, first out, so every answer that
// arrived before the wait ended has been read by then.
import { DecodeError } from '../../errors.js';
import { AsfMessageType, decodeAsf, decodePresencePong, encodePresencePing, type PresencePong } from '../../rmcp/asf.js';
import { RMCP_SEQ_NO_ACK, RmcpClass, decodeRmcpHeader } from '../../rmcp/header.js';
import { CURRENT_CHANNEL, SessionCommand, decodeAuthCapsResponse, encodeAuthCapsRequest, type AuthCapsResponse } from '../commands/session-setup.js';
import { NetFn } from '../message.js';
import { Privilege } from '../users.js';
import { sessionlessRequest, sessionlessResponse } from './sessionless.js';

/** The pong's supported entities byte, bit 7: IPMI supported (IPMI 2.0 §13.2.1). */
const IPMI_SUPPORTED = 0x80;
/** The message tag of every ping and the rqSeq of every request: an answer is matched by its address. */
const PROBE_TAG = 0x01;
// Both probes are the same bytes for every address: built once, sent as they are.
const PING = encodePresencePing(RMCP_SEQ_NO_ACK, PROBE_TAG);
/** Extended (IPMI v2.0) capabilities, this channel, at Administrator: the request ipmitool sends first. */
const AUTH_CAPS_REQUEST = sessionlessRequest(NetFn.APP, SessionCommand.GET_CHANNEL_AUTH_CAPABILITIES,
  encodeAuthCapsRequest({ extended: true, channel: CURRENT_CHANNEL, privilege: Privilege.ADMINISTRATOR }), PROBE_TAG);

export interface SweepOptions {
  /** Probes awaiting an answer at once, at most. */
  window: number;
  /** How long a probe waits for its answer before it is sent again (or, past the retries, given up). */
  timeoutMs: number;
  /** Probes sent again after the first, for each of the two questions. */
  retries: number;
  /** Ask each BMC that answered the ping for its authentication capabilities. Default true. */
  authCaps?: boolean;
  /**
   * Probes sent in one step at most (default 64); the rest go at the next, at once (deadlineMs). A process sending a
   * whole window's worth in one go serves nothing else meanwhile: on loopback, with 50,000 emulated BMCs sharing the
   * port, each ping to an address where none listens costs the kernel about 1.7 ms (it looks through every socket
   * bound to that port), so 1,024 at once would hold the event loop for 1.7 s.
   */
  burst?: number;
}

/** A device that answered the ping. */
export interface SweepFinding {
  address: string;
  pong: PresencePong;
  /** The pong says IPMI is supported. */
  ipmi: boolean;
  /** Its answer to Get Channel Authentication Capabilities; null when not asked, or not answered (see authCapsError). */
  authCaps: AuthCapsResponse | null;
  /** Why authCaps is null although it was asked: no answer, or an error completion code. */
  authCapsError: string | null;
}

export type SweepAction =
  | { kind: 'send'; address: string; datagram: Buffer }
  | { kind: 'found'; finding: SweepFinding }
  /** Send a datagram carrying `token` to the sweep's own socket; pass it to marked() when it comes back. */
  | { kind: 'mark'; token: number };

export interface SweepCounts {
  /** Probes sent, resends included. */
  sent: number;
  resent: number;
  /** Addresses that answered nothing: given up after every attempt. */
  silent: number;
  /** Answers from an address not being probed (a late one, after it was given up or already answered). */
  unexpected: number;
  /** Datagrams that do not decode, or answer another command. */
  malformed: number;
}

const Question = { PING: 0, AUTH_CAPS: 1 } as const;
type Question = typeof Question[keyof typeof Question];

/** An address being probed: the question it was asked, how often, and every probe sent to it (both questions). */
interface Probe {
  address: string;
  question: Question;
  attempt: number;
  sends: number;
  pong: PresencePong | null;
}

/**
 * A probe's wait, in the order probes were sent: all waits are equally long, so the first to end is the oldest. Only
 * the wait of the address's last probe (`send`) stands; the others are skipped.
 */
interface Wait { probe: Probe; send: number; dueMs: number }

export class DiscoverySweep {
  readonly counts: SweepCounts = { sent: 0, resent: 0, silent: 0, unexpected: 0, malformed: 0 };
  private readonly addresses: Iterator<string>;
  private readonly o: Required<SweepOptions>;
  /** Addresses awaiting an answer: at most `window`. */
  private readonly probing = new Map<string, Probe>();
  private readonly waits: Wait[] = [];
  private waitsHead = 0;
  private exhausted = false;
  private finished = 0;
  private answered = 0;
  /** Last tries whose wait ended, given up once a marker sent after that comes back. */
  private lastWaits: Wait[] = [];
  /** The marker on its way through the receive queue, sent at `atMs`. */
  private mark: { token: number; atMs: number } | null = null;
  private marks = 0;
  /** Probes this step may still send, and when the last step ran. */
  private budget = 0;
  private lastNowMs = 0;

  constructor(addresses: Iterable<string>, o: SweepOptions) {
    if (!Number.isInteger(o.window) || o.window < 1) throw new RangeError(`the window is at least 1 probe, not ${o.window}`);
    if (!(o.timeoutMs > 0)) throw new RangeError(`a probe waits more than 0 ms, not ${o.timeoutMs}`);
    if (!Number.isInteger(o.retries) || o.retries < 0) throw new RangeError(`retries are a whole number, not ${o.retries}`);
    this.addresses = addresses[Symbol.iterator]();
    this.o = { authCaps: true, burst: 64, ...o };
    if (!Number.isInteger(this.o.burst) || this.o.burst < 1) throw new RangeError(`a burst is at least 1 probe, not ${this.o.burst}`);
  }

  /** Every address was answered or given up. */
  get done(): boolean { return this.exhausted && this.probing.size === 0; }
  /** Addresses finished: answered both questions (or the ping, when that is all) or given up. */
  get swept(): number { return this.finished; }
  /** Devices that answered the ping. */
  get found(): number { return this.answered; }
  /** Probes awaiting an answer now. */
  get inFlight(): number { return this.probing.size; }

  /**
   * When to call tick (ms): the oldest probe's wait ends, or, a marker on its way, the time to send another should it
   * have been lost; null with nothing waiting.
   */
  get deadlineMs(): number | null {
    this.dropStaleWaits();
    let at = this.waitsHead < this.waits.length ? this.waits[this.waitsHead].dueMs : Infinity;
    if (this.mark) at = Math.min(at, this.mark.atMs + this.o.timeoutMs);
    // slots free and addresses perhaps left: the last step's burst ran out
    if (!this.exhausted && this.probing.size < this.o.window) at = Math.min(at, this.lastNowMs);
    return at === Infinity ? null : at;
  }

  /** The first probes: as many addresses as the window holds. */
  start(nowMs: number): SweepAction[] {
    const actions = this.step(nowMs);
    this.fill(nowMs, actions);
    return actions;
  }

  /**
   * Probes whose wait ended are sent again; those that were the last try wait for a marker to go through the receive
   * queue before they are given up (marked()). A marker that has not come back within a timeout is sent again.
   */
  tick(nowMs: number): SweepAction[] {
    const actions = this.step(nowMs);
    for (this.dropStaleWaits(); this.waitsHead < this.waits.length && this.waits[this.waitsHead].dueMs <= nowMs; this.dropStaleWaits()) {
      const wait = this.waits[this.waitsHead];
      if (wait.probe.attempt <= this.o.retries) {
        if (this.budget === 0) break;
        this.waitsHead++;
        this.counts.resent++;
        this.ask(wait.probe, nowMs, actions);
      } else {
        this.waitsHead++;
        this.lastWaits.push(wait);
      }
    }
    if (this.lastWaits.length > 0 && (!this.mark || nowMs >= this.mark.atMs + this.o.timeoutMs)) this.markAt(nowMs, actions);
    this.fill(nowMs, actions);
    return actions;
  }

  /**
   * The marker is back: every answer that had arrived when it was sent has been read, so the last tries whose wait
   * had ended by then are given up (an unanswered Get Channel Authentication Capabilities is a finding without them).
   * An older marker (sent again meanwhile) is ignored.
   */
  marked(token: number, nowMs: number): SweepAction[] {
    if (!this.mark || token !== this.mark.token) return [];
    const endedBy = this.mark.atMs;
    this.mark = null;
    const actions = this.step(nowMs);
    const later: Wait[] = [];
    for (const wait of this.lastWaits) {
      const { probe } = wait;
      if (this.probing.get(probe.address) !== probe || probe.sends !== wait.send) continue; // answered meanwhile
      if (wait.dueMs > endedBy) later.push(wait);
      else if (probe.question === Question.PING) {
        this.counts.silent++;
        this.finish(probe, null, actions);
      } else {
        this.finish(probe, { authCaps: null, error: `no answer to Get Channel Authentication Capabilities (${probe.attempt} tries)` }, actions);
      }
    }
    this.lastWaits = later;
    if (later.length > 0) this.markAt(nowMs, actions);
    this.fill(nowMs, actions);
    return actions;
  }

  private markAt(nowMs: number, actions: SweepAction[]): void {
    this.mark = { token: ++this.marks, atMs: nowMs };
    actions.push({ kind: 'mark', token: this.mark.token });
  }

  /** A datagram from `address`: a pong or an answer, which may finish the address and free its slot for the next. */
  receive(address: string, datagram: Uint8Array, nowMs: number): SweepAction[] {
    const probe = this.probing.get(address);
    const actions = this.step(nowMs);
    try {
      const messageClass = decodeRmcpHeader(datagram).messageClass;
      if (messageClass === RmcpClass.ASF) this.onAsf(probe, datagram, nowMs, actions);
      else if (messageClass === RmcpClass.IPMI) this.onIpmi(probe, datagram, actions);
      else this.counts.malformed++;
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.counts.malformed++;
    }
    this.fill(nowMs, actions);
    return actions;
  }

  private onAsf(probe: Probe | undefined, datagram: Uint8Array, nowMs: number, actions: SweepAction[]): void {
    const asf = decodeAsf(datagram);
    if (asf.messageType !== AsfMessageType.PRESENCE_PONG) { this.counts.malformed++; return; }
    const pong = decodePresencePong(asf);
    if (!probe || probe.question !== Question.PING) { this.counts.unexpected++; return; }
    probe.pong = pong;
    this.answered++;
    if (this.o.authCaps && (pong.supportedEntities & IPMI_SUPPORTED) !== 0) {
      probe.question = Question.AUTH_CAPS;
      probe.attempt = 0;
      this.ask(probe, nowMs, actions);
    } else {
      this.finish(probe, { authCaps: null, error: null }, actions);
    }
  }

  private onIpmi(probe: Probe | undefined, datagram: Uint8Array, actions: SweepAction[]): void {
    const res = sessionlessResponse(datagram);
    if (res.netFn !== (NetFn.APP | 1) || res.cmd !== SessionCommand.GET_CHANNEL_AUTH_CAPABILITIES || res.rqSeq !== PROBE_TAG) {
      this.counts.malformed++;
      return;
    }
    if (!probe || probe.question !== Question.AUTH_CAPS) { this.counts.unexpected++; return; }
    if (res.completionCode !== 0) {
      const cc = res.completionCode.toString(16).padStart(2, '0');
      this.finish(probe, { authCaps: null, error: `Get Channel Authentication Capabilities answered completion code ${cc}h` }, actions);
      return;
    }
    this.finish(probe, { authCaps: decodeAuthCapsResponse(res.data), error: null }, actions);
  }

  /** A new step at `nowMs`, with a burst's worth of probes to send. */
  private step(nowMs: number): SweepAction[] {
    this.lastNowMs = nowMs;
    this.budget = this.o.burst;
    return [];
  }

  /** New addresses into the free slots of the window, as many as the step's burst allows. */
  private fill(nowMs: number, actions: SweepAction[]): void {
    while (!this.exhausted && this.probing.size < this.o.window && this.budget > 0) {
      const next = this.addresses.next();
      if (next.done) { this.exhausted = true; break; }
      if (this.probing.has(next.value)) continue; // listed twice: it is being probed already
      const probe: Probe = { address: next.value, question: Question.PING, attempt: 0, sends: 0, pong: null };
      this.probing.set(probe.address, probe);
      this.ask(probe, nowMs, actions);
    }
  }

  private ask(probe: Probe, nowMs: number, actions: SweepAction[]): void {
    this.budget--;
    probe.attempt++;
    this.waits.push({ probe, send: ++probe.sends, dueMs: nowMs + this.o.timeoutMs });
    this.counts.sent++;
    actions.push({ kind: 'send', address: probe.address, datagram: probe.question === Question.PING ? PING : AUTH_CAPS_REQUEST });
  }

  /** The address is done: with a finding when it answered the ping (`caps` what the second question gave), or silent. */
  private finish(probe: Probe, caps: { authCaps: AuthCapsResponse | null; error: string | null } | null, actions: SweepAction[]): void {
    this.probing.delete(probe.address);
    this.finished++;
    if (caps === null || probe.pong === null) return;
    const ipmi = (probe.pong.supportedEntities & IPMI_SUPPORTED) !== 0;
    actions.push({ kind: 'found', finding: { address: probe.address, pong: probe.pong, ipmi, authCaps: caps.authCaps, authCapsError: caps.error } });
  }

  /** Skips waits of probes answered since, or sent again since (a later wait stands for them), and compacts the queue now and then. */
  private dropStaleWaits(): void {
    while (this.waitsHead < this.waits.length) {
      const w = this.waits[this.waitsHead];
      if (this.probing.get(w.probe.address) === w.probe && w.probe.sends === w.send) break;
      this.waitsHead++;
    }
    if (this.waitsHead > 1024 && this.waitsHead * 2 > this.waits.length) {
      this.waits.splice(0, this.waitsHead);
      this.waitsHead = 0;
    }
  }
}
