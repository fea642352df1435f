// The fleet file's checks across entries, on top of its schema: templates named by racks exist, rack names are
// unique, every BMC, RMC and target address is a loopback one of its own (racks and targets do not overlap, no range
// runs past 127.255.255.254, no RMC sits on a BMC's address), RMC IDs are unique, `bmcs:` names BMCs of the fleet,
// and target IQNs are unique. Entries the schema refused are left out, so one run reports every mistake.
import { addressOffset, addressRange, formatIpv4, isHostAddress, isLoopback, parseIpv4 } from '../../runtime/ipv4.js';
import type { FleetIssue, FleetPath } from './fleet-issues.js';
import type { RackDocument, TargetDocument } from './schema/fleet.js';

/** What the checks read: each entry as the schema gave it, or undefined where the schema refused it. */
export interface FleetParts {
  racks: readonly (RackDocument | undefined)[];
  /** null: the templates section itself is unusable, so references to it are not checked. */
  templateNames: ReadonlySet<string> | null;
  /** Addresses given under `bmcs:`. */
  bmcAddresses: readonly string[];
  targets: readonly (TargetDocument | undefined)[];
  /** An isns: section is there (mistaken or not). */
  isns: boolean;
}

/** A rack's name: its own, or rack-N (N its number in the list from 1). */
export function rackName(rack: { name?: string }, index: number): string {
  return rack.name ?? `rack-${index + 1}`;
}

/** A target entry's IQNs: iqn.2026-11.org.bmcfleet:NAME, or NAME-1, NAME-2, ... for several. */
export function targetAliases(target: { name: string; count: number }): string[] {
  return target.count === 1 ? [target.name] : Array.from({ length: target.count }, (_, n) => `${target.name}-${n + 1}`);
}

export const IQN_PREFIX = 'iqn.2026-11.org.bmcfleet:';

const LOOPBACK_LAST = parseIpv4('127.255.255.254');

export function fleetChecks(parts: FleetParts): FleetIssue[] {
  const issues: FleetIssue[] = [];
  const report = (path: FleetPath, message: string, key = false) => issues.push({ path, message, ...(key ? { key } : {}) });
  checkTemplates(parts, report);
  checkRackNames(parts, report);
  const bmcRanges = checkRanges({ one: 'BMC', many: 'BMCs' }, parts.racks.map((r, i) => r && { index: i, label: `racks[${i}] ("${rackName(r, i)}")`, path: ['racks', i], firstIp: r.firstIp, count: r.bmcs }), 'bmcs', report);
  checkRmcs(parts, bmcRanges, report);
  checkBmcFaults(parts, bmcRanges, report);
  checkTargets(parts, report);
  return issues;
}

type Report = (path: FleetPath, message: string, key?: boolean) => void;

function checkTemplates({ racks, templateNames }: FleetParts, report: Report): void {
  if (!templateNames) return;
  racks.forEach((r, i) => {
    if (r?.template !== undefined && !templateNames.has(r.template)) {
      const known = templateNames.size > 0 ? ` (templates: ${[...templateNames].join(', ')})` : ' (templates: none)';
      report(['racks', i, 'template'], `no template named "${r.template}"${known}`);
    }
  });
}

function checkRackNames({ racks }: FleetParts, report: Report): void {
  const seen = new Map<string, number>();
  racks.forEach((r, i) => {
    if (!r) return;
    const name = rackName(r, i);
    const first = seen.get(name);
    if (first === undefined) seen.set(name, i);
    else if (r.name !== undefined) report(['racks', i, 'name'], `"${name}" is racks[${first}]'s name already: rack names are unique (a rollout selects racks by name)`);
    else report(['racks', i], `its default name "${name}" is racks[${first}]'s name already: give it a name of its own`);
  });
}

/** A run of consecutive addresses an entry asks for. */
interface RangeEntry { index: number; label: string; path: FleetPath; firstIp: string; count: number }
/** One that lies in 127/8: its first and last address. */
interface Placed extends RangeEntry { first: number; last: number }
/** What a range holds, for messages: "BMC", "BMCs", and where on each address (" port 3260"). */
interface Kind { one: string; many: string; port?: number }

/**
 * Each entry's addresses must lie in 127.0.0.0/8 (each device binds its own, and only loopback addresses reach this
 * machine without configuration), and no two entries may share one. Returns the entries that passed, by first address.
 */
function checkRanges(kind: Kind, entries: readonly (RangeEntry | undefined)[], countKey: string, report: Report): Placed[] {
  const placed: Placed[] = [];
  for (const e of entries) {
    if (!e) continue;
    const given = parseIpv4(e.firstIp);
    const { first, last } = addressRange(given, e.count);
    if (!isLoopback(e.firstIp)) {
      report([...e.path, 'firstIp'], `${e.firstIp} is not in 127.0.0.0/8: each ${kind.one} binds its own address, and only loopback addresses reach this machine without configuration`);
    } else if (last > LOOPBACK_LAST) {
      const fit = first > LOOPBACK_LAST ? 0 : addressOffset(first, LOOPBACK_LAST) + 1;
      report([...e.path, countKey], `${e.count} ${e.count === 1 ? kind.one : kind.many} from ${e.firstIp} run past 127.255.255.254, the last loopback address one can have: ${fit === 0 ? 'none fits' : `at most ${fit} fit`}`);
    } else placed.push({ ...e, first, last });
  }
  placed.sort((a, b) => a.first - b.first);
  let furthest: Placed | undefined;
  for (const p of placed) {
    if (furthest && p.first <= furthest.last) {
      const [later, earlier] = p.index > furthest.index ? [p, furthest] : [furthest, p];
      const on = `${formatIpv4(p.first)}${kind.port === undefined ? '' : ` port ${kind.port}`}`;
      report([...later.path, 'firstIp'], `two ${kind.many} on ${on}: ${later.label}, ${span(later)}, overlaps ${earlier.label}, ${span(earlier)}`);
    }
    if (!furthest || p.last > furthest.last) furthest = p;
  }
  return placed;
}

function span(p: Placed): string {
  return p.first === p.last ? formatIpv4(p.first) : `${formatIpv4(p.first)}-${formatIpv4(p.last)}`;
}

/** The entry of `placed` (sorted by first address, none overlapping: overlaps are reported already) holding address n. */
function holder(placed: readonly Placed[], n: number): Placed | undefined {
  if (!isHostAddress(n)) return undefined;
  let lo = 0;
  let hi = placed.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (placed[mid].first <= n) lo = mid + 1;
    else hi = mid;
  }
  const candidate = placed[lo - 1];
  return candidate && n <= candidate.last ? candidate : undefined;
}

function checkRmcs({ racks }: FleetParts, bmcRanges: readonly Placed[], report: Report): void {
  const ips = new Map<string, number>();
  const ids = new Map<number, number>();
  // Fleet positions of each rack's first BMC, while every rack before it is known.
  const starts: (number | undefined)[] = [];
  let position: number | undefined = 0;
  for (const r of racks) {
    starts.push(position);
    position = r && position !== undefined ? position + r.bmcs : undefined;
  }
  racks.forEach((r, i) => {
    if (!r?.rmc) return;
    const at = ['racks', i, 'rmc'];
    const { ip } = r.rmc;
    const id = r.rmc.id ?? i + 1;
    const n = parseIpv4(ip);
    if (!isLoopback(ip)) report([...at, 'ip'], `${ip} is not in 127.0.0.0/8: an RMC binds its own address, and only loopback addresses reach this machine without configuration`);
    const sameIp = ips.get(ip);
    if (sameIp !== undefined) report([...at, 'ip'], `${ip} is racks[${sameIp}]'s RMC already`);
    const sameId = ids.get(id);
    if (sameId !== undefined) report([...at, 'id'], `ID ${id} is racks[${sameId}]'s RMC already`);
    const bmcRack = holder(bmcRanges, n);
    if (bmcRack) {
      const start = starts[bmcRack.index];
      const bmc = start === undefined ? 'a BMC\'s' : `BMC number ${start + addressOffset(bmcRack.first, n)}'s`;
      report([...at, 'ip'], `rack ${rackName(r, i)}'s RMC is on ${ip}, ${bmc} address (${bmcRack.label}): an RMC needs its own`);
    }
    if (sameIp === undefined) ips.set(ip, i);
    if (sameId === undefined) ids.set(id, i);
  });
}

function checkBmcFaults({ racks, bmcAddresses }: FleetParts, bmcRanges: readonly Placed[], report: Report): void {
  if (racks.some((r) => !r)) return; // a rack the schema refused may hold them
  for (const ip of bmcAddresses) {
    if (!holder(bmcRanges, parseIpv4(ip))) report(['bmcs', ip], 'no BMC of this fleet has this address', true);
  }
}

function checkTargets({ targets, isns }: FleetParts, report: Report): void {
  if (targets.length > 0 && !isns) report(['targets'], 'emulated targets register with the fleet\'s iSNS server: add isns: { listen: HOST:PORT }');
  const iqns = new Map<string, number>();
  targets.forEach((t, i) => {
    if (!t) return;
    for (const alias of targetAliases(t)) {
      const other = iqns.get(alias);
      if (other !== undefined) {
        report(['targets', i, 'name'], `two targets named ${IQN_PREFIX}${alias} (targets[${other}] too)`);
        break;
      }
      iqns.set(alias, i);
    }
  });
  // Each target listens on its portal: two on one address and port cannot both bind it.
  const byPort = new Map<number, RangeEntry[]>();
  targets.forEach((t, i) => {
    if (!t) return;
    const entries = byPort.get(t.port) ?? [];
    entries.push({ index: i, label: `targets[${i}] ("${t.name}")`, path: ['targets', i], firstIp: t.firstIp, count: t.count });
    byPort.set(t.port, entries);
  });
  for (const [port, entries] of byPort) checkRanges({ one: 'target', many: 'targets', port }, entries, 'count', report);
}
