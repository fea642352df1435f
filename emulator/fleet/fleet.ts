// A running fleet: its shards (the nodes), its iSNS server and targets, its control API and metrics, started
// in that order and stopped in the reverse. A part that fails to start stops every part started before it, in
// reverse order, and the error names the part.
import { join } from 'node:path';
import { systemClock, type Clock } from '../../runtime/clock.js';
import { formatHostPort } from '../../runtime/host-port.js';
import { logSink } from '../../runtime/log.js';
import { FLEET_ROUTES, startControlApi, type ControlApi } from './control/control-api.js';
import { controlToken, type ControlToken } from './control/control-token.js';
import type { FleetConfig } from './fleet-config.js';
import { fleetMetrics } from './metrics.js';
import { NODE_KINDS } from './nodes/index.js';
import { StartedParts } from './started-parts.js';
import { makeStateDir } from './state-store.js';
import { Supervisor, type SupervisorOptions } from './supervisor.js';
import { TargetFleet } from './target-fleet.js';
import { RuntimeChanges } from './runtime-changes.js';
import { loadOrMakeCa } from '../redfish/fleet-ca.js';
import { homedir } from 'node:os';

export type FleetOptions = SupervisorOptions;

export class Fleet {
  readonly shards: Supervisor;
  /** Adding and removing BMCs and racks while it runs (POST /bmcs, DELETE /bmcs/IP, POST /racks, DELETE /racks/NAME). */
  readonly changes: RuntimeChanges;
  /** The iSNS server and its targets, when the fleet file has `isns:`. */
  readonly targets: TargetFleet | null;
  /** The control API, unless turned off. */
  readonly control: ControlApi | null;
  /** The token the control API asks for and the file it is in; null when it asks for none. */
  readonly controlToken: ControlToken | null;
  /** The fleet's Redfish CA certificate, for clients to trust (curl --cacert); null without Redfish over TLS. */
  readonly redfishCaFile: string | null;
  private readonly parts: StartedParts;

  private constructor(shards: Supervisor, changes: RuntimeChanges, targets: TargetFleet | null, control: ControlApi | null, token: ControlToken | null, redfishCaFile: string | null, parts: StartedParts) {
    this.redfishCaFile = redfishCaFile;
    this.shards = shards;
    this.changes = changes;
    this.targets = targets;
    this.control = control;
    this.controlToken = token;
    this.parts = parts;
  }

  /** The fleet as it runs: its file's, with the BMCs and racks added and removed since (those kept in the state directory too). */
  get config(): FleetConfig {
    return this.shards.config;
  }

  /**
   * Resolves once every part serves; throws RangeError for an impossible plan, an Error when the control API needs a
   * token and has nowhere to keep it (control/control-token.ts), or the failing part's error.
   */
  static async start(config: FleetConfig, clock: Clock = systemClock, options: FleetOptions = {}): Promise<Fleet> {
    if (config.stateDir) makeStateDir(config.stateDir);
    const token = controlToken(config);
    const redfish = withRedfishCa(config, clock.now());
    config = redfish.config;
    const kinds = options.kinds ?? NODE_KINDS;
    const shards = new Supervisor(config, { ...options, kinds, clock });
    const parts = new StartedParts();
    // A shard's failure names itself (a BindError names the address): it is thrown as it is.
    await parts.start(null, () => shards.start(), () => shards.stop());
    const changes = new RuntimeChanges(shards);
    // a change file that cannot be read stops the start (its changes are not dropped silently), naming the file
    const log = options.log ?? logSink();
    await parts.start(null, () => changes.restore(log), async () => {});
    const isns = config.isns;
    const targets = isns && await parts.start(
      `cannot start the fleet's iSNS server on ${formatHostPort(isns.host, isns.port)}`,
      () => TargetFleet.start(isns, config.targets, config.stateDir && join(config.stateDir, 'isns'), clock),
      (t) => t.stop(),
    );
    const where = config.control;
    const control = where && await parts.start(
      `cannot start the control API on ${formatHostPort(where.host, where.port)}`,
      () => startControlApi({ shards, metrics: fleetMetrics(shards), targets, changes }, [...FLEET_ROUTES, ...kinds.flatMap((k) => k.routes)], where.host, where.port,
        { token: token?.token, log }),
      (c) => c.close(),
    );
    return new Fleet(shards, changes, targets, control, token, redfish.caFile, parts);
  }

  /** Stops the control API, the iSNS server and targets, then the shards. */
  stop(): Promise<void> {
    return this.parts.stopAll();
  }
}

/**
 * Where the fleet keeps its Redfish CA: the state directory, else ~/.local/state/bmcfleet/redfish-NAME (beside the
 * manager's state; a folder only its user can enter, not a shared temp folder another user could make first).
 */
function redfishCaDir(config: FleetConfig): string {
  return config.stateDir ?? join(homedir(), '.local', 'state', 'bmcfleet', `redfish-${config.name.replace(/[^A-Za-z0-9._-]/g, '_')}`);
}

/**
 * The config with the fleet's Redfish CA (loaded, or made and written), which every shard process issues certificates
 * from, and the file clients trust; the config as it is without Redfish over TLS.
 */
function withRedfishCa(config: FleetConfig, now: number): { config: FleetConfig; caFile: string | null } {
  if (!config.redfish?.tls) return { config, caFile: null };
  const { ca, certFile } = loadOrMakeCa(redfishCaDir(config), config.name, now);
  return { config: { ...config, redfishCa: ca }, caFile: certFile };
}
