// DevDereg — RFC 4171 §5.6.5.4 — and the Discovery Domain messages DDReg — §5.6.5.9 — and DDDereg —
// §5.6.5.10. isnsd answers all three with the status and a bare delimiter (DDReg: the DD as it now is).
import { NodeType, ScnBitmap, Tag } from '../../../protocols/isns/attributes.js';
import { Status } from '../../../protocols/isns/status.js';
import type { IsnsAttribute, PortValue } from '../../../protocols/isns/tlv.js';
import { ddAttrs } from './query.js';
import type { EntityObj, NodeObj, PortalObj, RegistryStore } from './model.js';

export interface DeregResult { status: number; key: IsnsAttribute[]; operating: IsnsAttribute[] }

const done = (status: number, operating: IsnsAttribute[] = [], key: IsnsAttribute[] = []): DeregResult => ({ status, key, operating });
const isControl = (n: NodeObj) => (n.nodeType & NodeType.CONTROL) !== 0;

/**
 * Operating attributes name what goes: an Entity ID (the entity and all in it), an iSCSI Name (that node),
 * or a Portal IP Address + Port (that portal). The source must belong to the entity it removes from, or be
 * a Control node. Objects that are not there are already deregistered: success (§5.6.5.4). An entity left
 * with no node and no portal is removed with its last object.
 */
export function deregister(store: RegistryStore, source: NodeObj, operating: readonly IsnsAttribute[]): DeregResult {
  // Find everything first, so a refusal leaves the database as it was.
  const entities: EntityObj[] = [];
  const nodes: NodeObj[] = [];
  const portals: PortalObj[] = [];
  let portalIp: string | null = null;
  for (const a of operating) {
    if (a.value === null) continue;
    if (a.tag === Tag.ENTITY_IDENTIFIER) {
      const e = store.entities.get(a.value as string);
      if (e) entities.push(e);
    } else if (a.tag === Tag.ISCSI_NAME) {
      const n = store.nodes.get(a.value as string);
      if (n) nodes.push(n);
    } else if (a.tag === Tag.PORTAL_IP_ADDRESS) {
      portalIp = a.value as string;
    } else if (a.tag === Tag.PORTAL_PORT && portalIp !== null) {
      const p = store.findPortal(portalIp, a.value as PortValue);
      portalIp = null;
      if (p) portals.push(p);
    } else {
      return done(Status.INVALID_DEREGISTRATION);
    }
  }
  const owners = [...entities, ...nodes.map((n) => n.entity), ...portals.map((p) => p.entity)];
  if (!isControl(source) && owners.some((e) => e !== source.entity)) return done(Status.SOURCE_UNAUTHORIZED);
  for (const n of nodes) if (store.nodes.get(n.name) === n) store.removeNode(n);
  for (const p of portals) if (store.findPortal(p.ip, p.port) === p) store.removePortal(p);
  for (const e of new Set(owners)) {
    const live = store.entities.get(e.eid) === e;
    if (live && (entities.includes(e) || (e.nodes.length === 0 && e.portals.length === 0))) store.removeEntity(e);
  }
  return done(Status.SUCCESSFUL);
}

/**
 * DDReg: the key's DD_ID names the DD to change (a new one when absent); operating attributes give its
 * symbolic name, features and members (by iSCSI Name or iSCSI Index). A symbolic name already used by
 * another DD is refused (DD symbolic names are unique).
 */
export function registerDd(store: RegistryStore, key: readonly IsnsAttribute[], operating: readonly IsnsAttribute[], maxDds: number): DeregResult {
  const keyId = key.find((a) => a.tag === Tag.DD_ID && a.value !== null)?.value as number | undefined;
  let dd = keyId !== undefined ? store.dds.get(keyId) : undefined;
  const name = operating.find((a) => a.tag === Tag.DD_SYMBOLIC_NAME && a.value !== null)?.value as string | undefined;
  if (name !== undefined) {
    const clash = [...store.dds.values()].find((d) => d.name === name && d !== dd);
    if (clash) return done(Status.INVALID_REGISTRATION);
  }
  const members: string[] = [];
  for (const a of operating) {
    if (a.value === null) continue;
    if (a.tag === Tag.DD_MEMBER_ISCSI_NAME) members.push(a.value as string);
    else if (a.tag === Tag.DD_MEMBER_ISCSI_INDEX) {
      const n = [...store.nodes.values()].find((x) => x.index === a.value);
      if (!n) return done(Status.INVALID_REGISTRATION);
      members.push(n.name);
    } else if (a.tag !== Tag.DD_SYMBOLIC_NAME && a.tag !== Tag.DD_FEATURES && a.tag !== Tag.DD_ID) {
      return done(Status.INVALID_REGISTRATION);
    }
  }
  if (!dd) {
    if (store.dds.size >= maxDds) return done(Status.INTERNAL_ERROR);
    const id = keyId ?? store.allocateDdId();
    store.allocateIndex(); // a DD takes an object index too (isnsd: the next node registered shows the gap)
    dd = { id, name: null, features: 0, members: [] };
    store.dds.set(id, dd);
  }
  if (name !== undefined) dd.name = name;
  const features = operating.find((a) => a.tag === Tag.DD_FEATURES && a.value !== null)?.value as number | undefined;
  if (features !== undefined) dd.features = features;
  for (const m of members) {
    if (dd.members.includes(m)) continue;
    dd.members.push(m);
    if (store.defaultDdEnabled) store.defaultDdMembers.delete(m);
    memberEvent(store, ScnBitmap.DD_DDS_MEMBER_ADDED, m, dd.id);
  }
  return done(Status.SUCCESSFUL, ddAttrs(store, dd, null), [...key]);
}

/** DDDereg: the key's DD_ID; with member attributes, those members leave; with none, the DD goes. */
export function deregisterDd(store: RegistryStore, key: readonly IsnsAttribute[], operating: readonly IsnsAttribute[]): DeregResult {
  const id = key.find((a) => a.tag === Tag.DD_ID && a.value !== null)?.value as number | undefined;
  if (id === undefined) return done(Status.INVALID_DEREGISTRATION);
  const dd = store.dds.get(id);
  if (!dd) return done(Status.NO_SUCH_ENTRY);
  const gone = new Set<string>();
  for (const a of operating) {
    if (a.value === null) continue;
    if (a.tag === Tag.DD_MEMBER_ISCSI_NAME) gone.add(a.value as string);
    else if (a.tag === Tag.DD_MEMBER_ISCSI_INDEX) {
      const n = [...store.nodes.values()].find((x) => x.index === a.value);
      if (n) gone.add(n.name);
    } else return done(Status.INVALID_DEREGISTRATION);
  }
  const leaving = operating.every((a) => a.value === null) ? dd.members : dd.members.filter((m) => gone.has(m));
  for (const m of leaving) memberEvent(store, ScnBitmap.DD_DDS_MEMBER_REMOVED, m, id);
  if (operating.every((a) => a.value === null)) {
    store.dds.delete(id);
    for (const set of store.ddsets.values()) set.ddIds = set.ddIds.filter((d) => d !== id); // no dangling set members
  } else dd.members = dd.members.filter((m) => !gone.has(m));
  return done(Status.SUCCESSFUL);
}

/** A DD membership change of a registered node, for SCNs (unregistered members have nobody to tell about). */
export function memberEvent(store: RegistryStore, bits: number, name: string, ddId: number, selfOnly = false): void {
  const n = store.nodes.get(name);
  if (n) store.record({ bits, name, nodeType: n.nodeType, ddId, ...(selfOnly ? { selfOnly } : {}) });
}
