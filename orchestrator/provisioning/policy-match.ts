// Provisioning step 3, pick by policy (issue 14): which hosts a role would take, and one reason for each host it
// would not. A host fits when it is inventoried, its last step did not fail, and its hardware meets every need of
// the role. Of the hosts that fit, the smallest are picked first (fewest cores, then least memory, then least disk,
// then by address), so a role that needs little leaves the big machines to the roles that need them; the order is
// stable: the same store and policy give the same plan.
import { parseIpv4 } from '../../protocols/ipv4.js';
import { HostStep, type HostHardware, type HostRecord } from '../store/host-records.js';
import { refusal } from './host-machine.js';
import { InstallStep } from './install-machine.js';
import type { Needs, Policy, RolePolicy } from './policy.js';
import { plural } from '../../runtime/plural.js';

/** What the plan shows of a host's hardware. */
export interface HostSummary {
  address: string;
  cores: number;
  memoryGiB: number;
  disks: number;
  diskGB: number;
  nics: number;
  macs: string[];
  product: string;
}

export interface RolePlan {
  role: string;
  count: number;
  policy: RolePolicy;
  /** The hosts the role would take, in the order picked. */
  picked: HostSummary[];
  /** Every other host, in address order, with the one reason it was not picked. */
  notPicked: { address: string; reason: string }[];
  /** As many hosts fit as were asked for. */
  satisfied: boolean;
}

export class UnknownRoleError extends Error {
  constructor(role: string, policy: Policy) {
    super(`no role "${role}" in the policy (its roles: ${Object.keys(policy.roles).join(', ')})`);
    this.name = 'UnknownRoleError';
  }
}

export function cores(hw: HostHardware): number {
  return hw.cpus.reduce((n, c) => n + c.cores, 0);
}

function summaryOf(address: string, hw: HostHardware): HostSummary {
  return {
    address, cores: cores(hw), memoryGiB: hw.memoryGiB, disks: hw.disks.length, diskGB: hw.disks.reduce((n, d) => n + d.sizeGB, 0),
    nics: hw.nics.length, macs: hw.nics.map((n) => n.mac), product: `${hw.vendor} ${hw.product}`.trim(),
  };
}

/** Why `hw` does not meet `needs` (the first need it misses, in the policy's order), or null when it meets them all. */
export function unmetNeed(hw: HostHardware, needs: Needs): string | null {
  if (needs.cores !== undefined && cores(hw) < needs.cores) return `${plural(cores(hw), 'core')} < ${needs.cores} required`;
  if (needs.memoryGiB !== undefined && hw.memoryGiB < needs.memoryGiB) return `${hw.memoryGiB} GiB memory < ${needs.memoryGiB} GiB required`;
  if (needs.disks) {
    const { count, sizeGB } = needs.disks;
    const fit = hw.disks.filter((d) => sizeGB === undefined || d.sizeGB >= sizeGB).length;
    if (fit < count) return `${plural(fit, 'disk')}${sizeGB === undefined ? '' : ` of ${sizeGB} GB or more`} < ${count} required`;
  }
  if (needs.nics) {
    const { count, speedMbps } = needs.nics;
    const fit = hw.nics.filter((n) => speedMbps === undefined || n.speedMbps >= speedMbps).length;
    if (fit < count) return `${plural(fit, 'NIC')}${speedMbps === undefined ? '' : ` of ${speedMbps} Mb/s or more`} < ${count} required`;
  }
  return null;
}

/**
 * Why `host` cannot be picked whatever the role asks (not inventoried, its last step failed, taken by an install), or
 * null. A host whose install failed may be picked again.
 */
function notReady(host: HostRecord): string | null {
  const why = refusal(host, HostStep.INVENTORY);
  if (why !== null) return why;
  if (!host.hardware) return 'not inventoried yet (bmcfleet provision inventory)';
  if (host.failure) return `its last ${host.failure.step} failed: ${host.failure.message}`;
  const install = host.install;
  if (install !== null && install.step === InstallStep.DONE) return `installed as ${install.role}`;
  if (install !== null && install.step !== InstallStep.FAILED) return `installing as ${install.role} (${install.step})`;
  return null;
}

/** The plan for `count` hosts of `role` among `hosts` (any order). */
export function planRole(policy: Policy, role: string, count: number, hosts: readonly HostRecord[]): RolePlan {
  const rp = policy.roles[role];
  if (!rp) throw new UnknownRoleError(role, policy);
  const reasons = new Map<string, string>();
  const fit: HostSummary[] = [];
  for (const h of hosts) {
    const why = notReady(h) ?? unmetNeed(h.hardware!, rp.needs);
    if (why === null) fit.push(summaryOf(h.address, h.hardware!));
    else reasons.set(h.address, why);
  }
  fit.sort((a, b) => a.cores - b.cores || a.memoryGiB - b.memoryGiB || a.diskGB - b.diskGB || parseIpv4(a.address) - parseIpv4(b.address));
  const picked = fit.slice(0, count);
  for (const spare of fit.slice(count)) reasons.set(spare.address, `fits, but not needed: ${plural(count, 'host')} asked for, smaller ones picked first`);
  const notPicked = [...reasons].map(([address, reason]) => ({ address, reason })).sort((a, b) => parseIpv4(a.address) - parseIpv4(b.address));
  return { role, count, policy: rp, picked, notPicked, satisfied: picked.length === count };
}
