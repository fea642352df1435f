// The bmcfleet OEM command Get Hardware Inventory (netFn 2Eh, cmd 01h; layout in protocols/ipmi/oem/inventory.ts):
// the CPUs, memory, disks and NICs of the server behind the BMC, from its hardware template.
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../../protocols/ipmi/message.js';
import {
  BmcfleetOemCommand, InventorySelector, decodeInventoryRequest, encodeInventoryResponse, isBmcfleetRequest, type InventoryRecord,
} from '../../../protocols/ipmi/oem/inventory.js';
import { Privilege } from '../../../protocols/ipmi/users.js';
import type { HardwareTemplate } from '../hardware.js';
import type { BmcModel } from '../model.js';
import { fail, ok } from './request-data.js';
import type { CommandSpec } from './types.js';

// Hardware templates come from the fleet file, which checks only that list items are objects: a number may be
// missing, fractional or too big for its field (a u16 of GiB is 64 TiB at most, a u8 count 255 items), and
// encodeInventoryResponse throws on those. The answer saturates instead (missing = 0), as the BMC always has.
const U8 = 0xff;
const U16 = 0xffff;
const U32 = 0xffffffff;
function fit(value: number, max: number): number {
  const n = Math.trunc(Number(value));
  return Number.isNaN(n) ? 0 : Math.min(max, Math.max(0, n));
}

/** Items of each selector, as records (numbers fitted to their fields). */
function records(hw: HardwareTemplate, selector: number): InventoryRecord[] | null {
  switch (selector) {
    case InventorySelector.SUMMARY:
      return [{ selector: InventorySelector.SUMMARY, item: {
        cpus: fit(hw.cpus.length, U8), memoryModules: fit(hw.memory.length, U8), disks: fit(hw.disks.length, U8), nics: fit(hw.nics.length, U8),
        memoryGiB: fit(hw.memory.reduce((n, m) => n + m.sizeGiB, 0), U16), vendor: hw.vendor, product: hw.product, serial: hw.serial,
      } }];
    case InventorySelector.CPU: return hw.cpus.map((c) => ({ selector: InventorySelector.CPU, item: { cores: fit(c.cores, U16), threads: fit(c.threads, U16), mhz: fit(c.mhz, U16), model: c.model } }));
    case InventorySelector.MEMORY: return hw.memory.map((m) => ({ selector: InventorySelector.MEMORY, item: { sizeGiB: fit(m.sizeGiB, U16), mhz: fit(m.mhz, U16), slot: m.slot, type: m.type } }));
    case InventorySelector.DISK: return hw.disks.map((d) => ({ selector: InventorySelector.DISK, item: { sizeGB: fit(d.sizeGB, U32), slot: d.slot, model: d.model, serial: d.serial } }));
    case InventorySelector.NIC: return hw.nics.map((n) => ({ selector: InventorySelector.NIC, item: { speedMbps: fit(n.speedMbps, U32), mac: n.mac, name: n.name, model: n.model } }));
    default: return null;
  }
}

export function oemInventoryCommands(model: BmcModel): CommandSpec[] {
  return [{
    netFn: NetFn.OEM_GROUP, cmd: BmcfleetOemCommand.GET_HARDWARE_INVENTORY, name: 'bmcfleet Get Hardware Inventory', privilege: Privilege.USER,
    handle: (req) => {
      if (!isBmcfleetRequest(req.data)) return fail(CompletionCode.INVALID_COMMAND);
      const r = decodeInventoryRequest(req.data);
      const items = records(model.hardware, r.selector);
      if (!items) return fail(CompletionCode.INVALID_DATA_FIELD);
      if (r.index >= items.length) return fail(CompletionCode.PARAMETER_OUT_OF_RANGE);
      return ok(encodeInventoryResponse({ count: fit(items.length, U8), record: items[r.index] }));
    },
  }];
}
