// The iSNS server's state directory: the database (entities, portals, nodes, portal groups, LUN
// attributes, SCN registrations, DDs and DD sets, and the index/EID/DD counters) saved as one JSON file,
// written to a temporary name and renamed, so a crash leaves the old or the new file, never half of one.
// On load every entity's registration period restarts from the load time (the server was away; its
// clients could not refresh), which is what isnsd does with its database file too, and is granted anew
// under today's cap (a period of 0 saved before the cap existed expires like the others). Each entity keeps
// the source that registered it, so per-source quotas hold across restarts.
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { IsnsValue } from '../../protocols/isns/tlv.js';
import { pgKey, portKey, type PgObj, type RegistryStore } from './registry/model.js';
import { grantedPeriod } from './registry/register.js';
import { LOCAL_SOURCE } from './source.js';

const FILE = 'isns-registry.json';
const FORMAT = 1;

type Encoded = null | string | number | { b: string } | { x: string } | { port: number; udp: boolean } | { max: number; min: number };

function enc(v: IsnsValue): Encoded {
  if (typeof v === 'bigint') return { b: v.toString() };
  if (v instanceof Uint8Array) return { x: Buffer.from(v).toString('hex') };
  return v as Encoded;
}

function dec(v: Encoded): IsnsValue {
  if (v !== null && typeof v === 'object') {
    if ('b' in v) return BigInt(v.b);
    if ('x' in v) return Buffer.from(v.x, 'hex');
  }
  return v as IsnsValue;
}

const encMap = (m: Map<number, IsnsValue>) => [...m].map(([t, v]) => [t, enc(v)] as const);
const decMap = (l: ReadonlyArray<readonly [number, Encoded]>) => new Map<number, IsnsValue>(l.map(([t, v]) => [t, dec(v)]));

export function snapshot(store: RegistryStore): unknown {
  return {
    format: FORMAT,
    allocators: store.allocators,
    entities: [...store.entities.values()].map((e) => ({
      index: e.index, eid: e.eid, source: e.source, protocol: e.protocol, registrationPeriod: e.registrationPeriod, attrs: encMap(e.attrs),
      portals: e.portals.map((p) => ({ index: p.index, ip: p.ip, port: p.port, attrs: encMap(p.attrs) })),
      nodes: e.nodes.map((n) => ({
        index: n.index, name: n.name, nodeType: n.nodeType, attrs: encMap(n.attrs),
        luns: n.luns.map((l) => ({ lun: l.lun, size: l.sizeBytes?.toString(), state: l.state })),
      })),
      pgs: e.pgs.map((g) => ({ ...g })),
    })),
    dds: [...store.dds.values()],
    ddsets: [...store.ddsets.values()],
    defaultDdMembers: [...store.defaultDdMembers],
  };
}

/**
 * Fills an empty store from a snapshot; `now` becomes every entity's last refresh, and periods are granted
 * again under `maxRegistrationPeriod` (register.ts's rule). Throws on a bad file.
 */
export function restore(store: RegistryStore, data: any, now: number, maxRegistrationPeriod = 0): void {
  if (!data || data.format !== FORMAT) throw new Error(`iSNS state: unknown format ${data?.format}`);
  for (const e of data.entities) {
    const pgs: PgObj[] = e.pgs;
    const entity = {
      index: e.index, eid: e.eid, source: e.source ?? LOCAL_SOURCE, protocol: e.protocol,
      registrationPeriod: grantedPeriod(e.registrationPeriod, maxRegistrationPeriod), lastSeen: now,
      attrs: decMap(e.attrs), nodes: [] as any[], portals: [] as any[], pgs, pgIndex: new Map(pgs.map((g) => [pgKey(g.name, g.ip, g.port), g])),
    };
    store.entities.set(entity.eid, entity);
    for (const p of e.portals) {
      const portal = { index: p.index, entity, ip: p.ip, port: p.port, attrs: decMap(p.attrs) };
      entity.portals.push(portal);
      store.portals.set(portKey(p.ip, p.port), portal);
    }
    for (const n of e.nodes) {
      const node = {
        index: n.index, entity, name: n.name, nodeType: n.nodeType, attrs: decMap(n.attrs),
        luns: n.luns.map((l: any) => ({ lun: l.lun, ...(l.size !== undefined ? { sizeBytes: BigInt(l.size) } : {}), ...(l.state !== undefined ? { state: l.state } : {}) })),
      };
      entity.nodes.push(node);
      store.nodes.set(n.name, node);
    }
  }
  for (const d of data.dds) store.dds.set(d.id, d);
  for (const s of data.ddsets ?? []) store.ddsets.set(s.id, s);
  store.defaultDdMembers = new Set(data.defaultDdMembers ?? []);
  for (const n of store.nodes.values()) store.noteScn(n);
  for (const p of store.portals.values()) store.noteEsi(p);
  store.allocators = data.allocators;
  store.recount();
}

export class StateDir {
  readonly dir: string;
  readonly file: string;

  constructor(dir: string) {
    this.dir = dir;
    this.file = join(dir, FILE);
    mkdirSync(dir, { recursive: true });
  }

  /** Loads the saved database into `store` (left empty when there is none); true when there was one. */
  load(store: RegistryStore, now: number, maxRegistrationPeriod = 0): boolean {
    if (!existsSync(this.file)) return false;
    restore(store, JSON.parse(readFileSync(this.file, 'utf8')), now, maxRegistrationPeriod);
    return true;
  }

  save(store: RegistryStore): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(snapshot(store)));
    renameSync(tmp, this.file);
  }
}
