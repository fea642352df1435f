// A minimal SLP Directory Agent — RFC 2608 §12: takes registrations (SrvReg/SrvDeReg, answered with SrvAck) and
// answers SrvRqsts and AttrRqsts from them (protocols/slp/directory.ts), unicast, and multicast when it joins the
// group (a SrvRqst for service:directory-agent gets its DAAdvert, §8.5). With no SLP daemon in Debian 12, this is
// what lets a Service Agent register somewhere with no other software. It sends no unsolicited DAAdverts: agents
// are told its address. Expired registrations are dropped when read, and every minute.
import { systemClock, type Clock } from '../../runtime/clock.js';
import { DirectoryState } from '../../protocols/slp/directory.js';
import { SlpEndpoint } from './slp-endpoint.js';

export interface DirectoryAgentOptions {
  host: string;
  port: number;
  scopes: string[];
  multicastInterface: string | null;
  maxRegistrations: number;
  clock: Clock;
}

const EXPIRY_TICK_MS = 60_000;

export class DirectoryAgent {
  readonly state: DirectoryState;
  readonly endpoint: SlpEndpoint;
  private readonly clock: Clock;
  private timer: { cancel(): void } | null = null;

  constructor(options: Partial<DirectoryAgentOptions> & { host: string; port: number }) {
    const o: DirectoryAgentOptions = { scopes: ['DEFAULT'], multicastInterface: null, maxRegistrations: 10_000, clock: systemClock, ...options };
    this.clock = o.clock;
    this.state = new DirectoryState({
      url: `service:directory-agent://${o.host}`, scopes: o.scopes, bootTimestamp: Math.floor(o.clock.now() / 1000), maxRegistrations: o.maxRegistrations,
    });
    const ownAddresses = [o.host];
    this.endpoint = new SlpEndpoint({ host: o.host, port: o.port, multicastInterface: o.multicastInterface },
      (m, multicast) => this.state.handle(m, this.clock.now(), { multicast, ownAddresses }));
  }

  async start(): Promise<void> {
    await this.endpoint.start();
    this.tick();
  }

  private tick(): void {
    this.timer = this.clock.setTimeout(() => {
      this.state.expire(this.clock.now());
      this.tick();
    }, EXPIRY_TICK_MS);
  }

  async stop(): Promise<void> {
    this.timer?.cancel();
    this.timer = null;
    await this.endpoint.stop();
  }
}
