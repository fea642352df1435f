// DevAttrQry — RFC 4171 §5.6.5.2 — and DevGetNext — §5.6.5.3. Both answer only with objects the source
// may see (Discovery Domain visibility).
//
// DevAttrQry: the Message Key selects objects (non-empty values must all match; a zero-length key
// attribute matches every object of its kind); the zero-length Operating Attributes name what to return
// for each match. Per matched node the answer lists the requested attributes grouped by object, groups in
// the order the request first names them (isnsd: node, then its portals, then its portal groups).
// DevGetNext: the key is the current object's key (zero-length = before the first); the answer is the
// next visible object in index order, or status 9 (No Such Entry) alone after the last.
import { NodeType, Tag } from '../../../protocols/isns/attributes.js';
import { Status } from '../../../protocols/isns/status.js';
import { attr, type IsnsAttribute, type IsnsValue, type PortValue } from '../../../protocols/isns/tlv.js';
import { lunAttributes, isLunTag } from '../../../protocols/isns/vendor-lun.js';
import { category, comparePortals, compareUtf8, type Category, type DdObj, type EntityObj, type NodeObj, type PgObj, type PortalObj, type RegistryStore } from './model.js';

export interface QueryResult { status: number; key: IsnsAttribute[]; operating: IsnsAttribute[]; noDelimiter?: boolean }

// ---------------------------------------------------------------- attributes of each object

export function entityAttrs(e: EntityObj, tags: readonly number[] | null): IsnsAttribute[] {
  const all = [
    attr(Tag.ENTITY_IDENTIFIER, e.eid), attr(Tag.ENTITY_PROTOCOL, e.protocol), attr(Tag.REGISTRATION_PERIOD, e.registrationPeriod),
    attr(Tag.ENTITY_INDEX, e.index), attr(Tag.TIMESTAMP, BigInt(Math.floor(e.lastSeen / 1000))),
    ...[...e.attrs].map(([tag, v]) => attr(tag, v)),
  ];
  return pick(all, tags);
}

function nodeAttrs(n: NodeObj, tags: readonly number[] | null): IsnsAttribute[] {
  const all = [
    attr(Tag.ISCSI_NAME, n.name), attr(Tag.ISCSI_NODE_TYPE, n.nodeType), attr(Tag.ISCSI_NODE_INDEX, n.index),
    ...[...n.attrs].map(([tag, v]) => attr(tag, v)),
  ];
  const picked = pick(all, tags);
  // LUN groups go out whole when any LUN tag is asked for (or everything is)
  if (n.luns.length > 0 && (tags === null || tags.some(isLunTag))) picked.push(...lunAttributes(n.luns));
  return picked;
}

function portalAttrs(p: PortalObj, tags: readonly number[] | null): IsnsAttribute[] {
  const all = [
    attr(Tag.PORTAL_IP_ADDRESS, p.ip), attr(Tag.PORTAL_PORT, p.port), attr(Tag.PORTAL_INDEX, p.index),
    ...[...p.attrs].map(([tag, v]) => attr(tag, v)),
  ];
  return pick(all, tags);
}

function pgAttrs(g: PgObj, tags: readonly number[] | null): IsnsAttribute[] {
  const all = [
    attr(Tag.PG_ISCSI_NAME, g.name), attr(Tag.PG_PORTAL_IP_ADDR, g.ip), attr(Tag.PG_PORTAL_PORT, g.port), attr(Tag.PG_TAG, g.tag),
    attr(Tag.PG_INDEX, g.index),
  ];
  return pick(all, tags);
}

/** A DD as isnsd lists it: ID, name, features, then per member its index (when registered) and name. */
export function ddAttrs(store: RegistryStore, d: DdObj, tags: readonly number[] | null): IsnsAttribute[] {
  const all: IsnsAttribute[] = [attr(Tag.DD_ID, d.id)];
  if (d.name !== null) all.push(attr(Tag.DD_SYMBOLIC_NAME, d.name));
  all.push(attr(Tag.DD_FEATURES, d.features));
  for (const m of d.members) {
    const n = store.nodes.get(m);
    if (n) all.push(attr(Tag.DD_MEMBER_ISCSI_INDEX, n.index));
    all.push(attr(Tag.DD_MEMBER_ISCSI_NAME, m));
  }
  return pick(all, tags);
}

/** Attributes of `all` whose tag is in `tags` (all of them when tags is null), in `all`'s order. */
function pick(all: IsnsAttribute[], tags: readonly number[] | null): IsnsAttribute[] {
  return tags === null ? all : all.filter((a) => tags.includes(a.tag) && a.value !== null);
}

// ---------------------------------------------------------------- matching

const samePort = (a: PortValue, b: PortValue) => a.port === b.port && a.udp === b.udp;

/** Value equality for every kind: bytes by content, port/range objects by fields, the rest by ===. */
function sameValue(a: IsnsValue, b: IsnsValue): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.compare(a, b) === 0;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const x = a as unknown as Record<string, unknown>;
    const y = b as unknown as Record<string, unknown>;
    return Object.keys(x).length === Object.keys(y).length && Object.keys(x).every((k) => x[k] === y[k]);
  }
  return a === b;
}

/** Does node `n` (with its entity, portals, PGs, DDs) satisfy every non-empty key attribute? */
function matches(store: RegistryStore, n: NodeObj, key: readonly IsnsAttribute[]): boolean {
  const portalIp = key.find((a) => a.tag === Tag.PORTAL_IP_ADDRESS && a.value !== null)?.value as string | undefined;
  const portalPort = key.find((a) => a.tag === Tag.PORTAL_PORT && a.value !== null)?.value as PortValue | undefined;
  if (portalIp !== undefined || portalPort !== undefined) {
    const hit = n.entity.portals.some((p) => (portalIp === undefined || p.ip === portalIp) && (portalPort === undefined || samePort(p.port, portalPort)));
    if (!hit) return false;
  }
  for (const a of key) {
    if (a.value === null) continue;
    switch (a.tag) {
      case Tag.PORTAL_IP_ADDRESS: case Tag.PORTAL_PORT: break;
      case Tag.ENTITY_IDENTIFIER: if (n.entity.eid !== a.value) return false; break;
      case Tag.ENTITY_PROTOCOL: if (n.entity.protocol !== a.value) return false; break;
      case Tag.ISCSI_NAME: if (n.name !== a.value) return false; break;
      case Tag.ISCSI_NODE_TYPE: if ((n.nodeType & (a.value as number)) === 0) return false; break;
      case Tag.ISCSI_NODE_INDEX: if (n.index !== a.value) return false; break;
      case Tag.DD_ID: if (!store.dds.get(a.value as number)?.members.includes(n.name)) return false; break;
      default: {
        const have = category(a.tag) === 'node' ? n.attrs.get(a.tag) : category(a.tag) === 'entity' ? n.entity.attrs.get(a.tag) : undefined;
        if (have === undefined || !sameValue(have, a.value)) return false;
      }
    }
  }
  return true;
}

/** The answer for one node: requested attributes grouped by object, groups in first-requested order. */
function answerFor(store: RegistryStore, n: NodeObj, tags: readonly number[], seenEntities: Set<EntityObj>): IsnsAttribute[] {
  const order: Category[] = [];
  for (const t of tags) {
    const c = category(t);
    if (!order.includes(c)) order.push(c);
  }
  const out: IsnsAttribute[] = [];
  for (const c of order) {
    const want = tags.filter((t) => category(t) === c);
    switch (c) {
      case 'entity':
        if (!seenEntities.has(n.entity)) out.push(...entityAttrs(n.entity, want));
        break;
      case 'node': out.push(...nodeAttrs(n, want)); break;
      case 'portal':
        if (!seenEntities.has(n.entity)) for (const p of n.entity.portals) out.push(...portalAttrs(p, want));
        break;
      case 'pg': for (const g of n.entity.pgs.filter((x) => x.name === n.name)) out.push(...pgAttrs(g, want)); break;
      case 'dd': for (const d of store.ddsOf(n.name)) out.push(...ddAttrs(store, d, want)); break;
      default: break;
    }
  }
  seenEntities.add(n.entity);
  return out;
}

export function query(store: RegistryStore, source: NodeObj, key: readonly IsnsAttribute[], operating: readonly IsnsAttribute[]): QueryResult {
  const tags = operating.map((a) => a.tag);
  // A key naming DDs with DD operating attributes asks about the DDs themselves (isnsadm --list dds uses DevGetNext).
  if (key.length > 0 && key.every((a) => category(a.tag) === 'dd') && tags.every((t) => category(t) === 'dd')) {
    const id = key.find((a) => a.tag === Tag.DD_ID && a.value !== null)?.value as number | undefined;
    const dds = [...store.dds.values()].filter((d) => (id === undefined || d.id === id) && visibleDd(store, source, d));
    return { status: Status.SUCCESSFUL, key: [...key], operating: dds.flatMap((d) => ddAttrs(store, d, tags.length ? tags : null)) };
  }
  const seen = new Set<EntityObj>();
  const out: IsnsAttribute[] = [];
  // a key naming one node needs no scan of the database
  const named = key.find((a) => a.tag === Tag.ISCSI_NAME && typeof a.value === 'string')?.value as string | undefined;
  const one = named === undefined ? null : store.nodes.get(named);
  const candidates = named === undefined ? store.visibleNodes(source) : one && store.visible(source, one) ? [one] : [];
  for (const n of candidates) {
    if (matches(store, n, key)) out.push(...answerFor(store, n, tags, seen));
  }
  return { status: Status.SUCCESSFUL, key: [...key], operating: out };
}

/**
 * isnsd's DD 0 as DevGetNext lists it (only its ID and member names), for a member of it or an
 * unregistered source; null when there is none to show.
 */
function defaultDd(store: RegistryStore, source: NodeObj): IsnsAttribute[] | null {
  if (!store.defaultDdEnabled) return null;
  const members = [...store.defaultDdMembers].filter((m) => store.nodes.has(m));
  if (members.length === 0 || !(source.index === 0 || store.defaultDdMembers.has(source.name))) return null;
  return [attr(Tag.DD_ID, 0), ...members.map((m) => attr(Tag.DD_MEMBER_ISCSI_NAME, m))];
}

/** A DD is visible to its members and to Control nodes. */
function visibleDd(store: RegistryStore, source: NodeObj, d: DdObj): boolean {
  return d.members.includes(source.name) || (source.nodeType & NodeType.CONTROL) !== 0;
}

/** The index of the first of `sorted` (ascending by `cmp`) that comes after `current`: isnsd's
 * __isns_db_get_next answers the smallest key above the current one. */
function firstAfter<T, K>(sorted: readonly T[], current: K, cmp: (item: T, key: K) => number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(sorted[mid], current) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Every attribute of a node in isnsd's stored order (DevGetNext without requested attributes). */
function allNodeAttrs(n: NodeObj): IsnsAttribute[] {
  return [
    attr(Tag.ISCSI_NAME, n.name), attr(Tag.ISCSI_NODE_TYPE, n.nodeType), ...[...n.attrs].map(([tag, v]) => attr(tag, v)),
    attr(Tag.ISCSI_NODE_INDEX, n.index), ...lunAttributes(n.luns),
  ];
}

/** Every attribute of an entity in isnsd's stored order. */
function allEntityAttrs(e: EntityObj): IsnsAttribute[] {
  return [
    attr(Tag.ENTITY_IDENTIFIER, e.eid), attr(Tag.ENTITY_PROTOCOL, e.protocol), attr(Tag.REGISTRATION_PERIOD, e.registrationPeriod),
    ...[...e.attrs].map(([tag, v]) => attr(tag, v)), attr(Tag.TIMESTAMP, BigInt(Math.floor(e.lastSeen / 1000))), attr(Tag.ENTITY_INDEX, e.index),
  ];
}

/**
 * DevGetNext walks objects in key order, as isnsd does: nodes by iSCSI Name, entities by EID, portals by
 * address bytes then port, DDs by DD_ID. Without requested attributes the answer carries all of the
 * object's attributes.
 */
export function getNext(store: RegistryStore, source: NodeObj, key: readonly IsnsAttribute[], operating: readonly IsnsAttribute[]): QueryResult {
  const none: QueryResult = { status: Status.NO_SUCH_ENTRY, key: [], operating: [], noDelimiter: true };
  const k = key[0];
  if (!k) return { status: Status.INVALID_QUERY, key: [], operating: [], noDelimiter: true };
  const wanted = operating.filter((a) => a.value === null);
  const tags = wanted.length > 0 ? wanted.map((a) => a.tag) : null;
  if (k.tag === Tag.DD_ID) {
    const dds = [...store.dds.values()].filter((d) => visibleDd(store, source, d)).sort((a, b) => a.id - b.id);
    const dd0 = defaultDd(store, source);
    if (dd0 && (k.value === null)) return { status: Status.SUCCESSFUL, key: [attr(Tag.DD_ID, 0)], operating: dd0 };
    const next = dds.find((d) => k.value === null || d.id > (k.value as number));
    return next ? { status: Status.SUCCESSFUL, key: [attr(Tag.DD_ID, next.id)], operating: ddAttrs(store, next, tags) } : none;
  }
  // Names, entities and portals: the first one after the current key, in the store's sorted list, that the
  // source may see (an entity or portal through a node of its entity): no scan of the database per step.
  const sees = store.seenBy(source);
  const throughNode = (e: EntityObj) => e.nodes.some((n) => sees(n.name));
  if (k.tag === Tag.ISCSI_NAME) {
    const names = store.sortedNames();
    let i = k.value === null ? 0 : firstAfter(names, String(k.value), compareUtf8);
    while (i < names.length && !sees(names[i])) i++;
    const next = i < names.length ? store.nodes.get(names[i]) : undefined;
    if (!next) return none;
    return { status: Status.SUCCESSFUL, key: [attr(Tag.ISCSI_NAME, next.name)], operating: tags === null ? allNodeAttrs(next) : nodeAttrs(next, tags) };
  }
  if (k.tag === Tag.ENTITY_IDENTIFIER) {
    const entities = store.sortedEntities();
    let i = k.value === null ? 0 : firstAfter(entities, String(k.value), (e, eid) => compareUtf8(e.eid, eid));
    while (i < entities.length && !throughNode(entities[i])) i++;
    const next = entities[i];
    return next
      ? { status: Status.SUCCESSFUL, key: [attr(Tag.ENTITY_IDENTIFIER, next.eid)], operating: tags === null ? allEntityAttrs(next) : entityAttrs(next, tags) }
      : none;
  }
  if (k.tag === Tag.PORTAL_IP_ADDRESS) {
    const portals = store.sortedPortals();
    const port = key.find((a) => a.tag === Tag.PORTAL_PORT)?.value as PortValue | null | undefined;
    const current = { ip: String(k.value), port: port ?? { port: 0, udp: false } };
    let i = k.value === null ? 0 : firstAfter(portals, current, comparePortals);
    while (i < portals.length && !throughNode(portals[i].entity)) i++;
    const next = portals[i];
    return next
      ? { status: Status.SUCCESSFUL, key: [attr(Tag.PORTAL_IP_ADDRESS, next.ip), attr(Tag.PORTAL_PORT, next.port)], operating: portalAttrs(next, tags) }
      : none;
  }
  return { status: Status.INVALID_QUERY, key: [], operating: [], noDelimiter: true };
}
