// An SLP Service Agent for one service — RFC 2608 §6.3 and §8.1 (answering SrvRqsts and AttrRqsts, unicast and
// multicast, through protocols/slp/agent.ts), §8.3/§8.4 (registering with a Directory Agent when one is
// configured: a FRESH SrvReg, retried until a SrvAck comes; refreshed before its lifetime runs out), §10.6
// (deregistering when it stops). Timers run on the Clock.
import { MAX_TIMER_MS, type Clock } from '../../runtime/clock.js';
import { answerRequest, type AdvertisedService } from '../../protocols/slp/agent.js';
import { formatAttributeList } from '../../protocols/slp/attributes.js';
import { Flag, FunctionId, SlpError } from '../../protocols/slp/header.js';
import { encodeMessage, type SlpMessage } from '../../protocols/slp/message.js';
import { SlpEndpoint, type MulticastState } from './slp-endpoint.js';

export interface ServiceAgentOptions {
  /** The agent's address and UDP port (427 by default). */
  host: string;
  port: number;
  service: AdvertisedService;
  /** Scopes the agent serves (the service's). */
  scopes: string[];
  /** Interface to join the multicast group on; null: unicast only. */
  multicastInterface: string | null;
  /** Register with this Directory Agent; null: none. */
  directoryAgent: { host: string; port: number } | null;
  clock: Clock;
  /** Wait for a SrvAck this long before sending again (§13 CONFIG_RETRY: 2 s); then twice as long, ... */
  retryMs?: number;
  /** Give up a registration round after this long, and start another after retryMs (§13 CONFIG_RETRY_MAX: 15 s). */
  retryMaxMs?: number;
}

export interface DirectoryRegistration {
  /** 'registered', 'pending' (no SrvAck yet), or the last failure: a §7 error name or 'no answer'. */
  state: string;
  registrations: number;
  failures: number;
}

export class ServiceAgent {
  readonly options: ServiceAgentOptions;
  readonly endpoint: SlpEndpoint;
  readonly registration: DirectoryRegistration = { state: 'pending', registrations: 0, failures: 0 };
  private xid = 0;
  private pending: { xid: number; settle: (code: number | null) => void } | null = null;
  private timer: { cancel(): void } | null = null;
  private stopped = false;

  constructor(options: ServiceAgentOptions) {
    this.options = options;
    const ownAddresses = [options.host];
    this.endpoint = new SlpEndpoint({ host: options.host, port: options.port, multicastInterface: options.multicastInterface }, (m, multicast) => {
      if (m.body.functionId === FunctionId.SRV_ACK) {
        this.acknowledged(m);
        return null;
      }
      return answerRequest(m, [this.options.service], {
        multicast, ownAddresses, scopes: this.options.scopes, agentUrl: `service:service-agent://${this.options.host}`,
      });
    });
  }

  get multicast(): MulticastState {
    return this.endpoint.multicast;
  }

  async start(): Promise<void> {
    await this.endpoint.start();
    if (this.options.directoryAgent) void this.register();
  }

  /** Deregisters from the DA (waiting for its SrvAck a little), then closes. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    const da = this.options.directoryAgent;
    if (da && this.registration.state === 'registered') {
      const s = this.options.service;
      await this.exchange({ functionId: FunctionId.SRV_DEREG, scopes: s.scopes, url: { lifetime: s.lifetime, url: s.url, auths: [] }, tags: [] }, 0, 1);
    }
    this.pending?.settle(null);
    await this.endpoint.stop();
  }

  /** One registration round: FRESH SrvRegs until a SrvAck; then a refresh at 3/4 of the lifetime, or a new round after a failure. */
  private async register(): Promise<void> {
    const s = this.options.service;
    const code = await this.exchange({
      functionId: FunctionId.SRV_REG, url: { lifetime: s.lifetime, url: s.url, auths: [] }, serviceType: s.serviceType, scopes: s.scopes,
      attributes: formatAttributeList(s.attributes), attrAuths: [],
    }, Flag.FRESH, 3);
    if (this.stopped) return;
    if (code === SlpError.OK) {
      this.registration.state = 'registered';
      this.registration.registrations++;
      this.later(Math.min(MAX_TIMER_MS, s.lifetime * 750));
    } else {
      this.registration.state = code === null ? 'no answer' : errorName(code);
      this.registration.failures++;
      this.later(this.options.retryMaxMs ?? 15_000);
    }
  }

  private later(ms: number): void {
    this.timer = this.options.clock.setTimeout(() => { void this.register(); }, ms);
  }

  /** Sends `body` to the DA up to `tries` times, waiting retryMs, then twice that, ...; the SrvAck's error code, or null. */
  private async exchange(body: SlpMessage['body'], flags: number, tries: number): Promise<number | null> {
    const da = this.options.directoryAgent!;
    this.xid = (this.xid % 0xffff) + 1;
    const xid = this.xid;
    const bytes = encodeMessage({ flags, xid, langTag: this.options.service.langTag, body });
    let wait = this.options.retryMs ?? 2000;
    for (let i = 0; i < tries && !(this.stopped && body.functionId === FunctionId.SRV_REG); i++) {
      const answer = new Promise<number | null>((resolve) => {
        const timer = this.options.clock.setTimeout(() => {
          if (this.pending?.xid === xid) this.pending = null;
          resolve(null);
        }, wait);
        this.pending = { xid, settle: (code) => { timer.cancel(); this.pending = null; resolve(code); } };
      });
      this.endpoint.send(bytes, da.port, da.host);
      const code = await answer;
      if (code !== null) return code;
      wait *= 2;
    }
    return null;
  }

  private acknowledged(m: SlpMessage): void {
    if (m.body.functionId === FunctionId.SRV_ACK && this.pending?.xid === m.xid) this.pending.settle(m.body.errorCode);
  }
}

function errorName(code: number): string {
  return Object.entries(SlpError).find(([, v]) => v === code)?.[0] ?? `error ${code}`;
}
