// bmcfleet rollout, manager and rmc: argument and time parsing, and the commands run as a user runs them (child
// processes) against the manager's real HTTP API on loopback. The rollout service behind that API is an in-memory
// fake (test/helpers/fake-rollout-service.ts), not RolloutManager: what is tested here is the CLI.
import t, { type Test } from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFirmware, packFirmwareImage } from '../../protocols/ipmi/oem/bmcfleet-firmware.js';
import { startManagerApi } from '../../orchestrator/manager/manager-api.js';
import { UsageError } from '../../cli/args.js';
import { parseFlashTime } from '../../cli/flash-time.js';
import { parseRollout, startBody } from '../../cli/rollout.js';
import { reportText, rolloutLine, statusText } from '../../cli/rollout-print.js';
import { FakeRolloutService } from '../helpers/fake-rollout-service.js';
import { CLI } from '../helpers/emulator-process.js';

const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-cli-rollout-'));
const IMAGE_FILE = join(dir, 'bmc-1.02.hpm');
const IMAGE = packFirmwareImage(buildFirmware({ deviceId: 0x20, manufacturerId: 32473, productId: 1 }, { major: 1, minor: 2, aux: new Uint8Array(4) }, 2048), 1_700_000_000);
writeFileSync(IMAGE_FILE, IMAGE);
const NOW = Date.UTC(2026, 11, 6, 7, 0, 0);

function bmcfleet(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) =>
    resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr })));
}

t.test('--at: ISO 8601 with a zone, or +N[hms] from now', async (t) => {
  t.equal(parseFlashTime('2026-12-06T08:00:00Z', NOW), NOW + 3_600_000);
  t.equal(parseFlashTime('2026-12-06T09:00+01:00', NOW), NOW + 3_600_000);
  t.equal(parseFlashTime('2026-12-06T08:00:00.250Z', NOW), NOW + 3_600_250);
  t.equal(parseFlashTime('+30s', NOW), NOW + 30_000);
  t.equal(parseFlashTime('+5m', NOW), NOW + 300_000);
  t.equal(parseFlashTime('+1h30m', NOW), NOW + 5_400_000);
  t.throws(() => parseFlashTime('2026-12-06T08:00:00', NOW), /add the zone, Z for UTC or \+hh:mm \(2026-12-06T08:00:00Z\)/);
  for (const bad of ['+5', '+5x', '5m', '+m', 'tomorrow', '2026-02-30T08:00Z', '2026-12-06 08:00Z', '2026-12-06T24:00Z', '+9000h', '']) {
    t.throws(() => parseFlashTime(bad, NOW), UsageError, bad);
  }
});

t.test('rollout start: the body it sends', async (t) => {
  const { values } = parseRollout(['--image', IMAGE_FILE, '--at', '+5m', '--racks', 'rack-*,7', '--reply-scheme', 'octet-sum', '--concurrency', '8', '--bmc-timeout', '600']);
  t.same(startBody(values, NOW), {
    flashTime: '2026-12-06T07:05:00.000Z', racks: 'rack-*,7', replyScheme: 'octet-sum', concurrency: 8, bmcTimeoutMs: 600_000, image: IMAGE.toString('base64'),
  });
  const cases: [string[], RegExp][] = [
    [['--at', '+5m'], /--image FILE is required/],
    [['--image', IMAGE_FILE], /--at TIME is required/],
    [['--image', join(dir, 'none.hpm'), '--at', '+5m'], /--image .*none\.hpm: ENOENT/],
    [['--image', IMAGE_FILE, '--at', '+5m', '--reply-scheme', 'burst'], /--reply-scheme must be one of immediate, octet-sum, window, rank-slots/],
    [['--image', IMAGE_FILE, '--at', '+5m', '--concurrency', '0'], /--concurrency must be a whole number from 1 to 65535/],
  ];
  for (const [args, message] of cases) t.throws(() => startBody(parseRollout(args).values, NOW), message);
  t.throws(() => parseRollout(['--bogus']), /Unknown option '--bogus'/);
  t.same(parseRollout(['7', '--json']).positionals, ['7']);
});

t.test('printing the engine\'s views: BMCs not counted before any RMC answered; the rack\'s own phase; an RMC left out', async (t) => {
  const rmc = { rmcId: 4, rackName: 'rack-4', address: '127.73.4.250', attempt: 0, ackedOffset: 0, bmcCount: 0, flashed: 0, skipped: 0, failed: 0, failure: null };
  const view = {
    rolloutId: 3, status: 'running' as const, phase: 'preparing' as const, createdAtMs: NOW, flashTimeMs: NOW + 90_000, imageSize: 2048, bytesSent: 0,
    bmcs: { flashed: 0, skipped: 0, failed: 0, pending: 0 }, rmcs: [{ ...rmc, stage: 'preparing' as const, rackPhase: null }],
  };
  t.equal(rolloutLine(view, NOW), 'rollout 3: preparing, 1 rack, BMCs not counted yet, flash at 2026-12-06T07:01:30.000Z (in 1m 30s)');
  const flashing = { ...view, phase: 'flashing' as const, bmcs: { flashed: 1, skipped: 0, failed: 0, pending: 2 }, rmcs: [{ ...rmc, stage: 'flashing' as const, rackPhase: 5, bmcCount: 3, flashed: 1 }] };
  t.equal(statusText(flashing, NOW), 'rollout 3: flashing, 1 rack, 1/3 BMCs done (1 flashed, 0 skipped, 0 failed), flash at 2026-12-06T07:01:30.000Z (in 1m 30s)\n' +
    '  rack-4  RMC 4  127.73.4.250  flashing  1/3 (1 flashed, 0 skipped, 0 failed)\n');
  const counting = { ...flashing, rmcs: [{ ...flashing.rmcs[0], rackPhase: 3 }] };
  t.match(statusText(counting, NOW), /127\.73\.4\.250  flashing \(counting down\)  1\/3/);
  const report = { rolloutId: 3, status: 'done' as const, racks: [{ rmcId: 4, rackName: 'rack-4', address: '127.73.4.250', stage: 'left-out' as const, failure: 'missing: no answer to the Prepare or its Polls', bmcs: [] }] };
  t.equal(reportText(report), 'rollout 3 (done): 0 BMCs: 0 flashed, 0 skipped, 0 failed\nrack    RMC  BMC  result                                                    firmware\n' +
    'rack-4  4    -    left-out: missing: no answer to the Prepare or its Polls  -\n');
});

async function manager(t: Test) {
  const service = new FakeRolloutService();
  const inventory = ['rack-1', 'rack-2', 'rack-3'].map((rackName, i) => ({ rmcId: i + 1, address: `127.73.${i + 1}.250`, rackName }));
  const api = await startManagerApi(service, inventory, { host: '127.73.0.1', port: 0, token: null });
  t.teardown(() => api.close());
  return { service, url: api.url };
}

t.test('rollout start, status, pause, resume, abort, report against the manager', async (t) => {
  const { service, url } = await manager(t);
  const m = ['--manager', url];
  const started = await bmcfleet(['rollout', 'start', '--image', IMAGE_FILE, '--at', '+10m', '--racks', 'rack-1,rack-2', ...m]);
  t.equal(started.code, 0, started.stderr);
  t.match(started.stdout, /^started rollout 1: preparing, 2 racks, 0\/4 BMCs done \(0 flashed, 0 skipped, 0 failed\), flash at .*Z \(in 10m 0s\)\n  follow it: bmcfleet rollout status 1 --watch\n$/);
  t.same(service.started[0].rmcs.map((r) => r.rackName), ['rack-1', 'rack-2']);
  t.same(service.started[0].image, IMAGE);

  const list = await bmcfleet(['rollout', 'status', ...m]);
  t.match(list.stdout, /^rollout 1: running, 2 racks, flash at \S+Z \(in \d+m \d+s\)\n$/);
  const one = await bmcfleet(['rollout', 'status', '1', ...m]);
  t.match(one.stdout, /\n  rack-1  RMC 1  127\.73\.1\.250  preparing  0\/2 \(0 flashed, 0 skipped, 0 failed\)\n  rack-2  RMC 2/);
  t.match(JSON.parse((await bmcfleet(['rollout', 'status', '1', '--json', ...m])).stdout), { rolloutId: 1, status: 'running', phase: 'preparing' });

  t.match(await bmcfleet(['rollout', 'pause', '1', ...m]), { code: 0, stdout: 'rollout 1 paused: now paused\n' });
  t.match(await bmcfleet(['rollout', 'resume', '1', ...m]), { code: 0, stdout: 'rollout 1 resumed: now preparing\n' });
  await bmcfleet(['rollout', 'pause', '1', ...m]);
  const moved = await bmcfleet(['rollout', 'resume', '1', '--at', '2026-12-24T18:00:00Z', ...m]);
  t.match(moved, { code: 0, stdout: 'rollout 1 resumed: now preparing, flash at 2026-12-24T18:00:00.000Z\n' }, moved.stderr);
  t.match(await bmcfleet(['rollout', 'pause', '1', '--at', '+1m', ...m]), { code: 2, stderr: /--at is not an option of rollout pause/ });

  service.finish(1, 1);
  const report = await bmcfleet(['rollout', 'report', '1', ...m]);
  t.equal(report.code, 0);
  t.match(report.stdout, /^rollout 1 \(done\): 4 BMCs: 2 flashed, 0 skipped, 2 failed\nrack +RMC +BMC +result +firmware\nrack-1 +1 +127\.73\.1\.10 +flashed +1\.02\nrack-1 +1 +127\.73\.1\.11 +failed: timed out +1\.01\n/);
  t.match(JSON.parse((await bmcfleet(['rollout', 'report', '1', '--json', ...m])).stdout).racks[0].bmcs[1], { result: 'failed', reason: 'timed out' });

  const watched = await bmcfleet(['rollout', 'status', '1', '--watch', ...m]);
  t.equal(watched.code, 1, 'a rollout that ended with failed BMCs: exit 1');
  t.match(watched.stdout, /^rollout 1: done, 2 racks, 4\/4 BMCs done \(2 flashed, 0 skipped, 2 failed\), flash at \S+Z\nrollout 1: done/);

  t.match(await bmcfleet(['rollout', 'start', '--image', IMAGE_FILE, '--at', '+1m', '--racks', '3', ...m]), { code: 0 });
  t.match(await bmcfleet(['rollout', 'abort', '2', ...m]), { code: 0, stdout: 'rollout 2 aborting: now aborted\n' });
  t.match(await bmcfleet(['rollout', 'abort', '2', ...m]), { code: 1, stderr: /rollout 2 is aborted: it cannot abort \(HTTP 409\)/ });
});

t.test('rollout status --watch follows a rollout until it ends: a line per change off a terminal', async (t) => {
  const { service, url } = await manager(t);
  await service.start({ image: IMAGE, flashTimeMs: Date.now() + 60_000, rmcs: [{ rmcId: 1, address: '127.73.1.250', rackName: 'rack-1' }] });
  const watching = bmcfleet(['rollout', 'status', '--watch', '--interval', '1', '--json', '--manager', url]);
  while (service.statusCalls === 0) await new Promise((r) => setTimeout(r, 20));
  service.finish(1, 2);
  const r = await watching;
  t.equal(r.code, 0, 'done with no BMC failed: exit 0');
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  t.same(lines.map((l) => l.status), ['running', 'done'], 'one line per change');
});

t.test('failures: the manager\'s error, exit 1; bad usage, exit 2', async (t) => {
  const { url } = await manager(t);
  const m = ['--manager', url];
  t.equal((await bmcfleet(['rollout', 'start', '--image', IMAGE_FILE, '--at', '+1m', '--racks', 'rack-*', ...m])).code, 0);
  const busy = await bmcfleet(['rollout', 'start', '--image', IMAGE_FILE, '--at', '+1m', '--racks', 'rack-2', ...m]);
  t.match(busy, { code: 1, stderr: /bmcfleet rollout: RMC 2 already in a running rollout: rollout 1 \(HTTP 409\)/ });
  t.match(await bmcfleet(['rollout', 'start', '--image', IMAGE_FILE, '--at', '+1m', '--racks', 'rack-9', ...m]), { code: 1, stderr: /unknown rack: rack-9 \(racks: rack-1, rack-2, rack-3\) \(HTTP 400\)/ });
  writeFileSync(join(dir, 'junk.hpm'), 'not an image');
  t.match(await bmcfleet(['rollout', 'start', '--image', join(dir, 'junk.hpm'), '--at', '+1m', ...m]), { code: 1, stderr: /not a usable HPM\.1 image.*\(HTTP 400\)/ });
  const usage: [string[], { code: number; stderr: RegExp }][] = [
    [['rollout', 'report', '9', ...m], { code: 1, stderr: /no rollout 9 \(HTTP 404\)/ }],
    [['rollout', 'pause', ...m], { code: 2, stderr: /the rollout ID is required/ }],
    [['rollout', 'pause', 'x', ...m], { code: 2, stderr: /--ID must be a whole number/ }],
    [['rollout', 'report', '1', '--watch', ...m], { code: 2, stderr: /--watch is not an option of rollout report/ }],
    [['rollout', 'launch'], { code: 2, stderr: /unknown rollout command "launch"/ }],
    [['rollout', 'status', '--manager', 'http://127.0.0.1:9/'], { code: 1, stderr: /cannot reach the manager: .*127\.0\.0\.1:9\/rollouts/ }],
  ];
  const answers = await Promise.all(usage.map(([args]) => bmcfleet(args))); // independent: run side by side
  usage.forEach(([args, expected], i) => t.match(answers[i], expected, args.join(' ')));
});

t.test('manager key: made once (0600 in a 0700 directory), the same on every run; serve makes it before anything else', async (t) => {
  const state = join(dir, 'state');
  const first = await bmcfleet(['manager', 'key', '--state', state]);
  t.equal(first.code, 0, first.stderr);
  t.match(first.stderr, /made a new manager key in .*manager-key\.pem/);
  t.equal(Buffer.from(first.stdout.trim(), 'base64').length, 32);
  t.equal(statSync(join(state, 'manager-key.pem')).mode & 0o777, 0o600);
  t.equal(statSync(state).mode & 0o777, 0o700);
  const again = await bmcfleet(['manager', 'key', '--state', state, '--json']);
  t.match(JSON.parse(again.stdout), { publicKey: first.stdout.trim(), keyId: /^[0-9a-f]{16}$/ });
  t.equal(again.stderr, '');

  const fresh = join(dir, 'fresh');
  writeFileSync(join(dir, 'bad-rmcs.yaml'), '- { id: 1, ip: 10.0.0.300, rack: a }\n');
  const serve = await bmcfleet(['manager', 'serve', '--state', fresh, '--rmcs', join(dir, 'bad-rmcs.yaml')]);
  t.match(serve, { code: 1, stderr: /bad-rmcs\.yaml: \[0\]\.ip: not an IPv4 address/ });
  t.equal(statSync(join(fresh, 'manager-key.pem')).mode & 0o777, 0o600, 'the key was made on the first serve');
  const usage: [string[], RegExp][] = [
    [['manager', 'serve', '--state', fresh], /--rmcs FILE or --fleet URL/],
    [['manager', 'serve', '--state', fresh, '--rmcs', 'x', '--fleet', 'http://h'], /one of them/],
    [['manager', 'serve', '--listen', 'nowhere'], /--listen must be HOST:PORT/],
    [['manager', 'serve', '--broadcast', '1.2.3'], /--broadcast must be an IPv4 address/],
    [['manager', 'rotate'], /unknown manager command "rotate"/],
  ];
  const answers = await Promise.all(usage.map(([args]) => bmcfleet(args)));
  usage.forEach(([args, stderr], i) => t.match(answers[i], { code: 2, stderr }, args.join(' ')));
});

t.test('rmc trust: POST /rmcs/trust with the key given or this manager\'s', async (t) => {
  const bodies: unknown[] = [];
  const fleet = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => { text += d; });
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/rmcs/trust') {
        bodies.push({ type: req.headers['content-type'], auth: req.headers.authorization, body: JSON.parse(text) });
        res.end(JSON.stringify({ rmcs: 2 }));
      } else {
        res.writeHead(404).end(JSON.stringify({ error: 'no such endpoint' }));
      }
    });
  });
  await new Promise<void>((r) => fleet.listen(0, '127.0.0.1', r));
  t.teardown(() => fleet.close());
  const url = `http://127.0.0.1:${(fleet.address() as { port: number }).port}`;
  const state = join(dir, 'trust-state');
  const own = (await bmcfleet(['manager', 'key', '--state', state])).stdout.trim();

  const r = await bmcfleet(['rmc', 'trust', '--fleet', url, '--state', state]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^the fleet's RMCs trust key ID [0-9a-f]{16} /);
  writeFileSync(join(dir, 'fleet-token'), 'tok\n');
  const other = Buffer.alloc(32, 7).toString('base64');
  t.match(await bmcfleet(['rmc', 'trust', '--fleet', `${url}/`, '--key', other, '--fleet-token-file', join(dir, 'fleet-token'), '--json']), { code: 0, stdout: '{"rmcs":2}\n' });
  t.same(bodies, [
    { type: 'application/json', auth: undefined, body: { key: own } },
    { type: 'application/json', auth: 'Bearer tok', body: { key: other } },
  ]);
  const [badKey, noFleet, notFound] = await Promise.all([
    bmcfleet(['rmc', 'trust', '--fleet', url, '--key', 'AAAA']),
    bmcfleet(['rmc', 'trust', '--key', other]),
    bmcfleet(['rmc', 'trust', '--fleet', `${url}/x/`, '--key', other]),
  ]);
  t.match(badKey, { code: 2, stderr: /--key must be a raw Ed25519 public key: 32 bytes in base64/ });
  t.match(noFleet, { code: 2, stderr: /--fleet URL is required/ });
  t.match(notFound, { code: 2, stderr: /--fleet URL is required/ }, 'a URL with a path is not the API\'s root');
  t.equal(bodies.length, 2);
});
