// bmcfleet cluster-update plan as a user runs it: hosts the provisioning commands stored in the manager's database,
// a cluster file and an update descriptor; the plan says where the update applies, why the others are skipped, and
// the waves within max-down and pairs. Bad files fail with every mistake and their lines, and nothing is stored.
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteProvisioningStore } from '../../orchestrator/store/sqlite-provisioning-store.js';
import { SqliteClusterUpdateStore, UpdateStatus } from '../../orchestrator/store/cluster-update-store.js';
import { readClusterText } from '../../orchestrator/cluster-update/cluster-file.js';
import { readDescriptorText } from '../../orchestrator/cluster-update/update-descriptor.js';
import { HostUpdate } from '../../orchestrator/cluster-update/wave-planner.js';
import { DB_FILE_NAME } from '../../cli/manager.js';
import { CLI } from '../helpers/emulator-process.js';
import { foundHost, hardware, inventoriedHost } from '../helpers/host-records.js';

const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-cluster-update-'));
const state = join(dir, 'state');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'cluster-update', ...args, '--state', state], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

t.before(() => {
  mkdirSync(state);
  const store = new SqliteProvisioningStore(join(state, DB_FILE_NAME));
  const other = { ...hardware(), vendor: 'Acme', product: 'Storage-9' };
  store.saveHosts([
    ...['127.60.1.1', '127.60.1.2', '127.60.1.3', '127.60.1.4', '127.60.2.1', '127.60.2.2'].map((a) => inventoriedHost(a)),
    inventoriedHost('127.60.2.3', other),
    foundHost('127.60.2.4'),
  ]);
  store.close();
});

const CLUSTER = `cluster: web
groups:
  - { name: rack-a, hosts: 127.60.1.1-127.60.1.4, maxDown: 2 }
  - { name: rack-b, hosts: 127.60.2.1-127.60.2.4, maxDown: 50% }
pairs: [[127.60.1.1, 127.60.2.1]]
`;
const UPDATE = `name: web-os
version: 2.4.1
image: web-os-2.4.1.iso
sha256: ${'ab'.repeat(32)}
appliesTo: [{ vendor: Bmcfleet Systems, product: BF-1U }]
updates: [os]
`;

t.test('plan: where it applies, why not elsewhere, and the waves', async (t) => {
  const r = await run(['plan', '--cluster', file('cluster.yaml', CLUSTER), '--update', file('update.yaml', UPDATE)]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, [
    'web-os 2.4.1 for cluster web: 6 of 8 hosts to update',
    '  wave 1: 127.60.1.1 127.60.1.2 127.60.2.2',
    '  wave 2: 127.60.1.3 127.60.1.4 127.60.2.1',
    'skipped:',
    '  127.60.2.3      not applicable: Acme Storage-9 is not a model web-os 2.4.1 is for',
    '  127.60.2.4      not applicable: its model is not known (no inventory read)',
    '',
  ].join('\n'));
  const json = await run(['plan', '--cluster', join(dir, 'cluster.yaml'), '--update', join(dir, 'update.yaml'), '--json']);
  const plan = JSON.parse(json.stdout);
  t.same(plan.waves, [['127.60.1.1', '127.60.1.2', '127.60.2.2'], ['127.60.1.3', '127.60.1.4', '127.60.2.1']]);
  t.equal(plan.hosts.length, 8);
  t.end();
});

t.test('a cluster file whose limits can never be met, and a malformed descriptor: every mistake, exit 1, nothing stored', async (t) => {
  const before = statSync(join(state, DB_FILE_NAME)).mtimeMs;
  const bad = await run(['plan', '--cluster', file('bad.yaml', 'cluster: web\ngroups:\n  - { name: a, hosts: 127.60.1.1-127.60.1.4, maxDown: 0 }\n'), '--update', join(dir, 'update.yaml')]);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /bad\.yaml:3:\d+: groups\[0\]\.maxDown: max-down 0 of 4 hosts is 0: no host of a could ever be updated/);
  const badUpdate = await run(['plan', '--cluster', join(dir, 'cluster.yaml'), '--update', file('bad-update.yaml', 'name: x\nversion: two\n')]);
  t.equal(badUpdate.code, 1);
  t.match(badUpdate.stderr, /bad-update\.yaml: \d+ errors/);
  t.match(badUpdate.stderr, /bad-update\.yaml:2:\d+: version: expected a version/);
  t.match(badUpdate.stderr, /sha256: required/);
  const missing = await run(['plan', '--cluster', join(dir, 'cluster.yaml')]);
  t.equal(missing.code, 2, 'a usage error');
  t.match(missing.stderr, /--update FILE is required/);
  t.equal(statSync(join(state, DB_FILE_NAME)).mtimeMs, before, 'the database untouched');
  t.end();
});

t.test('plan: a host an earlier cluster update gave this version is skipped as already current', async (t) => {
  const cluster = readClusterText(CLUSTER).value!;
  const descriptor = readDescriptorText(UPDATE).value!;
  const updates = new SqliteClusterUpdateStore(join(state, DB_FILE_NAME));
  updates.create({
    createdAtMs: 1000, cluster, descriptor, status: UpdateStatus.DONE, progress: { failuresSinceResume: 0, paused: null },
    hosts: [{ bmc: '127.60.1.1', state: HostUpdate.UPDATED, reason: null }, { bmc: '127.60.1.2', state: HostUpdate.FAILED, reason: 'no medium' }],
  });
  updates.close();
  const r = await run(['plan', '--cluster', join(dir, 'cluster.yaml'), '--update', join(dir, 'update.yaml'), '--json']);
  t.equal(r.code, 0, r.stderr);
  const plan = JSON.parse(r.stdout);
  t.match(plan.hosts.find((h: { bmc: string }) => h.bmc === '127.60.1.1'), { applies: false, reason: /already current: runs web-os 2\.4\.1/ });
  t.match(plan.hosts.find((h: { bmc: string }) => h.bmc === '127.60.1.2'), { applies: true }, 'a failed update installed nothing');
  t.notOk(plan.waves.flat().includes('127.60.1.1'));
  t.end();
});
