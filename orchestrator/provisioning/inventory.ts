// Provisioning step 2, inventory (issue 14): each identified host's hardware read through its BMC, over an RMCP+
// session: the bmcfleet OEM Get Hardware Inventory (CPUs, memory, disks, NICs with their MACs; clients/ipmi/
// inventory.ts) and FRU device 0 (manufacturer, product, part number, serial; clients/ipmi/fru-reader.ts), at most
// `concurrency` hosts at once, each within `timeoutMs`. Each host is saved as it is settled; a BMC that refuses the
// login, does not answer or lacks the OEM command is saved with the reason, and the others go on.
import { withBmcSession } from '../../clients/ipmi/bmc-session.js';
import { explainFailure } from '../../clients/ipmi/failure-cause.js';
import { readFru } from '../../clients/ipmi/fru-reader.js';
import { readInventory } from '../../clients/ipmi/inventory.js';
import type { IpmiLanClient } from '../../clients/ipmi/ipmi-client.js';
import { CompletionCodeError, IpmiError } from '../../clients/ipmi/ipmi-errors.js';
import { CompletionCode } from '../../protocols/ipmi/completion-codes.js';
import { DecodeError } from '../../protocols/errors.js';
import type { FruInventory } from '../../protocols/ipmi/fru-format.js';
import type { Clock } from '../../runtime/clock.js';
import { HostStep, type FruIdentity, type HostHardware, type HostRecord } from '../store/host-records.js';
import type { ProvisioningStore } from '../store/provisioning-store.js';
import type { BmcLogin } from './discover.js';
import { inventoried, refusal, stepFailed } from './host-machine.js';
import { StepDriver, type StepOutcome } from './step-driver.js';

export const INVENTORY_DEFAULTS = { concurrency: 64, timeoutMs: 120_000 } as const;

export interface InventoryOptions {
  login: BmcLogin;
  concurrency?: number;
  /** How long one host's inventory may take. */
  timeoutMs?: number;
  /** Only these hosts (default: every host the store holds). */
  addresses?: readonly string[];
  store: ProvisioningStore;
  clock: Clock;
  onProgress?(p: InventoryProgress): void;
}

export interface InventoryProgress { total: number; read: number; failed: number }

export interface InventoryResult {
  /** The hosts read (or tried), as saved, in address order. */
  hosts: HostRecord[];
  /** Hosts that could not be asked, with why (not identified: its discover failed). */
  skipped: { address: string; reason: string }[];
  read: number;
  failed: number;
}

/** Thrown for an address given that the store does not hold. */
export class UnknownHostError extends Error {
  readonly addresses: readonly string[];
  constructor(addresses: readonly string[]) {
    super(`no host ${addresses.join(', ')} in the store (bmcfleet provision discover finds them)`);
    this.name = 'UnknownHostError';
    this.addresses = addresses;
  }
}

export async function readInventories(o: InventoryOptions): Promise<InventoryResult> {
  const all = new Map(o.store.hosts().map((h) => [h.address, h]));
  const unknown = (o.addresses ?? []).filter((a) => !all.has(a));
  if (unknown.length > 0) throw new UnknownHostError(unknown);
  const chosen = o.addresses ? o.addresses.map((a) => all.get(a)!) : [...all.values()];
  const skipped = chosen.flatMap((h) => {
    const reason = refusal(h, HostStep.INVENTORY);
    return reason === null ? [] : [{ address: h.address, reason }];
  });
  const asked = chosen.filter((h) => refusal(h, HostStep.INVENTORY) === null);
  const timeoutMs = o.timeoutMs ?? INVENTORY_DEFAULTS.timeoutMs;
  const progress: InventoryProgress = { total: asked.length, read: 0, failed: 0 };
  const done = new Map<string, HostRecord>();
  const driver = new StepDriver<HostHardware>({
    clock: o.clock, concurrency: o.concurrency ?? INVENTORY_DEFAULTS.concurrency, timeoutMs,
    work: (address, signal) => withBmcSession({ ...o.login, host: address, port: all.get(address)!.port, clock: o.clock }, readHardware, signal),
    settle: (address, outcome, nowMs) => {
      const host = settled(all.get(address)!, outcome, timeoutMs, nowMs);
      o.store.saveHosts([host]);
      done.set(address, host);
      if (host.failure) progress.failed++;
      else progress.read++;
      o.onProgress?.(progress);
    },
  });
  o.onProgress?.(progress);
  for (const h of asked) driver.add(h.address);
  await driver.close();
  return { hosts: asked.map((h) => done.get(h.address)!), skipped, read: progress.read, failed: progress.failed };
}

/** The host after its inventory step ended this way. */
function settled(host: HostRecord, outcome: StepOutcome<HostHardware>, timeoutMs: number, nowMs: number): HostRecord {
  switch (outcome.kind) {
    case 'done': return inventoried(host, outcome.value, nowMs);
    case 'timed-out': return stepFailed(host, HostStep.INVENTORY, 'timed-out', `${host.address}: inventory not read within ${timeoutMs / 1000} s`, nowMs);
    case 'failed': {
      const err = outcome.error;
      if (err instanceof CompletionCodeError && err.completionCode === CompletionCode.INVALID_COMMAND && err.message.includes('Get Hardware Inventory')) {
        return stepFailed(host, HostStep.INVENTORY, 'not-supported', `${host.address}: the BMC does not know the bmcfleet OEM command Get Hardware Inventory (C1h)`, nowMs);
      }
      const { cause, message } = explainFailure(err);
      return stepFailed(host, HostStep.INVENTORY, cause, message, nowMs);
    }
  }
}

/** The OEM inventory and the FRU, over one session. A FRU that cannot be read leaves `fru` null, saying why. */
async function readHardware(client: IpmiLanClient): Promise<HostHardware> {
  const inv = await readInventory(client);
  let fru: FruIdentity | null = null;
  let fruError: string | null = null;
  try {
    fru = fruIdentity(await readFru(client, 0));
    if (fru === null) fruError = 'FRU device 0 has neither a product nor a board area';
  } catch (err) {
    if (!(err instanceof IpmiError) && !(err instanceof DecodeError)) throw err;
    fruError = `FRU device 0: ${err.message}`;
  }
  const s = inv.summary;
  return {
    vendor: s.vendor, product: s.product, serial: s.serial, memoryGiB: s.memoryGiB,
    cpus: inv.cpus.map((c) => ({ model: c.model, cores: c.cores, threads: c.threads, mhz: c.mhz })),
    memory: inv.memory.map((m) => ({ slot: m.slot, sizeGiB: m.sizeGiB, type: m.type, mhz: m.mhz })),
    disks: inv.disks.map((d) => ({ slot: d.slot, model: d.model, sizeGB: d.sizeGB, serial: d.serial })),
    nics: inv.nics.map((n) => ({ name: n.name, model: n.model, mac: n.mac, speedMbps: n.speedMbps })),
    fru, fruError,
  };
}

/** The product area (FRU spec §12), or the board's (§11) when there is none. */
function fruIdentity(f: FruInventory): FruIdentity | null {
  if (f.product) {
    const p = f.product;
    return { manufacturer: p.manufacturer, product: p.productName, partNumber: p.partNumber, serial: p.serialNumber, assetTag: p.assetTag };
  }
  if (f.board) {
    const b = f.board;
    return { manufacturer: b.manufacturer, product: b.productName, partNumber: b.partNumber, serial: b.serialNumber, assetTag: '' };
  }
  return null;
}
