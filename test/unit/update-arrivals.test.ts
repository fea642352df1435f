// Updates arriving (orchestrator/cluster-update/update-feed.ts, update-arrivals.ts, the alerts route): a folder feed
// and an http(s) feed on a real loopback server, each new update recorded once with a decision per cluster, one that
// applies starting on an autoUpdate cluster only, a malformed descriptor reported once with its lines, and a pushed
// alert through the manager API. Installs run against scripted BMCs (test/helpers/scripted-install-bmc.ts).
import t from 'tap';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { readClusterText } from '../../orchestrator/cluster-update/cluster-file.js';
import { ClusterUpdates } from '../../orchestrator/cluster-update/cluster-updates.js';
import { UpdateArrivals } from '../../orchestrator/cluster-update/update-arrivals.js';
import { FeedWatcher, readFeed } from '../../orchestrator/cluster-update/update-feed.js';
import { startManagerApi } from '../../orchestrator/manager/manager-api.js';
import { InstallRunner } from '../../orchestrator/provisioning/install-runner.js';
import { SqliteClusterUpdateStore } from '../../orchestrator/store/cluster-update-store.js';
import { SqliteProvisioningStore } from '../../orchestrator/store/sqlite-provisioning-store.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { FakeRolloutService } from '../helpers/fake-rollout-service.js';
import { rawRequest } from '../helpers/control-stub.js';
import { inventoriedHost } from '../helpers/host-records.js';
import { ScriptedBmc } from '../helpers/scripted-install-bmc.js';

/** An update image's bytes, and its descriptor (the sum of those bytes unless told otherwise). */
const image = (version: string) => Buffer.from(`an install image of web-os ${version}`);
const sum = (version: string) => createHash('sha256').update(image(version)).digest('hex');
const descriptor = (version: string, vendor = 'Bmcfleet Systems', sha256 = sum(version)) => `name: web-os\nversion: "${version}"\nimage: web-os-${version}.iso\nsha256: ${sha256}\nappliesTo: [{ vendor: ${vendor} }]\nupdates: [os]\n`;
const AUTO = readClusterText('cluster: web\nautoUpdate: true\ngroups: [{ name: a, hosts: 127.65.0.1-127.65.0.2, maxDown: 1 }]\n').value!;
const MANUAL = readClusterText('cluster: db\ngroups: [{ name: a, hosts: 127.65.1.1, maxDown: 1 }]\n').value!;

function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-arrivals-'));
  const file = join(dir, 'm.db');
  const hosts = new SqliteProvisioningStore(file);
  hosts.saveHosts(['127.65.0.1', '127.65.0.2', '127.65.1.1'].map((a) => inventoriedHost(a)));
  const store = new SqliteClusterUpdateStore(file);
  const clock = new ManualClock(1_000);
  const runner = new InstallRunner({ store: hosts, clock, bmcFor: () => new ScriptedBmc(clock), handOver: async () => {} });
  const updates = new ClusterUpdates({ store, hosts, runner, clock });
  const arrivals = new UpdateArrivals({ store, updates, clock, clusters: () => [AUTO, MANUAL] });
  t.teardown(() => runner.close());
  return { dir, store, arrivals, updates, clock };
}

t.test('a folder feed: each update once, started on the autoUpdate cluster only; a malformed one reported once', async (t) => {
  const s = setUp();
  const feed = join(s.dir, 'feed');
  mkdirSync(feed);
  writeFileSync(join(feed, 'web-os-2.0.yaml'), descriptor('2.0'));
  writeFileSync(join(feed, 'web-os-2.0.iso'), image('2.0'));
  writeFileSync(join(feed, 'broken.yaml'), 'name: x\nversion: "1"\n');
  writeFileSync(join(feed, 'notes.txt'), 'not a descriptor');
  const problems: string[] = [];
  const watcher = new FeedWatcher({ feed, intervalMs: 60_000, clock: s.clock, arrivals: s.arrivals, onProblem: (m) => problems.push(m) });
  await watcher.start();
  const [arrival] = s.arrivals.list();
  t.match(arrival, { key: `web-os@2.0:${sum('2.0')}`, source: join(feed, 'web-os-2.0.yaml') });
  t.same(arrival.decisions, [
    { cluster: 'web', applies: 2, skipped: 0, started: 1, note: 'started as cluster update 1' },
    { cluster: 'db', applies: 1, skipped: 0, started: null, note: 'waits for bmcfleet cluster-update start (the cluster has no autoUpdate)' },
  ]);
  t.equal(s.updates.view(1).cluster.cluster, 'web');
  t.equal(problems.length, 1);
  t.match(problems[0], /broken\.yaml: \d+ errors\n.*broken\.yaml:1:1: image: required/s);
  s.clock.advance(60_000);
  await new Promise((r) => setImmediate(r));
  await watcher.look();
  t.equal(s.arrivals.list().length, 1, 'looked again: nothing new');
  t.equal(problems.length, 1, 'the same problem is not reported again');
  t.same(s.updates.list().map((u) => u.id), [1], 'nothing started twice');
  watcher.stop();
});

t.test('an http feed listing descriptors; an update for another model decides "nothing to update"', async (t) => {
  const s = setUp();
  const server = createServer((req, res) => {
    if (req.url === '/feed') res.end(JSON.stringify({ updates: ['/d/acme.yaml', 'missing.yaml'] }));
    else if (req.url === '/d/acme.yaml') res.end(descriptor('3.0', 'Acme'));
    else if (req.url === '/d/web-os-3.0.iso') res.end(image('3.0'));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entries = await readFeed(`${base}/feed`);
  t.same(entries.map((e) => e.source), [`${base}/d/acme.yaml`, `${base}/missing.yaml`], 'relative URLs against the feed\'s');
  t.match(entries[1].checked.issues[0].message, /cannot fetch .*missing\.yaml: HTTP 404/);
  const arrival = s.arrivals.receive(entries[0].checked.value!, entries[0].source, '');
  t.match(arrival!.decisions[0], { cluster: 'web', applies: 0, skipped: 2, started: null, note: /^nothing to update: 2 skipped \(not applicable: Bmcfleet Systems BF-1U is not a model web-os 3\.0 is for\)$/ });
  t.equal(s.arrivals.receive(entries[0].checked.value!, 'again', ''), null, 'the same update again: null, nothing recorded');
});

t.test('POST /cluster-updates/alerts: fetched, decided, 202; known: 200; a path or a bad descriptor: 400', async (t) => {
  const s = setUp();
  const server = createServer((req, res) => {
    if (req.url === '/web-os-2.1.yaml') res.end(descriptor('2.1'));
    else if (req.url === '/web-os-2.1.iso') res.end(image('2.1'));
    else if (req.url === '/web-os-2.2.yaml') res.end(descriptor('2.2'));
    else if (req.url === '/web-os-2.2.iso') res.end(image('2.1')); // not 2.2's bytes
    else res.end('version: nope\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const api = await startManagerApi(new FakeRolloutService(), [], { host: '127.72.0.3', port: 0, token: null, clusterUpdates: s.updates, updateArrivals: s.arrivals });
  t.teardown(() => api.close());
  const port = Number(new URL(api.url).port);
  const post = (body: unknown) => rawRequest('127.72.0.3', port, 'POST', '/cluster-updates/alerts', { 'content-type': 'application/json' }, JSON.stringify(body));
  const first = await post({ descriptor: `${base}/web-os-2.1.yaml`, description: 'security fixes' });
  t.equal(first.status, 202, JSON.stringify(first.json));
  t.match(first.json.arrival, { source: `alert: ${base}/web-os-2.1.yaml`, description: 'security fixes', decisions: [{ cluster: 'web', started: 1 }, { cluster: 'db', started: null }] });
  const again = await post({ descriptor: `${base}/web-os-2.1.yaml` });
  t.match(again, { status: 200, json: { arrival: null, note: 'web-os 2.1 arrived before: nothing done again' } });
  t.match(await post({ descriptor: '/etc/passwd' }), { status: 400, json: { error: /descriptor: required, the http\(s\) URL/ } });
  t.match(await post({ descriptor: `${base}/bad.yaml` }), { status: 400, json: { error: /bad\.yaml: \d+ errors/ } });
  t.match(await post({ descriptor: `${base}/web-os-2.2.yaml` }), {
    status: 400, json: { error: `image ${base}/web-os-2.2.iso: its sha256 is ${sum('2.1')}, the descriptor says ${sum('2.2')}: corrupt or not this update` },
  }, 'an image with another sum: refused, nothing recorded');
  const listed = await rawRequest('127.72.0.3', port, 'GET', '/cluster-updates/arrivals', {});
  t.equal(listed.json.arrivals.length, 1);
});

t.test('a folder feed: an image with another sum, or none yet, is reported once and skipped; once right, it arrives', async (t) => {
  const s = setUp();
  const feed = join(s.dir, 'feed');
  mkdirSync(feed);
  writeFileSync(join(feed, 'web-os-2.0.yaml'), descriptor('2.0'));
  const problems: string[] = [];
  const watcher = new FeedWatcher({ feed, intervalMs: 60_000, clock: s.clock, arrivals: s.arrivals, onProblem: (m) => problems.push(m) });
  t.teardown(() => watcher.stop());
  await watcher.look();
  t.match(problems, [/web-os-2\.0\.yaml: image .*web-os-2\.0\.iso: not found \(an update image sits beside its descriptor/]);
  writeFileSync(join(feed, 'web-os-2.0.iso'), image('1.9'));
  await watcher.look();
  await watcher.look();
  t.equal(problems.length, 2, 'the wrong image reported once');
  t.match(problems[1], `its sha256 is ${sum('1.9')}, the descriptor says ${sum('2.0')}: corrupt or not this update`);
  t.same(s.arrivals.list(), [], 'nothing recorded, nothing started');
  t.same(s.updates.list(), []);
  writeFileSync(join(feed, 'web-os-2.0.iso'), image('2.0'));
  await watcher.look();
  t.match(s.arrivals.list(), [{ key: `web-os@2.0:${sum('2.0')}`, decisions: [{ cluster: 'web', started: 1 }, { cluster: 'db', started: null }] }]);
});
