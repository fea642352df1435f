// The boot manager's iSNS side against our iSNS server over real sockets (orchestrator/bootcfg/target-inventory.ts,
// isns-boot-domains.ts): the inventory as a control node (LUNs from the vendor attributes), SCNs for a LUN going
// offline and a target leaving (the request holding it re-picks), a request's DD visible on the server with just its
// target and initiator, the release removing it, and a server restart: re-registration, a whole new inventory, and
// the DDs of running requests registered again. The host side is scripted (test/helpers/scripted-boot-host.ts).
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsnsServer } from '../../emulator/isns/server.js';
import { IsnsClient } from '../../clients/isns/isns-client.js';
import { RegistrationKeeper } from '../../clients/isns/registration-keeper.js';
import { NodeType } from '../../protocols/isns/attributes.js';
import { LunState } from '../../protocols/isns/vendor-lun.js';
import { BootRunner } from '../../orchestrator/bootcfg/boot-runner.js';
import { BootcfgService } from '../../orchestrator/bootcfg/bootcfg-service.js';
import { IsnsBootDomains } from '../../orchestrator/bootcfg/isns-boot-domains.js';
import { TargetInventory } from '../../orchestrator/bootcfg/target-inventory.js';
import { MANAGER_IQN } from '../../orchestrator/bootcfg/start-bootcfg.js';
import { SqliteBootcfgStore } from '../../orchestrator/store/bootcfg-store.js';
import { systemClock } from '../../runtime/clock.js';
import { ScriptedBootHost } from '../helpers/scripted-boot-host.js';
import { until } from '../helpers/until.js';

const GB = 1_000_000_000n;
const SERVER = '127.94.0.1';

function targetSpec(name: string, ip: string, sizeGb: bigint, state: number = LunState.ONLINE) {
  return {
    nodes: [{ name, type: NodeType.TARGET, luns: [{ lun: 0, sizeBytes: sizeGb * GB, state }] }],
    portals: [{ ip, port: 3260 }],
  };
}

t.test('inventory, SCNs, DDs and a server restart against our iSNS server', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-bootcfg-'));
  let server = new IsnsServer({ host: SERVER, port: 0, registry: { defaultRegistrationPeriod: 600 } });
  await server.start();
  const port = server.port;
  const small = 'iqn.2026-11.org.bmcfleet:small';
  const big = 'iqn.2026-11.org.bmcfleet:big';
  const clients: IsnsClient[] = [];
  const register = async (name: string, spec: ReturnType<typeof targetSpec>) => {
    const c = await IsnsClient.connect({ host: SERVER, port, source: name });
    clients.push(c);
    const keeper = new RegistrationKeeper(c, spec, systemClock);
    await keeper.start();
    return keeper;
  };
  const smallKeeper = await register(small, targetSpec(small, '127.94.0.11', 20n));
  await register(big, targetSpec(big, '127.94.0.12', 50n));

  const store = new SqliteBootcfgStore(join(dir, 'm.db'));
  const host = new ScriptedBootHost(systemClock);
  const problems: string[] = [];
  let service: BootcfgService | null = null;
  const inventory = new TargetInventory({
    server: async () => ({ host: SERVER, port }), name: MANAGER_IQN, listenHost: '127.94.0.2', store, clock: systemClock, refreshMs: 200,
    onDisksLost: (d) => service!.disksLost(d), onReconnected: () => service!.restoreDomains((m) => problems.push(m)), onProblem: (m) => problems.push(m),
  });
  const domains = new IsnsBootDomains(() => inventory.connection());
  const runner = new BootRunner({ store, clock: systemClock, domains, bmcFor: () => host, probeFor: () => host });
  service = new BootcfgService({ store, runner, clock: systemClock, domains });
  t.teardown(async () => {
    runner.close();
    await inventory.stop();
    for (const c of clients) await c.close();
    await server.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  await inventory.start();
  t.same(store.disks().map((d) => [d.target, d.lun, `${d.portal.address}:${d.portal.port}`, d.sizeBytes, d.state, d.sizeFrom]), [
    [big, 0, '127.94.0.12:3260', 50e9, 'online', 'isns'],
    [small, 0, '127.94.0.11:3260', 20e9, 'online', 'isns'],
  ], 'both targets, LUN sizes and states from the vendor attributes');

  // a LUN set offline: the SCN updates the list
  await smallKeeper.update(targetSpec(small, '127.94.0.11', 20n, LunState.OFFLINE));
  await until('the offline state', () => store.disks().find((d) => d.target === small)?.state === 'offline');
  await smallKeeper.update(targetSpec(small, '127.94.0.11', 20n));
  await until('online again', () => store.disks().find((d) => d.target === small)?.state === 'online');

  // a request: its DD holds just its target and its initiator
  const r = service.request({ host: '127.1.0.1', sizeBytes: 10e9, role: null });
  t.equal(r.disk?.target, small, 'best fit');
  await until('booted', () => store.request('127.1.0.1')?.step === 'booted');
  const viewer = await IsnsClient.connect({ host: SERVER, port, source: MANAGER_IQN });
  clients.push(viewer);
  const dd = (await viewer.listDds()).find((d) => d.name === 'bmcfleet-boot-127.1.0.1');
  t.same(dd?.members.sort(), [small, r.initiator].sort(), 'the DD on the server');
  t.equal(dd?.id, store.request('127.1.0.1')!.ddId);

  // the server restarts (in memory: everything forgotten): the manager registers again, reads everything again and
  // registers the booted host's DD again
  const before = inventory.inventories;
  await server.stop();
  server = new IsnsServer({ host: SERVER, port, registry: { defaultRegistrationPeriod: 600 } });
  await server.start();
  await until('a new inventory', () => inventory.inventories > before);
  const again = await IsnsClient.connect({ host: SERVER, port, source: MANAGER_IQN });
  clients.push(again);
  await until('the DD registered again', async () => (await again.listDds()).some((d) => d.name === 'bmcfleet-boot-127.1.0.1'));
  t.same(store.disks().map((d) => d.state), ['gone', 'gone'], 'targets that did not register again are gone');
  const back = await IsnsClient.connect({ host: SERVER, port, source: big });
  clients.push(back);
  await back.register(targetSpec(big, '127.94.0.12', 50n));
  await until('the target back by its SCN', () => store.disks().find((d) => d.target === big)?.state === 'online');

  // a second host boots from the other disk; the first host's release removes its DD and frees its disk
  const other = service.request({ host: '127.1.0.2', sizeBytes: 10e9, role: null });
  t.equal(other.disk?.target, big, 'the one disk online and free');
  service.release('127.1.0.1');
  await until('released', () => store.request('127.1.0.1')?.step === 'released');
  t.notOk((await again.listDds()).some((d) => d.name === 'bmcfleet-boot-127.1.0.1'), 'its DD is gone');
  t.equal(store.disks().find((d) => d.target === small)?.assignedTo, null, 'its disk is free');
  await until('the second host booted', () => store.request('127.1.0.2')?.step === 'booted');

  // a target deregistered: the SCN marks it gone (a booted host keeps its request until released)
  await back.deregisterNode(big);
  await until('gone by its SCN', () => store.disks().find((d) => d.target === big)?.state === 'gone');
  t.equal(store.request('127.1.0.2')?.step, 'booted');
  t.same(problems.filter((p) => !/registration refresh failed|cannot reach|closed/.test(p)), [], 'no other problem');
});
