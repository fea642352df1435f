// The fleet's iSNS side: its iSNS server and the emulated iSCSI targets that register with it, run in the
// supervisor process (they are few and light next to the BMCs). Targets can be added, removed and degraded
// while it runs; the server then notifies SCN listeners, as a real storage fleet's would.
import { systemClock, type Clock } from '../../runtime/clock.js';
import { IsnsServer } from '../isns/server.js';
import type { HeartbeatConfig } from '../isns/heartbeat-sender.js';
import { EmulatedTarget, type TargetSummary } from '../isns/emulated-target.js';
import type { TargetLun, TargetSpec } from '../isns/target-spec.js';
import { ControlError } from './control-error.js';

export class TargetFleet {
  readonly server: IsnsServer;
  private readonly targets = new Map<string, EmulatedTarget>();
  private readonly clock: Clock;

  private constructor(server: IsnsServer, clock: Clock) {
    this.server = server;
    this.clock = clock;
  }

  /** Starts the iSNS server on `listen`, then registers every target with it. */
  static async start(listen: { host: string; port: number; defaultDiscoveryDomain: boolean; heartbeat?: HeartbeatConfig }, targets: TargetSpec[],
    stateDir: string | null, clock: Clock = systemClock): Promise<TargetFleet> {
    const server = new IsnsServer({
      host: listen.host, port: listen.port, stateDir, clock, registry: { defaultDiscoveryDomain: listen.defaultDiscoveryDomain },
      heartbeat: listen.heartbeat ?? null,
    });
    await server.start();
    const fleet = new TargetFleet(server, clock);
    try {
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
    await this.server.stop();
  }

  private find(iqn: string): EmulatedTarget {
    const t = this.targets.get(iqn);
    if (!t) throw new ControlError(404, `no target named ${iqn}`);
    return t;
  }
}
