// The targets' CHAP accounts on the manager's side (orchestrator/bootcfg/chap-file.ts, `manager serve --chap-file`):
// the file's keys (an IQN, or a prefix ending in *: the exact IQN first, then the longest prefix), its mistakes with
// line and column (a secret under 12 bytes refused, RFC 7143 §9.2.1), and the runner writing the picked target's
// account as boot parameters 108/109 (and nothing for a target without one), never into the database.
import t from 'tap';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootRunner } from '../../orchestrator/bootcfg/boot-runner.js';
import { BootcfgService } from '../../orchestrator/bootcfg/bootcfg-service.js';
import { DiskState } from '../../orchestrator/bootcfg/boot-target.js';
import { ChapAccounts, chapFileDocument, loadChapFile } from '../../orchestrator/bootcfg/chap-file.js';
import { SqliteBootcfgStore } from '../../orchestrator/store/bootcfg-store.js';
import { formatIssue } from '../../runtime/document/issues.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { ScriptedBootHost, ScriptedDomains } from '../helpers/scripted-boot-host.js';

const P = 'iqn.2026-11.org.bmcfleet:';

t.test('the exact IQN first, then the longest prefix; others have none', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-chap-'));
  const file = join(dir, 'chap.yaml');
  writeFileSync(file, [
    `${P}secure-*: { name: group, secret: group-secret-1 }`,
    `${P}secure-boot-*: { name: boot, secret: boot-secret-12 }`,
    `${P}secure-boot-3: { name: three, secret: three-secret-3 }`,
  ].join('\n'));
  const accounts = loadChapFile(file);
  t.same(accounts.forTarget(`${P}secure-boot-3`), { name: 'three', secret: 'three-secret-3' });
  t.same(accounts.forTarget(`${P}secure-boot-1`), { name: 'boot', secret: 'boot-secret-12' });
  t.same(accounts.forTarget(`${P}secure-x`), { name: 'group', secret: 'group-secret-1' });
  t.equal(accounts.forTarget(`${P}open-1`), null);
});

t.test('mistakes with their line and column', async (t) => {
  const checked = chapFileDocument.readText([
    `${P}a: { name: u, secret: short }`,
    `${P}b*x: { name: u, secret: long-enough-secret }`,
    `${P}c: { name: u }`,
  ].join('\n'));
  t.same(checked.issues.map((i) => formatIssue('chap.yaml', i)), [
    `chap.yaml:1:48: ${P}a.secret: 5 bytes: a CHAP secret needs at least 12 (RFC 7143 §9.2.1)`,
    `chap.yaml:2:31: ${P}b*x: an IQN, or a prefix of IQNs ending in *`,
    `chap.yaml:3:29: ${P}c.secret: required: a non-empty string`,
  ]);
});

t.test('the runner writes the picked target\'s account as 108/109; the database never holds it', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'bmcfleet-chap-')), 'm.db');
  const store = new SqliteBootcfgStore(file);
  t.teardown(() => store.close());
  const disk = (target: string, sizeGb: number) => ({
    target: `${P}${target}`, lun: 0, portal: { address: '127.2.0.1', port: 3260 }, sizeBytes: sizeGb * 1e9, state: DiskState.ONLINE, sizeFrom: 'isns' as const, seenAtMs: 0,
  });
  store.saveDisks([disk('secure-1', 20), disk('open-1', 50)], true);
  const clock = new ManualClock(1_000_000);
  const hosts = new Map<string, ScriptedBootHost>();
  const host = (a: string) => { if (!hosts.has(a)) hosts.set(a, new ScriptedBootHost(clock)); return hosts.get(a)!; };
  const domains = new ScriptedDomains();
  const accounts = new ChapAccounts({ [`${P}secure-*`]: { name: 'boot-user', secret: 'the-secret-12' } });
  const runner = new BootRunner({ store, clock, domains, bmcFor: host, probeFor: host, chapFor: (target) => accounts.forTarget(target) });
  const service = new BootcfgService({ store, runner, clock, domains });
  service.request({ host: '127.1.0.1', sizeBytes: 10e9, role: null });
  service.request({ host: '127.1.0.2', sizeBytes: 40e9, role: null });
  for (let elapsed = 0; elapsed < 10_000; elapsed += 100) {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    clock.advance(100);
  }
  await runner.idle();
  t.match(host('127.1.0.1').parameters, { targetName: `${P}secure-1`, chapName: 'boot-user', chapSecret: 'the-secret-12' });
  t.match(host('127.1.0.2').parameters, { targetName: `${P}open-1`, chapName: '', chapSecret: '' });
  t.equal(store.request('127.1.0.1')?.step, 'booted');
  runner.close();
  t.notOk(readFileSync(file).includes('the-secret-12'), 'the secret is not in the database');
});
