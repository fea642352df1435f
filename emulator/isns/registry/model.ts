// The iSNS database of a server — RFC 4171 §3 (object model: Network Entity > Portal, Storage Node; Portal
// Group; Discovery Domain, which limits what a node may see). Pure: no sockets, no timers; times are numbers
// in ms passed in by the caller.
//
// Indexes: one counter for every object, in creation order (entity, its nodes and portals in message order,
// then their portal groups), which is what open-isns isnsd does (target1: entity 1, node 2, portal 3, PG 4).
//
// What the store holds is counted as it changes, so that limits cost nothing to check (limits.ts): entities,
// and objects (storage nodes, portals, portal groups), in all and per source (the address that registered
// the entity). An entity's portal groups are indexed by node and portal, so registering N nodes x P portals
// costs N x P steps, not (N x P)^2.
import { DD_SET_ENABLED, NodeType, ScnBitmap, Tag, VendorRange } from '../../../protocols/isns/attributes.js';
import type { IsnsValue, PortValue } from '../../../protocols/isns/tlv.js';
import type { LunInfo } from '../../../protocols/isns/vendor-lun.js';
import { encodeIsnsAddress } from '../../../protocols/isns/ip-address.js';

export interface EntityObj {
  index: number;
  eid: string;
  /** Who registered it (source.ts): its objects count against that source's quota. */
  source: string;
  protocol: number;
  /** Seconds; 0 = never expires. */
  registrationPeriod: number;
  /** ms: last DevAttrReg or request from one of its nodes (§5.6.5.1: re-registration refreshes). */
  lastSeen: number;
  /** Other entity attributes registered (Management IP, Protocol Version Range, vendor 385-512, ...). */
  attrs: Map<number, IsnsValue>;
  nodes: NodeObj[];
  portals: PortalObj[];
  /** Portal groups in creation order, and by pgKey. */
  pgs: PgObj[];
  pgIndex: Map<string, PgObj>;
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

/**
 * A change to a storage node, for State Change Notifications (RFC 4171 §2.9, §6.4.4): the SCN bitmap
 * bits of the event, the node, and for DD membership changes the DD.
 */
export interface StoreEvent {
  bits: number;
  name: string;
  nodeType: number;
  ddId?: number;
  /** Told only to the node itself (and management registrations): a DD Set turned one of its DDs on or off. */
  selfOnly?: boolean;
}

/** A Discovery Domain Set (§6.11.1): a named group of DDs, enabled or not. */
export interface DdsObj {
  id: number;
  name: string | null;
  /** DD_Set Status: bit 31 (value 1) = enabled. */
  status: number;
  ddIds: number[];
}

export type Category = 'entity' | 'portal' | 'node' | 'pg' | 'dd' | 'dds' | 'other';

/** Which object an attribute tag belongs to (§6.1 ranges, vendor ranges included). */
export function category(tag: number): Category {
  if (tag >= 1 && tag <= 15) return 'entity';
  if (tag >= 16 && tag <= 31) return 'portal';
  if (tag >= 32 && tag <= 47) return 'node';
  if (tag >= 48 && tag <= 63) return 'pg';
  const within = ([lo, hi]: readonly [number, number]) => tag >= lo && tag <= hi;
  if (within(VendorRange.ENTITY)) return 'entity';
  if (within(VendorRange.PORTAL)) return 'portal';
  if (within(VendorRange.ISCSI_NODE)) return 'node';
  if (tag >= 2049 && tag <= 2063) return 'dds';
  if (tag >= 2065 && tag <= 2079) return 'dd';
  return 'other';
}

/**
 * The order of two strings' UTF-8 bytes (isnsd compares names with strcmp), without encoding them: UTF-16
 * order is code point order except that a surrogate (a code point above FFFF) sorts after E000-FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    return sx === sy ? x - y : sx ? 1 : -1;
  }
  return a.length - b.length;
}

/** isnsd's portal order: the 16-byte address (memcmp), then the port, TCP before UDP. */
export function comparePortals(a: { ip: string; port: PortValue }, b: { ip: string; port: PortValue }): number {
  return Buffer.compare(encodeIsnsAddress(a.ip), encodeIsnsAddress(b.ip)) ||
    (a.port.port + (a.port.udp ? 0x10000 : 0)) - (b.port.port + (b.port.udp ? 0x10000 : 0));
}

export const portKey = (ip: string, port: PortValue) => `${ip}|${port.port}|${port.udp ? 'udp' : 'tcp'}`;
/** A portal group's key (§3.4: the PG iSCSI Name, PG Portal IP Address and PG Portal TCP/UDP Port). */
export const pgKey = (name: string, ip: string, port: PortValue) => `${name}|${portKey(ip, port)}`;

/** Objects an entity holds: storage nodes, portals and portal groups. */
export const objectsIn = (e: EntityObj) => e.nodes.length + e.portals.length + e.pgs.length;

/** What one source holds: entities, and objects in them. */
export interface Usage { entities: number; objects: number }
const NO_USAGE: Usage = Object.freeze({ entities: 0, objects: 0 });

export class RegistryStore {
  readonly entities = new Map<string, EntityObj>();
  readonly nodes = new Map<string, NodeObj>();
  readonly portals = new Map<string, PortalObj>();
  readonly dds = new Map<number, DdObj>();
  readonly ddsets = new Map<number, DdsObj>();
  /** Changes since the last drain, in order (the registry turns them into SCNs). */
  events: StoreEvent[] = [];
  private nextIndex = 1;
  /** The sorted lists DevGetNext walks, while no object of their kind came or went since. */
  private readonly order: { names: string[] | null; entities: EntityObj[] | null; portals: PortalObj[] | null } = { names: null, entities: null, portals: null };
  private nextEid = 1;
  private nextDd = 1;
  /** Storage nodes, portals and portal groups in all entities. */
  private objects = 0;
  private readonly usage = new Map<string, Usage>();

  /** The counters behind indexes, EIDs and DD IDs, for saving and restoring the database. */
  get allocators(): { nextIndex: number; nextEid: number; nextDd: number } {
    return { nextIndex: this.nextIndex, nextEid: this.nextEid, nextDd: this.nextDd };
  }

  set allocators(a: { nextIndex: number; nextEid: number; nextDd: number }) {
    this.nextIndex = a.nextIndex;
    this.nextEid = a.nextEid;
    this.nextDd = a.nextDd;
  }

  /** isnsd's default DD: DD 0 with explicit members (see RegistryOptions.defaultDiscoveryDomain). */
  defaultDdEnabled = false;
  /** Members of DD 0, in the order they joined; removed nodes stay listed (by name, like DD members) until they come back. */
  defaultDdMembers = new Set<string>();
  /** Nodes with a non-zero SCN bitmap (SCN recipients), and portals with an ESI port and interval: kept so
   * that per-request work does not scan the whole database. */
  readonly scnNodes = new Set<NodeObj>();
  readonly esiPortals = new Set<PortalObj>();

  record(ev: StoreEvent): void {
    this.events.push(ev);
  }

  /** The events recorded since the last call. */
  drainEvents(): StoreEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  allocateIndex(): number {
    return this.nextIndex++;
  }

  /** Storage nodes, portals and portal groups held. */
  get objectCount(): number {
    return this.objects;
  }

  /** What `source` holds (entities it registered, and their objects). */
  usageOf(source: string): Usage {
    return this.usage.get(source) ?? NO_USAGE;
  }

  /** Counts `objects` more (or fewer) in `e`, and `entities` for its source. */
  private count(e: EntityObj, objects: number, entities = 0): void {
    this.objects += objects;
    const u = this.usage.get(e.source) ?? { entities: 0, objects: 0 };
    u.objects += objects;
    u.entities += entities;
    if (u.entities === 0 && u.objects === 0) this.usage.delete(e.source);
    else this.usage.set(e.source, u);
  }

  /** Counts everything again (after a restore filled the maps directly). */
  recount(): void {
    this.objects = 0;
    this.usage.clear();
    for (const e of this.entities.values()) this.count(e, objectsIn(e), 1);
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

  addEntity(eid: string, now: number, registrationPeriod: number, protocol: number, source: string): EntityObj {
    const e: EntityObj = {
      index: this.allocateIndex(), eid, source, protocol, registrationPeriod, lastSeen: now, attrs: new Map(), nodes: [], portals: [], pgs: [], pgIndex: new Map(),
    };
    this.entities.set(eid, e);
    this.order.entities = null;
    this.count(e, 0, 1);
    return e;
  }

  addNode(entity: EntityObj, name: string, nodeType: number): NodeObj {
    const n: NodeObj = { index: this.allocateIndex(), entity, name, nodeType, attrs: new Map(), luns: [] };
    entity.nodes.push(n);
    this.count(entity, 1);
    this.nodes.set(name, n);
    this.order.names = null;
    if (this.defaultDdEnabled && this.ddsOf(name).length === 0) {
      // (re)joins DD 0 at the end, as isnsd lists it after a Replace
      this.defaultDdMembers.delete(name);
      this.defaultDdMembers.add(name);
    }
    this.record({ bits: ScnBitmap.OBJECT_ADDED, name, nodeType });
    return n;
  }

  addPortal(entity: EntityObj, ip: string, port: PortValue): PortalObj {
    const p: PortalObj = { index: this.allocateIndex(), entity, ip, port, attrs: new Map() };
    entity.portals.push(p);
    this.count(entity, 1);
    this.portals.set(portKey(ip, port), p);
    this.order.portals = null;
    return p;
  }

  /** The PG for (node, portal), creating it (implicit, PGT 1, as isnsd does) when missing. */
  ensurePg(entity: EntityObj, name: string, ip: string, port: PortValue): PgObj {
    const key = pgKey(name, ip, port);
    const found = entity.pgIndex.get(key);
    if (found) return found;
    const g: PgObj = { index: this.allocateIndex(), name, ip, port, tag: 1, explicit: false };
    entity.pgs.push(g);
    entity.pgIndex.set(key, g);
    this.count(entity, 1);
    return g;
  }

  /** Removes the entity's portal groups that `gone` picks. */
  private dropPgs(e: EntityObj, gone: (g: PgObj) => boolean): void {
    const kept: PgObj[] = [];
    for (const g of e.pgs) {
      if (gone(g)) e.pgIndex.delete(pgKey(g.name, g.ip, g.port));
      else kept.push(g);
    }
    this.count(e, kept.length - e.pgs.length);
    e.pgs = kept;
  }

  removeNode(n: NodeObj): void {
    const e = n.entity;
    e.nodes = e.nodes.filter((x) => x !== n);
    this.count(e, -1);
    this.dropPgs(e, (g) => g.name === n.name);
    this.unlinkNode(n);
  }

  private unlinkNode(n: NodeObj): void {
    this.nodes.delete(n.name);
    this.order.names = null;
    this.scnNodes.delete(n);
    this.record({ bits: ScnBitmap.OBJECT_REMOVED, name: n.name, nodeType: n.nodeType });
  }

  removePortal(p: PortalObj): void {
    const e = p.entity;
    e.portals = e.portals.filter((x) => x !== p);
    this.count(e, -1);
    this.dropPgs(e, (g) => g.ip === p.ip && g.port.port === p.port.port && g.port.udp === p.port.udp);
    this.unlinkPortal(p);
  }

  private unlinkPortal(p: PortalObj): void {
    this.portals.delete(portKey(p.ip, p.port));
    this.order.portals = null;
    this.esiPortals.delete(p);
  }

  /** Removes the entity and everything in it; DD memberships stay (they name nodes, not objects). */
  removeEntity(e: EntityObj): void {
    this.emptyEntity(e);
    this.entities.delete(e.eid);
    this.order.entities = null;
    this.count(e, 0, -1);
  }

  /** Empties an entity for a Replace registration (§5.6.5.1), keeping the entity itself. */
  clearEntity(e: EntityObj): void {
    this.emptyEntity(e);
    e.attrs.clear();
  }

  /** Removes every node, portal and portal group of `e` at once (one by one would cost the square). */
  private emptyEntity(e: EntityObj): void {
    this.dropPgs(e, () => true);
    for (const n of e.nodes) this.unlinkNode(n);
    for (const p of e.portals) this.unlinkPortal(p);
    this.count(e, -(e.nodes.length + e.portals.length));
    e.nodes = [];
    e.portals = [];
  }

  /** Keeps scnNodes in step with a node's SCN bitmap attribute. */
  noteScn(n: NodeObj): void {
    const b = n.attrs.get(Tag.ISCSI_SCN_BITMAP);
    if (typeof b === 'number' && b !== 0 && this.nodes.get(n.name) === n) this.scnNodes.add(n);
    else this.scnNodes.delete(n);
  }

  /** Keeps esiPortals in step with a portal's ESI attributes. */
  noteEsi(p: PortalObj): void {
    if (p.attrs.has(Tag.ESI_INTERVAL) && p.attrs.has(Tag.ESI_PORT) && this.findPortal(p.ip, p.port) === p) this.esiPortals.add(p);
    else this.esiPortals.delete(p);
  }

  ddsOf(name: string): DdObj[] {
    return [...this.dds.values()].filter((d) => d.members.includes(name));
  }

  /**
   * DD visibility (§2.2.2): a node sees itself, and the nodes it shares an active DD with (DD 0 included);
   * a Control node sees all. A source that is not registered (index 0) counts as a member of DD 0, as
   * isnsd answers such sources.
   */
  visible(source: NodeObj, target: NodeObj): boolean {
    return this.seenBy(source)(target.name);
  }

  /**
   * Which names `source` may see, as a test: itself, every name for a Control node, and the names it shares
   * an active DD with, DD 0 included (by name, so it also works for a node just removed). One pass over the
   * sets and the DDs, and DD 0 is looked up rather than copied: callers make it once per request.
   */
  seenBy(source: NodeObj): (name: string) => boolean {
    if ((source.nodeType & NodeType.CONTROL) !== 0) return () => true;
    const inDd0 = this.defaultDdEnabled && (source.index === 0 || this.defaultDdMembers.has(source.name));
    const peers = new Set<string>([source.name]);
    const active = this.activeDdIds();
    for (const d of this.dds.values()) {
      if (active.has(d.id) && d.members.includes(source.name)) for (const m of d.members) peers.add(m);
    }
    return inDd0 ? (name) => peers.has(name) || this.defaultDdMembers.has(name) : (name) => peers.has(name);
  }

  /** iSCSI names in isnsd's order (strcmp on their UTF-8 bytes), for DevGetNext; rebuilt after nodes come or go. */
  sortedNames(): string[] {
    this.order.names ??= [...this.nodes.keys()].sort(compareUtf8);
    return this.order.names;
  }

  /** Entities by EID in the same order, for DevGetNext; rebuilt after entities come or go. */
  sortedEntities(): EntityObj[] {
    this.order.entities ??= [...this.entities.values()].sort((a, b) => compareUtf8(a.eid, b.eid));
    return this.order.entities;
  }

  /** Portals in comparePortals order, for DevGetNext; rebuilt after portals come or go. */
  sortedPortals(): PortalObj[] {
    this.order.portals ??= [...this.portals.values()].sort(comparePortals);
    return this.order.portals;
  }

  /**
   * The active DDs (§2.2.2: a node discovers others only through an enabled DD). A DD in one or more DD
   * Sets is active when at least one of them is enabled; a DD in no set counts as in an enabled default
   * set, so servers and clients that never use DD Sets (isnsd answers DDSReg with 15) see every DD active.
   */
  activeDdIds(): Set<number> {
    const inSet = new Set<number>();
    const enabled = new Set<number>();
    for (const s of this.ddsets.values()) {
      for (const id of s.ddIds) {
        inSet.add(id);
        if ((s.status & DD_SET_ENABLED) !== 0) enabled.add(id);
      }
    }
    const out = new Set<number>();
    for (const id of this.dds.keys()) if (!inSet.has(id) || enabled.has(id)) out.add(id);
    return out;
  }

  /** Visible nodes in index order. */
  visibleNodes(source: NodeObj): NodeObj[] {
    const sees = this.seenBy(source);
    return [...this.nodes.values()].filter((n) => sees(n.name)).sort((a, b) => a.index - b.index);
  }
}

/** Tags whose values the server assigns; registrations that carry them are not refused, the values are ignored. */
export const SERVER_ASSIGNED = new Set<number>([
  Tag.TIMESTAMP, Tag.ENTITY_INDEX, Tag.ENTITY_NEXT_INDEX, Tag.PORTAL_INDEX, Tag.PORTAL_NEXT_INDEX,
  Tag.ISCSI_NODE_INDEX, Tag.ISCSI_NODE_NEXT_INDEX, Tag.PG_INDEX, Tag.PG_NEXT_INDEX,
  Tag.DD_NEXT_ID, Tag.DD_SET_NEXT_ID,
]);
