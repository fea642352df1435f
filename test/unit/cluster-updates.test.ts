// Cluster updates run by the manager (orchestrator/cluster-update/cluster-updates.ts) on a ManualClock, a real store
// and install runner, and scripted BMCs (test/helpers/scripted-install-bmc.ts; the IPMI side is driven for real in
// test/integration): never more hosts down than a group allows, skipped hosts with their reason, the failure budget's
// pause and resume, abort, and a manager stopped at many points and started again updating each host once.
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readClusterText } from '../../orchestrator/cluster-update/cluster-file.js';
import { ClusterUpdates } from '../../orchestrator/cluster-update/cluster-updates.js';
import { readDescriptorText } from '../../orchestrator/cluster-update/update-descriptor.js';
import { InstallRunner } from '../../orchestrator/provisioning/install-runner.js';
import { SqliteClusterUpdateStore } from '../../orchestrator/store/cluster-update-store.js';
import { SqliteProvisioningStore } from '../../orchestrator/store/sqlite-provisioning-store.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { hardware, inventoriedHost } from '../helpers/host-records.js';
import { ScriptedBmc } from '../helpers/scripted-install-bmc.js';

const HOSTS = ['127.64.0.1', '127.64.0.2', '127.64.0.3', '127.64.0.4', '127.64.0.5', '127.64.0.6'];
const CLUSTER = readClusterText(`cluster: web
groups:
  - { name: a, hosts: 127.64.0.1-127.64.0.4, maxDown: 2 }
  - { name: b, hosts: 127.64.0.5-127.64.0.6, maxDown: 1 }
pairs: [[127.64.0.1, 127.64.0.5]]
failureBudget: 2
`).value!;
const UPDATE = readDescriptorText(`name: web-os
version: "2.0"
image: web-os-2.0.iso
sha256: ${'cd'.repeat(32)}
appliesTo: [{ vendor: Bmcfleet Systems }]
updates: [os]
`).value!;

function setUp() {
  const file = join(mkdtempSync(join(tmpdir(), 'bmcfleet-cu-')), 'm.db');
  const hosts = new SqliteProvisioningStore(file);
  hosts.saveHosts(HOSTS.map((a, i) => inventoriedHost(a, i === 5 ? { ...hardware(), vendor: 'Acme' } : hardware())));
  const store = new SqliteClusterUpdateStore(file);
  const clock = new ManualClock(5_000_000);
  const bmcs = new Map(HOSTS.map((a) => [a, new ScriptedBmc(clock)]));
  let down = 0;
  let maxDownA = 0;
  const downA = new Set<string>();
  const open = () => {
    let updates: ClusterUpdates;
    const runner = new InstallRunner({
      store: hosts, clock, handOver: async () => { throw new Error('an update hands nothing over'); },
      bmcFor: (h) => bmcs.get(h.address)!,
      onChange: (h) => {
        if (h.install?.step === 'installing' && ['127.64.0.1', '127.64.0.2', '127.64.0.3', '127.64.0.4'].includes(h.address)) downA.add(h.address);
        if (h.install?.step === 'done' || h.install?.step === 'failed') downA.delete(h.address);
        maxDownA = Math.max(maxDownA, downA.size);
        updates.hostChanged(h);
      },
    });
    updates = new ClusterUpdates({ store, hosts, runner, clock });
    return { runner, updates };
  };
  async function run(ms: number): Promise<void> {
    for (let elapsed = 0; elapsed < ms; elapsed += 100) {
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      clock.advance(100);
    }
  }
  return { hosts, store, clock, bmcs, open, run, maxDownA: () => maxDownA, down };
}

t.test('waves within max-down and pairs; a host of another model skipped with why; no hand-over for an update', async (t) => {
  const s = setUp();
  const { updates } = s.open();
  const started = updates.start(CLUSTER, UPDATE);
  t.same(started.hosts.map((h) => [h.bmc, h.state]), [
    ['127.64.0.1', 'updating'], ['127.64.0.2', 'updating'], ['127.64.0.3', 'pending'], ['127.64.0.4', 'pending'],
    ['127.64.0.5', 'pending'], ['127.64.0.6', 'skipped'],
  ], 'a: 2 of 4; b: its one slot is free but 127.64.0.5 pairs with 127.64.0.1');
  t.match(started.hosts[5].reason, /not applicable: Acme BF-1U is not a model web-os 2\.0 is for/);
  await s.run(300);
  t.same([...s.bmcs.values()].map((b) => b.cd), ['web-os-2.0.iso', 'web-os-2.0.iso', 'web-os-2.0.iso', 'web-os-2.0.iso', 'web-os-2.0.iso', null],
    'the one image staged on every host it applies to at once, before their waves');
  t.same([...s.bmcs.values()].slice(2, 5).map((b) => b.cycles), [0, 0, 0], 'staged, not started');
  await s.run(120_000);
  const done = updates.view(started.id);
  t.equal(done.status, 'done');
  t.same(done.hosts.map((h) => h.state), ['updated', 'updated', 'updated', 'updated', 'updated', 'skipped']);
  t.equal(s.maxDownA(), 2, 'group a never had more than 2 down');
  t.same([...s.bmcs.values()].map((b) => b.run), [8, 8, 8, 8, 8, 7], 'one run each on the five; none on the skipped');
  t.same(s.hosts.hosts().map((h) => h.install?.role ?? null).slice(0, 5), HOSTS.slice(0, 5).map(() => `update ${started.id}: web-os 2.0`));
  const again = updates.start(CLUSTER, UPDATE);
  t.same(again.hosts.map((h) => h.state), ['skipped', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped'], 'the second time: already current');
  t.match(again.hosts[0].reason, 'already current: runs web-os 2.0');
  t.equal(again.status, 'done');
});

t.test('failures spend the budget and pause the update; resume with retry goes on; a second update of the same hosts is refused', async (t) => {
  const s = setUp();
  for (const a of ['127.64.0.1', '127.64.0.2']) s.bmcs.get(a)!.failInsert = 'no such image: web-os-2.0.iso';
  const { updates } = s.open();
  const u = updates.start(CLUSTER, UPDATE);
  t.throws(() => updates.start(CLUSTER, UPDATE), { message: /127\.64\.0\.1 is in cluster update 1 \(running\): one update at a time per host/, status: 409 });
  await s.run(10_000);
  const paused = updates.view(u.id);
  t.equal(paused.status, 'paused');
  t.same(paused.progress, { failuresSinceResume: 2, paused: '2 failed, the failure budget is 2' });
  t.match(paused.hosts[0], { state: 'failed', reason: 'insert: no such image: web-os-2.0.iso' });
  t.same(paused.hosts.slice(2).map((h) => h.state), ['pending', 'pending', 'pending', 'skipped'], 'failed hosts still count down: nothing else started');
  for (const a of ['127.64.0.1', '127.64.0.2']) s.bmcs.get(a)!.failInsert = null;
  updates.resume(u.id, true);
  await s.run(120_000);
  t.equal(updates.view(u.id).status, 'done');
  t.same(updates.view(u.id).hosts.map((h) => h.state), ['updated', 'updated', 'updated', 'updated', 'updated', 'skipped']);
});

t.test('an image that installs another version than the descriptor says: each host fails with why, and the budget pauses the update', async (t) => {
  const s = setUp();
  const { updates } = s.open();
  const u = updates.start(CLUSTER, { ...UPDATE, image: 'web-os-1.9.iso' });
  await s.run(30_000);
  const paused = updates.view(u.id);
  t.equal(paused.status, 'paused');
  t.match(paused.hosts[0], { state: 'failed', reason: 'the host installed version 1.9, not 2.0: the image is not the update the descriptor describes' });
  t.same(paused.hosts.map((h) => h.state), ['failed', 'failed', 'pending', 'pending', 'pending', 'skipped']);
  const again = updates.decide(CLUSTER, UPDATE);
  t.equal(again[0].state, 'pending', 'a host that got the wrong version is not current: it is updated next time');
});

t.test('abort: no new host goes down, those updating finish', async (t) => {
  const s = setUp();
  const { updates } = s.open();
  const u = updates.start(CLUSTER, UPDATE);
  t.equal(updates.abort(u.id).status, 'aborting');
  await s.run(60_000);
  const aborted = updates.view(u.id);
  t.equal(aborted.status, 'aborted');
  t.same(aborted.hosts.map((h) => h.state), ['updated', 'updated', 'pending', 'pending', 'pending', 'skipped']);
  t.throws(() => updates.resume(u.id, false), { status: 409, message: 'cluster update 1 is aborted: it cannot resume' });
});

t.test('stopped at many points and started again: every host updated once', async (t) => {
  for (let stopAfterMs = 0; stopAfterMs <= 12_000; stopAfterMs += 400) {
    const s = setUp();
    const first = s.open();
    const u = first.updates.start(CLUSTER, UPDATE);
    await s.run(stopAfterMs);
    first.runner.close();
    const second = s.open();
    second.runner.resume();
    second.updates.resumeAll();
    await s.run(200_000);
    const end = second.updates.view(u.id);
    const runs = [...s.bmcs.values()].map((b) => b.run);
    if (end.status !== 'done' || runs.join() !== '8,8,8,8,8,7') t.fail(`stopped after ${stopAfterMs} ms: ${end.status}, runs ${runs}, ${JSON.stringify(end.hosts)}`);
  }
  t.pass('31 stop points');
});
