// How `bmcfleet provision` prints what it found, read and would pick, for people (one line per host) and for programs
// (--json: the same facts as one JSON object).
import type { DiscoverResult } from '../orchestrator/provisioning/discover.js';
import type { InventoryResult } from '../orchestrator/provisioning/inventory.js';
import { cores, type RolePlan } from '../orchestrator/provisioning/policy-match.js';
import type { Needs } from '../orchestrator/provisioning/policy.js';
import type { HostHardware, HostRecord } from '../orchestrator/store/host-records.js';
import { plural } from '../runtime/plural.js';

/** Failures listed one per line before "... and N more". */
const LISTED_FAILURES = 20;

/** A host as --json shows it: times as ISO text. */
export function hostView(h: HostRecord): Record<string, unknown> {
  const iso = (ms: number | null) => ms === null ? null : new Date(ms).toISOString();
  return {
    address: h.address, port: h.port, stage: h.stage, stageSince: iso(h.stageSinceMs), firstSeen: iso(h.firstSeenMs), lastSeen: iso(h.lastSeenMs),
    authCaps: h.authCaps, identity: h.identity, identifiedAt: iso(h.identifiedAtMs), hardware: h.hardware, inventoriedAt: iso(h.inventoriedAtMs),
    failure: h.failure && { step: h.failure.step, cause: h.failure.cause, message: h.failure.message, at: iso(h.failure.atMs) },
  };
}

function failureLines(hosts: readonly HostRecord[]): string[] {
  const failed = hosts.filter((h) => h.failure);
  const lines = failed.slice(0, LISTED_FAILURES).map((h) => `  ${h.address.padEnd(15)} ${h.failure!.cause}: ${h.failure!.message}`);
  if (failed.length > LISTED_FAILURES) lines.push(`  ... and ${failed.length - LISTED_FAILURES} more (--json lists every host)`);
  return lines;
}

export function discoverText(range: string, r: DiscoverResult, ms: number, saved: string): string {
  const lines = [
    `swept ${range}: ${plural(r.sweep.swept, 'address', 'addresses')} in ${(ms / 1000).toFixed(1)} s, ${r.sweep.found} answered the ping, ` +
      `${r.identified} identified, ${r.failed} failed (window ${r.sweep.window}, ${plural(r.sweep.resent, 'ping')} sent again, ${r.sweep.silent} silent)`,
  ];
  const kinds = new Map<string, number>();
  for (const h of r.hosts) {
    if (!h.identity || h.failure) continue;
    const i = h.identity;
    const key = `manufacturer ${i.manufacturerId}, product ${i.productId}, device ${i.deviceId}, firmware ${i.firmware}, IPMI ${i.ipmiVersion}`;
    kinds.set(key, (kinds.get(key) ?? 0) + 1);
  }
  for (const [key, n] of [...kinds].sort((a, b) => b[1] - a[1])) lines.push(`  ${String(n).padStart(6)} x ${key}`);
  const noIpmi = r.hosts.filter((h) => !h.identity && !h.failure).length;
  if (noIpmi > 0) lines.push(`  ${String(noIpmi).padStart(6)} x answered the ping without IPMI`);
  if (r.failed > 0) lines.push('not identified:', ...failureLines(r.hosts));
  lines.push(`saved in ${saved}; next: bmcfleet provision inventory`);
  return `${lines.join('\n')}\n`;
}

/** "2 CPUs 32 cores  256 GiB  2 disks 1,920 GB  2 NICs 06:00:7f:8c:00:01 06:00:7f:8c:01:01". */
export function hardwareLine(hw: HostHardware): string {
  const diskGB = hw.disks.reduce((n, d) => n + d.sizeGB, 0);
  return [
    `${hw.vendor} ${hw.product}`.trim(),
    `${plural(hw.cpus.length, 'CPU')} ${plural(cores(hw), 'core')}`,
    `${hw.memoryGiB} GiB`,
    `${plural(hw.disks.length, 'disk')} ${diskGB.toLocaleString('en-US')} GB`,
    `${plural(hw.nics.length, 'NIC')} ${hw.nics.map((n) => n.mac).join(' ')}`.trim(),
  ].join('  ');
}

export function inventoryText(r: InventoryResult): string {
  const lines = [`read ${r.read} of ${plural(r.hosts.length, 'host')}${r.failed ? `, ${r.failed} failed` : ''}${r.skipped.length ? `, ${r.skipped.length} not asked` : ''}`];
  for (const h of r.hosts) if (h.hardware && !h.failure) lines.push(`  ${h.address.padEnd(15)} ${hardwareLine(h.hardware)}`);
  if (r.failed > 0) lines.push('failed:', ...failureLines(r.hosts));
  if (r.skipped.length > 0) {
    lines.push('not asked:', ...r.skipped.slice(0, LISTED_FAILURES).map((s) => `  ${s.address.padEnd(15)} ${s.reason}`));
    if (r.skipped.length > LISTED_FAILURES) lines.push(`  ... and ${r.skipped.length - LISTED_FAILURES} more (--json lists them)`);
  }
  return `${lines.join('\n')}\n`;
}

export function needsText(n: Needs): string {
  const parts = [
    n.cores !== undefined ? plural(n.cores, 'core') : null,
    n.memoryGiB !== undefined ? `${n.memoryGiB} GiB` : null,
    n.disks ? `${plural(n.disks.count, 'disk')}${n.disks.sizeGB !== undefined ? ` of ${n.disks.sizeGB} GB` : ''}` : null,
    n.nics ? `${plural(n.nics.count, 'NIC')}${n.nics.speedMbps !== undefined ? ` of ${n.nics.speedMbps} Mb/s` : ''}` : null,
  ].filter((p) => p !== null);
  return parts.length ? parts.join(', ') : 'nothing';
}

export function planText(p: RolePlan, policyFile: string): string {
  const rp = p.policy;
  const lines = [
    `role ${p.role} (${policyFile}): needs ${needsText(rp.needs)}; image ${rp.image}${rp.packages.length ? `, packages ${rp.packages.join(' ')}` : ''}`,
    `picked ${p.picked.length} of ${p.count}:`,
    ...p.picked.map((h) => `  ${h.address.padEnd(15)} ${plural(h.cores, 'core')}  ${h.memoryGiB} GiB  ${plural(h.disks, 'disk')} ${h.diskGB.toLocaleString('en-US')} GB  ${plural(h.nics, 'NIC')}  ${h.product}`),
  ];
  if (p.notPicked.length > 0) lines.push('not picked:', ...p.notPicked.map((h) => `  ${h.address.padEnd(15)} ${h.reason}`));
  return `${lines.join('\n')}\n`;
}
