// The bmcfleet OEM command Get Hardware Inventory (netFn 2Eh, cmd 01h; definition in protocols/ipmi/oem/inventory.ts):
// the CPUs, memory, disks and NICs of the server behind the BMC, from its hardware template.
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import { GetHardwareInventory, InventorySelector, type InventoryRecord } from '../../../protocols/ipmi/oem/inventory.js';
import type { HardwareTemplate } from '../hardware.js';
import { bmcfleetOnly, handler, refuse } from './define.js';
import type { CommandSpec } from './types.js';

/** Items of each selector, as records (the fleet file keeps every number within its field's width). */
function records(hw: HardwareTemplate, selector: number): InventoryRecord[] | null {
  switch (selector) {
    case InventorySelector.SUMMARY:
      return [{ selector: InventorySelector.SUMMARY, item: {
        cpus: hw.cpus.length, memoryModules: hw.memory.length, disks: hw.disks.length, nics: hw.nics.length,
        memoryGiB: hw.memory.reduce((n, m) => n + m.sizeGiB, 0), vendor: hw.vendor, product: hw.product, serial: hw.serial,
      } }];
    case InventorySelector.CPU: return hw.cpus.map((c) => ({ selector: InventorySelector.CPU, item: { cores: c.cores, threads: c.threads, mhz: c.mhz, model: c.model } }));
    case InventorySelector.MEMORY: return hw.memory.map((m) => ({ selector: InventorySelector.MEMORY, item: { sizeGiB: m.sizeGiB, mhz: m.mhz, slot: m.slot, type: m.type } }));
    case InventorySelector.DISK: return hw.disks.map((d) => ({ selector: InventorySelector.DISK, item: { sizeGB: d.sizeGB, slot: d.slot, model: d.model, serial: d.serial } }));
    case InventorySelector.NIC: return hw.nics.map((n) => ({ selector: InventorySelector.NIC, item: { speedMbps: n.speedMbps, mac: n.mac, name: n.name, model: n.model } }));
    default: return null;
  }
}

export const oemInventoryCommands: readonly CommandSpec[] = [bmcfleetOnly(handler(GetHardwareInventory, (r, ctx) => {
  const items = records(ctx.model.hardware, r.selector);
  if (!items) return refuse(CompletionCode.INVALID_DATA_FIELD);
  if (r.index >= items.length) return refuse(CompletionCode.PARAMETER_OUT_OF_RANGE);
  return { count: items.length, record: items[r.index] };
}))];
