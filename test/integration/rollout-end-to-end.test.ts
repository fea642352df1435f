// A firmware rollout end to end with real processes only (issue 11): `bmcfleet emulate` runs 3 racks of 3 BMCs, each
// rack with its RMC (state in a stateDir, short firmwareTimings); `bmcfleet manager serve` governs them; the operator's
// commands are the CLI's (`rmc trust`, `firmware pack`, `rollout start|status|report|abort`). Every check is made from
// the outside: Get Device ID over RMCP+ (the project's IPMI client), the control API's per-BMC request counters (HPM.1
// Activate Firmware, netFn 2Ch cmd 35h), and `rollout report --json`. Then the manager killed with SIGKILL at each
// step (the state it leaves in its state dir read back to show where it was) and started again on that state dir;
// bad input through the CLI; faults set at run time.
// Addresses 127.111.x.y, IPMI port 9711 and rollout port 4711 are this file's alone.
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HpmFlasher } from '../../clients/ipmi/hpm-flasher.js';
import { BmcOutcome } from '../../protocols/rollout/rack-status.js';
import { statusView, type RolloutReport, type RolloutStatusView, type RolloutSummary } from '../../orchestrator/rollout/rollout-views.js';
import { SqliteRolloutStore } from '../../orchestrator/store/sqlite-rollout-store.js';
import { CLI, startCli, type EmulatorProcess } from '../helpers/emulator-process.js';

const IPMI_PORT = 9711;
const ROLLOUT_PORT = 4711;
const RACKS = [1, 2, 3];
const BMCS = RACKS.flatMap((r) => [1, 2, 3].map((b) => `127.111.${r}.${b}`));
const LOGIN = { port: IPMI_PORT, username: 'admin', password: 'password' };
const HPM_ACTIVATE = '2c/35/';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-rollout-e2e-'));
const managerState = join(dir, 'manager');
writeFileSync(join(dir, 'fleet.yaml'), `name: rollout-e2e
ipmiPort: ${IPMI_PORT}
users:
  - { name: admin, password: password, privilege: administrator }
control: 127.111.0.1:0
stateDir: ${join(dir, 'fleet-state')}
firmware: "1.00"
firmwareTimings: { backupMs: 50, prepareMs: 50, writeMs: 100, activateMs: 100, rollbackMs: 100, rebootMs: 500 }
rollout: { port: ${ROLLOUT_PORT} }
racks:
${RACKS.map((r) => `  - { name: rack-${r}, bmcs: 3, firstIp: 127.111.${r}.1, rmc: { ip: 127.111.${r}.250 } }`).join('\n')}
`);

interface Run { code: number; stdout: string; stderr: string }
function bmcfleet(...args: string[]): Promise<Run> {
  return new Promise((resolve) => execFile(process.execPath, [CLI, ...args], (err, stdout, stderr) =>
    resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr })));
}

let fleet: EmulatorProcess;
let control = '';
let manager: EmulatorProcess | null = null;
let managerUrl = '';

async function startManager(): Promise<void> {
  manager = await startCli(['manager', 'serve', '--fleet', control, '--state', managerState, '--listen', '127.111.0.1:0', '--rmc-port', String(ROLLOUT_PORT)]);
  managerUrl = /manager API (http:\S+),/.exec(manager.readyLine)![1];
}

async function killManager(): Promise<void> {
  await manager!.stop('SIGKILL');
  manager = null;
}

async function api<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return await res.json() as T;
}

/** HPM.1 Activate Firmware requests each BMC received, whatever it answered. */
async function activations(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const ip of BMCS) {
    const { counters } = await api<{ counters: { requests: Record<string, number> } }>(control, 'GET', `/bmcs/${ip}`);
    counts.set(ip, Object.entries(counters.requests).filter(([k]) => k.startsWith(HPM_ACTIVATE)).reduce((n, [, c]) => n + c, 0));
  }
  return counts;
}

async function activationsSince(before: Map<string, number>): Promise<Record<string, number>> {
  const now = await activations();
  return Object.fromEntries(BMCS.map((ip) => [ip, now.get(ip)! - before.get(ip)!]));
}

const reader = new HpmFlasher({ requestTimeoutMs: 500, retries: 3 });
/** Each BMC's firmware as Get Device ID reports it now ("1.02"). */
async function versions(): Promise<Record<string, string>> {
  const read = await Promise.all(BMCS.map((host) => reader.readVersion({ host, ...LOGIN })));
  return Object.fromEntries(BMCS.map((ip, i) => {
    const r = read[i];
    return [ip, r.ok ? `${r.firmware.major}.${String(r.firmware.minor).padStart(2, '0')}` : `unreadable (${r.reason})`];
  }));
}

/** Every BMC's value, but those `except` names. */
const every = <T>(value: T, except: Record<string, T> = {}): Record<string, T> => Object.fromEntries(BMCS.map((ip) => [ip, except[ip] ?? value]));

/** `firmware pack` of version X.Y for the fleet's BMCs; the file's path. */
async function pack(version: string, size = 20_000): Promise<string> {
  const file = join(dir, `bmc-${version}.hpm`);
  const r = await bmcfleet('firmware', 'pack', '--out', file, '--version', version, '--size', String(size));
  if (r.code !== 0) throw new Error(r.stderr);
  return file;
}

async function start(image: string, ...options: string[]): Promise<RolloutStatusView> {
  const r = await bmcfleet('rollout', 'start', '--image', image, '--json', '--manager', managerUrl, ...options);
  if (r.code !== 0) throw new Error(`rollout start: ${r.stderr}`);
  return JSON.parse(r.stdout) as RolloutStatusView;
}

/** `rollout status ID --watch --json` until the rollout ends: its exit code and last status. */
async function watch(id: number): Promise<{ code: number; last: RolloutStatusView }> {
  const r = await bmcfleet('rollout', 'status', String(id), '--watch', '--json', '--manager', managerUrl);
  const lines = r.stdout.trim().split('\n');
  return { code: r.code, last: JSON.parse(lines[lines.length - 1]) as RolloutStatusView };
}

async function report(id: number): Promise<Record<string, { result: string; reason: string | null; firmware: string }>> {
  const r = await bmcfleet('rollout', 'report', String(id), '--json', '--manager', managerUrl);
  const body = JSON.parse(r.stdout) as RolloutReport;
  return Object.fromEntries(body.racks.flatMap((rack) => rack.bmcs.map((b) => [b.address, { result: b.result, reason: b.reason, firmware: b.firmware }])));
}

async function listed(): Promise<RolloutSummary[]> {
  const r = await bmcfleet('rollout', 'status', '--json', '--manager', managerUrl);
  return JSON.parse(r.stdout) as RolloutSummary[];
}

t.before(async () => {
  fleet = await startCli(['emulate', '--config', join(dir, 'fleet.yaml')]);
  control = /control (http:\S+)/.exec(fleet.readyLine)![1];
  await startManager();
  const trust = await bmcfleet('rmc', 'trust', '--fleet', control, '--state', managerState);
  if (trust.code !== 0) throw new Error(trust.stderr);
});

t.teardown(async () => {
  if (manager) await manager.stop('SIGKILL');
  await fleet?.stop();
  rmSync(dir, { recursive: true, force: true });
});

t.test('a rollout: every BMC at the new version, activated once, reported flashed; one already there skipped', async (t) => {
  const image = await pack('1.02');
  const preset = '127.111.3.3';
  const early = await new HpmFlasher().flash({ bmc: { host: preset, ...LOGIN }, image: readFileSync(image), target: { major: 1, minor: 2 }, timeoutMs: 20_000 });
  t.equal(early.outcome, BmcOutcome.FLASHED, `${preset} set at 1.02 beforehand`);
  const before = await activations();

  const started = await start(image, '--at', '+4s');
  t.match(started, { rolloutId: 1, status: 'running', rmcs: [{ rackName: 'rack-1' }, { rackName: 'rack-2' }, { rackName: 'rack-3' }] });
  const { code, last } = await watch(started.rolloutId);
  t.equal(code, 0, 'watch exits 0: done, no BMC failed');
  t.match(last, { status: 'done', bmcs: { flashed: 8, skipped: 1, failed: 0, pending: 0 } });

  t.same(await versions(), every('1.02'));
  t.same(await activationsSince(before), every(1, { [preset]: 0 }), 'each BMC activated once; the one at the version not at all');
  const results = await report(started.rolloutId);
  t.same(Object.keys(results).sort(), [...BMCS].sort(), 'the report lists every BMC');
  for (const ip of BMCS) t.match(results[ip], ip === preset ? { result: 'skipped', firmware: '1.02' } : { result: 'flashed', firmware: '1.02' }, ip);
});

/** Polls the manager's API until `when` holds of the rollout's status; that status. */
async function until(id: number, when: (s: RolloutStatusView) => boolean, what: string, timeoutMs = 20_000): Promise<RolloutStatusView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await api<RolloutStatusView>(managerUrl, 'GET', `/rollouts/${id}`);
    if (when(s)) return s;
    if (Date.now() > deadline) throw new Error(`rollout ${id} never ${what}: ${JSON.stringify(s)}`);
    await sleep(15);
  }
}

/** The rollout's status as a killed manager left it in its state dir: where the restarted one goes on from. */
function leftInStateDir(id: number): RolloutStatusView | null {
  const store = new SqliteRolloutStore(join(managerState, 'rollouts.db'));
  try {
    return statusView(store, id);
  } finally {
    store.close();
  }
}

const KILL_POINTS: { step: string; when: (s: RolloutStatusView, nowMs: number) => boolean }[] = [
  { step: 'preparing', when: (s) => s.phase === 'preparing' },
  { step: 'transferring', when: (s) => s.phase === 'transferring' },
  { step: 'waiting for the flash time', when: (s, nowMs) => s.rmcs.every((m) => m.rackPhase === 3) && s.flashTimeMs - nowMs > 500 },
  { step: 'flashing', when: (s, nowMs) => nowMs > s.flashTimeMs + 300 && s.rmcs.some((m) => m.stage !== 'reported') },
];

t.test('the manager killed with SIGKILL at each step and started again on its state dir: the same end state', async (t) => {
  const version = '1.03';
  const image = await pack(version);
  const before = await activations();
  // RMC 2 fails every verification until the fault is cleared: the manager sends it the image again and again, with
  // backoff, so the transfer lasts long enough to be caught in it
  await api(control, 'PUT', '/rmcs/127.111.2.250/faults', { corruptChunkPercent: 100 });
  // octet-sum: each RMC answers after 127+111+r+250 ms, so the prepare round lasts half a second
  const started = await start(image, '--at', '+10s', '--reply-scheme', 'octet-sum');
  for (const point of KILL_POINTS) {
    await until(started.rolloutId, (s) => point.when(s, Date.now()), point.step);
    const killedAtMs = Date.now();
    await killManager();
    const left = leftInStateDir(started.rolloutId);
    t.ok(left && point.when(left, killedAtMs), `killed while ${point.step}: so says the state it left${left ? ` (${left.phase})` : ''}`);
    if (point.step === 'transferring') await api(control, 'PUT', '/rmcs/127.111.2.250/faults', { corruptChunkPercent: 0 });
    await startManager();
    t.match(manager!.output(), new RegExp(`resumed rollout ${started.rolloutId}\\n`), `after ${point.step}: serve resumes the rollout it left`);
  }

  const { code, last } = await watch(started.rolloutId);
  t.equal(code, 0, 'done, no BMC failed');
  t.match(last.bmcs, { flashed: 9, skipped: 0, failed: 0, pending: 0 });
  t.same(await versions(), every(version), `every BMC at ${version}`);
  t.same(await activationsSince(before), every(1), 'no BMC activated twice, none forgotten');
  const results = await report(started.rolloutId);
  t.same(Object.values(results).map((r) => r.result), BMCS.map(() => 'flashed'));
});

t.test('bad input through the CLI: each a clear error, exit 1, and no rollout stored', async (t) => {
  const image = await pack('1.04');
  const held = await start(image, '--at', '+60s', '--racks', 'rack-1');
  const stored = (await listed()).length;
  const bytes = readFileSync(image);
  const corrupt = join(dir, 'corrupt.hpm');
  writeFileSync(corrupt, Buffer.concat([bytes.subarray(0, 2000), Buffer.from([bytes[2000] ^ 0xff]), bytes.subarray(2001)]));
  const truncated = join(dir, 'truncated.hpm');
  writeFileSync(truncated, bytes.subarray(0, bytes.length - 5000));
  const cases: [string[], RegExp][] = [
    [['--image', corrupt, '--at', '+30s', '--racks', 'rack-2'], /not a usable HPM\.1 image: .*\(HTTP 400\)/],
    [['--image', truncated, '--at', '+30s', '--racks', 'rack-2'], /not a usable HPM\.1 image: .*\(HTTP 400\)/],
    [['--image', image, '--at', '2026-01-01T00:00:00Z', '--racks', 'rack-2'], /the flash time 2026-01-01T00:00:00\.000Z is in the past .*\(HTTP 400\)/],
    [['--image', image, '--at', '+30s', '--racks', 'rack-2,rack-9'], /unknown rack: rack-9 \(racks: rack-1, rack-2, rack-3\) \(HTTP 400\)/],
    [['--image', image, '--at', '+30s', '--racks', 'rack-*'], new RegExp(`RMC 1 already in a running rollout: rollout ${held.rolloutId} \\(HTTP 409\\)`)],
  ];
  for (const [args, error] of cases) {
    const r = await bmcfleet('rollout', 'start', ...args, '--manager', managerUrl);
    t.match(r, { code: 1, stdout: '', stderr: error }, args.join(' '));
    t.equal((await listed()).length, stored, 'no new rollout');
  }

  t.match(await bmcfleet('rollout', 'abort', String(held.rolloutId), '--manager', managerUrl), { code: 0 });
  const { code, last } = await watch(held.rolloutId);
  t.equal(code, 1, 'watch exits 1: aborted');
  t.equal(last.status, 'aborted');
  const results = await report(held.rolloutId);
  t.same(Object.values(results).map((r) => `${r.result}: ${r.reason}`), ['failed: aborted', 'failed: aborted', 'failed: aborted'], 'rack-1 aborted before its flash time');
  t.same(await versions(), every('1.03'), 'no BMC flashed');
});

const RMC_IPS = RACKS.map((r) => `127.111.${r}.250`);
/** Requests to the BMCs' HPM.1 upgrade commands (netFn 2Ch), all together. */
async function hpmRequests(): Promise<number> {
  let n = 0;
  for (const ip of BMCS) {
    const { counters } = await api<{ counters: { requests: Record<string, number> } }>(control, 'GET', `/bmcs/${ip}`);
    n += Object.entries(counters.requests).filter(([k]) => k.startsWith('2c/')).reduce((sum, [, c]) => sum + c, 0);
  }
  return n;
}
async function rmcOffers(): Promise<number[]> {
  return Promise.all(RMC_IPS.map(async (ip) => (await api<{ counters: { offers: number } }>(control, 'GET', `/rmcs/${ip}`)).counters.offers));
}

t.test('an image for another product: every RMC left out as wrong product at the prepare round, the rollout refused, no Offer sent, no BMC touched', async (t) => {
  const file = join(dir, 'bmc-1.06-product-2.hpm');
  const packed = await bmcfleet('firmware', 'pack', '--out', file, '--version', '1.06', '--size', '20000', '--device-id', '32', '--manufacturer', '32473', '--product', '2');
  t.equal(packed.code, 0, packed.stderr);
  const [offersBefore, hpmBefore] = [await rmcOffers(), await hpmRequests()];
  const started = await start(file, '--at', '+30s');
  const { code, last } = await watch(started.rolloutId);
  const why = 'wrong product: the image is for manufacturer 32473 product 2, the rack\'s BMCs are 32473/1';
  t.equal(code, 1, 'watch exits 1: no BMC flashed');
  t.match(last, { status: 'refused', bmcs: { flashed: 0, skipped: 0, failed: 9, pending: 0 } }, 'the BMCs of racks left out count as failed');
  t.same(last.rmcs.map((m) => [m.rackName, m.stage, m.failure]), RACKS.map((r) => [`rack-${r}`, 'left-out', why]));

  const status = await bmcfleet('rollout', 'status', String(started.rolloutId), '--manager', managerUrl);
  for (const r of RACKS) t.match(status.stdout, new RegExp(`rack-${r} .* left-out: ${why}`), `status names why rack-${r} was left out`);
  const report = await bmcfleet('rollout', 'report', String(started.rolloutId), '--manager', managerUrl);
  t.match(status.stdout, /^rollout \d+: refused,/, 'status says it was refused');
  t.match(report.stdout, /\(refused\): 0 BMCs: 0 flashed, 0 skipped, 0 failed/);
  for (const r of RACKS) t.match(report.stdout, new RegExp(`rack-${r} +${r} +- +left-out: ${why}`), `the report too, for rack-${r}`);

  t.same(await rmcOffers(), offersBefore, 'no RMC was offered the image');
  t.equal(await hpmRequests(), hpmBefore, 'no BMC got an HPM.1 request');
  t.same(await versions(), every('1.03'), 'every BMC as it was');
});

/** Polls the control API's GET PATH until `when` holds of the answer. */
async function untilControl<T>(path: string, when: (body: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = await api<T>(control, 'GET', path);
    if (when(body)) return body;
    if (Date.now() > deadline) throw new Error(`${path}: never ${what}`);
    await sleep(15);
  }
}

interface RmcView { counters: { verifyFailed: number; verifiedOk: number }; faultCounters: { lostIn: number; lostOut: number; chunksCorrupted: number } }
interface BmcView { counters: { requests: Record<string, number> } }
const upgradeActions = (b: BmcView) => Object.entries(b.counters.requests).filter(([k]) => k.startsWith('2c/31/')).reduce((n, [, c]) => n + c, 0);

t.test('faults set at run time: a lossy, corrupting RMC verifies in the end; power lost mid-flash rolls back; a hung BMC times out', async (t) => {
  const image = await pack('1.05');
  const lossy = '127.111.1.250';
  const powerLost = '127.111.2.2';
  const hung = '127.111.3.1';
  const before = await activations();
  const actionsBefore = upgradeActions(await api<BmcView>(control, 'GET', `/bmcs/${powerLost}`));
  const lossyBefore = await api<RmcView>(control, 'GET', `/rmcs/${lossy}`);
  await api(control, 'PUT', `/rmcs/${lossy}/faults`, { lossPercent: 25, corruptChunkPercent: 100 });
  await api(control, 'PUT', `/bmcs/${hung}/faults`, { firmwareHang: true });
  t.teardown(() => api(control, 'PUT', `/bmcs/${hung}/faults`, { firmwareHang: false }));

  const started = await start(image, '--at', '+5s', '--bmc-timeout', '8');
  await untilControl<RmcView>(`/rmcs/${lossy}`, (r) => r.counters.verifyFailed > lossyBefore.counters.verifyFailed, 'failed a verification');
  await api(control, 'PUT', `/rmcs/${lossy}/faults`, { corruptChunkPercent: 0 });
  // the power goes as soon as the BMC has begun its upgrade (Initiate Upgrade Action, HPM.1 cmd 31h)
  await untilControl<BmcView>(`/bmcs/${powerLost}`, (b) => upgradeActions(b) > actionsBefore, 'began its upgrade');
  await api(control, 'POST', `/bmcs/${powerLost}/power-loss`, { offMs: 1000 });

  const { code, last } = await watch(started.rolloutId);
  t.equal(code, 1, 'watch exits 1: BMCs failed');
  t.match(last, { status: 'done', bmcs: { flashed: 7, skipped: 0, failed: 2, pending: 0 } });
  // (the manager's attempt count may stay 1: a Verify Result lost on the way is recovered by the Offer repeated)
  const rmc = await api<RmcView>(control, 'GET', `/rmcs/${lossy}`);
  t.ok(rmc.counters.verifyFailed > lossyBefore.counters.verifyFailed && rmc.counters.verifiedOk > lossyBefore.counters.verifiedOk,
    'the lossy RMC was sent the image again after a failed verification, and verified it');
  const lost = (r: RmcView) => r.faultCounters.lostIn + r.faultCounters.lostOut;
  t.ok(rmc.faultCounters.chunksCorrupted > lossyBefore.faultCounters.chunksCorrupted && lost(rmc) > lost(lossyBefore), `both faults acted: ${JSON.stringify(rmc.faultCounters)}`);
  await api(control, 'PUT', `/rmcs/${lossy}/faults`, { lossPercent: 0 });

  const results = await report(started.rolloutId);
  t.match(results[powerLost], { result: 'failed', reason: 'rolled back', firmware: '1.03' });
  t.match(results[hung], { result: 'failed', reason: 'timed out' });
  for (const ip of BMCS.filter((b) => b !== powerLost && b !== hung)) t.match(results[ip], { result: 'flashed', firmware: '1.05' }, ip);
  t.same(await versions(), every('1.05', { [powerLost]: '1.03', [hung]: '1.03' }), 'the failed BMCs still answer, at the old version');
  // the power went during the backup (answered 80h, polled every 500 ms), the hung BMC never got past it
  t.same(await activationsSince(before), every(1, { [hung]: 0, [powerLost]: 0 }), 'the others activated once each');
});
