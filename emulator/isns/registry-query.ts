// DevAttrQry — RFC 4171 §5.6.5.2 — and DevGetNext — §5.6.5.3. Both answer only with objects the source
// may see (Discovery Domain visibility).
//
// DevAttrQry: the Message Key selects objects (non-empty values must all match; a zero-length key
// attribute matches every object of its kind); the zero-length Operating Attributes name what to return
// for each match. Per matched node the answer lists the requested attributes grouped by object, groups in
// the order the request first names them (isnsd: node, then its portals, then its portal groups).
// DevGetNext: the key is the current object's key (zero-length = before the first); the answer is the
// next visible object in index order, or status 9 (No Such Entry) alone after the last.
import { NodeType, Tag } from '../../protocols/isns/attributes.js';
import { Status } from '../../protocols/isns/status.js';
import { attr, type IsnsAttribute, type IsnsValue, type PortValue } from '../../protocols/isns/tlv.js';
import { lunAttributes } from '../../protocols/isns/vendor-lun.js';
import { category, type Category, type DdObj, type EntityObj, type NodeObj, type PgObj, type PortalObj, type RegistryStore } from './registry-model.js';

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

export function nodeAttrs(n: NodeObj, tags: readonly number[] | null): IsnsAttribute[] {
  const all = [
    attr(Tag.ISCSI_NAME, n.name), attr(Tag.ISCSI_NODE_TYPE, n.nodeType), attr(Tag.ISCSI_NODE_INDEX, n.index),
    ...[...n.attrs].map(([tag, v]) => attr(tag, v)),
  ];
  const picked = pick(all, tags);
  // LUN groups go out whole when any LUN tag is asked for (or everything is)
  if (n.luns.length > 0 && (tags === null || tags.some((t) => t >= 641 && t <= 643))) picked.push(...lunAttributes(n.luns));
  return picked;
}

export function portalAttrs(p: PortalObj, tags: readonly number[] | null): IsnsAttribute[] {
  const all = [
    attr(Tag.PORTAL_IP_ADDRESS, p.ip), attr(Tag.PORTAL_PORT, p.port), attr(Tag.PORTAL_INDEX, p.index),
    ...[...p.attrs].map(([tag, v]) => attr(tag, v)),
  ];
  return pick(all, tags);
}

export function pgAttrs(g: PgObj, tags: readonly number[] | null): IsnsAttribute[] {
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

export function query(store: RegistryStore, source: NodeObj, key: readonly IsnsAttribute[], operating: readonly IsnsAttribute[],
  defaultDomain: boolean): QueryResult {
  const tags = operating.map((a) => a.tag);
  // A key naming DDs with DD operating attributes asks about the DDs themselves (isnsadm --list dds uses DevGetNext).
  if (key.length > 0 && key.every((a) => category(a.tag) === 'dd') && tags.every((t) => category(t) === 'dd')) {
    const id = key.find((a) => a.tag === Tag.DD_ID && a.value !== null)?.value as number | undefined;
    const dds = [...store.dds.values()].filter((d) => (id === undefined || d.id === id) && visibleDd(store, source, d));
    return { status: Status.SUCCESSFUL, key: [...key], operating: dds.flatMap((d) => ddAttrs(store, d, tags.length ? tags : null)) };
  }
  const seen = new Set<EntityObj>();
  const out: IsnsAttribute[] = [];
  for (const n of store.visibleNodes(source, defaultDomain)) {
    if (matches(store, n, key)) out.push(...answerFor(store, n, tags, seen));
  }
  return { status: Status.SUCCESSFUL, key: [...key], operating: out };
}

/** A DD is visible to its members and to Control nodes. */
function visibleDd(store: RegistryStore, source: NodeObj, d: DdObj): boolean {
  return d.members.includes(source.name) || (source.nodeType & NodeType.CONTROL) !== 0;
}

export function getNext(store: RegistryStore, source: NodeObj, key: readonly IsnsAttribute[], operating: readonly IsnsAttribute[],
  defaultDomain: boolean): QueryResult {
  const none: QueryResult = { status: Status.NO_SUCH_ENTRY, key: [], operating: [], noDelimiter: true };
  const k = key[0];
  if (!k) return { status: Status.INVALID_QUERY, key: [], operating: [], noDelimiter: true };
  const tags = operating.length > 0 ? operating.map((a) => a.tag) : null;
  if (k.tag === Tag.DD_ID) {
    const dds = [...store.dds.values()].filter((d) => visibleDd(store, source, d)).sort((a, b) => a.id - b.id);
    const next = dds.find((d) => k.value === null || d.id > (k.value as number));
    return next ? { status: Status.SUCCESSFUL, key: [attr(Tag.DD_ID, next.id)], operating: ddAttrs(store, next, tags) } : none;
  }
  if (k.tag === Tag.ISCSI_NAME) {
    const nodes = store.visibleNodes(source, defaultDomain);
    const current = k.value === null ? null : store.nodes.get(k.value as string);
    if (k.value !== null && !current) return none;
    const next = nodes.find((n) => current === null || n.index > current!.index);
    if (!next) return none;
    const body = tags === null ? [attr(Tag.ISCSI_NAME, next.name), attr(Tag.ISCSI_NODE_TYPE, next.nodeType), attr(Tag.ISCSI_NODE_INDEX, next.index)] : nodeAttrs(next, tags);
    return { status: Status.SUCCESSFUL, key: [attr(Tag.ISCSI_NAME, next.name)], operating: body };
  }
  if (k.tag === Tag.ENTITY_IDENTIFIER) {
    const entities = [...new Set(store.visibleNodes(source, defaultDomain).map((n) => n.entity))].sort((a, b) => a.index - b.index);
    const current = k.value === null ? null : store.entities.get(k.value as string);
    if (k.value !== null && !current) return none;
    const next = entities.find((e) => current === null || e.index > current!.index);
    return next ? { status: Status.SUCCESSFUL, key: [attr(Tag.ENTITY_IDENTIFIER, next.eid)], operating: entityAttrs(next, tags) } : none;
  }
  if (k.tag === Tag.PORTAL_IP_ADDRESS) {
    const portals = [...new Set(store.visibleNodes(source, defaultDomain).flatMap((n) => n.entity.portals))].sort((a, b) => a.index - b.index);
    const port = key.find((a) => a.tag === Tag.PORTAL_PORT)?.value as PortValue | null | undefined;
    const current = k.value === null || !port ? null : store.findPortal(k.value as string, port);
    if (k.value !== null && !current) return none;
    const next = portals.find((p) => current === null || p.index > current!.index);
    return next
      ? { status: Status.SUCCESSFUL, key: [attr(Tag.PORTAL_IP_ADDRESS, next.ip), attr(Tag.PORTAL_PORT, next.port)], operating: portalAttrs(next, tags) }
      : none;
  }
  return { status: Status.INVALID_QUERY, key: [], operating: [], noDelimiter: true };
}
