// What the boot-configuration manager knows of an iSCSI boot disk (issue 15): one LUN of a target the iSNS server
// lists, as the inventory (target-inventory.ts) last read it, and which host holds it. The pick (best fit by size) and
// the rule that names a host's initiator are pure, here, so the store's transaction and the tests share them.
import { parseIpv4 } from '../../protocols/ipv4.js';

/** A LUN's state, from the vendor LUN State attribute (README "iSNS vendor attributes"), or `gone` from the server. */
export const DiskState = {
  ONLINE: 'online',
  OFFLINE: 'offline',
  BUSY: 'busy',
  UNKNOWN: 'unknown',
  /** The target left the iSNS server (deregistered, expired, or no longer in the server's list). */
  GONE: 'gone',
} as const;
export type DiskState = typeof DiskState[keyof typeof DiskState];

export interface BootDisk {
  /** The target's iSCSI name. */
  target: string;
  lun: number;
  /** The target's first portal. */
  portal: { address: string; port: number };
  /** Bytes; null when neither the vendor attributes nor READ CAPACITY told. */
  sizeBytes: number | null;
  state: DiskState;
  /** Where the size came from. */
  sizeFrom: 'isns' | 'iscsi' | null;
  seenAtMs: number;
  /** The BMC address of the host it is given to; null: free. */
  assignedTo: string | null;
}

/** The free, online disk that fits `sizeBytes` best (the smallest that is large enough; by name on a tie), or null. */
export function bestFit(disks: readonly BootDisk[], sizeBytes: number): BootDisk | null {
  let best: BootDisk | null = null;
  for (const d of disks) {
    if (d.state !== DiskState.ONLINE || d.assignedTo !== null || d.sizeBytes === null || d.sizeBytes < sizeBytes) continue;
    if (best === null || d.sizeBytes < best.sizeBytes! || (d.sizeBytes === best.sizeBytes && diskKey(d) < diskKey(best))) best = d;
  }
  return best;
}

export function diskKey(d: { target: string; lun: number }): string {
  return `${d.target}#${d.lun}`;
}

/** The naming authority of the IQNs this manager makes (RFC 3720 §3.2.6.3.1: iqn.YYYY-MM.reversed-domain). */
export const BOOTCFG_IQN_PREFIX = 'iqn.2026-12.org.bmcfleet';

/**
 * A host's initiator name, from its BMC's IPv4 address: `iqn.2026-12.org.bmcfleet:host-127-1-0-1` for the BMC at
 * 127.1.0.1. The BMC's address is what the manager knows the host by, it is unique in a fleet, and the same request
 * always names the same initiator (so a repeated or resumed request registers nothing new).
 */
export function initiatorIqnFor(bmcAddress: string): string {
  parseIpv4(bmcAddress); // throws for anything but a dotted quad
  return `${BOOTCFG_IQN_PREFIX}:host-${bmcAddress.replaceAll('.', '-')}`;
}

/** The discovery domain that holds a host's initiator and its boot target: one per host, found again by this name. */
export function ddNameFor(bmcAddress: string): string {
  return `bmcfleet-boot-${bmcAddress}`;
}

/** `20G`, `512M`, `1T`, `1048576` (bytes), decimal units (a disk's GB is 10^9 bytes, as the emulated targets count). */
export function parseSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT])?[bB]?$/.exec(text.trim());
  if (!m) return null;
  const scale = { k: 1e3, m: 1e6, g: 1e9, t: 1e12 }[(m[2] ?? '').toLowerCase() as 'k'] ?? 1;
  const bytes = Math.round(Number(m[1]) * scale);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
}
