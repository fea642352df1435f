// The fleet's plan: BMC number i -> its rack, address and options. Every process derives the same plan
// from the same FleetConfig, so a shard builds only its own slice and identities never depend on sharding.
import type { EmulatedBmcOptions } from '../bmc/emulated-bmc.js';
import type { HardwareTemplate } from '../bmc/hardware.js';
import { consecutiveAddresses } from '../../runtime/ipv4.js';
import type { FleetConfig, RackConfig } from './fleet-config.js';

export interface Placement { index: number; ip: string; rack: RackConfig }

export function fleetSize(cfg: FleetConfig): number {
  return cfg.racks.reduce((n, r) => n + r.count, 0);
}

/** BMCs `from` (inclusive) to `to` (exclusive), in fleet order. */
export function placements(cfg: FleetConfig, from = 0, to = fleetSize(cfg)): Placement[] {
  const out: Placement[] = [];
  let base = 0;
  for (const rack of cfg.racks) {
    const lo = Math.max(from, base);
    const hi = Math.min(to, base + rack.count);
    if (lo < hi) {
      const ips = consecutiveAddresses(rack.firstIp, hi - base).slice(lo - base);
      ips.forEach((ip, k) => out.push({ index: lo + k, ip, rack }));
    }
    base += rack.count;
  }
  return out;
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

/** The shard count when the fleet file says "auto": both cores once the fleet is big, and at most 12,500
 *  BMCs (sockets) a process, well under the ~20,000 file descriptors a process may hold here. */
export function autoShards(total: number): number {
  if (total <= 1000) return 1;
  return Math.max(2, Math.ceil(total / 12_500));
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
