// The RMCs a manager governs: from a YAML file (a list of {id, ip, rack}) or from an emulated fleet's control API
// (GET /rmcs: every RMC, with its address, RMC ID and rack). Each must be unique in ID, address and rack name, so a
// rack selector names exactly one RMC.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ALL_RMCS } from '../../protocols/rollout/header.js';
import { MAX_RACK_NAME_BYTES } from '../../protocols/rollout/prepare-reply.js';
import type { Clock } from '../../runtime/clock.js';
import { isIpv4 } from '../../runtime/ipv4.js';
import type { RolloutRmc } from '../rollout/rollout-plan.js';
import { DEFAULT_TIMEOUT_MS, errorOf, requestJson } from './http-json.js';

/** A bad inventory, naming where (`rmcs.yaml: [2].ip: not an IPv4 address`). */
export class InventoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InventoryError';
  }
}

/** Checks one list of {id, ip, rack} entries; `where` prefixes every message. */
export function checkInventory(entries: unknown, where: string): RolloutRmc[] {
  if (!Array.isArray(entries)) throw new InventoryError(`${where}: expected a list of {id, ip, rack}`);
  const rmcs: RolloutRmc[] = [];
  const seen = { id: new Set<number>(), ip: new Set<string>(), rack: new Set<string>() };
  entries.forEach((e: unknown, i) => {
    const at = `${where}: [${i}]`;
    if (e === null || typeof e !== 'object' || Array.isArray(e)) throw new InventoryError(`${at}: expected {id, ip, rack}`);
    const { id, ip, rack, ...rest } = e as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) throw new InventoryError(`${at}: unknown field ${extra[0]} (known: id, ip, rack)`);
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= ALL_RMCS) throw new InventoryError(`${at}.id: an RMC ID is a whole number from 0 to ${ALL_RMCS - 1}`);
    if (typeof ip !== 'string' || !isIpv4(ip)) throw new InventoryError(`${at}.ip: not an IPv4 address`);
    if (typeof rack !== 'string' || rack === '' || Buffer.byteLength(rack) > MAX_RACK_NAME_BYTES) {
      throw new InventoryError(`${at}.rack: a rack name is 1 to ${MAX_RACK_NAME_BYTES} bytes`);
    }
    if (seen.id.has(id)) throw new InventoryError(`${at}.id: RMC ID ${id} is listed twice`);
    if (seen.ip.has(ip)) throw new InventoryError(`${at}.ip: ${ip} is listed twice`);
    if (seen.rack.has(rack)) throw new InventoryError(`${at}.rack: rack ${rack} is listed twice`);
    seen.id.add(id); seen.ip.add(ip); seen.rack.add(rack);
    rmcs.push({ rmcId: id, address: ip, rackName: rack });
  });
  return rmcs;
}

/** The RMCs listed in a YAML file. */
export function loadRmcFile(file: string): RolloutRmc[] {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InventoryError(`${file}: ${(err as Error).message}`);
  }
  return checkInventory(doc, file);
}

/** The RMCs an emulated fleet runs, from its control API (GET URL/rmcs); `token` when its API asks for one. */
export async function fetchFleetRmcs(url: string, clock: Clock, token: string | null = null, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<RolloutRmc[]> {
  const where = `${url.replace(/\/+$/, '')}/rmcs`;
  let answer;
  try {
    answer = await requestJson(where, { token, clock, timeoutMs });
  } catch (err) {
    throw new InventoryError((err as Error).message);
  }
  if (answer.status !== 200) throw new InventoryError(`${where}: ${errorOf(answer)}`);
  const rmcs = (answer.body as { rmcs?: unknown } | null)?.rmcs;
  if (!Array.isArray(rmcs)) throw new InventoryError(`${where}: no "rmcs" list in the answer (is this an emulated fleet's control API?)`);
  return checkInventory(rmcs.map((r: Record<string, unknown>) => ({ id: r.id, ip: r.ip, rack: r.rack })), where);
}
