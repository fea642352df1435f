// The fleet's plan: BMC number i -> its rack, address and options. Every process derives the same plan
// from the same FleetConfig, so a shard builds only its own slice and identities never depend on sharding.
import type { EmulatedBmcOptions } from '../bmc/emulated-bmc.js';
import type { HardwareTemplate } from '../bmc/hardware.js';
import { addressRange, consecutiveAddresses, formatIpv4, parseIpv4 } from '../../runtime/ipv4.js';
import type { FleetConfig, RackConfig } from './fleet-config.js';

export interface Placement { index: number; ip: string; rack: RackConfig }

/** Fleet positions (BMC numbers) in all: the racks' BMCs, those removed at run time included (their numbers are not reused). */
export function fleetSize(cfg: FleetConfig): number {
  return cfg.racks.reduce((n, r) => n + r.count, 0);
}

/** BMCs the fleet serves: its positions less those removed at run time. */
export function liveBmcs(cfg: FleetConfig): number {
  return fleetSize(cfg) - cfg.removedBmcs.length;
}

/** BMCs `from` (inclusive) to `to` (exclusive), in fleet order; those removed at run time (DELETE /bmcs/IP) left out. */
export function placements(cfg: FleetConfig, from = 0, to = fleetSize(cfg)): Placement[] {
  const out: Placement[] = [];
  const removed = new Set(cfg.removedBmcs);
  let base = 0;
  for (const rack of cfg.racks) {
    const lo = Math.max(from, base);
    const hi = Math.min(to, base + rack.count);
    if (lo < hi) pushPlacements(out, rack, base, lo, hi, removed);
    base += rack.count;
  }
  return out;
}

/**
 * The BMCs of one rack, whose first is at fleet position `position`: placements(cfg, position, position + count)
 * without walking the racks before it (a shard building one RMC per rack would walk them all per rack).
 */
export function rackPlacements(cfg: FleetConfig, rack: RackConfig, position: number): Placement[] {
  const out: Placement[] = [];
  pushPlacements(out, rack, position, position, position + rack.count, new Set(cfg.removedBmcs));
  return out;
}

/** Appends the BMCs at fleet positions [lo, hi) of `rack`, whose first is at `base`, but the removed ones. */
function pushPlacements(out: Placement[], rack: RackConfig, base: number, lo: number, hi: number, removed: ReadonlySet<number>): void {
  const ips = consecutiveAddresses(rack.firstIp, hi - base).slice(lo - base);
  ips.forEach((ip, k) => { if (!removed.has(lo + k)) out.push({ index: lo + k, ip, rack }); });
}

/** The rack holding fleet position `position`; RangeError past the last. */
export function rackAt(cfg: FleetConfig, position: number): RackConfig {
  let from = 0;
  for (const rack of cfg.racks) {
    if (position < from + rack.count) return rack;
    from += rack.count;
  }
  throw new RangeError(`no fleet position ${position}`);
}

/** The rack named `name` that still runs a BMC or an RMC (not all removed at run time), and its first fleet position. */
export function liveRack(cfg: FleetConfig, name: string): { rack: RackConfig; from: number } | null {
  let from = 0;
  for (const rack of cfg.racks) {
    if (rack.name === name && (rack.rmc || !allRemoved(cfg, from, from + rack.count))) return { rack, from };
    from += rack.count;
  }
  return null;
}

/** Whether every fleet position in [from, to) is one whose BMC was removed at run time (true for an empty range). */
export function allRemoved(cfg: FleetConfig, from: number, to: number): boolean {
  if (to - from > cfg.removedBmcs.length) return false;
  const removed = new Set(cfg.removedBmcs);
  for (let p = from; p < to; p++) if (!removed.has(p)) return false;
  return true;
}

/**
 * The addresses of the first and last BMC the fleet serves: those removed at run time are not (a rack's firstIp ending
 * in .0 or .255 is not one either: it is skipped); null when it serves none.
 */
export function fleetEnds(cfg: FleetConfig): { first: string; last: string } | null {
  const first = endBmc(cfg, 1);
  return first === null ? null : { first, last: endBmc(cfg, -1)! };
}

/** The address of the first (step 1) or last (step -1) BMC not removed, in fleet order; null when all are. */
function endBmc(cfg: FleetConfig, step: 1 | -1): string | null {
  const removed = new Set(cfg.removedBmcs);
  const starts: number[] = [];
  cfg.racks.reduce((from, rack) => { starts.push(from); return from + rack.count; }, 0);
  for (let r = step === 1 ? 0 : cfg.racks.length - 1; r >= 0 && r < cfg.racks.length; r += step) {
    const { count, firstIp } = cfg.racks[r];
    // a rack's removed BMCs are few next to its count: this stops at the first one not removed
    for (let k = step === 1 ? 0 : count - 1; k >= 0 && k < count; k += step) {
      if (!removed.has(starts[r] + k)) return formatIpv4(addressRange(parseIpv4(firstIp), k + 1).last);
    }
  }
  return null;
}

/** Racks that still run a BMC or an RMC (a rack removed at run time stays in the config, empty). */
export function liveRackCount(cfg: FleetConfig): number {
  let from = 0;
  let live = 0;
  for (const rack of cfg.racks) {
    if (rack.rmc || !allRemoved(cfg, from, from + rack.count)) live++;
    from += rack.count;
  }
  return live;
}

/** Address -> BMC number for the whole fleet; throws if two BMCs would share an address. */
export function addressIndex(cfg: FleetConfig): Map<string, number> {
  const byIp = new Map<string, number>();
  for (const p of placements(cfg)) {
    const other = byIp.get(p.ip);
    if (other !== undefined) throw new RangeError(`two BMCs on ${p.ip} (numbers ${other} and ${p.index}): racks overlap`);
    byIp.set(p.ip, p.index);
  }
  return byIp;
}

/** Shard k of n gets BMCs [start, end): contiguous slices of near-equal size. */
export function shardRange(total: number, shards: number, k: number): [number, number] {
  const size = Math.ceil(total / shards);
  return [Math.min(total, k * size), Math.min(total, (k + 1) * size)];
}

/** Sockets a shard may hold: one per BMC and one per RMC, well under the ~20,000 file descriptors a process may hold here. */
export const SOCKETS_PER_SHARD = 12_500;

/** The shard count when the fleet file says "auto", for a fleet of `sockets` UDP sockets (BMCs and RMCs): one
 *  process for a small fleet, else both cores and at most SOCKETS_PER_SHARD sockets a process. */
export function autoShards(sockets: number): number {
  if (sockets <= 1000) return 1;
  return Math.max(2, Math.ceil(sockets / SOCKETS_PER_SHARD));
}

/** UDP sockets the fleet's nodes need: one per BMC, and one per rack controller. */
export function fleetSockets(cfg: FleetConfig): number {
  return cfg.racks.reduce((n, r) => n + r.count + (r.rmc ? 1 : 0), 0);
}

/**
 * UDP sockets the nodes at fleet positions [from, to) take as the fleet now runs: one per BMC not removed, and one per
 * RMC of a rack whose first position is there (an RMC removed with its rack is rmc null).
 */
export function socketsIn(cfg: FleetConfig, from: number, to: number): number {
  let n = placements(cfg, from, to).length;
  let position = 0;
  for (const rack of cfg.racks) {
    if (rack.rmc && position >= from && position < to) n++;
    position += rack.count;
  }
  return n;
}

/**
 * The shards' BMC ranges [from, to), in order, none empty. They are cut by sockets, not BMCs: an RMC runs in the
 * shard of its rack's first BMC and costs a socket there, so a fleet of many small racks with RMCs gets shards
 * enough (`cfg.shards`, or autoShards) and each about the same number of sockets. For BMCs alone this is
 * shardRange's slicing.
 */
export function shardRanges(cfg: FleetConfig): [number, number][] {
  const total = fleetSize(cfg);
  const sockets = fleetSockets(cfg);
  const shards = Math.min(total, cfg.shards || autoShards(sockets));
  if (total === 0) return [];
  const perShard = Math.ceil(sockets / shards);
  const ranges: [number, number][] = [];
  let position = 0;
  let before = 0;
  let current = -1;
  for (const rack of cfg.racks) {
    for (let i = 0; i < rack.count; i++, position++) {
      // The shard of a BMC is where the sockets before it fall: floor(sockets before / perShard).
      const shard = Math.floor(before / perShard);
      if (shard !== current) {
        if (ranges.length > 0) ranges[ranges.length - 1][1] = position;
        ranges.push([position, total]);
        current = shard;
      }
      before += i === 0 && rack.rmc ? 2 : 1;
    }
  }
  return ranges;
}

/** What EmulatedBmc needs for the BMC at `p`. */
export function bmcOptions(cfg: FleetConfig, p: Placement): EmulatedBmcOptions {
  return {
    ip: p.ip,
    index: p.index,
    users: cfg.users,
    allowCipherSuite0: cfg.allowCipherSuite0,
    maxSessions: cfg.maxSessions,
    device: { firmwareMajor: p.rack.firmware.major, firmwareMinor: p.rack.firmware.minor },
    faults: { ...p.rack.faults, ...cfg.bmcFaults[p.ip] },
    ipmiPort: cfg.ipmiPort,
    console: { lineIntervalMs: p.rack.consoleLineIntervalMs },
    hardware: p.rack.template === null ? undefined : cfg.templates[p.rack.template] as Partial<HardwareTemplate>,
    firmwareUpgrade: cfg.firmwareTimings,
  };
}
