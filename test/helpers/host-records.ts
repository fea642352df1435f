// Host records for provisioning tests: a found host, and a fully read one to vary.
import type { HardwareTemplate } from '../../emulator/bmc/hardware.js';
import { HostStage, type HostHardware, type HostRecord } from '../../orchestrator/store/host-records.js';

export function foundHost(address: string, over: Partial<HostRecord> = {}): HostRecord {
  return {
    address, port: 623, stage: HostStage.FOUND, stageSinceMs: 1000, firstSeenMs: 1000, lastSeenMs: 1000,
    authCaps: null, identity: null, identifiedAtMs: null, hardware: null, inventoriedAtMs: null, failure: null, install: null, ...over,
  };
}

/** `cores` cores in 2 CPUs, `memoryGiB` in 4 modules, disks of the sizes given (GB), `nics` 10G NICs. */
export function hardware(o: { cores?: number; memoryGiB?: number; disksGB?: number[]; nics?: number } = {}): HostHardware {
  const cores = o.cores ?? 32;
  const memoryGiB = o.memoryGiB ?? 256;
  return {
    vendor: 'Bmcfleet Systems', product: 'BF-1U', serial: 'SN', memoryGiB,
    cpus: [0, 1].map(() => ({ model: 'Xeon-class', cores: cores / 2, threads: cores, mhz: 2100 })),
    memory: [0, 1, 2, 3].map((i) => ({ slot: `A${i}`, sizeGiB: memoryGiB / 4, type: 'DDR4', mhz: 2933 })),
    disks: (o.disksGB ?? [960, 960]).map((sizeGB, i) => ({ slot: `Bay ${i}`, model: 'SSD', sizeGB, serial: `D${i}` })),
    nics: Array.from({ length: o.nics ?? 2 }, (_, i) => ({ name: `eth${i}`, model: 'X710', mac: `06:00:00:00:00:0${i}`, speedMbps: 10_000 })),
    fru: null, fruError: null,
  };
}

/** An inventoried host with that hardware. */
export function inventoriedHost(address: string, hw: HostHardware = hardware(), over: Partial<HostRecord> = {}): HostRecord {
  return foundHost(address, {
    stage: HostStage.INVENTORIED, stageSinceMs: 3000, identifiedAtMs: 2000, inventoriedAtMs: 3000, hardware: hw,
    identity: { guid: `guid-${address}`, deviceId: 32, deviceRevision: 1, firmware: '1.00', ipmiVersion: '2.0', manufacturerId: 32473, productId: 1 },
    ...over,
  });
}

/** An emulated server's hardware (emulator/bmc/hardware.ts) as inventory reads it through the BMC (oem-inventory.ts). */
export function hardwareOf(hw: HardwareTemplate): HostHardware {
  return {
    vendor: hw.vendor, product: hw.product, serial: hw.serial, memoryGiB: hw.memory.reduce((n, m) => n + m.sizeGiB, 0),
    cpus: hw.cpus, memory: hw.memory, disks: hw.disks, nics: hw.nics, fru: null, fruError: null,
  };
}
