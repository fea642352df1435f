// Issue 17, "portal groups cost quadratic time" and "the registry can be filled for good", on the sans-I/O
// registry: an entity holds a bounded number of objects (a registration of 250 nodes x 250 portals is refused,
// and with the bound raised it is registered in linear time through the portal group index); one source may
// hold a bounded number of entities and objects while others still register; a refresh never counts twice;
// a period of 0 gets the cap like any other; the quotas and the cap hold across a save and restore.
import t from 'tap';
import { IsnsRegistry } from '../../emulator/isns/registry/registry.js';
import { restore, snapshot } from '../../emulator/isns/state.js';
import { NodeType, Tag } from '../../protocols/isns/attributes.js';
import type { IsnsRequest, IsnsResponse } from '../../protocols/isns/codec.js';
import { FunctionId } from '../../protocols/isns/functions.js';
import { Flag } from '../../protocols/isns/header.js';
import { Status } from '../../protocols/isns/status.js';
import { attr, u32Value, type IsnsAttribute } from '../../protocols/isns/tlv.js';

let tx = 1;
function registration(source: string, operating: IsnsAttribute[], key: IsnsAttribute[] = [attr(Tag.ENTITY_IDENTIFIER)]): IsnsRequest {
  return { kind: 'request', functionId: FunctionId.DEV_ATTR_REG, transactionId: tx++, flags: Flag.CLIENT, source: attr(Tag.ISCSI_NAME, source), key, operating };
}
const node = (name: string) => [attr(Tag.ISCSI_NAME, name), attr(Tag.ISCSI_NODE_TYPE, NodeType.TARGET)];
const portal = (i: number) => [attr(Tag.PORTAL_IP_ADDRESS, `10.${i >> 8}.${i & 0xff}.1`), attr(Tag.PORTAL_PORT, { port: 3260, udp: false })];
const target = (name: string) => registration(name, node(name));
/** One entity of `n` nodes and `p` portals (n x p portal groups), as the attack sent it. */
function grid(n: number, p: number): IsnsRequest {
  const op: IsnsAttribute[] = [];
  for (let i = 0; i < p; i++) op.push(...portal(i));
  for (let i = 0; i < n; i++) op.push(...node(`iqn.grid:n${i}`));
  return registration('iqn.grid:n0', op);
}
const status = (r: IsnsResponse | null) => r?.status;

t.test('250 nodes x 250 portals in one registration: refused (status 3) before anything changes', (t) => {
  const reg = new IsnsRegistry();
  t.equal(status(reg.handle(grid(250, 250), 0)), Status.INVALID_REGISTRATION);
  t.equal(reg.store.entities.size + reg.store.nodes.size + reg.store.objectCount, 0, 'nothing registered');
  t.equal(reg.counters.refused.get('objects per entity'), 1);
  // at the bound (60 + 60 + 3600 = 3720 of 4096) it is registered, and refreshed, without counting twice
  const fits = grid(60, 60);
  t.equal(status(reg.handle(fits, 0)), Status.SUCCESSFUL);
  t.equal(status(reg.handle({ ...fits, transactionId: tx++ }, 1000)), Status.SUCCESSFUL, 'refreshed');
  const e = [...reg.store.entities.values()][0];
  t.same([e.nodes.length, e.portals.length, e.pgs.length, reg.store.objectCount], [60, 60, 3600, 3720]);
  t.end();
});

t.test('with the bound raised, 250 x 250 is registered: 62,500 portal groups through the index', (t) => {
  const reg = new IsnsRegistry({ maxObjectsPerEntity: 70_000, maxObjectsPerSource: 70_000 });
  t.equal(status(reg.handle(grid(250, 250), 0)), Status.SUCCESSFUL);
  const e = [...reg.store.entities.values()][0];
  t.equal(e.pgs.length, 62_500);
  t.equal(e.pgIndex.size, 62_500);
  t.equal(status(reg.handle(grid(250, 250), 1000)), Status.SUCCESSFUL, 'a refresh');
  t.equal(e.pgs.length, 62_500, 'finds every portal group again');
  reg.handle({ kind: 'request', functionId: FunctionId.DEV_DEREG, transactionId: tx++, flags: Flag.CLIENT, source: attr(Tag.ISCSI_NAME, 'iqn.grid:n0'), key: [],
    operating: [attr(Tag.ENTITY_IDENTIFIER, e.eid)] }, 2000);
  t.same([reg.store.entities.size, reg.store.objectCount, reg.store.usageOf('local')], [0, 0, { entities: 0, objects: 0 }], 'all counted back');
  t.end();
});

t.test('one source holds at most maxEntitiesPerSource entities; others still register', (t) => {
  const reg = new IsnsRegistry({ maxEntitiesPerSource: 5 });
  for (let i = 0; i < 5; i++) t.equal(status(reg.handle(target(`iqn.a:t${i}`), 0, '127.25.17.50')), Status.SUCCESSFUL, `A's entity ${i + 1}`);
  t.equal(status(reg.handle(target('iqn.a:t5'), 0, '127.25.17.50')), Status.INTERNAL_ERROR, "A's sixth: refused");
  t.equal(reg.counters.refused.get('entities per source'), 1);
  t.equal(status(reg.handle(target('iqn.b:t0'), 0, '127.25.17.51')), Status.SUCCESSFUL, 'B registers');
  t.equal(status(reg.handle(target('iqn.a:t0'), 10, '127.25.17.50')), Status.SUCCESSFUL, "a refresh of A's entity goes through");
  t.equal(status(reg.handle(target('iqn.a:t0'), 10, '127.25.17.99')), Status.SUCCESSFUL, '... from wherever it comes');
  t.same(reg.store.usageOf('127.25.17.50'), { entities: 5, objects: 5 });
  const eid = reg.store.nodes.get('iqn.a:t4')!.entity.eid;
  reg.handle({ kind: 'request', functionId: FunctionId.DEV_DEREG, transactionId: tx++, flags: Flag.CLIENT, source: attr(Tag.ISCSI_NAME, 'iqn.a:t4'), key: [],
    operating: [attr(Tag.ENTITY_IDENTIFIER, eid)] }, 20, '127.25.17.50');
  t.equal(status(reg.handle(target('iqn.a:t5'), 30, '127.25.17.50')), Status.SUCCESSFUL, 'room again after a deregistration');
  t.end();
});

t.test('objects per source, objects and entities in all', (t) => {
  const reg = new IsnsRegistry({ maxObjectsPerSource: 10, maxObjects: 14, maxEntities: 3 });
  // 4 nodes + 1 portal + 4 portal groups = 9
  const four = registration('iqn.o:n0', [...portal(1), ...node('iqn.o:n0'), ...node('iqn.o:n1'), ...node('iqn.o:n2'), ...node('iqn.o:n3')]);
  t.equal(status(reg.handle(four, 0, 'A')), Status.SUCCESSFUL);
  const eid = reg.store.nodes.get('iqn.o:n0')!.entity.eid;
  t.equal(status(reg.handle(registration('iqn.o:n0', node('iqn.o:n4'), [attr(Tag.ENTITY_IDENTIFIER, eid)]), 0, 'A')), Status.INTERNAL_ERROR,
    'a fifth node and its portal group would make 11');
  t.equal(reg.counters.refused.get('objects per source'), 1);
  t.equal(status(reg.handle(target('iqn.o:x'), 0, 'B')), Status.SUCCESSFUL, 'B: 1 object, 10 in all');
  t.equal(status(reg.handle(registration('iqn.o:y', [...portal(2), ...node('iqn.o:y'), ...node('iqn.o:z')]), 0, 'C')), Status.INTERNAL_ERROR, '15 in all');
  t.equal(reg.counters.refused.get('objects'), 1);
  t.equal(status(reg.handle(target('iqn.o:y'), 0, 'C')), Status.SUCCESSFUL, 'the third entity');
  t.equal(status(reg.handle(target('iqn.o:w'), 0, 'D')), Status.INTERNAL_ERROR, 'a fourth: over maxEntities');
  t.equal(reg.counters.refused.get('entities'), 1);
  t.end();
});

t.test('a period of 0 ("never expires") gets the cap unless the cap is off; a restore keeps owners and applies the cap', (t) => {
  const withPeriod = (name: string, period: number) => registration(name, [attr(Tag.ENTITY_IDENTIFIER, `e-${name}`), attr(Tag.REGISTRATION_PERIOD, period), ...node(name)],
    [attr(Tag.ENTITY_IDENTIFIER, `e-${name}`)]);
  const capped = new IsnsRegistry({ maxEntitiesPerSource: 2 });
  t.equal(u32Value(capped.handle(withPeriod('iqn.p:zero', 0), 0, 'A')!.operating, Tag.REGISTRATION_PERIOD), 86_400, '0 asked, 86400 granted');
  t.equal(u32Value(capped.handle(withPeriod('iqn.p:week', 604_800), 0, 'A')!.operating, Tag.REGISTRATION_PERIOD), 86_400, 'longer ones too');
  t.same(capped.expire(86_400_000 + 1), ['e-iqn.p:zero', 'e-iqn.p:week'], 'both expire');
  const open = new IsnsRegistry({ maxRegistrationPeriod: 0, maxEntitiesPerSource: 2 });
  t.equal(u32Value(open.handle(withPeriod('iqn.p:zero', 0), 0, 'A')!.operating, Tag.REGISTRATION_PERIOD), 0, 'no cap configured: 0 granted');
  t.equal(status(open.handle(withPeriod('iqn.p:one', 60), 0, 'A')), Status.SUCCESSFUL);
  t.same(open.expire(365 * 86_400_000), ['e-iqn.p:one'], 'the 0 one stays');

  // saved without a cap, loaded under the default one: the period is capped, A still holds two entities
  const reloaded = new IsnsRegistry({ maxEntitiesPerSource: 2 });
  restore(reloaded.store, JSON.parse(JSON.stringify(snapshot(open.store))), 5000, reloaded.options.maxRegistrationPeriod);
  t.equal(reloaded.store.entities.get('e-iqn.p:zero')!.registrationPeriod, 86_400, 'capped at load');
  t.same(reloaded.store.usageOf('A'), { entities: 1, objects: 1 });
  t.equal(status(reloaded.handle(withPeriod('iqn.p:two', 60), 5000, 'A')), Status.SUCCESSFUL, "A's second");
  t.equal(status(reloaded.handle(withPeriod('iqn.p:three', 60), 5000, 'A')), Status.INTERNAL_ERROR, "A's third: the quota survived the restore");
  t.end();
});
