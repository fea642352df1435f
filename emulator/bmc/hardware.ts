// What an emulated server is made of: vendor, model, serial numbers, CPUs, memory, disks, NICs and sensors.
// Plain data (JSON-serialisable) so a fleet file or a state directory can carry it. Serials and MACs not given
// are derived from the BMC's IP address: deterministic, and distinct for distinct BMCs.
import { createHash } from 'node:crypto';
import { ChassisType } from '../../protocols/ipmi/fru-format.js';
import { formatMac } from '../../protocols/ipmi/mac.js';
import { DEFAULT_SENSORS, type SensorSpec } from './sensors.js';

export interface CpuInfo { model: string; cores: number; threads: number; mhz: number }
export interface MemoryModule { slot: string; sizeGiB: number; type: string; mhz: number }
export interface DiskInfo { slot: string; model: string; sizeGB: number; serial: string }
export interface NicInfo { name: string; model: string; mac: string; speedMbps: number }
export interface PowerSupplyInfo { name: string; model: string; watts: number; serial: string; partNumber: string }

export interface HardwareTemplate {
  vendor: string;
  product: string;
  productPartNumber: string;
  productVersion: string;
  /** System serial number (FRU product serial, chassis serial). */
  serial: string;
  assetTag: string;
  chassisType: number;
  chassisPartNumber: string;
  boardManufacturer: string;
  boardProduct: string;
  boardPartNumber: string;
  boardSerial: string;
  /** Board manufacturing time, ms since the Unix epoch. */
  boardMfgTime: number;
  cpus: CpuInfo[];
  memory: MemoryModule[];
  disks: DiskInfo[];
  nics: NicInfo[];
  powerSupplies: PowerSupplyInfo[];
  /** Shared, never mutated: BMCs with the same sensor set share one encoded SDR set. */
  sensors: readonly SensorSpec[];
}

const SERIAL_ALPHABET = '0123456789ABCDEFGHJKLMNPRSTUVWXYZ'; // no I, O, Q: easy to read back

/** `length` characters from a hash of `label` and the IP. */
function derived(label: string, ip: string, length: number): string {
  const digest = createHash('sha256').update(`bmcfleet ${label} ${ip}`).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += SERIAL_ALPHABET[digest[i] % SERIAL_ALPHABET.length];
  return out;
}

/**
 * A locally administered unicast MAC for host NIC `index`: distinct per IP and index. The first byte 06h keeps them
 * apart from the BMCs' own LAN MACs (02:00:<ip>, lan-config.ts).
 */
export function hostNicMac(ip: string, index: number): string {
  const digest = createHash('sha256').update(`bmcfleet host-nic ${index} ${ip}`).digest();
  const bytes = [0x06, digest[0], digest[1], digest[2], digest[3], digest[4]];
  return formatMac(bytes);
}

/** A 1U two-socket server of a fictional vendor ("bmcfleet"), with serials and MACs derived from `ip`. */
export function defaultHardware(ip: string): HardwareTemplate {
  const serial = `BF${derived('system-serial', ip, 8)}`;
  return {
    vendor: 'Bmcfleet Systems',
    product: 'BF-1U2S Emulated Server',
    productPartNumber: 'BF-1U2S-0001',
    productVersion: 'A01',
    serial,
    assetTag: `ASSET-${derived('asset', ip, 6)}`,
    chassisType: ChassisType.RACK_MOUNT,
    chassisPartNumber: 'BF-CH1U-08',
    boardManufacturer: 'Bmcfleet Systems',
    boardProduct: 'BF-MB2S',
    boardPartNumber: 'BF-MB2S-R3',
    boardSerial: `MB${derived('board-serial', ip, 10)}`,
    boardMfgTime: Date.UTC(2024, 2, 11, 9, 30),
    cpus: [1, 2].map(() => ({ model: 'Emulated Xeon-class CPU @ 2.60GHz', cores: 24, threads: 48, mhz: 2600 })),
    memory: ['A1', 'B1', 'C1', 'D1', 'E1', 'F1', 'G1', 'H1'].map((slot) => ({ slot, sizeGiB: 32, type: 'DDR4 RDIMM', mhz: 3200 })),
    disks: [0, 1].map((i) => ({ slot: `Bay ${i}`, model: 'Emulated NVMe SSD 960GB', sizeGB: 960, serial: `SSD${derived(`disk-${i}`, ip, 9)}` })),
    nics: [1, 2].map((n) => ({ name: `NIC${n}`, model: 'Emulated 25GbE', mac: hostNicMac(ip, n), speedMbps: 25_000 })),
    powerSupplies: [{ name: 'PSU1', model: 'BF-PSU-800W', watts: 800, serial: `PS${derived('psu-1', ip, 10)}`, partNumber: 'BF-PSU-800-P' }],
    sensors: DEFAULT_SENSORS,
  };
}

/**
 * The default template for `ip` with `overrides` laid over it (arrays replace, they do not merge). Disks and
 * power supplies without a serial, and NICs without a MAC, get ones derived from `ip`, as the default's have.
 */
export function resolveHardware(ip: string, overrides: Partial<HardwareTemplate> = {}): HardwareTemplate {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const hw: HardwareTemplate = { ...defaultHardware(ip), ...defined };
  return {
    ...hw,
    disks: hw.disks.map((d, i) => (d.serial ? d : { ...d, serial: `SSD${derived(`disk-${i}`, ip, 9)}` })),
    nics: hw.nics.map((n, i) => (n.mac ? n : { ...n, mac: hostNicMac(ip, i + 1) })),
    powerSupplies: hw.powerSupplies.map((p, i) => (p.serial ? p : { ...p, serial: `PS${derived(`psu-${i + 1}`, ip, 10)}` })),
  };
}
