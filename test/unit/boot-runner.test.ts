// The boot runner (orchestrator/bootcfg/boot-runner.ts) and service on a ManualClock and a real SQLite store, against
// scripted BMCs, probes and DDs (test/helpers/scripted-boot-host.ts): a request picks the best-fitting disk, registers
// its DD, writes the parameters, sets PXE once, powers the host once and waits for its boot; a runner stopped at any
// point and started again (as a killed manager is) does nothing twice; a disk lost before the boot is replaced.
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootRunner } from '../../orchestrator/bootcfg/boot-runner.js';
import { BootcfgService } from '../../orchestrator/bootcfg/bootcfg-service.js';
import { DiskState, type BootDisk } from '../../orchestrator/bootcfg/boot-target.js';
import { HostBusyError, NoDiskFitsError, SqliteBootcfgStore } from '../../orchestrator/store/bootcfg-store.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { ScriptedBootHost, ScriptedDomains } from '../helpers/scripted-boot-host.js';

const GB = 1_000_000_000;

function disk(target: string, sizeGb: number, o: Partial<BootDisk> = {}): Omit<BootDisk, 'assignedTo'> {
  return { target: `iqn.2026-11.org.bmcfleet:${target}`, lun: 0, portal: { address: '127.2.0.1', port: 3260 }, sizeBytes: sizeGb * GB, state: DiskState.ONLINE, sizeFrom: 'isns', seenAtMs: 0, ...o };
}

function setUp(disks: Omit<BootDisk, 'assignedTo'>[], file = join(mkdtempSync(join(tmpdir(), 'bmcfleet-boot-')), 'm.db')) {
  const store = new SqliteBootcfgStore(file);
  if (disks.length > 0) store.saveDisks(disks, true);
  const clock = new ManualClock(1_000_000);
  const hosts = new Map<string, ScriptedBootHost>();
  const host = (a: string) => { if (!hosts.has(a)) hosts.set(a, new ScriptedBootHost(clock)); return hosts.get(a)!; };
  const domains = new ScriptedDomains();
  const make = () => {
    const runner = new BootRunner({ store, clock, domains, bmcFor: host, probeFor: host });
    return { runner, service: new BootcfgService({ store, runner, clock, domains }) };
  };
  async function run(ms: number): Promise<void> {
    for (let elapsed = 0; elapsed < ms; elapsed += 100) {
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      clock.advance(100);
    }
  }
  return { store, clock, host, domains, make, run, file };
}

t.test('a request: the best fit reserved, its DD, the parameters, PXE once, one power command, booted', async (t) => {
  const s = setUp([disk('big', 100), disk('fit', 20), disk('small', 10), disk('offline', 20, { state: DiskState.OFFLINE })]);
  const { runner, service } = s.make();
  const r = service.request({ host: '127.1.0.1', sizeBytes: 20 * GB, role: 'web' });
  t.equal(r.disk?.target, 'iqn.2026-11.org.bmcfleet:fit', 'the smallest online disk that is large enough');
  t.equal(r.initiator, 'iqn.2026-12.org.bmcfleet:host-127-1-0-1');
  t.equal(s.store.disks().find((d) => d.target.endsWith(':fit'))?.assignedTo, '127.1.0.1', 'reserved with the request');
  await s.run(10_000);
  await runner.idle();
  const done = s.store.request('127.1.0.1')!;
  t.equal(done.step, 'booted');
  t.match(done.report, { state: 'booted', targetName: 'iqn.2026-11.org.bmcfleet:fit' });
  const h = s.host('127.1.0.1');
  t.same(h.calls.slice(0, 5), ['parameters', 'pxe', 'status', 'power', 'status']);
  t.equal(h.powers, 1);
  t.match(h.parameters, { initiatorName: r.initiator, targetName: 'iqn.2026-11.org.bmcfleet:fit', portal: { address: '127.2.0.1', port: 3260 }, lun: 0, chapName: '' });
  t.same(s.domains.dds.get('bmcfleet-boot-127.1.0.1')?.members, ['iqn.2026-11.org.bmcfleet:fit', r.initiator], 'a DD of that target and that initiator alone');
  t.throws(() => service.request({ host: '127.1.0.1', sizeBytes: GB, role: null }), HostBusyError, 'one request per host until released');
  t.end();
});

t.test('no disk fits: a clear refusal, nothing reserved', async (t) => {
  const s = setUp([disk('a', 10), disk('b', 20, { state: DiskState.BUSY })]);
  const { service } = s.make();
  t.throws(() => service.request({ host: '127.1.0.2', sizeBytes: 15 * GB, role: null }), { name: 'NoDiskFitsError', message: /no free online disk of at least 15000000000 bytes \(the largest free one has 10000000000\): nothing reserved/ });
  t.ok(s.store.disks().every((d) => d.assignedTo === null));
  t.same(s.store.requests(), []);
  t.end();
});

t.test('two managers on one database race for the last disk: one wins, the other is told no disk fits', async (t) => {
  const a = setUp([disk('last', 20)]);
  const b = setUp([], a.file);
  const wins: string[] = [];
  const losses: unknown[] = [];
  for (const [s, host] of [[a, '127.1.0.3'], [b, '127.1.0.4']] as const) {
    try {
      wins.push(s.make().service.request({ host, sizeBytes: GB, role: null }).host);
    } catch (err) {
      losses.push(err);
    }
  }
  t.same(wins, ['127.1.0.3']);
  t.ok(losses[0] instanceof NoDiskFitsError);
  t.same(a.store.disks().map((d) => d.assignedTo), ['127.1.0.3']);
  b.store.close();
  t.end();
});

t.test('stopped at every point and started again: the host powered once, one DD, booted', async (t) => {
  for (let stopAfterMs = 0; stopAfterMs <= 4000; stopAfterMs += 100) {
    const s = setUp([disk('one', 20)]);
    const first = s.make();
    first.service.request({ host: '127.1.0.5', sizeBytes: GB, role: null });
    await s.run(stopAfterMs);
    first.runner.close(); // as a kill would: whatever was saved stays
    const second = s.make();
    second.runner.resume();
    await s.run(20_000);
    await second.runner.idle();
    const r = s.store.request('127.1.0.5')!;
    const h = s.host('127.1.0.5');
    if (r.step !== 'booted' || h.powers !== 1 || h.run !== 4 || s.domains.dds.size !== 1) {
      t.fail(`stopped after ${stopAfterMs} ms: ${r.step}, ${h.powers} power commands, run ${h.run}, ${s.domains.dds.size} DDs`);
    }
  }
  t.pass('41 stop points');
  t.end();
});

t.test('the disk leaves the iSNS server before the boot: another is picked and the DD re-filled; none left: failed, nothing held', async (t) => {
  const s = setUp([disk('first', 20), disk('second', 30)]);
  const { runner, service } = s.make();
  service.request({ host: '127.1.0.6', sizeBytes: GB, role: null });
  await s.run(0);
  const lost = s.store.targetGone('iqn.2026-11.org.bmcfleet:first');
  service.disksLost(lost);
  await s.run(10_000);
  await runner.idle();
  const r = s.store.request('127.1.0.6')!;
  t.match(r, { step: 'booted', repicks: 1, disk: { target: 'iqn.2026-11.org.bmcfleet:second' } });
  t.same(s.domains.dds.get('bmcfleet-boot-127.1.0.6')?.members, ['iqn.2026-11.org.bmcfleet:second', r.initiator]);
  t.same(s.store.disks().map((d) => [d.target.split(':')[1], d.state, d.assignedTo]), [['first', 'gone', null], ['second', 'online', '127.1.0.6']]);

  const only = setUp([disk('only', 20)]);
  const o = only.make();
  o.service.request({ host: '127.1.0.7', sizeBytes: GB, role: null });
  o.service.disksLost(only.store.targetGone('iqn.2026-11.org.bmcfleet:only'));
  await only.run(5000);
  await o.runner.idle();
  t.match(only.store.request('127.1.0.7'), { step: 'failed', disk: null, failure: /no free online disk/ });
  t.equal(only.host('127.1.0.7').powers, 0, 'never powered');
  t.same(only.store.disks().map((d) => d.assignedTo), [null]);
  t.end();
});

t.test('release: the DD goes and the disk is free, mid-boot too; the host may then ask again', async (t) => {
  const s = setUp([disk('one', 20)]);
  const { runner, service } = s.make();
  service.request({ host: '127.1.0.8', sizeBytes: GB, role: null });
  await s.run(500); // the host is booting
  service.release('127.1.0.8');
  await s.run(5000);
  await runner.idle();
  t.equal(s.store.request('127.1.0.8')!.step, 'released');
  t.equal(s.domains.dds.size, 0);
  t.same(s.store.disks().map((d) => d.assignedTo), [null]);
  t.equal(service.request({ host: '127.1.0.8', sizeBytes: GB, role: null }).step, 'dd', 'a new request once released');
  t.throws(() => service.release('127.9.9.9'), { name: 'NoSuchRequestError' });
  t.end();
});

t.test('a boot that fails is reported with the host\'s reason', async (t) => {
  const s = setUp([disk('one', 20)]);
  s.host('127.1.0.9').failWith = 'login refused 02/02';
  const { runner, service } = s.make();
  service.request({ host: '127.1.0.9', sizeBytes: GB, role: null });
  await s.run(10_000);
  await runner.idle();
  t.match(s.store.request('127.1.0.9'), { step: 'failed', failure: /could not boot from iqn\.2026-11\.org\.bmcfleet:one: login refused 02\/02/ });
  t.end();
});
