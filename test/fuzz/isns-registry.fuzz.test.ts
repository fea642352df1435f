// Fuzzes the sans-I/O iSNS server core: one IsnsRegistry takes a long run of requests — the captured
// isnsadm requests, mutations of them, and random well-formed registrations, queries, DD changes and
// deregistrations among a few names — through handleRaw. It must never throw, every answer must encode,
// and the database must stay consistent (maps and object lists agree, indexes unique).
import t from 'tap';
import { decodePdu } from '../../protocols/isns/header.js';
import { Flag } from '../../protocols/isns/header.js';
import { FunctionId } from '../../protocols/isns/functions.js';
import { NodeType, TAGS, Tag, tagKind } from '../../protocols/isns/attributes.js';
import { attr, type IsnsAttribute } from '../../protocols/isns/tlv.js';
import { encodeMessage, encodeMessageBody, type IsnsRequest } from '../../protocols/isns/codec.js';
import { Reassembler } from '../../protocols/isns/segments.js';
import { LunTag, lunAttributes } from '../../protocols/isns/vendor-lun.js';
import { IsnsRegistry } from '../../emulator/isns/registry/registry.js';
import { loadFrames } from '../helpers/vectors.js';
import { FailureLog, Rng, fuzzIterations, fuzzSeed, hex, mutate, seedHex } from './fuzz-helpers.js';

const SEED = fuzzSeed();
const STEPS = fuzzIterations(20_000);
const captured = loadFrames('isns/isnsadm-vs-isnsd.json').filter((f) => (f.from as string) === 'client').map((f) => f.bytes);

const NAMES = ['iqn.t:a', 'iqn.t:b', 'iqn.t:c', 'iqn.i:h', 'iqn.i:g', 'iqn.c:admin'];
const IPS = ['127.25.0.2', '127.25.0.3', '::1', '2001:db8::9'];

const ALL_TAGS = [...TAGS.keys()].filter((tag) => tag !== Tag.DELIMITER);

/** Any attribute of the table with a value of its kind (or none). */
function randomAttr(rng: Rng): IsnsAttribute {
  const tag = rng.pick(ALL_TAGS);
  if (rng.bool(0.3)) return attr(tag);
  switch (tagKind(tag)) {
    case 'string': return attr(tag, rng.pick(NAMES));
    case 'u32': return attr(tag, rng.pick([0, 1, 2, 4, 0xffffffff]));
    case 'u64': return attr(tag, BigInt(rng.int(1000)));
    case 'ip': return attr(tag, rng.pick(IPS));
    case 'port': return attr(tag, { port: rng.pick([3260, 860]), udp: rng.bool(0.2) });
    case 'range16': return attr(tag, { max: 1, min: 1 });
    default: return attr(tag, rng.bytes(4 * rng.int(3)));
  }
}

function randomRequest(rng: Rng, reg: IsnsRegistry): IsnsRequest {
  const req = structuredRequest(rng, reg);
  if (rng.bool(0.25)) {
    // sprinkle arbitrary attributes of every kind into the key or the operating attributes
    const list = rng.bool(0.5) ? req.key : req.operating;
    for (let k = rng.range(1, 3); k > 0; k--) list.splice(rng.int(list.length + 1), 0, randomAttr(rng));
  }
  return req;
}

function structuredRequest(rng: Rng, reg: IsnsRegistry): IsnsRequest {
  const src = rng.pick(NAMES);
  const name = rng.pick(NAMES);
  const eids = [...reg.store.entities.keys()];
  const ddIds = [...reg.store.dds.keys()];
  const portal = (): IsnsAttribute[] => [attr(Tag.PORTAL_IP_ADDRESS, rng.pick(IPS)), attr(Tag.PORTAL_PORT, { port: rng.pick([3260, 860]), udp: rng.bool(0.2) })];
  const base = { kind: 'request' as const, transactionId: rng.int(0x10000), flags: Flag.CLIENT | (rng.bool(0.2) ? Flag.REPLACE : 0), source: rng.bool(0.95) ? attr(Tag.ISCSI_NAME, src) : null };
  switch (rng.int(6)) {
    case 0: {
      const type = name.startsWith('iqn.c') ? NodeType.CONTROL : name.startsWith('iqn.t') ? NodeType.TARGET : NodeType.INITIATOR;
      const key = rng.bool(0.5) ? [attr(Tag.ENTITY_IDENTIFIER, eids.length && rng.bool(0.5) ? rng.pick(eids) : null)] : [];
      const op = [attr(Tag.ISCSI_NAME, name), attr(Tag.ISCSI_NODE_TYPE, type), ...(rng.bool(0.3) ? lunAttributes([{ lun: rng.int(4), sizeBytes: 512n, state: 1 }]) : []),
        ...(rng.bool(0.7) ? portal() : []), ...(rng.bool(0.2) ? [attr(Tag.PG_ISCSI_NAME, name), attr(Tag.PG_PORTAL_IP_ADDR, rng.pick(IPS)), attr(Tag.PG_PORTAL_PORT, { port: 3260, udp: false }), attr(Tag.PG_TAG, rng.int(3))] : [])];
      return { ...base, functionId: FunctionId.DEV_ATTR_REG, key, operating: rng.bool(0.1) ? op.reverse() : op };
    }
    case 1:
      return { ...base, functionId: FunctionId.DEV_ATTR_QRY, key: [rng.pick([attr(Tag.ISCSI_NODE_TYPE, rng.range(1, 7)), attr(Tag.ISCSI_NAME, name), attr(Tag.ISCSI_NAME), attr(Tag.DD_ID), ...portal()])],
        operating: rng.pick([[attr(Tag.ISCSI_NAME), attr(Tag.PORTAL_IP_ADDRESS), attr(Tag.PG_TAG)], [attr(Tag.ENTITY_IDENTIFIER)], [attr(Tag.DD_ID), attr(Tag.DD_MEMBER_ISCSI_NAME)], [attr(LunTag.NUMBER)]]) };
    case 2:
      return { ...base, functionId: FunctionId.DEV_GET_NEXT, key: [rng.pick([attr(Tag.ISCSI_NAME), attr(Tag.ISCSI_NAME, name), attr(Tag.DD_ID), attr(Tag.ENTITY_IDENTIFIER), attr(Tag.PORTAL_IP_ADDRESS), attr(Tag.DD_ID, rng.int(4))])], operating: [] };
    case 3:
      return { ...base, functionId: FunctionId.DEV_DEREG, key: [], operating: [rng.pick([attr(Tag.ISCSI_NAME, name), attr(Tag.ENTITY_IDENTIFIER, eids.length ? rng.pick(eids) : 'none')]), ...(rng.bool(0.3) ? portal() : [])] };
    case 4:
      return { ...base, functionId: FunctionId.DD_REG, key: ddIds.length && rng.bool(0.5) ? [attr(Tag.DD_ID, rng.pick(ddIds))] : [],
        operating: [attr(Tag.DD_SYMBOLIC_NAME, `dd${rng.int(4)}`), attr(Tag.DD_MEMBER_ISCSI_NAME, name), attr(Tag.DD_MEMBER_ISCSI_NAME, src)] };
    default:
      return { ...base, functionId: FunctionId.DD_DEREG, key: [attr(Tag.DD_ID, ddIds.length ? rng.pick(ddIds) : 1)], operating: rng.bool(0.5) ? [attr(Tag.DD_MEMBER_ISCSI_NAME, name)] : [] };
  }
}

/** Why the database is inconsistent, or null. */
function inconsistency(reg: IsnsRegistry): string | null {
  const s = reg.store;
  const indexes = new Set<number>();
  for (const [eid, e] of s.entities) {
    if (e.eid !== eid) return `entity ${eid} filed under another EID`;
    if (e.nodes.length === 0 && e.portals.length === 0) return `entity ${eid} is empty`;
    for (const n of e.nodes) {
      if (s.nodes.get(n.name) !== n) return `node ${n.name} of ${eid} missing from the node map`;
      if (n.entity !== e) return `node ${n.name} points at another entity`;
      if (typeof n.nodeType !== 'number') return `node ${n.name} has no node type`;
      if (indexes.has(n.index)) return `index ${n.index} used twice`;
      indexes.add(n.index);
    }
    for (const p of e.portals) {
      if (s.findPortal(p.ip, p.port) !== p) return `portal ${p.ip} of ${eid} missing from the portal map`;
      if (indexes.has(p.index)) return `index ${p.index} used twice`;
      indexes.add(p.index);
    }
    for (const g of e.pgs) if (!e.nodes.some((n) => n.name === g.name) && !g.explicit) return `implicit PG for ${g.name}, not a node of ${eid}`;
  }
  for (const n of s.nodes.values()) if (s.entities.get(n.entity.eid) !== n.entity) return `node ${n.name} in a removed entity`;
  for (const p of s.portals.values()) if (s.entities.get(p.entity.eid) !== p.entity) return `portal ${p.ip} in a removed entity`;
  return null;
}

t.test(`the server core survives ${STEPS} mixed requests (seed ${seedHex(SEED)})`, (t) => {
  const rng = new Rng(SEED).fork('registry');
  const log = new FailureLog(SEED);
  const reg = new IsnsRegistry({ defaultRegistrationPeriod: 300 });
  let answered = 0;
  for (let i = 0; i < STEPS; i++) {
    const now = i * 100;
    let raw: Uint8Array;
    let label: string;
    const pick = rng.int(10);
    if (pick < 6) {
      const req = randomRequest(rng, reg);
      raw = Buffer.concat(encodeMessage(req));
      label = 'generated';
    } else if (pick < 7) {
      raw = rng.pick(captured);
      label = 'captured';
    } else {
      raw = mutate(rng, rng.pick(captured), { corpus: captured }, 3).bytes;
      label = 'mutated';
    }
    let pdu;
    try { pdu = decodePdu(raw); } catch { continue; }
    const m = new Reassembler().push(pdu, now);
    if (!m) continue;
    try {
      const rsp = reg.handleRaw(m, now);
      if (rsp) {
        encodeMessageBody(rsp);
        answered++;
      }
    } catch (err) {
      const e = err as Error;
      log.add({ target: `handleRaw (${label})`, problem: `threw ${e.name}: ${e.message}`, input: hex(raw), iteration: i });
    }
    const bad = inconsistency(reg);
    if (bad) log.add({ target: `database (${label})`, problem: bad, input: hex(raw), iteration: i });
    if (i % 500 === 499) reg.expire(now);
  }
  t.comment(`${answered} answers; ${reg.store.entities.size} entities, ${reg.store.nodes.size} nodes, ${reg.store.dds.size} DDs at the end`);
  t.comment(`statuses: ${[...reg.counters.statuses].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  t.ok(answered > STEPS / 2, 'most requests answered');
  t.ok((reg.counters.statuses.get('Successful') ?? 0) > STEPS / 10, 'many succeed');
  log.report(t, 'registry');
  t.end();
});
