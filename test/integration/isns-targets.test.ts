// Emulated iSCSI targets in a fleet: they register with the fleet's iSNS server (entity, portal, target node,
// portal group, LUN attributes), and adding, removing and degrading them through the control API shows in
// queries and reaches an SCN listener, as with a real storage fleet; the fleet's server announces itself by
// heartbeat. Real sockets on loopback throughout.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../helpers/emulator-process.js';
import { NodeType, ScnBitmap } from '../../protocols/isns/attributes.js';
import { LunState } from '../../protocols/isns/vendor-lun.js';
import { IsnsClient } from '../../clients/isns/isns-client.js';
import { IsnsClientListener, type ScnNotice } from '../../clients/isns/isns-client-listener.js';
import { discoverIsnsServer } from '../../clients/isns/heartbeat-listener.js';

const ISNS = { host: '127.29.0.1', port: 17810 };
const BEATS = { host: '127.29.0.2', port: 17811 };
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-targets-'));
const fleet = join(dir, 'fleet.yaml');
writeFileSync(fleet, `ipmiPort: 9629\ncontrol: 127.0.0.1:0\nracks:\n  - { bmcs: 1, firstIp: 127.29.9.1 }\n` +
  `isns: { listen: ${ISNS.host}:${ISNS.port}, heartbeat: { to: ${BEATS.host}:${BEATS.port}, intervalSeconds: 1 } }\n` +
  'targets:\n  - { name: vol, count: 2, firstIp: 127.29.1.1, luns: [{ lun: 0, sizeGB: 100 }, { lun: 1, sizeGB: 20 }] }\n');
const IQN = (n: number) => `iqn.2026-11.org.bmcfleet:vol-${n}`;

t.test('targets register, then follow additions, removals and degraded LUNs, with SCNs', async (t) => {
  const emu = await startEmulator(['--config', fleet]);
  const control = /control (http:\S+)/.exec(emu.readyLine)![1];
  t.match(emu.readyLine, /iSNS 127\.29\.0\.1:17810 \(2 targets, heartbeat to 127\.29\.0\.2:17811 every 1 s\)/);
  const beat = await discoverIsnsServer(BEATS.host, BEATS.port, 30);
  t.match(beat, { address: ISNS.host, tcpPort: ISNS.port, udpPort: ISNS.port, intervalSeconds: 1 }, "the fleet's server announces itself by heartbeat");
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${control}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: await res.json() as any };
  };

  // An initiator that watches the storage: registered, with an SCN port, and SCN registration.
  const listener = new IsnsClientListener();
  await listener.start('127.29.5.1', 0);
  const scns: ScnNotice[] = [];
  listener.on('scn', (n: ScnNotice) => scns.push(n));
  const me = 'iqn.2026-11.org.bmcfleet:watcher';
  const client = await IsnsClient.connect({ ...ISNS, source: me });
  await client.register({ portals: [{ ip: '127.29.5.1', port: 860, scnPort: { port: listener.port, udp: false } }], nodes: [{ name: me, type: NodeType.INITIATOR }] });
  await client.scnRegister();
  const seen = async (bit: number, name: string) => {
    for (let i = 0; i < 100 && !scns.some((n) => n.events.some((e) => (e.bits & bit) !== 0 && e.name === name)); i++) await new Promise((r) => setTimeout(r, 50));
    return scns.some((n) => n.events.some((e) => (e.bits & bit) !== 0 && e.name === name));
  };

  const targets = (await client.queryNodes(NodeType.TARGET)).filter((n) => n.name.startsWith('iqn.2026-11.org.bmcfleet:vol-'));
  t.same(targets.map((n) => n.name).sort(), [IQN(1), IQN(2)], 'both targets registered');
  const vol1 = (await client.node(IQN(1)))!;
  t.same(vol1.luns?.map((l) => [l.lun, l.sizeBytes, l.state]), [[0, 100_000_000_000n, LunState.ONLINE], [1, 20_000_000_000n, LunState.ONLINE]], 'LUN attributes');
  t.same(vol1.portals?.map((p) => `${p.ip}:${p.port}`), ['127.29.1.1:3260'], 'the portal');

  const degraded = await api('PUT', `/targets/${IQN(1)}/luns/1`, { state: 'offline' });
  t.equal(degraded.status, 200, 'a LUN degraded through the control API');
  // The target re-registers with Replace (§5.6.5.1): the server reports its node as updated, or removed and added.
  t.ok(await seen(ScnBitmap.OBJECT_UPDATED | ScnBitmap.OBJECT_ADDED, IQN(1)), 'the watcher got an SCN for the change');
  t.equal((await client.node(IQN(1)))!.luns?.find((l) => l.lun === 1)?.state, LunState.OFFLINE, 'queries show the LUN offline');

  const scnsOf = async (iqn: string) => ((await api('GET', '/targets')).json as { iqn: string; scnsReceived: number }[]).find((x) => x.iqn === iqn)!.scnsReceived;
  const vol2Scns = await scnsOf(IQN(2));
  const added = await api('POST', '/targets', { name: 'scratch', firstIp: '127.29.2.1', luns: [{ lun: 0, sizeGB: 5 }] });
  t.equal(added.status, 200);
  t.ok(await seen(ScnBitmap.OBJECT_ADDED, 'iqn.2026-11.org.bmcfleet:scratch'), 'SCN for the added target');
  t.equal(await scnsOf(IQN(2)), vol2Scns, 'another target is not told (it asked for initiators and itself only, RFC 4171 §6.4.4)');
  t.ok(await client.node('iqn.2026-11.org.bmcfleet:scratch'), 'the added target is registered');

  t.equal((await api('DELETE', `/targets/${IQN(2)}`)).status, 200);
  t.ok(await seen(ScnBitmap.OBJECT_REMOVED, IQN(2)), 'SCN for the removed target');
  t.equal(await client.node(IQN(2)), null, 'the removed target is gone');
  t.same((await api('GET', '/targets')).json.map((x: { iqn: string }) => x.iqn).sort(), [IQN(1), 'iqn.2026-11.org.bmcfleet:scratch'].sort());

  t.equal((await api('PUT', `/targets/${IQN(1)}/luns/9`, { state: 'offline' })).status, 400, 'an unknown LUN is refused');
  t.equal((await api('DELETE', '/targets/iqn.nope')).status, 404);
  t.equal((await api('POST', '/targets', { name: 'Bad Name', firstIp: '127.29.3.1' })).status, 400);

  await client.close();
  await listener.stop();
  await emu.stop();
});

t.test('more targets than the server takes connections from one address: each registers from its own portal address', async (t) => {
  // the server keeps at most 128 connections per source address (limits.ts): 200 targets from one address would not fit
  const many = join(dir, 'many.yaml');
  writeFileSync(many, 'ipmiPort: 9629\ncontrol: none\nracks:\n  - { bmcs: 1, firstIp: 127.29.9.1 }\n' +
    `isns: { listen: ${ISNS.host}:${ISNS.port + 2} }\ntargets:\n  - { name: many, count: 200, firstIp: 127.29.20.1 }\n`);
  const emu = await startEmulator(['--config', many]);
  t.teardown(() => emu.stop());
  t.match(emu.readyLine, /\(200 targets\)/);
  const client = await IsnsClient.connect({ host: ISNS.host, port: ISNS.port + 2, source: 'iqn.2026-11.org.bmcfleet:counter' });
  t.teardown(() => client.close());
  t.equal((await client.nodeNames()).filter((n) => n.startsWith('iqn.2026-11.org.bmcfleet:many-')).length, 200, 'all 200 registered');
});
