// Reads a BMC's hardware inventory for provisioning: the bmcfleet OEM command (protocols/ipmi/oem/inventory.ts),
// one request per item, over an open IPMI session.
import {
  GetHardwareInventory, InventorySelector, type InventoryCpu, type InventoryDisk, type InventoryMemory, type InventoryNic,
  type InventoryResponse, type InventorySummary,
} from '../../protocols/ipmi/oem/inventory.js';
import type { IpmiLanClient } from './ipmi-client.js';

export interface HardwareInventory {
  summary: InventorySummary;
  cpus: InventoryCpu[];
  memory: InventoryMemory[];
  disks: InventoryDisk[];
  nics: InventoryNic[];
}

function item(client: IpmiLanClient, selector: number, index: number): Promise<InventoryResponse> {
  return client.call(GetHardwareInventory, { selector, index });
}

async function all<T>(client: IpmiLanClient, selector: number, count: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push((await item(client, selector, i)).record.item as T);
  return out;
}

/** Throws CompletionCodeError (ipmi-errors.ts) when the BMC does not know the command (C1h: not a bmcfleet BMC). */
export async function readInventory(client: IpmiLanClient): Promise<HardwareInventory> {
  const summary = (await item(client, InventorySelector.SUMMARY, 0)).record.item as InventorySummary;
  return {
    summary,
    cpus: await all(client, InventorySelector.CPU, summary.cpus),
    memory: await all(client, InventorySelector.MEMORY, summary.memoryModules),
    disks: await all(client, InventorySelector.DISK, summary.disks),
    nics: await all(client, InventorySelector.NIC, summary.nics),
  };
}
