// Fuzzes what the registry counts for its limits (emulator/isns/limits.ts, registry/quota.ts): random
// registrations (new, refreshed, Replace with and without an EID, explicit portal groups) from a few sources,
// deregistrations of nodes, portals and entities, and expiry, under small limits. After every step the running
// counts must equal a recount from scratch (objects in all and per source, entities per source), every
// entity's portal group index must match its list, and no limit may be over (a refused request changes nothing).
import t from 'tap';
import { IsnsRegistry } from '../../emulator/isns/registry/registry.js';
import { objectsIn, pgKey, type RegistryStore } from '../../emulator/isns/registry/model.js';
import { NodeType, Tag } from '../../protocols/isns/attributes.js';
import type { IsnsRequest } from '../../protocols/isns/codec.js';
import { FunctionId } from '../../protocols/isns/functions.js';
import { Flag } from '../../protocols/isns/header.js';
import { attr, type IsnsAttribute } from '../../protocols/isns/tlv.js';
import { FailureLog, Rng, fuzzIterations, fuzzSeed, seedHex } from './fuzz-helpers.js';

const SEED = fuzzSeed();
const STEPS = fuzzIterations(5_000);
const NAMES = Array.from({ length: 12 }, (_, i) => `iqn.q:n${i}`);
const IPS = ['127.25.0.2', '127.25.0.3', '127.25.0.4', '::1'];
const SOURCES = ['A', 'B', 'C'];
const LIMITS = { maxEntities: 6, maxObjects: 40, maxEntitiesPerSource: 3, maxObjectsPerSource: 20, maxObjectsPerEntity: 12 };

function randomRequest(rng: Rng, reg: IsnsRegistry): IsnsRequest {
  const src = rng.pick(NAMES);
  const eids = [...reg.store.entities.keys()];
  const portal = (): IsnsAttribute[] => [attr(Tag.PORTAL_IP_ADDRESS, rng.pick(IPS)), attr(Tag.PORTAL_PORT, { port: rng.pick([3260, 860]), udp: false })];
  const base = { kind: 'request' as const, transactionId: rng.int(0x10000), flags: Flag.CLIENT | (rng.bool(0.25) ? Flag.REPLACE : 0), source: attr(Tag.ISCSI_NAME, src) };
  if (rng.bool(0.75)) {
    const eid = eids.length && rng.bool(0.4) ? rng.pick(eids) : rng.bool(0.3) ? `e${rng.int(4)}` : null;
    const op: IsnsAttribute[] = eid ? [attr(Tag.ENTITY_IDENTIFIER, eid)] : [];
    for (let i = rng.int(3); i > 0; i--) op.push(...portal());
    const nodes = [src, ...Array.from({ length: rng.int(4) }, () => rng.pick(NAMES))];
    for (const n of nodes) op.push(attr(Tag.ISCSI_NAME, n), attr(Tag.ISCSI_NODE_TYPE, NodeType.TARGET));
    if (rng.bool(0.3)) op.push(attr(Tag.PG_ISCSI_NAME, rng.pick(NAMES)), attr(Tag.PG_PORTAL_IP_ADDR, rng.pick(IPS)), attr(Tag.PG_PORTAL_PORT, { port: 3260, udp: false }), attr(Tag.PG_TAG, 2));
    return { ...base, functionId: FunctionId.DEV_ATTR_REG, key: [attr(Tag.ENTITY_IDENTIFIER, eid)], operating: op };
  }
  const what = rng.pick<IsnsAttribute[]>([[attr(Tag.ISCSI_NAME, rng.pick(NAMES))], [attr(Tag.ENTITY_IDENTIFIER, eids.length ? rng.pick(eids) : 'none')], portal()]);
  return { ...base, functionId: FunctionId.DEV_DEREG, key: [], operating: what, source: attr(Tag.ISCSI_NAME, 'iqn.q:admin') };
}

/** What is wrong with the counts, or null. */
function miscount(s: RegistryStore): string | null {
  let objects = 0;
  const usage = new Map<string, { entities: number; objects: number }>();
  for (const e of s.entities.values()) {
    objects += objectsIn(e);
    const u = usage.get(e.source) ?? { entities: 0, objects: 0 };
    u.entities++;
    u.objects += objectsIn(e);
    usage.set(e.source, u);
    if (e.pgIndex.size !== e.pgs.length || e.pgs.some((g) => e.pgIndex.get(pgKey(g.name, g.ip, g.port)) !== g)) return `PG index of ${e.eid} out of step`;
    if (objectsIn(e) > LIMITS.maxObjectsPerEntity) return `${e.eid} holds ${objectsIn(e)} objects`;
  }
  if (s.objectCount !== objects) return `objectCount ${s.objectCount}, recount ${objects}`;
  if (objects > LIMITS.maxObjects || s.entities.size > LIMITS.maxEntities) return `over a limit in all: ${s.entities.size} entities, ${objects} objects`;
  for (const src of SOURCES) {
    const want = usage.get(src) ?? { entities: 0, objects: 0 };
    const got = s.usageOf(src);
    if (got.entities !== want.entities || got.objects !== want.objects) return `usage of ${src}: ${JSON.stringify(got)}, recount ${JSON.stringify(want)}`;
    if (want.entities > LIMITS.maxEntitiesPerSource || want.objects > LIMITS.maxObjectsPerSource) return `${src} over its quota: ${JSON.stringify(want)}`;
  }
  return null;
}

t.test(`the registry's counts stay exact through ${STEPS} random changes (seed ${seedHex(SEED)})`, (t) => {
  const rng = new Rng(SEED).fork('registry-counts');
  const log = new FailureLog(SEED);
  const reg = new IsnsRegistry({ ...LIMITS, defaultRegistrationPeriod: 60 });
  // a Control node may deregister anything
  reg.handle({ kind: 'request', functionId: FunctionId.DEV_ATTR_REG, transactionId: 1, flags: Flag.CLIENT, source: attr(Tag.ISCSI_NAME, 'iqn.q:admin'),
    key: [attr(Tag.ENTITY_IDENTIFIER, 'admin')], operating: [attr(Tag.ENTITY_IDENTIFIER, 'admin'), attr(Tag.REGISTRATION_PERIOD, 0), attr(Tag.ISCSI_NAME, 'iqn.q:admin'),
      attr(Tag.ISCSI_NODE_TYPE, NodeType.CONTROL)] }, 0, 'admin');
  let refused = 0;
  for (let i = 0; i < STEPS; i++) {
    const now = i * 1000;
    const req = randomRequest(rng, reg);
    const before = JSON.stringify([reg.store.objectCount, reg.store.entities.size]);
    const rsp = reg.handle(req, now, rng.pick(SOURCES));
    if (rsp && rsp.status === 11) {
      refused++;
      if (JSON.stringify([reg.store.objectCount, reg.store.entities.size]) !== before) log.add({ target: 'refusal', problem: 'a refused request changed the counts', input: JSON.stringify(req), iteration: i });
    }
    if (i % 97 === 96) reg.expire(now);
    const bad = miscount(reg.store);
    if (bad) log.add({ target: 'counts', problem: bad, input: JSON.stringify(req, (_k, v) => (typeof v === 'bigint' ? String(v) : v)), iteration: i });
  }
  t.comment(`${refused} refused by a quota; ${[...reg.counters.refused].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  t.ok(refused > 0, 'the quotas were reached');
  log.report(t, 'registry counts');
  t.end();
});
