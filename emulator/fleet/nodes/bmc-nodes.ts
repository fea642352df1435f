// The BMCs one shard runs: built from the fleet's plan with their saved state (when the fleet keeps a state
// directory; an unreadable file is quarantined and its BMC starts from its defaults), written back within a second
// of a change, and the control requests on them (control/bmcs.ts, control/faults.ts, control/counters.ts,
// control/sensors.ts, control/sel.ts). What the state directory does not hold, the host's power, the faults and sensor
// readings set at run time and the virtual media inserted, is kept by the supervisor: a shard's next process starts
// with it (ShardContext.keep). The SEL, with what the control API added to it, is in the state directory.
import { EmulatedBmc, type EmulatedBmcOptions } from '../../bmc/emulated-bmc.js';
import { MAX_FAULT_MS, type FaultSettings } from '../../bmc/faults.js';
import { BmcCounters } from '../../bmc/counters.js';
import { LAN_CHANNEL } from '../../bmc/model.js';
import { POWER_ACTIONS, controlPower } from '../../bmc/power.js';
import { captureState, restoreState, type BmcState } from '../../bmc/persistent-state.js';
import { formatMac } from '../../../protocols/ipmi/mac.js';
import { formatGuid } from '../../../protocols/ipmi/commands/device.js';
import type { Clock } from '../../../runtime/clock.js';
import { ControlError } from '../control-error.js';
import type { FleetConfig } from '../fleet-config.js';
import { bmcOptions, placements, type Placement } from '../plan.js';
import { StateStore } from '../state-store.js';
import type { BmcDetail, BmcRequest, BmcSummary, ShardCounters } from './bmc-requests.js';
import type { ShardContext, ShardNodes } from './node-kind.js';
import { ShardMedia } from './shard-media.js';
import { addSelEntry, selView, sensorViews, setReading } from './bmc-sensors.js';
import { HookRunner } from '../../hooks/hook-runner.js';
import { BmcHooks, type HookIdentity } from '../../hooks/bmc-hooks.js';
import { mediaEvent, powerChange } from '../../bmc/hooked-changes.js';
import type { HookChange } from '../../bmc/hook-port.js';
import { hostnameFor } from '../../host/host-identity.js';
import type { KeptMedia } from '../../media/bmc-media.js';
import { installAgentFor } from './host-install.js';
import { iscsiBootFor, type HostIscsiBoot } from './host-iscsi-boot.js';
import type { InstallAgent } from '../../host/install-agent.js';
import { RedfishService, type RedfishState } from '../../redfish/redfish-service.js';
import type { ConnectionHandler } from './node-kind.js';

/** How often changed BMCs are written to the state directory. */
const STATE_FLUSH_MS = 1000;

/** What a BMC's next process gets back from the supervisor (ShardContext.keep): EmulatedBmc options of those names. */
interface KeptBmc { powerOn: boolean; faults: FaultSettings; media?: KeptMedia; sensors?: [number, number][] }

interface Held { rack: string; flushedIn: number; written: string; install: InstallAgent | null; iscsiBoot: HostIscsiBoot }

export class BmcNodes implements ShardNodes<EmulatedBmc> {
  readonly totals = new BmcCounters();
  readonly nodes: EmulatedBmc[] = [];
  private readonly shardNo: number;
  private readonly clock: Clock;
  /** The first fleet position (BMC number) of this shard: list requests count from it. */
  private readonly from: number;
  private readonly byIp = new Map<string, EmulatedBmc>();
  private readonly store: StateStore | null;
  /**
   * Per BMC: its rack, datagrams seen at the last flush, the JSON last written (to skip unchanged BMCs), and its host's
   * installation agent (with virtual media only) and iSCSI boot firmware.
   */
  private readonly held = new Map<EmulatedBmc, Held>();
  private readonly dirty = new Set<EmulatedBmc>();
  private flushTimer: { cancel(): void } | null = null;
  private readonly context: ShardContext;
  /** The BMCs' virtual media, when the fleet file has a virtualMedia section. */
  readonly media: ShardMedia | null;
  /** The BMCs' Redfish services, when the fleet file has a redfish section. */
  readonly redfish: RedfishService | null;
  /** The shard's hooks, when the fleet file has a hooks section, and each BMC's. */
  readonly hookRunner: HookRunner | null;
  private readonly hooks = new Map<string, BmcHooks>();

  /** Throws (naming the file) when a state file cannot be read at all (EACCES); one that is not a BMC state is quarantined. */
  constructor(config: FleetConfig, from: number, to: number, context: ShardContext) {
    this.shardNo = context.shard;
    this.from = from;
    this.clock = context.clock;
    this.context = context;
    this.store = config.stateDir ? new StateStore(config.stateDir) : null;
    this.media = config.virtualMedia ? new ShardMedia(config.virtualMedia, this.clock, config.stateDir) : null;
    this.redfish = config.redfish && new RedfishService({
      config: config.redfish, ca: config.redfishCa ?? null, clock: this.clock,
      targets: { bmc: (ip) => this.byIp.get(ip), media: (ip) => this.media?.at(ip) ?? null, changed: (bmc) => this.dirty.add(bmc) },
    });
    this.hookRunner = config.hooks ? new HookRunner({ maxRunning: config.hooks.maxRunning, clock: this.clock }) : null;
    this.grow(config, from, to);
    if (this.store) this.scheduleFlush();
  }

  /** Builds the BMCs at fleet positions [from, to) of `config` (with their saved and kept state) and returns them. */
  grow(config: FleetConfig, from: number, to: number): EmulatedBmc[] {
    return placements(config, from, to).map((p) => this.add(config, p));
  }

  /** Stops the BMC at `ip` (its host, media and hooks with it), with `forget` deleting its saved state; undefined if none runs here. */
  drop(ip: string, forget: boolean): EmulatedBmc | undefined {
    const bmc = this.byIp.get(ip);
    if (!bmc) return undefined;
    const { install, iscsiBoot } = this.held.get(bmc)!;
    install?.close();
    iscsiBoot.close();
    bmc.close();
    this.media?.drop(ip);
    this.hooks.delete(ip);
    this.byIp.delete(ip);
    this.held.delete(bmc);
    this.dirty.delete(bmc);
    this.nodes.splice(this.nodes.indexOf(bmc), 1);
    if (forget) this.store?.remove(ip);
    return bmc;
  }

  private add(config: FleetConfig, p: Placement): EmulatedBmc {
    const { media: keptMedia, sensors: keptSensors, ...kept } = (this.context.kept(p.ip) as KeptBmc | undefined) ?? {};
    const virtualMedia = this.media?.forBmc(p.ip, () => this.keep([this.byIp.get(p.ip)!]));
    const hooks = config.hooks ? new BmcHooks(config.hooks, this.hookRunner!, this.clock, () => this.identity(p), (line, level) => this.context.log(line, level)) : undefined;
    if (hooks) this.hooks.set(p.ip, hooks);
    const bmc = this.restored(p, { ...bmcOptions(config, p), parentCounters: this.totals, clock: this.clock, virtualMedia, hooks, ...kept });
    if (keptMedia) virtualMedia?.restore(keptMedia);
    const install = virtualMedia && config.virtualMedia ? installAgentFor(bmc, virtualMedia, config.virtualMedia, this.clock) : null;
    const iscsiBoot = iscsiBootFor(bmc, this.clock, install);
    for (const [number, value] of keptSensors ?? []) bmc.model.sensors.setOverride(number, value);
    bmc.model.onChange((event) => { if (event.kind === 'power') this.keep([bmc]); });
    this.nodes.push(bmc);
    this.byIp.set(p.ip, bmc);
    this.held.set(bmc, { rack: p.rack.name, flushedIn: 0, written: '', install, iscsiBoot });
    return bmc;
  }

  /** Where a Redfish connection to `bmc` goes (closed when the fleet serves no Redfish). */
  redfishFor(bmc: EmulatedBmc): ConnectionHandler {
    const service = this.redfish;
    return { accept: (socket) => (service ? service.accept(bmc.model.ip, socket) : socket.destroy()) };
  }

  at(ip: string): EmulatedBmc | undefined {
    return this.byIp.get(ip);
  }

  /** Writes the state of every BMC that saw traffic or a control change since the last flush, if it changed. */
  flushState(): void {
    if (!this.store) return;
    for (const [bmc, held] of this.held) {
      if (bmc.counters.datagramsIn === held.flushedIn && !this.dirty.has(bmc)) continue;
      held.flushedIn = bmc.counters.datagramsIn;
      const redfish = this.redfish?.saved(bmc) ?? null;
      const json = JSON.stringify(redfish === null ? captureState(bmc.model) : { ...captureState(bmc.model), redfish });
      if (json === held.written) continue;
      this.store!.save(bmc.model.ip, json);
      held.written = json;
    }
    this.dirty.clear();
  }

  close(): void {
    this.flushTimer?.cancel();
    this.flushTimer = null;
    this.flushState();
    for (const { install, iscsiBoot } of this.held.values()) {
      install?.close();
      iscsiBoot.close();
    }
    for (const bmc of this.nodes) bmc.close();
    this.media?.close();
    this.redfish?.close();
    this.hookRunner?.close();
  }

  /** Runs one control request; throws ControlError for requests that cannot be done. */
  run(req: BmcRequest): unknown {
    switch (req.op) {
      case 'list': {
        // offset and limit count fleet positions from this shard's first: BMCs removed at run time leave gaps
        const lo = this.from + req.offset;
        return this.nodes.filter((b) => b.model.index >= lo && b.model.index < lo + req.limit).map((b) => this.summary(b));
      }
      case 'bmc':
        return this.detail(this.find(req.ip));
      case 'console':
        return this.find(req.ip).host.history(req.after, this.clock.now(), req.limit);
      case 'faults': {
        const targets = this.targets(req.ip);
        // All or nothing: check the change against every target before changing any.
        for (const bmc of targets) bmc.faults.check(req.change);
        for (const bmc of targets) bmc.setFaults(req.change);
        this.keep(targets);
        return { changed: targets.length };
      }
      case 'stall':
        if (!(req.ms > 0 && req.ms <= MAX_FAULT_MS)) throw new ControlError(400, `ms must be 1-${MAX_FAULT_MS}`);
        for (const bmc of this.targets(req.ip)) bmc.stall(req.ms);
        return { stalled: this.targets(req.ip).length, ms: req.ms };
      case 'reboot': {
        if (!(req.ms > 0 && req.ms <= MAX_FAULT_MS)) throw new ControlError(400, `ms must be 1-${MAX_FAULT_MS}`);
        this.find(req.ip).reboot(req.ms);
        return { rebooting: req.ip, ms: req.ms };
      }
      case 'power-loss': {
        if (!(req.offMs > 0 && req.offMs <= 3_600_000)) throw new ControlError(400, 'offMs must be 1-3600000');
        this.find(req.ip).firmware.losePower(req.offMs);
        return { powerLost: req.ip, offMs: req.offMs };
      }
      case 'power': {
        const action = POWER_ACTIONS[req.action];
        if (action === undefined) throw new ControlError(400, `action must be one of ${Object.keys(POWER_ACTIONS).join(', ')}`);
        const bmc = this.find(req.ip);
        return this.hooked(req.ip, powerChange(bmc.model, action, 'control-api'), () => {
          const outcome = controlPower(bmc.model, action, this.clock.now(), LAN_CHANNEL);
          this.dirty.add(bmc); // the SEL logged it
          if (outcome === 'not-in-present-state') throw new ControlError(409, `cannot ${req.action}: the host is off`);
          return { outcome, power: bmc.model.powerOn ? 'on' : 'off' };
        });
      }
      case 'counters':
        return this.counters();
      case 'sensors': return this.logged(this.find(req.ip), (bmc) => sensorViews(bmc.model, this.clock.now()));
      case 'sel': return this.logged(this.find(req.ip), (bmc) => selView(bmc.model, this.clock.now()));
      case 'sel-add': return this.logged(this.find(req.ip), (bmc) => addSelEntry(bmc.model, req.entry, this.clock.now()));
      case 'sensor-set': {
        const bmc = this.find(req.ip);
        const answer = this.logged(bmc, () => setReading(bmc.model, req.sensor, req.reading, this.clock.now()));
        this.keep([bmc]);
        return answer;
      }
      case 'media': case 'media-insert': case 'media-eject': {
        const media = this.media;
        if (!media) throw new ControlError(404, 'this fleet has no virtual media: add a virtualMedia section to the fleet file (README "Virtual media")');
        const drives = req.op === 'media' ? undefined : media.at(req.ip);
        if (drives === undefined || req.op === 'media') return media.run(req);
        const change = mediaEvent(req.drive, drives.status(req.drive).source || null, req.op === 'media-insert' ? req.image : null, 'control-api');
        return this.hooked(req.ip, change, () => media.run(req));
      }
    }
  }

  /**
   * Makes `change` through `make` with the BMC's hooks: gating ones first (one failing refuses it, 502, nothing
   * changed), the others once it is made. Without hooks, or for no change, it is `make` alone.
   */
  private hooked<T>(ip: string, change: HookChange | null, make: () => T | Promise<T>): T | Promise<T> {
    const hooks = this.hooks.get(ip);
    if (!hooks || change === null) return make();
    const made = async () => {
      const answer = await make();
      hooks.after(change);
      return answer;
    };
    if (!hooks.gates(change.event)) return made();
    return hooks.before(change).then((verdict) => {
      if (!verdict.ok) throw new ControlError(502, `a ${change.event} hook refused ${change.action}: ${verdict.reason}`);
      return made();
    });
  }

  /** Who the BMC at `p` and its host are, as hook events name them. */
  private identity(p: Placement): HookIdentity {
    const { model } = this.byIp.get(p.ip)!;
    return {
      bmc: p.ip, rack: p.rack.name,
      host: { hostname: hostnameFor(p.ip), serial: model.hardware.serial, systemGuid: formatGuid(model.guid), macs: model.hardware.nics.map((n) => n.mac) },
    };
  }

  /** `read(bmc)`, after which the SEL may hold new entries (a sensor scan, an added one): saved at the next flush. */
  private logged<T>(bmc: EmulatedBmc, read: (bmc: EmulatedBmc) => T): T {
    const answer = read(bmc);
    this.dirty.add(bmc);
    return answer;
  }

  counters(): ShardCounters {
    let sessions = 0;
    for (const bmc of this.nodes) sessions += bmc.channel.sessions.size;
    return { shard: this.shardNo, bmcs: this.nodes.length, sessions, ...this.totals.snapshot(), media: this.media?.counters() ?? null };
  }

  /** The BMC at `p`, with its saved state if the state directory has a readable one; an unreadable one is moved aside. */
  private restored(p: Placement, options: EmulatedBmcOptions): EmulatedBmc {
    const bmc = new EmulatedBmc(options);
    let saved: unknown = null;
    try {
      saved = this.store?.load(p.ip) ?? null;
      if (saved !== null) restoreState(bmc.model, saved as BmcState);
      const redfish = (saved as { redfish?: RedfishState } | null)?.redfish;
      if (redfish !== undefined) this.redfish?.restore(bmc, redfish); // a fleet now without Redfish drops them at its next write
      return bmc;
    } catch (err) {
      // Not JSON (load's SyntaxError), or not a BMC state (whatever restoring it threw); a file that cannot be read stops the shard.
      if (saved === null && !(err instanceof SyntaxError)) throw err;
      bmc.close(); // it may be half restored
      const moved = this.store!.quarantine(p.ip, this.clock.now());
      this.context.log(`state of ${p.ip} in ${this.store!.dir} cannot be read back (${(err as Error).message}): moved to ${moved}; this BMC starts from its defaults`, 'warn');
      return new EmulatedBmc(options);
    }
  }

  /** Hands the host's power, the faults, media and sensor readings set of `bmcs` to the supervisor, for this shard's next process. */
  private keep(bmcs: readonly EmulatedBmc[]): void {
    this.context.keep(bmcs.map((bmc) => [bmc.model.ip, {
      powerOn: bmc.model.powerOn, faults: bmc.faults.settings, media: this.media?.at(bmc.model.ip)?.kept(),
      sensors: bmc.model.sensors.overridden(),
    } satisfies KeptBmc]));
  }

  private scheduleFlush(): void {
    this.flushTimer = this.clock.setTimeout(() => {
      this.flushState();
      this.scheduleFlush();
    }, STATE_FLUSH_MS);
  }

  private find(ip: string): EmulatedBmc {
    const bmc = this.byIp.get(ip);
    if (!bmc) throw new ControlError(404, `no BMC at ${ip}`);
    return bmc;
  }

  private targets(ip: string | null): EmulatedBmc[] {
    return ip === null ? this.nodes : [this.find(ip)];
  }

  private summary(bmc: EmulatedBmc): BmcSummary {
    const now = this.clock.now();
    return {
      index: bmc.model.index, ip: bmc.model.ip, rack: this.held.get(bmc)!.rack, power: bmc.model.powerOn ? 'on' : 'off',
      sessions: bmc.channel.sessions.size, faults: bmc.faults.settings, busy: bmc.faults.isBusy(now), rebooting: now < bmc.faults.rebootUntil,
    };
  }

  private detail(bmc: EmulatedBmc): BmcDetail {
    const d = bmc.model.device;
    return {
      ...this.summary(bmc),
      guid: formatGuid(bmc.model.guid),
      mac: formatMac(bmc.model.mac),
      bootDevice: bmc.model.bootDevice,
      firmware: `${d.firmwareMajor}.${String(d.firmwareMinor).padStart(2, '0')}`,
      counters: bmc.counters.snapshot(),
    };
  }
}
