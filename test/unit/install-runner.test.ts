// The install runner (orchestrator/provisioning/install-runner.ts) on a ManualClock and an in-memory store, against
// scripted BMCs (test/helpers/scripted-install-bmc.ts; the IPMI side is driven for real in test/integration): hosts installed a bounded
// number at once, each state saved before its action, and a runner stopped mid-install and started again (as a
// killed manager is) installing no host twice.
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InstallStep } from '../../orchestrator/provisioning/install-machine.js';
import { InstallRunner } from '../../orchestrator/provisioning/install-runner.js';
import { SqliteProvisioningStore } from '../../orchestrator/store/sqlite-provisioning-store.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { inventoriedHost } from '../helpers/host-records.js';
import { ScriptedBmc } from '../helpers/scripted-install-bmc.js';

function setUp(addresses: string[], concurrency = 20) {
  const store = new SqliteProvisioningStore(join(mkdtempSync(join(tmpdir(), 'bmcfleet-install-')), 'm.db'));
  store.saveHosts(addresses.map((a) => inventoriedHost(a)));
  const clock = new ManualClock(1_000_000);
  const bmcs = new Map(addresses.map((a) => [a, new ScriptedBmc(clock)]));
  const handed: string[] = [];
  let open = 0;
  let maxOpen = 0;
  for (const b of bmcs.values()) b.onClose = () => { open--; };
  const runner = (o: { failHandOver?: number } = {}) => {
    let handOverFailures = o.failHandOver ?? 0;
    return new InstallRunner({
      store, clock, concurrency,
      bmcFor: (h) => {
        maxOpen = Math.max(maxOpen, ++open);
        return bmcs.get(h.address)!;
      },
      handOver: async (h) => {
        if (handOverFailures-- > 0) throw new Error('webhook: 503');
        handed.push(h.address);
      },
    });
  };
  /** Lets the runner's promises settle and its timers fire, `ms` of fake time in 100 ms steps. */
  async function run(ms: number): Promise<void> {
    for (let elapsed = 0; elapsed < ms; elapsed += 100) {
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      clock.advance(100);
    }
  }
  return { store, clock, bmcs, handed, runner, run, maxOpen: () => maxOpen };
}

t.test('every host installed once, in the order of the steps, and handed over', async (t) => {
  const hosts = ['127.62.0.1', '127.62.0.2', '127.62.0.3'];
  const s = setUp(hosts);
  const r = s.runner();
  r.start(hosts, 'compute', 'debian.iso');
  await s.run(20_000);
  await r.idle();
  t.same(s.store.hosts().map((h) => h.install?.step), ['done', 'done', 'done']);
  for (const b of s.bmcs.values()) {
    t.equal(b.cycles, 1, 'one power cycle');
    t.equal(b.run, 8, 'one install');
    t.same(b.calls.slice(0, 5), ['insert', 'insert', 'boot-cd', 'progress', 'cycle']);
  }
  t.same(s.handed.sort(), hosts);
  t.end();
});

t.test('a bounded number at once', async (t) => {
  const hosts = Array.from({ length: 7 }, (_, i) => `127.62.1.${i + 1}`);
  const s = setUp(hosts, 2);
  const r = s.runner();
  r.start(hosts, 'compute', 'debian.iso');
  await s.run(60_000);
  await r.idle();
  t.same(s.store.hosts().map((h) => h.install?.step), hosts.map(() => 'done'));
  t.equal(s.maxOpen(), 2, 'never more than two hosts installing at once');
  t.ok([...s.bmcs.values()].every((b) => b.cycles === 1));
  t.end();
});

t.test('stopped at every point and started again: no host cycled or installed twice', async (t) => {
  for (let stopAfterMs = 0; stopAfterMs <= 5000; stopAfterMs += 100) {
    const s = setUp(['127.62.2.1']);
    const first = s.runner();
    first.start(['127.62.2.1'], 'compute', 'debian.iso');
    await s.run(stopAfterMs);
    first.close(); // as a kill would: whatever was saved stays
    const second = s.runner();
    second.resume();
    await s.run(150_000);
    await second.idle();
    const b = s.bmcs.get('127.62.2.1')!;
    const h = s.store.host('127.62.2.1')!;
    if (h.install?.step !== InstallStep.DONE || b.run !== 8) t.fail(`stopped after ${stopAfterMs} ms: ${h.install?.step}, run ${b.run}, ${b.cycles} cycles`);
  }
  t.pass('51 stop points');
  t.end();
});

t.test('an image that cannot be inserted fails that host at once; the others go on', async (t) => {
  const s = setUp(['127.62.3.1', '127.62.3.2']);
  s.bmcs.get('127.62.3.1')!.failInsert = 'no such image: missing.iso';
  const r = s.runner();
  r.start(['127.62.3.1', '127.62.3.2'], 'compute', 'debian.iso');
  await s.run(20_000);
  await r.idle();
  t.match(s.store.host('127.62.3.1')!.install, { step: 'failed', failure: 'insert: no such image: missing.iso' });
  t.equal(s.store.host('127.62.3.2')!.install?.step, 'done');
  t.equal(s.bmcs.get('127.62.3.1')!.cycles, 0, 'never power-cycled');
  t.end();
});

t.test('a hand-over that fails is tried again until it works; a host already installing is refused', async (t) => {
  const s = setUp(['127.62.4.1']);
  const r = s.runner({ failHandOver: 5 });
  r.start(['127.62.4.1'], 'compute', 'debian.iso');
  t.throws(() => r.start(['127.62.4.1'], 'storage', 'other.iso'), /127\.62\.4\.1: already installing \(compute, insert\)/);
  await s.run(300_000);
  await r.idle();
  t.equal(s.store.host('127.62.4.1')!.install?.step, 'done');
  t.same(s.handed, ['127.62.4.1']);
  t.end();
});
