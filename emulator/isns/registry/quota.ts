// What a registration may add (issue 17: the registry could be filled for good, and one entity of 250 nodes x
// 250 portals held 62,500 portal groups). Checked before anything changes, against the bounds of limits.ts:
// objects in one entity, and entities and objects in all and per source. A registration that does not grow
// a count is never refused by it, so a refresh goes through even when a limit was lowered since.
import type { RegistryLimits } from '../limits.js';
import { objectsIn, pgKey, portKey, type EntityObj, type RegistryStore } from './model.js';
import type { PortValue } from '../../../protocols/isns/tlv.js';

/** The objects a DevAttrReg names (from register.ts's parse), with portals and PGs complete. */
export interface Registering {
  nodes: ReadonlyArray<{ name: string }>;
  portals: ReadonlyArray<{ ip: string | null; port: PortValue | null }>;
  pgs: ReadonlyArray<{ name: string; ip: string | null; port: PortValue | null }>;
}

/**
 * The storage nodes, portals and portal groups the entity holds after the registration: what it keeps
 * (`keep`: no Replace), what the message adds, and a portal group per node and portal (§3.4; implicit
 * ones are made for every pair). Stops counting once over `limit`.
 */
export function objectsAfter(entity: EntityObj | undefined, keep: boolean, reg: Registering, limit: number): number {
  const kept = keep ? entity : undefined;
  if (!kept && reg.pgs.length === 0) {
    // the common case, a new (or replaced) entity with no explicit PG: what the message names, a PG per pair
    const n = distinct(reg.nodes, (x) => x.name);
    const p = distinct(reg.portals, (x) => portKey(x.ip!, x.port!));
    return n + p + n * p;
  }
  const names = new Set<string>(kept ? kept.nodes.map((n) => n.name) : []);
  for (const n of reg.nodes) names.add(n.name);
  const portals = new Set<string>(kept ? kept.portals.map((p) => portKey(p.ip, p.port)) : []);
  for (const p of reg.portals) if (p.ip !== null && p.port !== null) portals.add(portKey(p.ip, p.port));
  const count = names.size + portals.size + names.size * portals.size;
  if (count > limit) return count;
  // explicit PGs outside the node x portal pairs (a PG may name a node of another entity)
  const others = new Set<string>();
  const outside = (name: string, ip: string, port: PortValue) => !(names.has(name) && portals.has(portKey(ip, port)));
  if (kept) for (const g of kept.pgs) if (outside(g.name, g.ip, g.port)) others.add(pgKey(g.name, g.ip, g.port));
  for (const g of reg.pgs) if (g.ip !== null && g.port !== null && outside(g.name, g.ip, g.port)) others.add(pgKey(g.name, g.ip, g.port));
  return count + others.size;
}

/** How many different keys `items` have (no set for one item or none). */
function distinct<T>(items: readonly T[], key: (x: T) => string): number {
  return items.length < 2 ? items.length : new Set(items.map(key)).size;
}

/** Which limit a registration would break, or null. */
export type QuotaRefusal = 'objects per entity' | 'entities' | 'objects' | 'entities per source' | 'objects per source' | null;

/**
 * Checks a registration that leaves `owner` holding an entity of `after` objects, in place of `replaced`
 * (the entity it refreshes or replaces; none for a new one).
 */
export function quotaRefusal(store: RegistryStore, limits: RegistryLimits, owner: string, replaced: EntityObj | undefined, after: number): QuotaRefusal {
  const grows = (now: number, next: number, max: number) => next > max && next > now;
  const before = replaced ? objectsIn(replaced) : 0;
  if (after > limits.maxObjectsPerEntity && after > before) return 'objects per entity';
  const entities = store.entities.size;
  if (grows(entities, entities + (replaced ? 0 : 1), limits.maxEntities)) return 'entities';
  if (grows(store.objectCount, store.objectCount - before + after, limits.maxObjects)) return 'objects';
  const mine = store.usageOf(owner);
  const same = replaced?.source === owner;
  if (grows(mine.entities, mine.entities + (same ? 0 : 1), limits.maxEntitiesPerSource)) return 'entities per source';
  if (grows(mine.objects, mine.objects - (same ? before : 0) + after, limits.maxObjectsPerSource)) return 'objects per source';
  return null;
}
