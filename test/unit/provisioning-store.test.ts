// The provisioning store: hosts read back as saved, across a reopen; a batch is saved whole or not at all; and the
// v4 migration adds the hosts table to a manager's database an older bmcfleet left, keeping its rollouts.
import t from 'tap';
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostStage, HostStep, type HostRecord } from '../../orchestrator/store/host-records.js';
import { SqliteProvisioningStore } from '../../orchestrator/store/sqlite-provisioning-store.js';
import { SqliteRolloutStore } from '../../orchestrator/store/sqlite-rollout-store.js';
import { SCHEMA_VERSION, createVersion } from '../../orchestrator/store/sqlite-schema.js';
import { startInstall } from '../../orchestrator/provisioning/install-machine.js';
import { foundHost as host } from '../helpers/host-records.js';

const dbPath = () => join(mkdtempSync(join(tmpdir(), 'bmcfleet-hosts-')), 'rollouts.db');

const inventoried = host('127.140.0.2', {
  stage: HostStage.INVENTORIED, stageSinceMs: 3000, lastSeenMs: 2000,
  authCaps: {
    authTypes: ['md5'], ipmi15: true, ipmi20: true, kgSet: false, perMessageAuth: true, userLevelAuth: true,
    nonNullUsers: true, nullUsers: false, anonymousLogin: false,
  },
  identity: { guid: '0e4e3a1c-aaaa-5bbb-8ccc-000000000001', deviceId: 32, deviceRevision: 1, firmware: '1.02', ipmiVersion: '2.0', manufacturerId: 32473, productId: 1 },
  identifiedAtMs: 2000,
  hardware: {
    vendor: 'Bmcfleet Systems', product: 'BF-1U', serial: 'SN1', memoryGiB: 64,
    cpus: [{ model: 'Xeon-class', cores: 16, threads: 32, mhz: 2100 }],
    memory: [{ slot: 'A1', sizeGiB: 64, type: 'DDR4', mhz: 2933 }],
    disks: [{ slot: 'Bay 0', model: 'SSD', sizeGB: 960, serial: 'D1' }],
    nics: [{ name: 'eth0', model: 'X710', mac: '06:00:7f:8c:00:02', speedMbps: 10000 }],
    fru: { manufacturer: 'Bmcfleet Systems', product: 'BF-1U', partNumber: 'P1', serial: 'SN1', assetTag: '' }, fruError: null,
  },
  inventoriedAtMs: 3000,
});

t.test('hosts read back as saved, in address order, after a reopen; a save replaces a host', (t) => {
  const path = dbPath();
  const a = new SqliteProvisioningStore(path);
  t.same(a.hosts(), [], 'none at first');
  const failed = host('127.140.0.10', { failure: { step: HostStep.IDENTIFY, cause: 'wrong-password', message: 'RAKP 2 HMAC', atMs: 1500 } });
  a.saveHosts([failed, inventoried, host('127.140.0.9')]);
  a.close();
  const b = new SqliteProvisioningStore(path);
  t.same(b.hosts().map((h) => h.address), ['127.140.0.2', '127.140.0.9', '127.140.0.10'], 'by address as numbers, not as text');
  t.same(b.host('127.140.0.2'), inventoried, 'every field');
  t.same(b.host('127.140.0.10'), failed);
  t.equal(b.host('127.140.0.11'), null);
  b.saveHosts([{ ...failed, failure: null, stage: HostStage.IDENTIFIED, stageSinceMs: 5000 }]);
  t.same([b.host('127.140.0.10')?.stage, b.host('127.140.0.10')?.failure], [HostStage.IDENTIFIED, null], 'replaced');
  t.equal(b.hosts().length, 3);
  b.close();
  t.end();
});

t.test('a batch is saved whole or not at all', (t) => {
  const s = new SqliteProvisioningStore(dbPath());
  t.throws(() => s.saveHosts([host('127.140.1.1'), host('127.140.1.2', { port: null as unknown as number })]), /NOT NULL/);
  t.same(s.hosts(), [], 'the good one is not kept either');
  s.close();
  t.end();
});

t.test('v3 -> v4: a manager\'s database from before provisioning gets the hosts table and keeps its rollouts', (t) => {
  const path = dbPath();
  const raw = new Database(path);
  createVersion(raw, 3);
  raw.exec(`INSERT INTO rollouts (created_at_ms, nonce, image_size, image_sha256, flash_time_ms, reply_scheme, scheme_parameter_us,
    round_phase, round_attempt, round_deadline_ms, status, concurrency, bmc_timeout_ms, manifest, image)
    VALUES (1, x'00', 6, x'ab', 2, 0, 0, 'done', 0, NULL, 'done', 4, 1000, x'01', x'02')`);
  raw.exec("UPDATE counters SET value = 7 WHERE name = 'sequence'");
  t.throws(() => raw.prepare('SELECT * FROM hosts').all(), /no such table: hosts/, 'no hosts table at v3');
  raw.close();
  const hosts = new SqliteProvisioningStore(path);
  hosts.saveHosts([inventoried]);
  hosts.close();
  const after = new Database(path);
  t.equal(after.pragma('user_version', { simple: true }), SCHEMA_VERSION, 'on through v4 to the newest');
  t.equal(SCHEMA_VERSION, 8);
  after.close();
  const rollouts = new SqliteRolloutStore(path);
  t.same(rollouts.runs(), [{ rolloutId: 1, status: 'done' }], 'the rollout is still there');
  t.equal(rollouts.reserveSequences(1), 8, 'and the sequence counter');
  rollouts.close();
  const again = new SqliteProvisioningStore(path);
  t.same(again.hosts(), [inventoried], 'the rollout store opening it changed nothing of the hosts');
  again.close();
  t.end();
});

t.test('v4 -> v5: hosts found before installs existed keep everything, with no install; an install is kept whole', (t) => {
  const path = dbPath();
  const raw = new Database(path);
  createVersion(raw, 4);
  // a host as a v4 manager wrote it: no install column yet
  raw.exec(`INSERT INTO hosts (address, port, stage, stage_since_ms, first_seen_ms, last_seen_ms) VALUES ('127.140.9.1', 623, 'found', 1, 1, 2)`);
  raw.close();
  const s = new SqliteProvisioningStore(path);
  t.match(s.host('127.140.9.1'), { address: '127.140.9.1', stage: 'found', lastSeenMs: 2, install: null });
  s.saveHosts([inventoried]);
  const installing = { ...inventoried, install: { ...startInstall('compute', 'debian.iso', 5000), runBefore: 3 } };
  s.saveHosts([installing]);
  s.close();
  const again = new SqliteProvisioningStore(path);
  t.same(again.host(inventoried.address), installing, 'read back as it was saved');
  again.close();
  t.end();
});

t.test('a v1 database migrates through every version to the hosts table', (t) => {
  const path = dbPath();
  const raw = new Database(path);
  createVersion(raw, 1);
  raw.close();
  const s = new SqliteProvisioningStore(path);
  t.same(s.hosts(), []);
  s.close();
  t.throws(() => createVersion(new Database(':memory:'), SCHEMA_VERSION + 1), RangeError);
  t.end();
});
