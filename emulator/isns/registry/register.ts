// DevAttrReg — RFC 4171 §5.6.5.1: Source, Message Key (Entity ID, iSCSI Name, or Portal IP + Port;
// empty = a new entity), Delimiter, Operating Attributes listing the entity's attributes, then each
// Portal (opened by Portal IP Address) and each iSCSI Node (opened by iSCSI Name), then Portal Groups
// (opened by PG iSCSI Name). The Replace flag replaces the entity's objects instead of adding to them.
// isnsadm sends a zero-length Entity ID key: the server assigns the EID (or finds the node's entity).
// What a registration may add is bounded (quota.ts): over a limit it is refused before anything changes.
import { DecodeError } from '../../../protocols/errors.js';
import { EntityProtocol, ScnBitmap, Tag } from '../../../protocols/isns/attributes.js';
import { Status } from '../../../protocols/isns/status.js';
import { attr, type IsnsAttribute, type IsnsValue, type PortValue } from '../../../protocols/isns/tlv.js';
import { parseLuns, isBmcfleetLun } from '../../../protocols/isns/vendor-lun.js';
import type { RegistryLimits } from '../limits.js';
import { SERVER_ASSIGNED, category, type EntityObj, type RegistryStore } from './model.js';
import { objectsAfter, quotaRefusal, type QuotaRefusal } from './quota.js';

export interface RegisterOptions extends RegistryLimits {
  eidPrefix: string;
  /** Seconds, when the registration names none. */
  defaultRegistrationPeriod: number;
}

export interface RegisterResult {
  status: number;
  key: IsnsAttribute[];
  operating: IsnsAttribute[];
  /** The limit that refused it, if one did. */
  refused?: QuotaRefusal;
}

/**
 * The period granted for `asked` seconds (§6.2.6: the server may return another). A request for 0, "never
 * expires", gets the longest period like any other; only with no cap configured (0) is 0 granted.
 */
export function grantedPeriod(asked: number, max: number): number {
  if (max === 0) return asked;
  return asked === 0 ? max : Math.min(asked, max);
}

interface PortalSpec { ip: string | null; port: PortValue | null; attrs: Map<number, IsnsValue> }
interface NodeSpec { name: string; nodeType: number | null; attrs: Map<number, IsnsValue>; lunAttrs: IsnsAttribute[] }
interface PgSpec { name: string; ip: string | null; port: PortValue | null; tag: number | null | undefined }
interface Parsed { eid: string | null; entityAttrs: Map<number, IsnsValue>; portals: PortalSpec[]; nodes: NodeSpec[]; pgs: PgSpec[] }

const fail = (status: number): RegisterResult => ({ status, key: [], operating: [] });

/** Splits the operating attributes into objects by the ordering rules of §5.6.5.1; null = malformed order. */
function parseOperating(op: readonly IsnsAttribute[]): Parsed | null {
  const p = splitObjects(op);
  if (!p) return null;
  for (const n of p.nodes) {
    try {
      parseLuns(n.lunAttrs); // LUN Size or State before any LUN Number: the registration is malformed
    } catch (err) {
      if (err instanceof DecodeError) return null;
      throw err;
    }
  }
  return p;
}

function splitObjects(op: readonly IsnsAttribute[]): Parsed | null {
  const p: Parsed = { eid: null, entityAttrs: new Map(), portals: [], nodes: [], pgs: [] };
  let portal: PortalSpec | null = null;
  let node: NodeSpec | null = null;
  let pg: PgSpec | null = null;
  for (const a of op) {
    if (SERVER_ASSIGNED.has(a.tag)) continue;
    switch (category(a.tag)) {
      case 'entity':
        if (a.tag === Tag.ENTITY_IDENTIFIER) {
          if (typeof a.value === 'string' && a.value !== '') p.eid = a.value;
        } else if (a.value !== null) p.entityAttrs.set(a.tag, a.value);
        break;
      case 'portal':
        if (a.tag === Tag.PORTAL_IP_ADDRESS) {
          portal = { ip: typeof a.value === 'string' ? a.value : null, port: null, attrs: new Map() };
          p.portals.push(portal);
        } else if (!portal) {
          return null;
        } else if (a.tag === Tag.PORTAL_PORT) {
          portal.port = a.value as PortValue | null;
        } else if (a.value !== null) {
          portal.attrs.set(a.tag, a.value);
        }
        break;
      case 'node':
        if (a.tag === Tag.ISCSI_NAME) {
          if (typeof a.value !== 'string' || a.value === '') return null;
          node = { name: a.value, nodeType: null, attrs: new Map(), lunAttrs: [] };
          p.nodes.push(node);
        } else if (!node) {
          return null;
        } else if (a.tag === Tag.ISCSI_NODE_TYPE) {
          node.nodeType = typeof a.value === 'number' ? a.value : null;
        } else if (isBmcfleetLun(a)) {
          node.lunAttrs.push(a);
        } else if (a.value !== null) {
          node.attrs.set(a.tag, a.value);
        }
        break;
      case 'pg':
        if (a.tag === Tag.PG_ISCSI_NAME) {
          if (typeof a.value !== 'string') return null;
          pg = { name: a.value, ip: null, port: null, tag: undefined };
          p.pgs.push(pg);
        } else if (!pg) {
          return null;
        } else if (a.tag === Tag.PG_PORTAL_IP_ADDR) {
          pg.ip = typeof a.value === 'string' ? a.value : null;
        } else if (a.tag === Tag.PG_PORTAL_PORT) {
          pg.port = a.value as PortValue | null;
        } else if (a.tag === Tag.PG_TAG) {
          pg.tag = typeof a.value === 'number' ? a.value : null;
        }
        break;
      default:
        return null; // DD or FC attributes have no place in a DevAttrReg
    }
  }
  return p;
}

/** The entity the message key names, undefined for "none yet", or null when the key is malformed. */
function keyedEntity(store: RegistryStore, key: readonly IsnsAttribute[]): { entity?: EntityObj; eid?: string } | null {
  let ip: string | null = null;
  let port: PortValue | null = null;
  for (const a of key) {
    if (a.value === null) continue;
    if (a.tag === Tag.ENTITY_IDENTIFIER && typeof a.value === 'string') return { entity: store.entities.get(a.value), eid: a.value };
    if (a.tag === Tag.ISCSI_NAME && typeof a.value === 'string') return { entity: store.nodes.get(a.value)?.entity };
    if (a.tag === Tag.PORTAL_IP_ADDRESS && typeof a.value === 'string') ip = a.value;
    else if (a.tag === Tag.PORTAL_PORT) port = a.value as PortValue;
    else return null;
  }
  if (ip !== null && port !== null) return { entity: store.findPortal(ip, port)?.entity };
  return ip === null && port === null ? {} : null;
}

/** A DevAttrReg from the node `sourceName`, sent from `origin` (source.ts: who the new objects count against). */
export function register(store: RegistryStore, opts: RegisterOptions, sourceName: string, key: readonly IsnsAttribute[],
  operating: readonly IsnsAttribute[], replace: boolean, now: number, origin: string): RegisterResult {
  const keyed = keyedEntity(store, key);
  const parsed = parseOperating(operating);
  if (!keyed || !parsed) return fail(Status.INVALID_REGISTRATION);
  if (keyed.eid && parsed.eid && keyed.eid !== parsed.eid) return fail(Status.INVALID_REGISTRATION);

  // The entity: the key's, else the one a registered node already lives in (isnsadm re-registering), else new.
  let entity = keyed.entity;
  if (!entity && parsed.eid) entity = store.entities.get(parsed.eid);
  if (!entity) {
    for (const n of parsed.nodes) {
      const existing = store.nodes.get(n.name);
      if (existing) { entity = existing.entity; break; }
    }
  }
  if (entity && parsed.eid && entity.eid !== parsed.eid) return fail(Status.INVALID_REGISTRATION);
  // A node or portal may belong to one entity only.
  for (const n of parsed.nodes) {
    const existing = store.nodes.get(n.name);
    if (existing && existing.entity !== entity) return fail(Status.INVALID_REGISTRATION);
    if ((!existing || replace) && n.nodeType === null) return fail(Status.INVALID_REGISTRATION); // §6.4.2: type required
  }
  for (const p of parsed.portals) {
    if (p.ip === null || p.port === null) return fail(Status.INVALID_REGISTRATION);
    const existing = store.findPortal(p.ip, p.port);
    if (existing && existing.entity !== entity) return fail(Status.INVALID_REGISTRATION);
  }
  // Who may change an existing entity: one of its nodes, or a node this message registers into it.
  if (entity) {
    const member = entity.nodes.some((n) => n.name === sourceName) || parsed.nodes.some((n) => n.name === sourceName);
    if (!member) return fail(Status.SOURCE_UNAUTHORIZED);
  } else if (parsed.nodes.length === 0 && parsed.portals.length === 0) {
    return fail(Status.INVALID_REGISTRATION); // a new entity with nothing in it
  }

  // isnsd: a Replace without an EID wipes the entity; a new one, the sender's, takes its place
  const anew = entity !== undefined && replace && keyed.eid === undefined && !parsed.eid;
  const owner = entity && !anew ? entity.source : origin;
  const refused = quotaRefusal(store, opts, owner, entity, objectsAfter(entity, entity !== undefined && !replace, parsed, opts.maxObjectsPerEntity));
  if (refused) return { ...fail(refused === 'objects per entity' ? Status.INVALID_REGISTRATION : Status.INTERNAL_ERROR), refused };

  // What the message leaves out keeps its value; a new entity gets the defaults.
  const askedPeriod = parsed.entityAttrs.get(Tag.REGISTRATION_PERIOD) as number | undefined;
  const period = grantedPeriod(askedPeriod ?? (entity && !replace ? entity.registrationPeriod : opts.defaultRegistrationPeriod), opts.maxRegistrationPeriod);
  const protocol = (parsed.entityAttrs.get(Tag.ENTITY_PROTOCOL) as number | undefined) ?? entity?.protocol ?? EntityProtocol.ISCSI;
  if (anew) {
    store.removeEntity(entity!);
    entity = undefined;
  }
  if (!entity) {
    entity = store.addEntity(keyed.eid ?? parsed.eid ?? store.allocateEid(opts.eidPrefix), now, period, protocol, owner);
  } else {
    if (replace) store.clearEntity(entity);
    entity.lastSeen = now;
    entity.registrationPeriod = period;
    entity.protocol = protocol;
  }
  for (const [tag, v] of parsed.entityAttrs) {
    if (tag !== Tag.REGISTRATION_PERIOD && tag !== Tag.ENTITY_PROTOCOL) entity.attrs.set(tag, v);
  }

  const out: IsnsAttribute[] = [
    attr(Tag.ENTITY_IDENTIFIER, entity.eid), attr(Tag.ENTITY_PROTOCOL, entity.protocol), attr(Tag.REGISTRATION_PERIOD, entity.registrationPeriod),
  ];
  for (const [tag, v] of parsed.entityAttrs) if (tag !== Tag.REGISTRATION_PERIOD && tag !== Tag.ENTITY_PROTOCOL) out.push(attr(tag, v));

  for (const spec of parsed.nodes) {
    const existing = store.nodes.get(spec.name);
    const n = existing ?? store.addNode(entity, spec.name, spec.nodeType!);
    if (spec.nodeType !== null) n.nodeType = spec.nodeType;
    if (existing) store.record({ bits: ScnBitmap.OBJECT_UPDATED, name: n.name, nodeType: n.nodeType });
    for (const [tag, v] of spec.attrs) n.attrs.set(tag, v);
    store.noteScn(n);
    if (spec.lunAttrs.length > 0) n.luns = parseLuns(spec.lunAttrs);
    out.push(attr(Tag.ISCSI_NAME, n.name), attr(Tag.ISCSI_NODE_TYPE, n.nodeType));
    for (const [tag, v] of spec.attrs) out.push(attr(tag, v));
    out.push(...spec.lunAttrs);
  }
  for (const spec of parsed.portals) {
    const p = store.findPortal(spec.ip!, spec.port!) ?? store.addPortal(entity, spec.ip!, spec.port!);
    for (const [tag, v] of spec.attrs) p.attrs.set(tag, v);
    store.noteEsi(p);
    out.push(attr(Tag.PORTAL_IP_ADDRESS, p.ip), attr(Tag.PORTAL_PORT, p.port));
    for (const [tag, v] of spec.attrs) out.push(attr(tag, v));
    out.push(attr(Tag.PORTAL_INDEX, p.index)); // isnsd returns the index it assigned
  }
  for (const spec of parsed.pgs) {
    if (spec.ip === null || spec.port === null) continue;
    const g = store.ensurePg(entity, spec.name, spec.ip, spec.port);
    g.explicit = true;
    if (spec.tag !== undefined) g.tag = spec.tag;
    out.push(attr(Tag.PG_ISCSI_NAME, g.name), attr(Tag.PG_PORTAL_IP_ADDR, g.ip), attr(Tag.PG_PORTAL_PORT, g.port), attr(Tag.PG_TAG, g.tag));
  }
  // Every node reaches every portal of its entity through PGT 1 unless a PG says otherwise (isnsd does the same).
  for (const n of entity.nodes) for (const p of entity.portals) store.ensurePg(entity, n.name, p.ip, p.port);
  return { status: Status.SUCCESSFUL, key: [attr(Tag.ENTITY_IDENTIFIER, entity.eid)], operating: out };
}
