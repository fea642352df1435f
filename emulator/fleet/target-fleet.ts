// The fleet's iSNS side: its iSNS server, its SLP Service Agent when configured (so initiators find it by SLP,
// isns-slp.ts), and the emulated iSCSI targets that register with it, run in the supervisor process (they are
// few and light next to the BMCs). Targets can be added, removed and degraded while it runs; the server then
// notifies SCN listeners, as a real storage fleet's would.
import { systemClock, type Clock } from '../../runtime/clock.js';
import { DEFAULT_SERVER_LIMITS } from '../isns/limits.js';
import { IsnsServer } from '../isns/server.js';
import type { HeartbeatConfig } from '../isns/heartbeat-sender.js';
import { isnsServiceAgent, type IsnsSlpConfig } from '../isns/isns-slp.js';
import type { ServiceAgent } from '../slp/service-agent.js';
import { EmulatedTarget, type TargetSummary } from '../isns/emulated-target.js';
import type { TargetLun, TargetSpec } from '../isns/target-spec.js';
import { ControlError } from './control-error.js';

export class TargetFleet {
  readonly server: IsnsServer;
  /** The server's SLP Service Agent, when isns.slp is configured. */
  slp: ServiceAgent | null = null;
  private readonly targets = new Map<string, EmulatedTarget>();
  private readonly clock: Clock;

  private constructor(server: IsnsServer, clock: Clock) {
    this.server = server;
    this.clock = clock;
  }

  /** Starts the iSNS server on `listen` and its SLP agent, then registers every target with it. */
  static async start(listen: { host: string; port: number; defaultDiscoveryDomain: boolean; heartbeat?: HeartbeatConfig; slp?: IsnsSlpConfig }, targets: TargetSpec[],
    stateDir: string | null, clock: Clock = systemClock): Promise<TargetFleet> {
    const server = new IsnsServer({
      host: listen.host, port: listen.port, stateDir, clock, registry: { defaultDiscoveryDomain: listen.defaultDiscoveryDomain },
      // each target keeps its connection open: room for the fleet's own targets on top of what clients get
      maxConnections: DEFAULT_SERVER_LIMITS.maxConnections + targets.length,
      heartbeat: listen.heartbeat ?? null,
    });
    await server.start();
    const fleet = new TargetFleet(server, clock);
    try {
      if (listen.slp) {
        const agent = isnsServiceAgent(listen.host, server.port, listen.slp, clock);
        try {
          await agent.start();
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
          throw new Error(`its SLP agent cannot listen on UDP ${agent.options.host}:${agent.options.port}: ${code}${code === 'EACCES' ? ' (port 427 needs root: set isns.slp.port)' : ''}`);
        }
        fleet.slp = agent;
      }
      for (const spec of targets) await fleet.add(spec);
    } catch (err) {
      await fleet.stop();
      throw err;
    }
    return fleet;
  }

  get address(): { host: string; port: number } {
    return { host: this.server.options.host, port: this.server.port };
  }

  list(): TargetSummary[] {
    return [...this.targets.values()].map((t) => t.summary());
  }

  async add(spec: TargetSpec): Promise<TargetSummary> {
    if (this.targets.has(spec.iqn)) throw new ControlError(409, `a target named ${spec.iqn} exists`);
    const target = new EmulatedTarget(spec, this.address, this.clock);
    await target.start();
    this.targets.set(spec.iqn, target);
    return target.summary();
  }

  async remove(iqn: string): Promise<void> {
    const target = this.find(iqn);
    this.targets.delete(iqn);
    await target.stop(true);
  }

  async setLunState(iqn: string, lun: number, state: TargetLun['state']): Promise<TargetSummary> {
    const target = this.find(iqn);
    try {
      await target.setLunState(lun, state);
    } catch (err) {
      if (err instanceof RangeError) throw new ControlError(400, err.message);
      throw err;
    }
    return target.summary();
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.targets.values()].map((t) => t.stop(false)));
    this.targets.clear();
    await this.slp?.stop();
    this.slp = null;
    await this.server.stop();
  }

  private find(iqn: string): EmulatedTarget {
    const t = this.targets.get(iqn);
    if (!t) throw new ControlError(404, `no target named ${iqn}`);
    return t;
  }
}
