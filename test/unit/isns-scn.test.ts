// SCN, ESI and DDS in our iSNS server, over real loopback sockets on 127.25.4.x: SCNReg rules (status 17
// without an SCN port), delivery over UDP and TCP per the port's UDP bit, SCNDereg, management SCNs for
// Control nodes, ESI keeping an entity alive and dropping it after unanswered inquiries (fake clock),
// DDSReg/DDSDereg (which isnsd answers with 15).
import t, { type Test } from 'tap';
import { IsnsServer } from '../../emulator/isns/server.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { IsnsClient, IsnsStatusError } from '../../clients/isns/isns-client.js';
import { IsnsClientListener, type ScnNotice } from '../../clients/isns/isns-client-listener.js';
import { NodeType, ScnBitmap, Tag } from '../../protocols/isns/attributes.js';
import { FunctionId } from '../../protocols/isns/functions.js';
import { Status } from '../../protocols/isns/status.js';
import { attr, findAttribute } from '../../protocols/isns/tlv.js';

const HOST = '127.25.4.1';
let nextPort = 17730;
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

async function until(pred: () => boolean, ms = 3000): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 20) {
    if (pred()) return true;
    await tick();
  }
  return pred();
}

async function setup(t: Test, opts: ConstructorParameters<typeof IsnsServer>[0] = {}) {
  const server = new IsnsServer({ host: HOST, port: nextPort++, ...opts });
  await server.start();
  const clients: IsnsClient[] = [];
  const listeners: IsnsClientListener[] = [];
  t.teardown(async () => {
    for (const c of clients) await c.close();
    for (const l of listeners) await l.stop();
    await server.stop();
  });
  return {
    server,
    client: async (source: string) => {
      const c = await IsnsClient.connect({ host: HOST, port: server.port, source });
      clients.push(c);
      return c;
    },
    listener: async (ip: string) => {
      const l = new IsnsClientListener();
      await l.start(ip, nextPort++);
      listeners.push(l);
      const notices: ScnNotice[] = [];
      l.on('scn', (n: ScnNotice) => notices.push(n));
      return { l, notices };
    },
  };
}

t.test('SCNReg needs an SCN port; SCNs go out over UDP or TCP per the port bit', async (t) => {
  const s = await setup(t, { registry: { defaultDiscoveryDomain: true } }); // everyone in the default DD sees everyone
  const a = await s.client('iqn.i:a');
  await a.register({ nodes: [{ name: 'iqn.i:a', type: NodeType.INITIATOR }], portals: [{ ip: '127.25.4.2', port: 860 }] });
  const refused = await a.scnRegister().catch((e: unknown) => e);
  t.equal((refused as IsnsStatusError).status, Status.SCN_REGISTRATION_REJECTED, 'no SCN port: 17');

  const udp = await s.listener('127.25.4.2');
  await a.register({ nodes: [{ name: 'iqn.i:a', type: NodeType.INITIATOR }], portals: [{ ip: '127.25.4.2', port: 860, scnPort: { port: udp.l.port, udp: true } }] });
  await a.scnRegister(ScnBitmap.OBJECT_ADDED | ScnBitmap.OBJECT_REMOVED);
  const b = await s.client('iqn.i:b');
  const tcp = await s.listener('127.25.4.3');
  await b.register({ nodes: [{ name: 'iqn.i:b', type: NodeType.INITIATOR }], portals: [{ ip: '127.25.4.3', port: 860, scnPort: { port: tcp.l.port, udp: false } }] });
  await b.scnRegister(ScnBitmap.OBJECT_ADDED);
  t.ok(await until(() => udp.notices.length === 1), 'a heard that b was added');
  t.same(udp.notices[0].events, [{ bits: ScnBitmap.OBJECT_ADDED, name: 'iqn.i:b' }]);
  await until(() => s.server.scn.counters.acknowledged === 1);
  udp.notices.length = 0;
  const acked = s.server.scn.counters.acknowledged;

  const tc = await s.client('iqn.t:x');
  await tc.register({ nodes: [{ name: 'iqn.t:x', type: NodeType.TARGET }] });
  t.ok(await until(() => udp.notices.length === 1 && tcp.notices.length === 1), 'both heard about the target');
  t.same(udp.notices[0].events, [{ bits: ScnBitmap.OBJECT_ADDED, name: 'iqn.t:x' }]);
  t.equal(udp.notices[0].transport, 'udp');
  t.equal(udp.notices[0].destination, 'iqn.i:a');
  t.equal(tcp.notices[0].transport, 'tcp');
  t.equal(tcp.notices[0].destination, 'iqn.i:b');
  t.ok(await until(() => s.server.scn.counters.acknowledged === acked + 2), 'SCNRsp from both counted');

  // updates are masked out for a (not registered for OBJECT_UPDATED); removal goes to a only
  await tc.register({ nodes: [{ name: 'iqn.t:x', type: NodeType.TARGET, alias: 'new' }] });
  await b.scnDeregister();
  await tc.deregisterNode('iqn.t:x');
  t.ok(await until(() => udp.notices.length === 2));
  await tick(100);
  t.same(udp.notices[1].events, [{ bits: ScnBitmap.OBJECT_REMOVED, name: 'iqn.t:x' }], 'a: removed, no update');
  t.equal(tcp.notices.length, 1, 'b deregistered its SCNs: nothing more');
});

t.test('DD membership changes reach the members; visibility limits regular SCNs', async (t) => {
  const s = await setup(t);
  const { l, notices } = await s.listener('127.25.4.4');
  const h = await s.client('iqn.i:h');
  await h.register({ nodes: [{ name: 'iqn.i:h', type: NodeType.INITIATOR }], portals: [{ ip: '127.25.4.4', port: 860, scnPort: { port: l.port, udp: false } }] });
  await h.scnRegister(ScnBitmap.OBJECT_ADDED);
  const tc = await s.client('iqn.t:y');
  await tc.register({ nodes: [{ name: 'iqn.t:y', type: NodeType.TARGET }] });
  await tick(200);
  t.equal(notices.length, 0, 'no shared DD (and no default DD): the initiator does not hear about the target');
  await h.ddRegister({ name: 'pair', members: ['iqn.i:h', 'iqn.t:y'] });
  t.ok(await until(() => notices.length > 0));
  const bits = notices.flatMap((n) => n.events).filter((e) => e.name === 'iqn.t:y').map((e) => e.bits);
  t.ok(bits.includes(ScnBitmap.DD_DDS_MEMBER_ADDED), 'member added, though only OBJECT_ADDED was asked for (isnsd: unmasked)');
});

t.test('a Control node with a management registration sees every change, with the DD_ID', async (t) => {
  const s = await setup(t);
  const { l, notices } = await s.listener('127.25.4.5');
  const m = await s.client('iqn.c:mgmt');
  await m.register({ nodes: [{ name: 'iqn.c:mgmt', type: NodeType.CONTROL }], portals: [{ ip: '127.25.4.5', port: 860, scnPort: { port: l.port, udp: false } }] });
  await m.scnRegister(ScnBitmap.MANAGEMENT_REGISTRATION | ScnBitmap.OBJECT_ADDED | ScnBitmap.DD_DDS_MEMBER_ADDED);
  const x = await s.client('iqn.t:z');
  await x.register({ nodes: [{ name: 'iqn.t:z', type: NodeType.TARGET }] });
  await m.ddRegister({ name: 'd', members: ['iqn.t:z'] });
  t.ok(await until(() => notices.flatMap((n) => n.events).length >= 2));
  const events = notices.flatMap((n) => n.events);
  t.ok(events.some((e) => e.name === 'iqn.t:z' && e.bits === (ScnBitmap.OBJECT_ADDED | ScnBitmap.MANAGEMENT_REGISTRATION)));
  t.ok(events.some((e) => e.name === 'iqn.t:z' && (e.bits & ScnBitmap.DD_DDS_MEMBER_ADDED) && e.ddId === 1), 'DD_ID follows the name');
  // an initiator may not ask for management SCNs
  const i = await s.client('iqn.i:plain');
  await i.register({ nodes: [{ name: 'iqn.i:plain', type: NodeType.INITIATOR }], portals: [{ ip: '127.25.4.6', port: 860, scnPort: { port: 1, udp: true } }] });
  const refused = await i.scnRegister(ScnBitmap.MANAGEMENT_REGISTRATION).catch((e: unknown) => e);
  t.equal((refused as IsnsStatusError).status, Status.SCN_REGISTRATION_REJECTED);
});

t.test('ESI: answered inquiries keep an entity past its registration period; silence drops it', async (t) => {
  const clock = new ManualClock(5_000_000);
  const s = await setup(t, { clock, esiRetries: 3 });
  const alive = await s.listener('127.25.4.7');
  const a = await s.client('iqn.t:alive');
  await a.register({
    eid: 'alive', registrationPeriod: 20, nodes: [{ name: 'iqn.t:alive', type: NodeType.TARGET }],
    portals: [{ ip: '127.25.4.7', port: 3260, esiPort: { port: alive.l.port, udp: false }, esiInterval: 5 }],
  });
  const dead = await s.listener('127.25.4.8');
  dead.l.answerEsi = false;
  const d = await s.client('iqn.t:dead');
  await d.register({
    eid: 'dead', registrationPeriod: 3600, nodes: [{ name: 'iqn.t:dead', type: NodeType.TARGET }],
    portals: [{ ip: '127.25.4.8', port: 3260, esiPort: { port: dead.l.port, udp: true }, esiInterval: 6 }],
  });
  t.equal(s.server.esi.watching, 2);
  for (let second = 0; second < 60; second++) {
    clock.advance(1000);
    await tick(15); // let the inquiries and answers cross the sockets
    if (second === 30) await until(() => s.server.esi.counters.answered >= 5, 1000);
  }
  t.ok(s.server.registry.store.entities.has('alive'), 'alive after 60 s with a 20 s registration period');
  t.ok(alive.l.counters.esis >= 5, `${alive.l.counters.esis} ESIs answered`);
  t.notOk(s.server.registry.store.entities.has('dead'), 'the silent entity is gone');
  t.ok(dead.l.counters.esis >= 3, `the silent one was asked ${dead.l.counters.esis} times first`);
  t.equal(s.server.esi.counters.entitiesDropped, 1);
});

t.test('a DD that a DD Set turns off or on tells each member about itself; only an active DD shows its members', async (t) => {
  const s = await setup(t);
  const { l, notices } = await s.listener('127.25.4.8');
  const h = await s.client('iqn.i:ds');
  await h.register({ nodes: [{ name: 'iqn.i:ds', type: NodeType.INITIATOR }], portals: [{ ip: '127.25.4.8', port: 860, scnPort: { port: l.port, udp: true } }] });
  await h.scnRegister(ScnBitmap.OBJECT_ADDED);
  const tc = await s.client('iqn.t:ds');
  await tc.register({ nodes: [{ name: 'iqn.t:ds', type: NodeType.TARGET }] });
  const dd = await h.ddRegister({ name: 'ds-pair', members: ['iqn.i:ds', 'iqn.t:ds'] });
  t.ok(await until(() => notices.length > 0), 'DD added: h hears');
  const events = () => notices.flatMap((n) => n.events);
  const before = events().length;
  const setId = await h.ddsRegister({ name: 'ds-off', enabled: false, dds: [dd.id] });
  t.ok(await until(() => events().length > before), 'put in a disabled set: h hears');
  t.same(events().slice(before), [{ bits: ScnBitmap.DD_DDS_MEMBER_REMOVED, name: 'iqn.i:ds' }], 'one notice, about h itself (its DD went off)');
  t.same((await h.queryNodes(NodeType.TARGET)).map((n) => n.name), [], 'the target is hidden');
  const removedSoFar = events().length;
  await h.ddsRegister({ id: setId, enabled: true });
  t.ok(await until(() => events().length > removedSoFar), 'set enabled: h hears');
  t.same(events().slice(removedSoFar), [{ bits: ScnBitmap.DD_DDS_MEMBER_ADDED, name: 'iqn.i:ds' }], 'its DD is on again');
  t.same((await h.queryNodes(NodeType.TARGET)).map((n) => n.name), ['iqn.t:ds'], 'the target is visible');
  await h.ddsRegister({ id: setId, enabled: false });
  t.ok(await until(() => events().length > removedSoFar + 1), 'disabled again');
  const offAgain = events().length;
  await h.ddsDeregister(setId);
  t.ok(await until(() => events().length > offAgain), 'the set is gone: h hears its DD is on (a DD in no set is active)');
  t.same(events().slice(offAgain), [{ bits: ScnBitmap.DD_DDS_MEMBER_ADDED, name: 'iqn.i:ds' }]);
  t.same((await h.queryNodes(NodeType.TARGET)).map((n) => n.name), ['iqn.t:ds'], 'the target is visible');
});

t.test('DDSReg and DDSDereg (isnsd answers 15)', async (t) => {
  const s = await setup(t);
  const c = await s.client('iqn.c:admin');
  await c.register({ nodes: [{ name: 'iqn.c:admin', type: NodeType.CONTROL }] });
  const dd = await c.ddRegister({ name: 'one', members: ['iqn.c:admin'] });
  let r = await c.call(FunctionId.DDS_REG, [], [attr(Tag.DD_SET_SYMBOLIC_NAME, 'prod'), attr(Tag.DD_SET_STATUS, 1), attr(Tag.DD_ID, dd.id)]);
  const setId = findAttribute(r.key, Tag.DD_SET_ID)?.value as number;
  t.equal(setId, 1);
  t.same(r.operating.map((a) => [a.tag, a.value]), [[Tag.DD_SET_ID, 1], [Tag.DD_SET_SYMBOLIC_NAME, 'prod'], [Tag.DD_SET_STATUS, 1], [Tag.DD_ID, dd.id]]);
  r = await c.request(FunctionId.DDS_REG, [], [attr(Tag.DD_ID, 999)]);
  t.equal(r.status, Status.INVALID_REGISTRATION, 'unknown DD');
  await c.call(FunctionId.DDS_DEREG, [attr(Tag.DD_SET_ID, setId)], []);
  r = await c.request(FunctionId.DDS_DEREG, [attr(Tag.DD_SET_ID, setId)], []);
  t.equal(r.status, Status.NO_SUCH_ENTRY, 'gone');
});
