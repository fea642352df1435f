// templates: hardware templates by name, the servers behind the BMCs (emulator/bmc/hardware.ts HardwareTemplate):
// FRU strings of at most 63 bytes, list items with every field named and numbers within the width Get Hardware
// Inventory sends them in (README "The bmcfleet OEM command: Get Hardware Inventory"). A field left out comes from
// the built-in server; the template's values go to each BMC's model as they are.
import { z } from 'zod';
import type { CpuInfo, DiskInfo, HardwareTemplate, MemoryModule, NicInfo, PowerSupplyInfo } from '../../bmc/hardware.js';
import { PSU_FRU_ID } from '../../bmc/sdr-repository.js';
import { derivedFruText, derivedMac, fruText, text, wholeNumber } from './kinds.js';

const u16 = () => wholeNumber(0, 0xffff);
const u32 = () => wholeNumber(0, 0xffffffff);

const cpu = z.strictObject({ model: text(), cores: wholeNumber(1, 0xffff), threads: wholeNumber(1, 0xffff), mhz: u16() } satisfies Record<keyof CpuInfo, z.ZodType>);
const memoryModule = z.strictObject({ slot: text(), sizeGiB: wholeNumber(1, 0xffff), type: text(), mhz: u16() } satisfies Record<keyof MemoryModule, z.ZodType>);
const disk = z.strictObject({ slot: text(), model: text(), sizeGB: u32(), serial: derivedFruText() } satisfies Record<keyof DiskInfo, z.ZodType>);
const nic = z.strictObject({ name: text(), model: text(), mac: derivedMac(), speedMbps: u32() } satisfies Record<keyof NicInfo, z.ZodType>);
const powerSupply = z.strictObject({
  // watts: a sanity bound of ours, not a field width (the PSU's FRU prints it as text).
  name: text(), model: fruText(), watts: wholeNumber(1, 100_000), serial: derivedFruText(), partNumber: fruText(),
} satisfies Record<keyof PowerSupplyInfo, z.ZodType>);

/** Get Hardware Inventory counts CPUs, memory modules, disks and NICs in one byte, and the summary's total memory in a u16 of GiB. */
const MAX_INVENTORY_ITEMS = 0xff;
const MAX_TOTAL_MEMORY_GIB = 0xffff;
/** Power supplies are FRU devices PSU_FRU_ID.. (emulator/bmc/fru.ts); FRU device ID FFh is reserved (IPMI 2.0 §34.1). */
const MAX_POWER_SUPPLIES = 0xfe - PSU_FRU_ID + 1;

const inventoryList = <T extends z.ZodType>(item: T) =>
  z.array(item).max(MAX_INVENTORY_ITEMS, { error: `at most ${MAX_INVENTORY_ITEMS} items (the inventory command counts them in one byte)` }).optional();

const template = z.strictObject({
  vendor: fruText().optional(),
  product: fruText().optional(),
  productPartNumber: fruText().optional(),
  productVersion: fruText().optional(),
  serial: fruText().optional().describe('system serial (FRU product and chassis serial); derived when left out'),
  assetTag: fruText().optional(),
  chassisType: wholeNumber(0, Number.MAX_SAFE_INTEGER).optional().describe('SMBIOS chassis type (FRU spec §10)'),
  chassisPartNumber: fruText().optional(),
  boardManufacturer: fruText().optional(),
  boardProduct: fruText().optional(),
  boardPartNumber: fruText().optional(),
  boardSerial: fruText().optional(),
  boardMfgTime: wholeNumber(0, Number.MAX_SAFE_INTEGER).optional().describe('board manufacturing time, ms since the Unix epoch'),
  cpus: inventoryList(cpu),
  memory: inventoryList(memoryModule),
  disks: inventoryList(disk).describe('each disk\'s serial may be left out, ~ or "": derived'),
  nics: inventoryList(nic).describe('each NIC\'s MAC may be left out, ~ or "": derived'),
  powerSupplies: z.array(powerSupply)
    .max(MAX_POWER_SUPPLIES, { error: `at most ${MAX_POWER_SUPPLIES} items (each is a FRU device, IDs ${PSU_FRU_ID} to FEh; FFh is reserved)` }).optional(),
  sensors: z.array(z.record(z.string(), z.unknown())).optional().describe('sensor specs (emulator/bmc/sensors.ts SensorSpec), not checked field by field'),
} satisfies Record<keyof HardwareTemplate, z.ZodType>).superRefine((t, ctx) => {
  const totalGiB = (t.memory ?? []).reduce((n, m) => n + (typeof m.sizeGiB === 'number' ? m.sizeGiB : 0), 0);
  if (totalGiB > MAX_TOTAL_MEMORY_GIB) {
    ctx.addIssue({ code: 'custom', path: ['memory'], message: `${totalGiB} GiB in all: at most ${MAX_TOTAL_MEMORY_GIB} (a u16 in the inventory summary)`, input: t.memory });
  }
});

export const templatesSection = z.record(z.string(), template)
  .describe('hardware templates by name, for racks to use (template: NAME); a field left out comes from the built-in 1U two-socket server, lists replace the built-in ones');
