// Who the emulated host is, as its console shows it: host name, firmware, processors, memory, disks and NICs,
// all derived from the machine's hardware and its BMC's IP, so every host's console reads differently.
import { createHash } from 'node:crypto';

export interface HostIdentity {
  hostname: string;
  vendor: string;
  product: string;
  board: string;
  serial: string;
  cpuModel: string;
  sockets: number;
  threads: number;
  memoryGiB: number;
  memoryType: string;
  memoryMhz: number;
  disks: { slot: string; model: string }[];
  nics: { name: string; model: string; mac: string; speedMbps: number }[];
  /** Root filesystem UUID (kernel command line). */
  rootUuid: string;
  /** Seeds the sub-millisecond digits of kernel timestamps and the initial uptime. */
  seed: number;
  /** What an installer put on the host's disk, when it boots a system installed by bmcfleet. */
  installed?: InstalledIdentity;
}

/** The installed system as its console shows it. */
export interface InstalledIdentity {
  role: string;
  /** The image's name and version. */
  image: string;
}

/** A host name from the BMC's IP: 10.1.2.3 -> "node-010-001-002-003". */
export function hostnameFor(ip: string): string {
  return `node-${ip.split('.').map((o) => o.padStart(3, '0')).join('-')}`;
}

function digest(label: string, ip: string): Buffer {
  return createHash('sha256').update(`bmcfleet host ${label} ${ip}`).digest();
}

function uuidFrom(bytes: Buffer): string {
  const h = bytes.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The parts of a hardware template the console shows (the BMC's HardwareTemplate has them all). */
export interface HostHardware {
  vendor: string;
  product: string;
  boardProduct: string;
  serial: string;
  cpus: readonly { model: string; threads: number }[];
  memory: readonly { sizeGiB: number; type: string; mhz: number }[];
  disks: readonly { slot: string; model: string }[];
  nics: readonly { name: string; model: string; mac: string; speedMbps: number }[];
}

/** FNV-1a of a string: a stable 32-bit seed from a name or address. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function hostIdentityFor(ip: string, hw: HostHardware): HostIdentity {
  return {
    hostname: hostnameFor(ip),
    vendor: hw.vendor,
    product: hw.product,
    board: hw.boardProduct,
    serial: hw.serial,
    cpuModel: hw.cpus[0]?.model ?? 'Emulated CPU',
    sockets: hw.cpus.length,
    threads: hw.cpus.reduce((n, c) => n + c.threads, 0),
    memoryGiB: hw.memory.reduce((n, m) => n + m.sizeGiB, 0),
    memoryType: hw.memory[0]?.type ?? 'DDR4',
    memoryMhz: hw.memory[0]?.mhz ?? 3200,
    disks: hw.disks.map((d) => ({ slot: d.slot, model: d.model })),
    nics: hw.nics.map((n) => ({ name: n.name, model: n.model, mac: n.mac, speedMbps: n.speedMbps })),
    rootUuid: uuidFrom(digest('root-uuid', ip)),
    seed: digest('seed', ip).readUInt32LE(0),
  };
}
