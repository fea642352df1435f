// A fleet's configuration: racks of BMCs on an address plan, credentials, hardware templates, firmware, faults and
// run settings, checked (schema/: each section's schema; fleet-checks.ts: checks across them) into one plain-data
// FleetConfig that can cross to shard processes. Every mistake is reported at once (FleetFileError.issues).
// fleet-file.ts reads it from YAML and adds lines and columns; the control API checks its bodies with the same schemas.
import type { z } from 'zod';
import type { FaultSettings } from '../bmc/faults.js';
import type { FirmwareTimings } from '../bmc/firmware-upgrade.js';
import type { HeartbeatConfig } from '../isns/heartbeat-sender.js';
import type { IsnsSlpConfig } from '../isns/isns-slp.js';
import type { TargetSpec } from '../isns/target-spec.js';
import { consecutiveAddresses, isIpv4 } from '../../runtime/ipv4.js';
import { IQN_PREFIX, fleetChecks, rackName, targetAliases, type FleetParts } from './fleet-checks.js';
import { FleetFileError, type FleetIssue } from './fleet-issues.js';
import { faultsSection } from './schema/faults.js';
import { fleetSchema, type FleetDocument, type TargetDocument } from './schema/fleet.js';
import { targetEntry as targetEntrySchema } from './schema/isns.js';
import type { FirmwareVersion } from './schema/kinds.js';
import { rack as rackSchema } from './schema/racks.js';
import type { RolloutConfig } from './schema/rollout.js';
import { documentErrorMap, documentIssues } from '../../runtime/document/zod-issues.js';

export { FleetFileError, type FleetIssue } from './fleet-issues.js';
export type { FirmwareVersion } from './schema/kinds.js';
export type { RolloutConfig } from './schema/rollout.js';
export type { VirtualMediaConfig } from './schema/virtual-media.js';
import type { VirtualMediaConfig } from './schema/virtual-media.js';
import type { RedfishConfig } from './schema/redfish.js';
import type { CaMaterial } from '../redfish/fleet-ca.js';
export type { RedfishConfig } from './schema/redfish.js';
export type { HookRule, HooksConfig } from './schema/hooks.js';
import type { HooksConfig } from './schema/hooks.js';

export interface FleetUser { name: string; password: string; privilege: number }

export interface RackConfig {
  name: string;
  count: number;
  firstIp: string;
  /** Name of an entry in `templates`, or null for the built-in default hardware. */
  template: string | null;
  firmware: FirmwareVersion;
  faults: Partial<FaultSettings>;
  /** The host consoles' numbered log line interval, ms. */
  consoleLineIntervalMs: number;
  /** The rack's controller (README "The rollout protocol"), or null when the rack has none. */
  rmc: RmcConfig | null;
}

/** A rack management controller: its own address (it listens on the rollout port there) and its RMC ID. */
export interface RmcConfig { ip: string; id: number }

export interface FleetConfig {
  name: string;
  ipmiPort: number;
  users: FleetUser[];
  allowCipherSuite0: boolean;
  maxSessions: number;
  /** Child processes the BMCs are spread over; 0 = choose from the fleet size. */
  shards: number;
  /** Control API (HTTP) listen address (port 0: a free one), or null for none. */
  control: { host: string; port: number } | null;
  /** The control API's bearer token, read from this file (made there when missing); null: see control/control-token.ts. */
  controlTokenFile: string | null;
  stateDir: string | null;
  /** Hardware templates by name; their fields go to each BMC's model as they are. */
  templates: Record<string, Record<string, unknown>>;
  racks: RackConfig[];
  /** Faults for single BMCs by address, laid over their rack's (key by key). */
  bmcFaults: Record<string, Partial<FaultSettings>>;
  /**
   * The fleet's iSNS server, or null for none; defaultDiscoveryDomain: nodes in no DD see each other;
   * heartbeat (only when configured): where and how often it sends Heartbeats (RFC 4171 §5.6.5.14); slp (only when
   * configured): its SLP Service Agent (RFC 2608).
   */
  isns: { host: string; port: number; defaultDiscoveryDomain: boolean; heartbeat?: HeartbeatConfig; slp?: IsnsSlpConfig } | null;
  /** Emulated iSCSI targets, registered with the iSNS server. */
  targets: TargetSpec[];
  rollout: RolloutConfig;
  /** How long each HPM.1 upgrade step of every BMC takes (firmware-upgrade.ts FirmwareTimings); unset ones keep their default. */
  firmwareTimings: Partial<FirmwareTimings>;
  /** Every BMC's virtual media (a CD-ROM and a disk over USB/IP), or null for none. */
  virtualMedia: VirtualMediaConfig | null;
  /** Every BMC's Redfish service, or null for none. */
  redfish: RedfishConfig | null;
  /**
   * The fleet's Redfish CA, which Fleet.start loads or makes (emulator/redfish/fleet-ca.ts) and hands to its shard
   * processes with the rest; a shard given none makes its own.
   */
  redfishCa?: CaMaterial;
  /** Commands and webhooks run on BMC changes (power, boot device, media, resets), or null for none. */
  hooks: HooksConfig | null;
  /** At most this many BMCs once BMCs are added at run time (POST /bmcs, POST /racks). */
  maxBmcs: number;
  /** What a rack added at run time has unless it says otherwise: the fleet file's firmware, faults and console. */
  rackDefaults: Pick<RackConfig, 'firmware' | 'faults' | 'consoleLineIntervalMs'>;
  /** Fleet positions (BMC numbers) whose BMCs were removed at run time (DELETE /bmcs/IP): they stay, empty (plan.ts placements). */
  removedBmcs: number[];
}

const DEFAULT_CONSOLE_LINE_INTERVAL_MS = 1000;

/** A parsed fleet document checked: its FleetConfig, or every mistake (without lines: the document has none). */
export function checkFleetDocument(doc: unknown): { config: FleetConfig; issues: [] } | { config: null; issues: FleetIssue[] } {
  const parsed = fleetSchema.safeParse(doc, { error: documentErrorMap });
  const issues = parsed.success ? [] : documentIssues(parsed.error, fleetSchema);
  issues.push(...fleetChecks(parsed.success ? partsOf(parsed.data) : partsThatParse(doc)));
  return parsed.success && issues.length === 0 ? { config: resolved(parsed.data), issues: [] } : { config: null, issues };
}

/** Checks a parsed fleet document and fills in the defaults; FleetFileError lists every mistake. */
export function fleetConfig(doc: unknown, where = 'fleet'): FleetConfig {
  const { config, issues } = checkFleetDocument(doc);
  if (!config) throw new FleetFileError(where, issues);
  return config;
}

/** A `targets:` entry from elsewhere (the control API's POST /targets), with the fleet file's checks. */
export function targetEntry(v: unknown, where: string): TargetSpec[] {
  const target = section(targetEntrySchema, v, where);
  const issues = fleetChecks({ racks: [], templateNames: null, bmcAddresses: [], targets: [target], isns: true });
  if (issues.length > 0) throw new FleetFileError(where, issues.map((issue) => ({ ...issue, path: ['body', ...(issue.path ?? []).slice(2)] })));
  return targetSpecs(target);
}

/**
 * A `racks:` entry from elsewhere (the control API's POST /bmcs and POST /racks), with the fleet file's checks on its
 * own (templates of `config`, addresses in 127/8): the rack as the fleet's next entry would be, its name and RMC ID
 * defaulting as there. What it shares with the running fleet (addresses, names) the supervisor checks.
 */
export function rackEntry(v: unknown, where: string, config: FleetConfig): RackConfig {
  const r = section(rackSchema, v, where);
  const issues = fleetChecks({ racks: [r], templateNames: new Set(Object.keys(config.templates)), bmcAddresses: [], targets: [], isns: true });
  if (issues.length > 0) throw new FleetFileError(where, issues.map((issue) => ({ ...issue, path: ['body', ...(issue.path ?? []).slice(2)] })));
  const i = config.racks.length;
  const { firmware, faults, consoleLineIntervalMs } = config.rackDefaults;
  return {
    name: rackName(r, i), count: r.bmcs, firstIp: r.firstIp, template: r.template ?? null, firmware: r.firmware ?? firmware,
    faults: { ...faults, ...r.faults }, consoleLineIntervalMs: r.console?.lineIntervalMs ?? consoleLineIntervalMs,
    rmc: r.rmc ? { ip: r.rmc.ip, id: r.rmc.id ?? i + 1 } : null,
  };
}

/** A `faults:` mapping from elsewhere (the control API's PUT .../faults), with the fleet file's checks. */
export function faultsEntry(v: unknown, where: string): Partial<FaultSettings> {
  return section(faultsSection, v, where);
}

/** `v` through one section's schema; its mistakes are reported under `body`. */
function section<T extends z.ZodType>(schema: T, v: unknown, where: string): z.output<T> {
  const parsed = schema.safeParse(v, { error: documentErrorMap });
  if (!parsed.success) throw new FleetFileError(where, documentIssues(parsed.error, schema, ['body']));
  return parsed.data;
}

function partsOf(d: FleetDocument): FleetParts {
  return { racks: d.racks, templateNames: new Set(Object.keys(d.templates)), bmcAddresses: Object.keys(d.bmcs), targets: d.targets, isns: !!d.isns };
}

/** What the cross-entry checks can still read of a document the schema refused: each entry that passes on its own. */
function partsThatParse(doc: unknown): FleetParts {
  const top = isMapping(doc) ? doc : {};
  const each = <T extends z.ZodType>(schema: T, list: unknown) => Array.isArray(list) ? list.map((v) => schema.safeParse(v).data as z.output<T> | undefined) : [];
  return {
    racks: each(rackSchema, top.racks),
    templateNames: top.templates === undefined ? new Set() : isMapping(top.templates) ? new Set(Object.keys(top.templates)) : null,
    bmcAddresses: isMapping(top.bmcs) ? Object.keys(top.bmcs).filter(isIpv4) : [],
    targets: each(targetEntrySchema, top.targets),
    isns: top.isns !== undefined && top.isns !== null,
  };
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The document with the defaults that come from elsewhere in it: a rack's name, firmware, faults, console and RMC ID. */
function resolved(d: FleetDocument): FleetConfig {
  const fleetConsole = d.console?.lineIntervalMs ?? DEFAULT_CONSOLE_LINE_INTERVAL_MS;
  return {
    name: d.name,
    ipmiPort: d.ipmiPort,
    users: d.users,
    allowCipherSuite0: d.security.allowCipherSuite0,
    maxSessions: d.security.maxSessions,
    shards: d.shards,
    control: d.control,
    controlTokenFile: d.controlTokenFile ?? null,
    stateDir: d.stateDir ?? null,
    templates: d.templates as Record<string, Record<string, unknown>>,
    racks: d.racks.map((r, i) => ({
      name: rackName(r, i),
      count: r.bmcs,
      firstIp: r.firstIp,
      template: r.template ?? null,
      firmware: r.firmware ?? d.firmware,
      faults: { ...d.faults, ...r.faults },
      consoleLineIntervalMs: r.console?.lineIntervalMs ?? fleetConsole,
      rmc: r.rmc ? { ip: r.rmc.ip, id: r.rmc.id ?? i + 1 } : null,
    })),
    bmcFaults: Object.fromEntries(Object.entries(d.bmcs).map(([ip, { faults }]) => [ip, faults])),
    isns: d.isns ?? null,
    targets: d.targets.flatMap(targetSpecs),
    rollout: d.rollout,
    firmwareTimings: d.firmwareTimings,
    virtualMedia: d.virtualMedia ?? null,
    redfish: d.redfish ?? null,
    hooks: d.hooks ?? null,
    maxBmcs: d.security.maxBmcs,
    rackDefaults: { firmware: d.firmware, faults: d.faults, consoleLineIntervalMs: fleetConsole },
    removedBmcs: [],
  };
}

/** One targets: entry's targets, on consecutive portal addresses from firstIp. */
function targetSpecs(t: TargetDocument): TargetSpec[] {
  const aliases = targetAliases(t);
  return consecutiveAddresses(t.firstIp, t.count).map((ip, n) => ({
    iqn: `${IQN_PREFIX}${aliases[n]}`, alias: aliases[n], ip, port: t.port, luns: t.luns.map((l) => ({ ...l })),
    ...(t.chap ? { chap: { ...t.chap } } : {}),
  }));
}
