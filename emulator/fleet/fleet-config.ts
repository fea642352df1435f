// A fleet's configuration: racks of BMCs on an address plan, credentials, hardware templates, firmware,
// faults and run settings, checked into one plain-data FleetConfig that can cross to shard processes.
// fleet-file.ts reads it from YAML; the control API checks its bodies with the same readers.
import { NO_FAULTS, validateFaults, type FaultSettings } from '../bmc/faults.js';
import { DEFAULT_FIRMWARE_TIMINGS, type FirmwareTimings } from '../bmc/firmware-upgrade.js';
import { consecutiveAddresses, parseIpv4 } from '../../runtime/ipv4.js';
import type { HeartbeatConfig } from '../isns/heartbeat-sender.js';
import { parseHostPort } from '../../runtime/host-port.js';
import { LUN_STATES, type TargetLun, type TargetSpec } from '../isns/target-spec.js';
import { FIELD_ENCODING, MAX_FIELD as MAX_FRU_FIELD } from '../../protocols/ipmi/fru-format.js';
import { parseMac } from '../../protocols/ipmi/mac.js';
import type { CpuInfo, DiskInfo, HardwareTemplate, MemoryModule, NicInfo, PowerSupplyInfo } from '../bmc/hardware.js';
import { PSU_FRU_ID } from '../bmc/sdr-repository.js';
import { ALL_RMCS, DEFAULT_ROLLOUT_PORT } from '../../protocols/rollout/header.js';
import { PUBLIC_KEY_LENGTH } from '../../protocols/rollout/keys.js';
import { MAX_RACK_NAME_BYTES } from '../../protocols/rollout/prepare-reply.js';

export interface FleetUser { name: string; password: string; privilege: number }

export interface FirmwareVersion { major: number; minor: number }

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

/** The fleet's side of the rollout protocol: the port RMCs listen on and the manager keys they trust. */
export interface RolloutConfig {
  port: number;
  /** Raw Ed25519 public keys (32 bytes each), base64; none: every RMC ignores every signed command. */
  managerKeys: string[];
}

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
   * heartbeat (only when configured): where and how often it sends Heartbeats (RFC 4171 §5.6.5.14).
   */
  isns: { host: string; port: number; defaultDiscoveryDomain: boolean; heartbeat?: HeartbeatConfig } | null;
  /** Emulated iSCSI targets, registered with the iSNS server. */
  targets: TargetSpec[];
  rollout: RolloutConfig;
  /** How long each HPM.1 upgrade step of every BMC takes (firmware-upgrade.ts FirmwareTimings); unset ones keep their default. */
  firmwareTimings: Partial<FirmwareTimings>;
}

export class FleetFileError extends Error {
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'FleetFileError';
  }
}

/** Top-level template strings: every one goes into a FRU field (emulator/bmc/fru.ts), so at most 63 bytes each. */
const TEMPLATE_STRINGS = ['vendor', 'product', 'productPartNumber', 'productVersion', 'serial', 'assetTag', 'chassisPartNumber',
  'boardManufacturer', 'boardProduct', 'boardPartNumber', 'boardSerial'] as const satisfies readonly (keyof HardwareTemplate)[];
const TEMPLATE_NUMBERS = ['chassisType', 'boardMfgTime'] as const satisfies readonly (keyof HardwareTemplate)[];
const TEMPLATE_LISTS = ['cpus', 'memory', 'disks', 'nics', 'powerSupplies', 'sensors'] as const satisfies readonly (keyof HardwareTemplate)[];

/**
 * The fields of each hardware list item (sensors items are not checked field by field): a string, a MAC (colon or
 * dash separated), or a whole number range (the width Get Hardware Inventory sends it in, README "OEM Get Hardware
 * Inventory"). `?` marks a field that may be left out, null or '': serials and MACs are then derived from the BMC's
 * address (emulator/bmc/hardware.ts). `fru` marks a string that also goes into a FRU field (63 bytes at most).
 */
type ItemField = 'string' | 'fru' | 'fru?' | 'mac?' | readonly [number, number];
const U16: readonly [number, number] = [0, 0xffff];
const U32: readonly [number, number] = [0, 0xffffffff];
const TEMPLATE_ITEMS = {
  cpus: { model: 'string', cores: [1, 0xffff], threads: [1, 0xffff], mhz: U16 } satisfies Record<keyof CpuInfo, ItemField>,
  memory: { slot: 'string', sizeGiB: [1, 0xffff], type: 'string', mhz: U16 } satisfies Record<keyof MemoryModule, ItemField>,
  disks: { slot: 'string', model: 'string', sizeGB: U32, serial: 'fru?' } satisfies Record<keyof DiskInfo, ItemField>,
  nics: { name: 'string', model: 'string', mac: 'mac?', speedMbps: U32 } satisfies Record<keyof NicInfo, ItemField>,
  // watts: a sanity bound of ours, not a field width (the PSU's FRU prints it as text).
  powerSupplies: { name: 'string', model: 'fru', watts: [1, 100_000], serial: 'fru?', partNumber: 'fru' } satisfies Record<keyof PowerSupplyInfo, ItemField>,
} satisfies Partial<Record<(typeof TEMPLATE_LISTS)[number], Record<string, ItemField>>>;
/** Get Hardware Inventory counts CPUs, memory modules, disks and NICs in one byte, and the summary's total memory in a u16 of GiB. */
const MAX_INVENTORY_ITEMS = 0xff;
const MAX_TOTAL_MEMORY_GIB = 0xffff;
/** Power supplies are FRU devices PSU_FRU_ID.. (emulator/bmc/fru.ts); FRU device ID FFh is reserved (IPMI 2.0 §34.1). */
const MAX_POWER_SUPPLIES = 0xfe - PSU_FRU_ID + 1;

const PRIVILEGES: Record<string, number> = { callback: 1, user: 2, operator: 3, administrator: 4, admin: 4, oem: 5 };
const DEFAULT_FIRMWARE: FirmwareVersion = { major: 1, minor: 0 };
const DEFAULT_CONSOLE_LINE_INTERVAL_MS = 1000;

/** Checks a parsed fleet document and fills in the defaults. */
export function fleetConfig(doc: unknown, where = 'fleet'): FleetConfig {
  const r = new Reader(where);
  const top = r.object(doc, '');
  r.known(top, '', ['name', 'ipmiPort', 'users', 'security', 'shards', 'control', 'controlTokenFile', 'stateDir', 'templates', 'firmware', 'faults', 'console', 'racks', 'bmcs', 'isns', 'targets', 'rollout', 'firmwareTimings']);
  const fleetConsole = r.console(top.console, 'console', DEFAULT_CONSOLE_LINE_INTERVAL_MS);
  const security = r.object(top.security ?? {}, 'security');
  r.known(security, 'security', ['allowCipherSuite0', 'maxSessions']);
  const templates = r.object(top.templates ?? {}, 'templates') as Record<string, Record<string, unknown>>;
  for (const k of Object.keys(templates)) r.template(templates[k], `templates.${k}`);
  const fleetFirmware = top.firmware === undefined ? DEFAULT_FIRMWARE : r.firmware(top.firmware, 'firmware');
  const fleetFaults = top.faults === undefined ? {} : r.faults(top.faults, 'faults');
  const racksIn = r.array(top.racks, 'racks');
  if (racksIn.length === 0) throw new FleetFileError(where, 'racks: at least one rack is needed');
  const racks = racksIn.map((raw, i) => {
    const at = `racks[${i}]`;
    const rack = r.object(raw, at);
    r.known(rack, at, ['name', 'bmcs', 'firstIp', 'template', 'firmware', 'faults', 'console', 'rmc']);
    const template = rack.template === undefined ? null : r.string(rack.template, `${at}.template`);
    if (template !== null && !(template in templates)) throw new FleetFileError(where, `${at}.template: no template named "${template}"`);
    const name = rack.name === undefined ? `rack-${i + 1}` : r.string(rack.name, `${at}.name`);
    const count = r.integer(rack.bmcs, `${at}.bmcs`, 1, 1_000_000);
    const rmc = rack.rmc === undefined || rack.rmc === null ? null : r.rmc(rack.rmc, `${at}.rmc`, i + 1);
    // Its Prepare Reply carries both (protocols/rollout/prepare-reply.ts).
    if (rmc && Buffer.byteLength(name) > MAX_RACK_NAME_BYTES) r.fail(`${at}.name`, `at most ${MAX_RACK_NAME_BYTES} bytes in a rack with an RMC`);
    if (rmc && count > 0xffff) r.fail(`${at}.bmcs`, 'at most 65535 in a rack with an RMC');
    return {
      name,
      count,
      firstIp: r.ipv4(rack.firstIp, `${at}.firstIp`),
      template,
      firmware: rack.firmware === undefined ? fleetFirmware : r.firmware(rack.firmware, `${at}.firmware`),
      faults: { ...fleetFaults, ...(rack.faults === undefined ? {} : r.faults(rack.faults, `${at}.faults`)) },
      consoleLineIntervalMs: r.console(rack.console, `${at}.console`, fleetConsole),
      rmc,
    };
  });
  r.distinctRmcs(racks);
  const bmcFaults: Record<string, Partial<FaultSettings>> = {};
  for (const [ip, raw] of Object.entries(r.object(top.bmcs ?? {}, 'bmcs'))) {
    r.ipv4(ip, `bmcs.${ip}`);
    const one = r.object(raw, `bmcs.${ip}`);
    r.known(one, `bmcs.${ip}`, ['faults']);
    bmcFaults[ip] = r.faults(one.faults ?? {}, `bmcs.${ip}.faults`);
  }
  const isnsTop = top.isns === undefined ? null : r.object(top.isns, 'isns');
  if (isnsTop) r.known(isnsTop, 'isns', ['listen', 'defaultDiscoveryDomain', 'heartbeat']);
  const isns = isnsTop ? {
    ...r.hostPort(isnsTop.listen, 'isns.listen'),
    defaultDiscoveryDomain: isnsTop.defaultDiscoveryDomain === undefined ? true : r.boolean(isnsTop.defaultDiscoveryDomain, 'isns.defaultDiscoveryDomain'),
    ...(isnsTop.heartbeat === undefined || isnsTop.heartbeat === null ? {} : { heartbeat: r.heartbeat(isnsTop.heartbeat, 'isns.heartbeat') }),
  } : null;
  const targets = r.array(top.targets ?? [], 'targets').flatMap((raw, i) => r.targets(raw, `targets[${i}]`));
  if (targets.length > 0 && !isns) throw new FleetFileError(where, 'targets: emulated targets register with the fleet\'s iSNS server: add isns: { listen: HOST:PORT }');
  const iqns = new Set<string>();
  for (const tg of targets) {
    if (iqns.has(tg.iqn)) throw new FleetFileError(where, `targets: two targets named ${tg.iqn}`);
    iqns.add(tg.iqn);
  }
  const users = top.users === undefined
    ? [{ name: 'admin', password: 'password', privilege: 4 }]
    : r.array(top.users, 'users').map((u, i) => r.user(u, `users[${i}]`));
  return {
    name: top.name === undefined ? 'fleet' : r.string(top.name, 'name'),
    ipmiPort: top.ipmiPort === undefined ? 623 : r.integer(top.ipmiPort, 'ipmiPort', 1, 65535),
    users,
    allowCipherSuite0: security.allowCipherSuite0 === undefined ? false : r.boolean(security.allowCipherSuite0, 'security.allowCipherSuite0'),
    maxSessions: security.maxSessions === undefined ? 32 : r.integer(security.maxSessions, 'security.maxSessions', 1, 255),
    shards: top.shards === undefined || top.shards === 'auto' ? 0 : r.integer(top.shards, 'shards', 1, 64),
    control: top.control === undefined ? { host: '127.0.0.1', port: 0 } : top.control === null || top.control === 'none' ? null : r.hostPort(top.control, 'control'),
    controlTokenFile: top.controlTokenFile === undefined || top.controlTokenFile === null ? null : r.string(top.controlTokenFile, 'controlTokenFile'),
    stateDir: top.stateDir === undefined || top.stateDir === null ? null : r.string(top.stateDir, 'stateDir'),
    templates,
    racks,
    bmcFaults,
    isns,
    targets,
    rollout: r.rollout(top.rollout ?? {}, 'rollout'),
    firmwareTimings: r.firmwareTimings(top.firmwareTimings ?? {}, 'firmwareTimings'),
  };
}

/** A `targets:` entry from elsewhere (the control API's POST /targets), with the fleet file's checks. */
export function targetEntry(v: unknown, where: string): TargetSpec[] {
  return new Reader(where).targets(v, 'body');
}

/** A `faults:` mapping from elsewhere (the control API's PUT .../faults), with the fleet file's checks. */
export function faultsEntry(v: unknown, where: string): Partial<FaultSettings> {
  return new Reader(where).faults(v, 'body');
}

/** Small typed readers that name the field of anything wrong. */
class Reader {
  private readonly where: string;
  constructor(where: string) {
    this.where = where;
  }

  fail(path: string, message: string): never {
    throw new FleetFileError(this.where, `${path || 'top level'}: ${message}`);
  }

  object(v: unknown, path: string): Record<string, unknown> {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail(path, 'expected a mapping (key: value)');
    return v as Record<string, unknown>;
  }

  array(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, 'expected a list');
    return v;
  }

  known(o: Record<string, unknown>, path: string, keys: string[]): void {
    for (const k of Object.keys(o)) {
      if (!keys.includes(k)) this.fail(path ? `${path}.${k}` : k, `unknown key (known here: ${keys.join(', ')})`);
    }
  }

  string(v: unknown, path: string): string {
    if (typeof v !== 'string' || v === '') this.fail(path, 'expected a non-empty string');
    return v;
  }

  boolean(v: unknown, path: string): boolean {
    if (typeof v !== 'boolean') this.fail(path, 'expected true or false');
    return v;
  }

  integer(v: unknown, path: string, min: number, max: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.fail(path, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return v;
  }

  ipv4(v: unknown, path: string): string {
    const s = this.string(v, path);
    try {
      parseIpv4(s);
    } catch {
      this.fail(path, `not an IPv4 address: "${s}"`);
    }
    return s;
  }

  hostPort(v: unknown, path: string): { host: string; port: number } {
    const s = this.string(v, path);
    const hp = parseHostPort(s);
    if (!hp) this.fail(path, `expected HOST:PORT (0-65535), e.g. 127.0.0.1:8623, got "${s}"`);
    return hp;
  }

  /** `{ to: HOST:PORT, intervalSeconds: N }` (interval 5 s when left out). */
  heartbeat(v: unknown, path: string): HeartbeatConfig {
    const o = this.object(v, path);
    this.known(o, path, ['to', 'intervalSeconds']);
    if (o.to === undefined) this.fail(`${path}.to`, 'required: where heartbeats go, HOST:PORT (unicast, broadcast or multicast)');
    const to = this.hostPort(o.to, `${path}.to`);
    if (to.port === 0) this.fail(`${path}.to`, 'port 0 cannot be a destination');
    const intervalSeconds = o.intervalSeconds === undefined ? 5 : this.integer(o.intervalSeconds, `${path}.intervalSeconds`, 1, 86_400);
    return { address: to.host, port: to.port, intervalSeconds };
  }

  firmware(v: unknown, path: string): FirmwareVersion {
    const s = typeof v === 'number' ? v.toFixed(2) : this.string(v, path);
    const m = /^(\d{1,3})\.(\d{1,2})$/.exec(s);
    if (!m || Number(m[1]) > 127) this.fail(path, `expected a version MAJOR.MINOR (major 0-127, minor 0-99), e.g. "1.02", got ${JSON.stringify(v)}`);
    return { major: Number(m[1]), minor: Number(m[2]) };
  }

  user(v: unknown, path: string): FleetUser {
    const u = this.object(v, path);
    this.known(u, path, ['name', 'password', 'privilege']);
    const privName = u.privilege === undefined ? 'administrator' : this.string(u.privilege, `${path}.privilege`).toLowerCase();
    const privilege = PRIVILEGES[privName];
    if (privilege === undefined) this.fail(`${path}.privilege`, `expected one of ${Object.keys(PRIVILEGES).join(', ')}`);
    const name = this.string(u.name, `${path}.name`);
    const password = typeof u.password === 'number' ? String(u.password) : this.string(u.password, `${path}.password`);
    if (Buffer.byteLength(name) > 16) this.fail(`${path}.name`, 'at most 16 bytes (IPMI user names)');
    if (Buffer.byteLength(password) > 20) this.fail(`${path}.password`, 'at most 20 bytes (IPMI passwords)');
    return { name, password, privilege };
  }

  /**
   * `{ name, count?, firstIp, port?, luns: [{ lun, sizeGB, state? }] }`: `count` targets named
   * iqn.2026-11.org.bmcfleet:NAME-N on consecutive portal addresses from firstIp (NAME alone when count is 1).
   */
  targets(v: unknown, path: string): TargetSpec[] {
    const o = this.object(v, path);
    this.known(o, path, ['name', 'count', 'firstIp', 'port', 'luns']);
    const name = this.string(o.name, `${path}.name`);
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(name)) this.fail(`${path}.name`, 'lower-case letters, digits, dots and dashes (it goes into an IQN)');
    const count = o.count === undefined ? 1 : this.integer(o.count, `${path}.count`, 1, 10_000);
    const first = this.ipv4(o.firstIp, `${path}.firstIp`);
    const port = o.port === undefined ? 3260 : this.integer(o.port, `${path}.port`, 1, 65535);
    const luns = this.array(o.luns ?? [{ lun: 0, sizeGB: 100 }], `${path}.luns`).map((l, i): TargetLun => {
      const at = `${path}.luns[${i}]`;
      const x = this.object(l, at);
      this.known(x, at, ['lun', 'sizeGB', 'state']);
      const state = x.state === undefined ? 'online' : this.string(x.state, `${at}.state`);
      if (!(state in LUN_STATES)) this.fail(`${at}.state`, `expected one of ${Object.keys(LUN_STATES).join(', ')}`);
      return { lun: this.integer(x.lun, `${at}.lun`, 0, 16383), sizeGB: this.integer(x.sizeGB, `${at}.sizeGB`, 1, 1_000_000), state: state as TargetLun['state'] };
    });
    return consecutiveAddresses(first, count).map((ip, n) => {
      const alias = count === 1 ? name : `${name}-${n + 1}`;
      return { iqn: `iqn.2026-11.org.bmcfleet:${alias}`, alias, ip, port, luns: luns.map((l) => ({ ...l })) };
    });
  }

  /** `rmc: { ip: A, id: N }`: the rack's controller; its ID defaults to the rack's number in the file, from 1. */
  rmc(v: unknown, path: string, defaultId: number): RmcConfig {
    const o = this.object(v, path);
    this.known(o, path, ['ip', 'id']);
    if (o.ip === undefined) this.fail(`${path}.ip`, 'required: the RMC\'s own address (it listens on the rollout port there)');
    // FFFFFFFFh is the header's "every RMC" (protocols/rollout/header.ts ALL_RMCS).
    return { ip: this.ipv4(o.ip, `${path}.ip`), id: o.id === undefined ? defaultId : this.integer(o.id, `${path}.id`, 0, ALL_RMCS - 1) };
  }

  /** No two RMCs share an address or an ID. */
  distinctRmcs(racks: readonly RackConfig[]): void {
    const ips = new Map<string, number>();
    const ids = new Map<number, number>();
    racks.forEach(({ rmc }, i) => {
      if (!rmc) return;
      const sameIp = ips.get(rmc.ip);
      if (sameIp !== undefined) this.fail(`racks[${i}].rmc.ip`, `${rmc.ip} is racks[${sameIp}]'s RMC already`);
      const sameId = ids.get(rmc.id);
      if (sameId !== undefined) this.fail(`racks[${i}].rmc.id`, `ID ${rmc.id} is racks[${sameId}]'s RMC already`);
      ips.set(rmc.ip, i);
      ids.set(rmc.id, i);
    });
  }

  /** `rollout: { port: 4623, managerKey: BASE64 }`: the key is the manager's raw Ed25519 public key (32 bytes). */
  rollout(v: unknown, path: string): RolloutConfig {
    const o = this.object(v, path);
    this.known(o, path, ['port', 'managerKey']);
    const port = o.port === undefined ? DEFAULT_ROLLOUT_PORT : this.integer(o.port, `${path}.port`, 1, 65535);
    if (o.managerKey === undefined || o.managerKey === null) return { port, managerKeys: [] };
    const key = this.string(o.managerKey, `${path}.managerKey`);
    const raw = /^[A-Za-z0-9+/]+={0,2}$/.test(key) ? Buffer.from(key, 'base64') : Buffer.alloc(0);
    if (raw.length !== PUBLIC_KEY_LENGTH) this.fail(`${path}.managerKey`, `expected the manager's raw Ed25519 public key, ${PUBLIC_KEY_LENGTH} bytes in base64 (44 characters), got ${JSON.stringify(key)}`);
    return { port, managerKeys: [raw.toString('base64')] };
  }

  /** `console: { lineIntervalMs: N }`: how often each host prints a numbered log line once booted. */
  /** `{ backupMs, prepareMs, writeMs, activateMs, rollbackMs, rebootMs }`, each 0 to an hour. */
  firmwareTimings(v: unknown, path: string): Partial<FirmwareTimings> {
    const o = this.object(v, path);
    const keys = Object.keys(DEFAULT_FIRMWARE_TIMINGS) as (keyof FirmwareTimings)[];
    this.known(o, path, keys);
    const out: Partial<FirmwareTimings> = {};
    for (const k of keys) if (o[k] !== undefined) out[k] = this.integer(o[k], `${path}.${k}`, 0, 3_600_000);
    return out;
  }

  console(v: unknown, path: string, fallback: number): number {
    if (v === undefined) return fallback;
    const c = this.object(v, path);
    this.known(c, path, ['lineIntervalMs']);
    return c.lineIntervalMs === undefined ? fallback : this.integer(c.lineIntervalMs, `${path}.lineIntervalMs`, 10, 3_600_000);
  }

  /** A hardware template: the HardwareTemplate fields (emulator/bmc/hardware.ts), each of the right kind. */
  template(v: unknown, path: string): void {
    const t = this.object(v, path);
    this.known(t, path, [...TEMPLATE_STRINGS, ...TEMPLATE_NUMBERS, ...TEMPLATE_LISTS]);
    for (const k of TEMPLATE_STRINGS) if (k in t) this.fruString(t[k], `${path}.${k}`);
    for (const k of TEMPLATE_NUMBERS) if (k in t) this.integer(t[k], `${path}.${k}`, 0, Number.MAX_SAFE_INTEGER);
    for (const k of TEMPLATE_LISTS) {
      if (!(k in t)) continue;
      const items = this.array(t[k], `${path}.${k}`);
      if (k === 'powerSupplies' && items.length > MAX_POWER_SUPPLIES) {
        this.fail(`${path}.${k}`, `at most ${MAX_POWER_SUPPLIES} items (each is a FRU device, IDs ${PSU_FRU_ID} to FEh; FFh is reserved)`);
      }
      if (k !== 'sensors' && k !== 'powerSupplies' && items.length > MAX_INVENTORY_ITEMS) {
        this.fail(`${path}.${k}`, `at most ${MAX_INVENTORY_ITEMS} items (the inventory command counts them in one byte)`);
      }
      items.forEach((item, i) => {
        const o = this.object(item, `${path}.${k}[${i}]`);
        if (k !== 'sensors') this.templateItem(o, TEMPLATE_ITEMS[k], `${path}.${k}[${i}]`);
      });
    }
    const memory = (t.memory ?? []) as Array<{ sizeGiB: number }>;
    const totalGiB = memory.reduce((n, m) => n + m.sizeGiB, 0);
    if (totalGiB > MAX_TOTAL_MEMORY_GIB) this.fail(`${path}.memory`, `${totalGiB} GiB in all: at most ${MAX_TOTAL_MEMORY_GIB} (a u16 in the inventory summary)`);
  }

  private templateItem(o: Record<string, unknown>, fields: Record<string, ItemField>, path: string): void {
    this.known(o, path, Object.keys(fields));
    for (const [name, kind] of Object.entries(fields)) {
      const at = `${path}.${name}`;
      const v = o[name];
      if (v === undefined || v === null || v === '') {
        if (typeof kind === 'string' && kind.endsWith('?')) continue; // left out: derived (hardware.ts resolveHardware)
        this.fail(at, v === undefined ? 'required' : 'expected a non-empty string');
      }
      if (kind === 'string') this.string(v, at);
      else if (kind === 'fru' || kind === 'fru?') this.fruString(v, at);
      else if (kind === 'mac?') {
        try {
          parseMac(this.string(v, at));
        } catch {
          this.fail(at, `expected a MAC like 06:00:7f:01:00:01 or 06-00-7f-01-00-01, got ${JSON.stringify(v)}`);
        }
      } else this.integer(v, at, kind[0], kind[1]);
    }
  }

  /** A string that goes into a FRU field: 8-bit text of at most 63 bytes (FRU spec §13, protocols/ipmi/fru-format.ts). */
  private fruString(v: unknown, path: string): string {
    const s = this.string(v, path);
    const bytes = Buffer.byteLength(s, FIELD_ENCODING);
    if (bytes > MAX_FRU_FIELD) this.fail(path, `${bytes} bytes: at most ${MAX_FRU_FIELD} (it goes into a FRU field)`);
    return s;
  }

  faults(v: unknown, path: string): Partial<FaultSettings> {
    const f = this.object(v, path);
    const keys = Object.keys(NO_FAULTS) as (keyof FaultSettings)[];
    this.known(f, path, keys);
    const merged = { ...NO_FAULTS, ...f } as FaultSettings;
    try {
      validateFaults(merged);
    } catch (err) {
      this.fail(path, (err as Error).message);
    }
    return f as Partial<FaultSettings>;
  }
}
