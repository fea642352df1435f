// Our client library (orchestrator/isns-client.ts) against open-isns isnsd, and the same steps against our
// server: register a target (entity, portal, node, portal group) and an initiator, query, list by
// DevGetNext, manage a DD, and receive State Change Notifications on the client's own SCN port over TCP
// (isnsd connects to the portal's SCN port for each notification).
import { startIsnsd } from '../helpers/isnsd.js';
import t from 'tap';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsnsServer } from '../../emulator/isns/server.js';
import { IsnsClient, IsnsStatusError } from '../../clients/isns/isns-client.js';
import { IsnsClientListener, type ScnNotice } from '../../clients/isns/isns-client-listener.js';
import { NodeType, ScnBitmap } from '../../protocols/isns/attributes.js';
import { Status } from '../../protocols/isns/status.js';

const ISNSD = { host: '127.25.3.1', port: 17760 };
const OURS = { host: '127.25.3.2', port: 17761 };

/** Waits until `pred` holds for the notices received; gives up after 20 s (a guard for a loaded machine, not a measurement). */
async function waitFor(notices: ScnNotice[], pred: (n: ScnNotice[]) => boolean): Promise<boolean> {
  for (let i = 0; i < 400; i++) {
    if (pred(notices)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

for (const [label, where, listenIp] of [['isnsd', ISNSD, '127.25.3.11'], ['our server', OURS, '127.25.3.12']] as const) {
  t.test(`client library against ${label}`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-isns-client-'));
    let isnsd: ChildProcess | null = null;
    let ours: IsnsServer | null = null;
    if (where === ISNSD) isnsd = await startIsnsd(dir, ISNSD);
    else {
      ours = new IsnsServer({ ...OURS, registry: { defaultDiscoveryDomain: true, defaultRegistrationPeriod: 600 } });
      await ours.start();
    }
    const listener = new IsnsClientListener();
    await listener.start(listenIp, where === ISNSD ? 17762 : 17763);
    const notices: ScnNotice[] = [];
    listener.on('scn', (n: ScnNotice) => notices.push(n));
    const target = 'iqn.2024-01.test.client:disk1';
    const host = 'iqn.2024-01.test.client:host1';
    const tc = await IsnsClient.connect({ ...where, source: target });
    const hc = await IsnsClient.connect({ ...where, source: host });
    t.teardown(async () => {
      await tc.close();
      await hc.close();
      await listener.stop();
      isnsd?.kill('SIGTERM');
      await ours?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    // the initiator registers with an SCN port (TCP) and asks for every SCN
    const h = await hc.register({
      nodes: [{ name: host, type: NodeType.INITIATOR }],
      portals: [{ ip: listenIp, port: 860, scnPort: { port: listener.port, udp: false } }],
    });
    t.match(h.eid, /^isns\.entity\.\d+$/);
    t.equal(h.registrationPeriod, 600);
    await hc.scnRegister(ScnBitmap.OBJECT_ADDED | ScnBitmap.OBJECT_REMOVED | ScnBitmap.OBJECT_UPDATED | ScnBitmap.DD_DDS_MEMBER_ADDED | ScnBitmap.DD_DDS_MEMBER_REMOVED);

    // a target with an explicit portal group: entity + portal + node + PG
    const reg = await tc.register({
      nodes: [{ name: target, type: NodeType.TARGET, alias: 'disk one' }],
      portals: [{ ip: '127.25.3.20', port: 3260 }],
      portalGroups: [{ name: target, ip: '127.25.3.20', port: 3260, tag: 1 }],
    });
    t.not(reg.eid, h.eid, 'own entity');
    t.ok(await waitFor(notices, (n) => n.some((x) => x.events.some((e) => e.name === target && (e.bits & ScnBitmap.OBJECT_ADDED)))),
      `${label} told the initiator that the target was added`);
    const added = notices.find((x) => x.events.some((e) => e.name === target))!;
    t.equal(added.destination, host, 'SCN addressed to the initiator');
    t.equal(added.transport, 'tcp');

    // query and list
    const seen = await hc.queryNodes(NodeType.TARGET);
    t.same(seen.map((n) => [n.name, n.alias, n.portals.map((p) => `${p.ip}:${p.port}`)]), [[target, 'disk one', ['127.25.3.20:3260']]]);
    t.same((await hc.nodeNames()).sort(), [host, target].sort(), 'DevGetNext walk');
    const detail = await hc.node(target);
    t.equal(detail?.type, NodeType.TARGET);

    // a DD; the initiator hears about the membership change
    const before = notices.length;
    const dd = await hc.ddRegister({ name: 'rack1', members: [host, target] });
    t.ok(dd.id > 0);
    t.same((await hc.listDds()).find((d) => d.id === dd.id)?.members, [host, target]);
    t.ok(await waitFor(notices, (n) => n.slice(before).some((x) => x.events.some((e) => e.bits & ScnBitmap.DD_DDS_MEMBER_ADDED))),
      'DD membership SCN received');
    await hc.ddDeregister(dd.id, [target]);
    t.same((await hc.listDds()).find((d) => d.id === dd.id)?.members, [host], 'member removed');
    await hc.ddDeregister(dd.id);
    t.notOk((await hc.listDds()).some((d) => d.id === dd.id), 'DD removed');

    // an error status comes back as IsnsStatusError with the RFC's code
    const err = await tc.ddDeregister(4242).catch((e: unknown) => e);
    t.ok(err instanceof IsnsStatusError, 'DDDereg of an unknown DD fails');
    t.not((err as IsnsStatusError).status, Status.SUCCESSFUL);

    // the target goes away while it shares a DD with the initiator: SCN object removed
    const dd2 = await hc.ddRegister({ name: 'rack2', members: [host, target] });
    const mark = notices.length;
    await tc.deregisterEntity(reg.eid);
    t.ok(await waitFor(notices, (n) => n.slice(mark).some((x) => x.events.some((e) => e.name === target && (e.bits & ScnBitmap.OBJECT_REMOVED)))),
      'removal SCN received');
    t.same(await hc.queryNodes(NodeType.TARGET), [], 'no target left');
    await hc.ddDeregister(dd2.id);
    t.equal(listener.counters.malformed, 0);
  });
}
