// A firmware rollout end to end with real processes only (issue 11), on the fleet and manager of
// test/helpers/rollout-e2e.ts: a rollout as an operator runs it, then the manager killed with SIGKILL at each step (the
// state it leaves in its state dir read back to show where it was) and started again on that state dir. Bad input,
// an image for another product and faults at run time: rollout-refusals-faults.test.ts, on a fleet of its own.
// Addresses 127.111.x.y, IPMI port 9711 and rollout port 4711 are this file's alone.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HpmFlasher } from '../../clients/ipmi/hpm-flasher.js';
import { BmcOutcome } from '../../protocols/rollout/rack-status.js';
import { statusView, type RolloutStatusView } from '../../orchestrator/rollout/rollout-views.js';
import { SqliteRolloutStore } from '../../orchestrator/store/sqlite-rollout-store.js';
import { RolloutE2e, api } from '../helpers/rollout-e2e.js';

const P = '127.111';
const e = new RolloutE2e(P, 9711, 4711);

t.before(() => e.start());
t.teardown(() => e.stop());

t.test('a rollout: every BMC at the new version, activated once, reported flashed; one already there skipped', async (t) => {
  const image = await e.pack('1.02');
  const preset = `${P}.3.3`;
  const early = await new HpmFlasher().flash({ bmc: { host: preset, ...e.login }, image: readFileSync(image), target: { major: 1, minor: 2 }, timeoutMs: 20_000 });
  t.equal(early.outcome, BmcOutcome.FLASHED, `${preset} set at 1.02 beforehand`);
  const before = await e.activations();

  const started = await e.startRollout(image, '--at', '+4s');
  t.match(started, { rolloutId: 1, status: 'running', rmcs: [{ rackName: 'rack-1' }, { rackName: 'rack-2' }, { rackName: 'rack-3' }] });
  const { code, last } = await e.watch(started.rolloutId);
  t.equal(code, 0, 'watch exits 0: done, no BMC failed');
  t.match(last, { status: 'done', bmcs: { flashed: 8, skipped: 1, failed: 0, pending: 0 } });

  t.same(await e.versions(), e.every('1.02'));
  t.same(await e.activationsSince(before), e.every(1, { [preset]: 0 }), 'each BMC activated once; the one at the version not at all');
  const results = await e.report(started.rolloutId);
  t.same(Object.keys(results).sort(), [...e.bmcs].sort(), 'the report lists every BMC');
  for (const ip of e.bmcs) t.match(results[ip], ip === preset ? { result: 'skipped', firmware: '1.02' } : { result: 'flashed', firmware: '1.02' }, ip);
});

/** The rollout's status as a killed manager left it in its state dir: where the restarted one goes on from. */
function leftInStateDir(id: number): RolloutStatusView | null {
  const store = new SqliteRolloutStore(join(e.managerState, 'rollouts.db'));
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
  const image = await e.pack(version);
  const before = await e.activations();
  // RMC 2 fails every verification until the fault is cleared: the manager sends it the image again and again, with
  // backoff, so the transfer lasts long enough to be caught in it
  await api(e.control, 'PUT', `/rmcs/${P}.2.250/faults`, { corruptChunkPercent: 100 });
  // octet-sum: each RMC answers after 127+111+r+250 ms, so the prepare round lasts half a second
  const started = await e.startRollout(image, '--at', '+10s', '--reply-scheme', 'octet-sum');
  for (const point of KILL_POINTS) {
    await e.until(started.rolloutId, (s) => point.when(s, Date.now()), point.step);
    const killedAtMs = Date.now();
    await e.killManager();
    const left = leftInStateDir(started.rolloutId);
    t.ok(left && point.when(left, killedAtMs), `killed while ${point.step}: so says the state it left${left ? ` (${left.phase})` : ''}`);
    if (point.step === 'transferring') await api(e.control, 'PUT', `/rmcs/${P}.2.250/faults`, { corruptChunkPercent: 0 });
    await e.startManager();
    t.match(e.manager!.output(), new RegExp(`resumed rollout ${started.rolloutId}\\n`), `after ${point.step}: serve resumes the rollout it left`);
  }

  const { code, last } = await e.watch(started.rolloutId);
  t.equal(code, 0, 'done, no BMC failed');
  t.match(last.bmcs, { flashed: 9, skipped: 0, failed: 0, pending: 0 });
  t.same(await e.versions(), e.every(version), `every BMC at ${version}`);
  t.same(await e.activationsSince(before), e.every(1), 'no BMC activated twice, none forgotten');
  const results = await e.report(started.rolloutId);
  t.same(Object.values(results).map((r) => r.result), e.bmcs.map(() => 'flashed'));
});

