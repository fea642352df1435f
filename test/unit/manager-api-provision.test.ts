// The manager API's provisioning routes (orchestrator/manager/provision-routes.ts) over real HTTP on loopback, with a
// real store and install runner and scripted BMCs (test/helpers/scripted-install-bmc.ts; the IPMI side is driven for
// real in test/integration): a run started, its hosts shown, too few hosts refused with each one's reason and nothing
// started, an unknown role and bad fields refused.
import t, { type Test } from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startManagerApi } from '../../orchestrator/manager/manager-api.js';
import { InstallRunner } from '../../orchestrator/provisioning/install-runner.js';
import { readPolicyText } from '../../orchestrator/provisioning/policy.js';
import { ProvisionService } from '../../orchestrator/provisioning/provision-service.js';
import { SqliteProvisioningStore } from '../../orchestrator/store/sqlite-provisioning-store.js';
import { systemClock } from '../../runtime/clock.js';
import { FakeRolloutService } from '../helpers/fake-rollout-service.js';
import { rawRequest } from '../helpers/control-stub.js';
import { hardware, inventoriedHost } from '../helpers/host-records.js';
import { ScriptedBmc } from '../helpers/scripted-install-bmc.js';

const HOST = '127.72.0.2';
const POLICY = readPolicyText('roles:\n  compute: { needs: { cores: 16 }, image: debian.iso }\n  storage: { needs: { cores: 64 }, image: ceph.iso }\n').value!;

async function start(t: Test) {
  const store = new SqliteProvisioningStore(join(mkdtempSync(join(tmpdir(), 'bmcfleet-mapi-')), 'm.db'));
  store.saveHosts([inventoriedHost('127.72.5.1', hardware({ cores: 16 })), inventoriedHost('127.72.5.2', hardware({ cores: 32 })), inventoriedHost('127.72.5.3', hardware({ cores: 8 }))]);
  const bmcs: ScriptedBmc[] = [];
  // the scripted BMCs answer at once; the install stays at its first steps while the test looks (time barely moves)
  const runner = new InstallRunner({ store, clock: systemClock, bmcFor: () => { const b = new ScriptedBmc(systemClock); bmcs.push(b); return b; }, handOver: async () => {} });
  const provision = new ProvisionService({ store, runner, policy: () => POLICY });
  const api = await startManagerApi(new FakeRolloutService(), [], { host: HOST, port: 0, token: null, provision });
  t.teardown(async () => { runner.close(); await api.close(); store.close(); });
  const port = Number(new URL(api.url).port);
  const call = (method: string, path: string, body?: unknown) =>
    rawRequest(HOST, port, method, path, body === undefined ? {} : { 'content-type': 'application/json' }, body === undefined ? undefined : JSON.stringify(body));
  return { call, store, bmcs };
}

t.test('POST /provision/runs: the smallest hosts that fit, started; GET /provision/hosts shows them installing', async (t) => {
  const { call, store } = await start(t);
  const r = await call('POST', '/provision/runs', { role: 'compute', count: 2 });
  t.equal(r.status, 201, JSON.stringify(r.json));
  t.match(r.json, { role: 'compute', image: 'debian.iso', hosts: ['127.72.5.1', '127.72.5.2'], notPicked: [{ address: '127.72.5.3', reason: '8 cores < 16 required' }] });
  t.same(store.hosts().map((h) => h.install?.role ?? null), ['compute', 'compute', null], 'saved before the answer');
  const hosts = await call('GET', '/provision/hosts');
  t.equal(hosts.status, 200);
  t.match(hosts.json.hosts, [{ address: '127.72.5.1', install: { role: 'compute', image: 'debian.iso' } }, { address: '127.72.5.2' }, { address: '127.72.5.3', install: null }]);
  const again = await call('POST', '/provision/runs', { role: 'compute', count: 1 });
  t.equal(again.status, 409, 'the two hosts that fit are taken');
  t.match(again.json.notPicked, [{ address: '127.72.5.1', reason: /^installing as compute/ }, { address: '127.72.5.2', reason: /^installing as compute/ }, { address: '127.72.5.3' }]);
});

t.test('too few hosts: 409 with each host\'s reason, nothing started; bad fields and roles: 400', async (t) => {
  const { call, store, bmcs } = await start(t);
  const r = await call('POST', '/provision/runs', { role: 'storage', count: 1 });
  t.equal(r.status, 409);
  t.match(r.json, { error: 'no host matches role storage: each of the 3 hosts misses something (see notPicked)', picked: [] });
  t.equal(r.json.notPicked.length, 3);
  t.same(store.hosts().map((h) => h.install), [null, null, null], 'nothing stored');
  t.equal(bmcs.length, 0, 'no BMC asked anything');
  t.match((await call('POST', '/provision/runs', { role: 'gpu', count: 1 })).json, { error: 'role: no role "gpu" in the policy (its roles: compute, storage)' });
  t.equal((await call('POST', '/provision/runs', { role: 'compute', count: 0 })).status, 400);
  t.match((await call('POST', '/provision/runs', { count: 1 })).json, { error: 'role: required, a role of the policy' });
  t.equal((await call('DELETE', '/provision/hosts')).status, 404);
});
