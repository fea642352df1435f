// The iSNS database of a server — RFC 4171 §3 (object model: Network Entity > Portal, Storage Node; Portal
// Group; Discovery Domain, which limits what a node may see). Pure: no sockets, no timers; times are numbers
// in ms passed in by the caller.
//
// Indexes: one counter for every object, in creation order (entity, its nodes and portals in message order,
// then their portal groups), which is what open-isns isnsd does (target1: entity 1, node 2, portal 3, PG 4).
import { NodeType, Tag } from '../../protocols/isns/attributes.js';
import type { IsnsValue, PortValue } from '../../protocols/isns/tlv.js';
import type { LunInfo } from '../../protocols/isns/vendor-lun.js';

export interface EntityObj {
  index: number;
  eid: string;
  protocol: number;
  /** Seconds; 0 = never expires. */
  registrationPeriod: number;
  /** ms: last DevAttrReg or request from one of its nodes (§5.6.5.1: re-registration refreshes). */
  lastSeen: number;
  /** Other entity attributes registered (Management IP, Protocol Version Range, vendor 385-512, ...). */
  attrs: Map<number, IsnsValue>;
  nodes: NodeObj[];
  portals: PortalObj[];
  pgs: PgObj[];
}

export interface NodeObj {
  index: number;
  entity: EntityObj;
  name: string;
  nodeType: number;
  /** Alias, SCN bitmap, AuthMethod, other node attributes. */
  attrs: Map<number, IsnsValue>;
  luns: LunInfo[];
}

export interface PortalObj {
  index: number;
  entity: EntityObj;
  ip: string;
  port: PortValue;
  /** Symbolic name, ESI interval/port, SCN port, security bitmap, vendor 513-640. */
  attrs: Map<number, IsnsValue>;
}

export interface PgObj {
  index: number;
  name: string;
  ip: string;
  port: PortValue;
  /** Portal Group Tag; null = registered with no PGT (the node is not reachable through that portal). */
  tag: number | null;
  explicit: boolean;
}

export interface DdObj {
  id: number;
  name: string | null;
  features: number;
  /** Member iSCSI names, in the order added (a member need not be registered). */
  members: string[];
}

export type Category = 'entity' | 'portal' | 'node' | 'pg' | 'dd' | 'dds' | 'other';

/** Which object an attribute tag belongs to (§6.1 ranges, vendor ranges included). */
export function category(tag: number): Category {
  if (tag >= 1 && tag <= 15) return 'entity';
  if (tag >= 16 && tag <= 31) return 'portal';
  if (tag >= 32 && tag <= 47) return 'node';
  if (tag >= 48 && tag <= 63) return 'pg';
  if (tag >= 385 && tag <= 512) return 'entity';
  if (tag >= 513 && tag <= 640) return 'portal';
  if (tag >= 641 && tag <= 768) return 'node';
  if (tag >= 2049 && tag <= 2063) return 'dds';
  if (tag >= 2065 && tag <= 2079) return 'dd';
  return 'other';
}

const portKey = (ip: string, port: PortValue) => `${ip}|${port.port}|${port.udp ? 'udp' : 'tcp'}`;

export class RegistryStore {
  readonly entities = new Map<string, EntityObj>();
  readonly nodes = new Map<string, NodeObj>();
  readonly portals = new Map<string, PortalObj>();
  readonly dds = new Map<number, DdObj>();
  private nextIndex = 1;
  private nextEid = 1;
  private nextDd = 1;

  allocateIndex(): number {
    return this.nextIndex++;
  }

  /** A fresh EID like isnsd's ("isns.entity.0001"), skipping ones clients chose. */
  allocateEid(prefix: string): string {
    for (;;) {
      const eid = `${prefix}${String(this.nextEid++).padStart(4, '0')}`;
      if (!this.entities.has(eid)) return eid;
    }
  }

  allocateDdId(): number {
    while (this.dds.has(this.nextDd)) this.nextDd++;
    return this.nextDd++;
  }

  findPortal(ip: string, port: PortValue): PortalObj | undefined {
    return this.portals.get(portKey(ip, port));
  }

  addEntity(eid: string, now: number, registrationPeriod: number, protocol: number): EntityObj {
    const e: EntityObj = {
      index: this.allocateIndex(), eid, protocol, registrationPeriod, lastSeen: now, attrs: new Map(), nodes: [], portals: [], pgs: [],
    };
    this.entities.set(eid, e);
    return e;
  }

  addNode(entity: EntityObj, name: string, nodeType: number): NodeObj {
    const n: NodeObj = { index: this.allocateIndex(), entity, name, nodeType, attrs: new Map(), luns: [] };
    entity.nodes.push(n);
    this.nodes.set(name, n);
    return n;
  }

  addPortal(entity: EntityObj, ip: string, port: PortValue): PortalObj {
    const p: PortalObj = { index: this.allocateIndex(), entity, ip, port, attrs: new Map() };
    entity.portals.push(p);
    this.portals.set(portKey(ip, port), p);
    return p;
  }

  /** The PG for (node, portal), creating it (implicit, PGT 1, as isnsd does) when missing. */
  ensurePg(entity: EntityObj, name: string, ip: string, port: PortValue): PgObj {
    const found = entity.pgs.find((g) => g.name === name && g.ip === ip && g.port.port === port.port && g.port.udp === port.udp);
    if (found) return found;
    const g: PgObj = { index: this.allocateIndex(), name, ip, port, tag: 1, explicit: false };
    entity.pgs.push(g);
    return g;
  }

  removeNode(n: NodeObj): void {
    const e = n.entity;
    e.nodes = e.nodes.filter((x) => x !== n);
    e.pgs = e.pgs.filter((g) => g.name !== n.name);
    this.nodes.delete(n.name);
  }

  removePortal(p: PortalObj): void {
    const e = p.entity;
    e.portals = e.portals.filter((x) => x !== p);
    e.pgs = e.pgs.filter((g) => !(g.ip === p.ip && g.port.port === p.port.port && g.port.udp === p.port.udp));
    this.portals.delete(portKey(p.ip, p.port));
  }

  /** Removes the entity and everything in it; DD memberships stay (they name nodes, not objects). */
  removeEntity(e: EntityObj): void {
    for (const n of [...e.nodes]) this.removeNode(n);
    for (const p of [...e.portals]) this.removePortal(p);
    this.entities.delete(e.eid);
  }

  /** Empties an entity for a Replace registration (§5.6.5.1), keeping the entity itself. */
  clearEntity(e: EntityObj): void {
    for (const n of [...e.nodes]) this.removeNode(n);
    for (const p of [...e.portals]) this.removePortal(p);
    e.pgs = [];
    e.attrs.clear();
  }

  ddsOf(name: string): DdObj[] {
    return [...this.dds.values()].filter((d) => d.members.includes(name));
  }

  /**
   * DD visibility: a node sees itself, and nodes it shares a DD with; a Control node sees all.
   * With `defaultDomain`, nodes in no DD at all see each other (isnsd's DefaultDiscoveryDomain).
   */
  visible(source: NodeObj, target: NodeObj, defaultDomain: boolean): boolean {
    if (source === target || (source.nodeType & NodeType.CONTROL) !== 0) return true;
    let sourceInAny = false;
    let targetInAny = false;
    for (const d of this.dds.values()) {
      const s = d.members.includes(source.name);
      const t = d.members.includes(target.name);
      if (s && t) return true;
      sourceInAny ||= s;
      targetInAny ||= t;
    }
    return defaultDomain && !sourceInAny && !targetInAny;
  }

  /** Visible nodes in index order. */
  visibleNodes(source: NodeObj, defaultDomain: boolean): NodeObj[] {
    return [...this.nodes.values()].filter((n) => this.visible(source, n, defaultDomain)).sort((a, b) => a.index - b.index);
  }
}

/** Tags whose values the server assigns; registrations that carry them are not refused, the values are ignored. */
export const SERVER_ASSIGNED = new Set<number>([
  Tag.TIMESTAMP, Tag.ENTITY_INDEX, Tag.ENTITY_NEXT_INDEX, Tag.PORTAL_INDEX, Tag.PORTAL_NEXT_INDEX,
  Tag.ISCSI_NODE_INDEX, Tag.ISCSI_NODE_NEXT_INDEX, Tag.PG_INDEX, Tag.PG_NEXT_INDEX,
  Tag.DD_NEXT_ID, Tag.DD_SET_NEXT_ID,
]);
