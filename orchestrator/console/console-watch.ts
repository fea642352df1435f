// One watched console: an RMCP+ session to the BMC, the heartbeat register (when to heartbeat, when to give up
// and reconnect) and the capture (what the answers add to the log, what to fetch from history), glued by timers.
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock } from '../../runtime/clock.js';
import { DecodeError } from '../../protocols/errors.js';
import { NetFn, type IpmiResponse } from '../../protocols/ipmi/message.js';
import {
  ConsoleOemCommand, decodeHeartbeatResponse, decodeHistoryResponse, encodeHeartbeatRequest, encodeHistoryRequest, type ConsoleHistoryRequest,
} from '../../protocols/ipmi/oem/console-heartbeat.js';
import { ConsoleCapture, type CaptureEvent, type ConsoleCaptureStats } from './console-capture.js';
import { HeartbeatRegister, type HeartbeatStats } from './heartbeat-register.js';
import { IpmiLanClient } from '../../clients/ipmi/ipmi-client.js';
import { explainFailure, type ExplainedFailure } from '../../clients/ipmi/failure-cause.js';

export interface ConsoleWatchOptions {
  host: string;
  port: number;
  username: string;
  password: string;
  cipherSuite: number;
  logDir: string;
  /** Heartbeat period, ms (default 1000). */
  periodMs?: number;
  /** Consecutive missed heartbeats tolerated; one more ends the session and reconnects (default 8: 8 s of silence at the default period). */
  missThreshold?: number;
  /** Wait before reconnecting after a failure, ms (default 1000). */
  reconnectDelayMs?: number;
  clock?: Clock;
}

export interface ConsoleWatchStats {
  host: string;
  state: 'connecting' | 'watching' | 'stopped';
  connects: number;
  connectFailures: number;
  /** Why the last login failed (failure-cause.ts), or null when none has. */
  lastFailure: ExplainedFailure | null;
  heartbeat: HeartbeatStats;
  capture: ConsoleCaptureStats;
}

/** What a watch uses unless told otherwise (the CLI's defaults too). */
export const CONSOLE_WATCH_DEFAULTS = { periodMs: 1000, missThreshold: 8, reconnectDelayMs: 1000 } as const;

/** Checks the register and the fetches this often, at most (ms). */
const TICK_MS = 100;

export class ConsoleWatch {
  private readonly opts: Required<Omit<ConsoleWatchOptions, 'clock'>>;
  private readonly clock: Clock;
  private readonly register: HeartbeatRegister;
  private readonly capture = new ConsoleCapture();
  private readonly log: WriteStream;
  private client: IpmiLanClient | null = null;
  private state: ConsoleWatchStats['state'] = 'connecting';
  private timer: { cancel(): void } | null = null;
  /** History requests in flight by rqSeq. */
  private readonly fetching = new Map<number, ConsoleHistoryRequest>();
  private connects = 0;
  private connectFailures = 0;
  private lastFailure: ExplainedFailure | null = null;

  constructor(options: ConsoleWatchOptions) {
    this.opts = { ...CONSOLE_WATCH_DEFAULTS, ...options } as Required<Omit<ConsoleWatchOptions, 'clock'>>;
    this.clock = options.clock ?? systemClock;
    this.register = new HeartbeatRegister({ periodMs: this.opts.periodMs, missThreshold: this.opts.missThreshold });
    this.log = createWriteStream(join(options.logDir, `${options.host}.log`), { flags: 'a' });
  }

  /** Connects (retrying until it works or stop()); resolves after the first attempt, whatever it gave. */
  start(): Promise<void> {
    return this.connect();
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    this.timer?.cancel();
    const client = this.client;
    this.client = null;
    // Nothing may reach the log after the final flush: answers still in flight while the session closes are dropped.
    if (client) client.onResponse = null;
    this.write(this.capture.flush(), true);
    await client?.close();
    await new Promise<void>((resolve) => this.log.end(() => resolve()));
  }

  stats(): ConsoleWatchStats {
    return {
      host: this.opts.host, state: this.state, connects: this.connects, connectFailures: this.connectFailures, lastFailure: this.lastFailure,
      heartbeat: this.register.stats(), capture: this.capture.stats(),
    };
  }

  private async connect(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'connecting';
    try {
      const client = await IpmiLanClient.connect({
        host: this.opts.host, port: this.opts.port, username: this.opts.username, password: this.opts.password,
        // 5 attempts 1 s apart: a handshake rides out a busy stall and some loss before counting as a failure.
        cipherSuite: this.opts.cipherSuite, timeoutMs: 1000, retries: 4, clock: this.clock,
      });
      if (this.stopped()) { // stop() came while connecting
        await client.close();
        return;
      }
      client.onResponse = (res) => this.onResponse(res);
      this.client = client;
      this.connects++;
      this.state = 'watching';
      this.register.reset(this.clock.now());
      this.schedule(0);
    } catch (err) {
      // What a BMC can cause (no answer, a refused login, a malformed answer) is retried; anything else is a bug.
      this.lastFailure = explainFailure(err); // rethrows anything a BMC cannot cause: a bug surfaces
      this.connectFailures++;
      this.timer = this.clock.setTimeout(() => void this.connect(), this.opts.reconnectDelayMs);
    }
  }

  private stopped(): boolean {
    return this.state === 'stopped';
  }

  private schedule(ms: number): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimeout(() => this.tick(), ms);
  }

  private tick(): void {
    const client = this.client;
    if (!client || this.state !== 'watching') return;
    const now = this.clock.now();
    const t = this.register.tick(now);
    if (t.verdict === 'end-session') {
      this.reconnect();
      return;
    }
    if (t.send !== null) {
      client.post(NetFn.OEM_GROUP, ConsoleOemCommand.CONSOLE_HEARTBEAT, encodeHeartbeatRequest(this.capture.heartbeatRequest(t.send)));
    }
    this.sendFetches(now);
    const next = this.register.nextTickAt();
    this.schedule(Math.max(0, Math.min(TICK_MS, next === null ? TICK_MS : next - now)));
  }

  private sendFetches(now: number): void {
    if (!this.client) return;
    for (const request of this.capture.fetches(now)) {
      const rqSeq = this.client.post(NetFn.OEM_GROUP, ConsoleOemCommand.READ_CONSOLE_HISTORY, encodeHistoryRequest(request));
      this.fetching.set(rqSeq, request);
    }
  }

  private onResponse(res: IpmiResponse): void {
    if (this.state === 'stopped' || res.netFn !== (NetFn.OEM_GROUP | 1)) return;
    const now = this.clock.now();
    try {
      if (res.cmd === ConsoleOemCommand.CONSOLE_HEARTBEAT && res.completionCode === 0) {
        const answer = decodeHeartbeatResponse(res.data);
        this.register.reply(answer.heartbeatSeq, now);
        this.write(this.capture.onHeartbeatAnswer(answer));
      } else if (res.cmd === ConsoleOemCommand.READ_CONSOLE_HISTORY) {
        const request = this.fetching.get(res.rqSeq);
        this.fetching.delete(res.rqSeq);
        if (!request) return;
        if (res.completionCode !== 0) this.capture.onHistoryFailed(request);
        else this.write(this.capture.onHistoryAnswer(request, decodeHistoryResponse(res.data)));
      }
    } catch (err) {
      // A malformed answer is ignored: the register counts the missing reply; the capture asks again.
      if (!(err instanceof DecodeError)) throw err;
    }
    this.sendFetches(now);
  }

  /** The register gave up on this session: drop it and open a new one; the capture fills the gap from history. */
  private reconnect(): void {
    const client = this.client;
    this.client = null;
    this.fetching.clear();
    this.capture.connectionLost();
    void client?.close();
    this.state = 'connecting';
    this.timer = this.clock.setTimeout(() => void this.connect(), 0);
  }

  /** `unfinished`: the events of the final flush, whose line the console has not ended: it goes out without a line end. */
  private write(events: CaptureEvent[], unfinished = false): void {
    for (const e of events) {
      if (e.kind === 'line') this.log.write(unfinished ? e.text : `${e.text}\n`);
      else if (e.kind === 'lost') this.log.write(`[bmcfleet: ${e.to - e.from} console bytes lost: no longer held by the BMC]\n`);
      else if (e.kind === 'stream-restart') this.log.write('[bmcfleet: the BMC restarted its console stream]\n');
    }
  }
}
