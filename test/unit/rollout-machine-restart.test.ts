// A manager killed (kill -9) at every step of a rollout and started again from its store goes on: nothing done
// twice, nothing forgotten. The kill is a store that throws at its Nth step, once just before the step commits
// and once just after (the step saved, its actions never sent); the machine is then dropped, the database
// reopened and a new machine started on it. The RMCs are scripted stand-ins (test/helpers/scripted-rmc.ts; the
// real RMC is being built in emulator/rack/), with the real codecs and CommandVerifier: a reused sequence number
// would make one refuse the command and fail the test.
import t from 'tap';
import { MessageType } from '../../protocols/rollout/header.js';
import { decodeMessage } from '../../protocols/rollout/message.js';
import { BmcOutcome } from '../../protocols/rollout/rack-status.js';
import { RolloutMachine } from '../../orchestrator/rollout/rollout-machine.js';
import type { RmcRecord, RoundState } from '../../orchestrator/store/rollout-store.js';
import type { RunStep } from '../../orchestrator/store/run-records.js';
import { SqliteRolloutStore } from '../../orchestrator/store/sqlite-rollout-store.js';
import { Harness, setUp, signing, type MachineTuning } from '../helpers/rollout-harness.js';

class Killed extends Error {}

/** A store whose `killAt`-th step (round or run) throws, before or after it commits. */
class KillingStore extends SqliteRolloutStore {
  steps = 0;
  killAt = Infinity;
  when: 'before' | 'after' = 'after';
  override saveRoundStep(rolloutId: number, round: RoundState, changed: readonly RmcRecord[]): void {
    this.step(() => super.saveRoundStep(rolloutId, round, changed));
  }
  override saveRunStep(rolloutId: number, step: RunStep): void {
    this.step(() => super.saveRunStep(rolloutId, step));
  }
  private step(save: () => void): void {
    if (++this.steps === this.killAt && this.when === 'before') throw new Killed();
    save();
    if (this.steps === this.killAt) throw new Killed();
  }
}

const RMCS = [{ rmcId: 1 }, { rmcId: 2, failVerifications: 1 }, { rmcId: 3, bmcCount: 5 }];

/** Starts a rollout, kills its manager at step `killAt` (or never), restarts it from the store, runs it to the end. */
function runWithKill(killAt: number, when: 'before' | 'after') {
  const { h, path, tuning, rolloutId } = setUp(RMCS);
  h.store.close();
  const store = new KillingStore(path);
  Object.assign(store, { killAt, when });
  h.store = store;
  h.machine = new RolloutMachine({ ...tuning, store, rolloutId, key: signing });
  let killed = false;
  try {
    h.start();
    h.runUntilDone();
  } catch (err) {
    if (!(err instanceof Killed)) throw err;
    killed = true;
  }
  const steps = store.steps;
  const savedStages = store.rmcRuns(rolloutId).map((m) => m.stage);
  const heardBefore = h.rmcs.map((r) => r.heard.length);
  if (killed) restart(h, path, tuning, rolloutId);
  return { h, killed, steps, rolloutId, savedStages, heardBefore };
}

const PAST_TRANSFER = ['verified', 'flashing', 'reported'];

function restart(h: Harness, path: string, tuning: MachineTuning, rolloutId: number): void {
  h.store.close();
  h.store = new SqliteRolloutStore(path);
  h.machine = new RolloutMachine({ ...tuning, store: h.store, rolloutId, key: signing });
  h.start();
  h.runUntilDone();
}

const clean = runWithKill(Infinity, 'after');

t.test('without a kill, the run takes a known number of steps and ends done', (t) => {
  t.notOk(clean.killed);
  t.ok(clean.steps > 15, `${clean.steps} steps`);
  t.equal(clean.h.store.run(clean.rolloutId)?.status, 'done');
  t.end();
});

for (const when of ['before', 'after'] as const) {
  t.test(`killed ${when} each step's commit, then restarted: the rollout ends the same`, (t) => {
    for (let k = 1; k <= clean.steps; k++) {
      const { h, killed, rolloutId, savedStages, heardBefore } = runWithKill(k, when);
      const at = `killed ${when} step ${k}`;
      t.ok(killed, at);
      t.equal(h.store.run(rolloutId)?.status, 'done', at);
      t.same(h.rmcs.map((r) => r.flashes.every((n) => n === 1)), [true, true, true], `${at}: every BMC flashed exactly once`);
      const bmcs = h.store.bmcs(rolloutId);
      t.ok(bmcs.length === 11 && bmcs.every((b) => b.reported && b.outcome === BmcOutcome.FLASHED), `${at}: every BMC reported flashed`);
      const offersAfter = h.rmcs.map((r, i) => r.heard.slice(heardBefore[i]).filter((m) => m.type === MessageType.IMAGE_OFFER).length);
      t.ok(savedStages.every((stage, i) => !PAST_TRANSFER.includes(stage) || offersAfter[i] === 0),
        `${at}: no image offered again to an RMC whose verification was saved (${savedStages} / ${offersAfter})`);
      t.ok(h.rmcs.every((r) => r.offersAfterVerified <= 1), `${at}: at most one Offer to recover a Verify Result the manager never saved`);
      // killed while RMC 2's failed Verify Result was unsaved (in flight, or its step not committed), the manager never
      // learnt of it: the RMC's retry is then attempt 1 again. Never more than the one failure.
      const attempts = h.store.rmcRuns(rolloutId).map((m) => m.attempt);
      t.ok(attempts[0] === 1 && attempts[2] === 1 && (attempts[1] === 1 || attempts[1] === 2), `${at}: attempts ${attempts}`);
    }
    t.end();
  });
}

t.test('restarted mid-transfer: the Offer again, and only the bytes the RMC lacks', (t) => {
  const { h, path, tuning, rolloutId, rmcs, image } = setUp([{ rmcId: 1 }]);
  let chunksSeen = 0;
  rmcs[0].dropIn = (m) => m.type === MessageType.IMAGE_CHUNK && ++chunksSeen > 5;
  h.start();
  h.run(50);
  t.equal(rmcs[0].nextOffset, 5000);
  rmcs[0].dropIn = () => false;
  const before = h.sent.length;
  restart(h, path, tuning, rolloutId);
  const after = h.sent.slice(before).map((s) => decodeMessage(s.action.bytes));
  t.equal(after[0].type, MessageType.IMAGE_OFFER);
  const chunkBytes = after.reduce((n, m) => n + (m.type === MessageType.IMAGE_CHUNK ? m.body.data.length : 0), 0);
  t.equal(chunkBytes, image.length - 5000, 'resumed at the RMC\'s nextOffset');
  t.equal(h.store.run(rolloutId)?.status, 'done');
  t.end();
});

t.test('restarted mid-flash: a reported RMC hears nothing more; a flashing one gets its status query again', (t) => {
  const { h, path, tuning, rolloutId, rmcs } = setUp([{ rmcId: 1 }, { rmcId: 2 }]);
  h.start();
  h.run(100);
  rmcs[0].tick(Infinity).forEach((b) => h.deliver(h.machine.receive(b, h.clock.now())));
  t.same(h.store.rmcRuns(rolloutId).map((m) => m.stage), ['reported', 'flashing']);
  const heard = rmcs.map((r) => r.heard.length);
  h.store.close();
  h.store = new SqliteRolloutStore(path);
  h.machine = new RolloutMachine({ ...tuning, store: h.store, rolloutId, key: signing });
  h.start();
  t.equal(rmcs[0].heard.length, heard[0], 'the reported RMC hears nothing');
  t.same(rmcs[1].heard.slice(heard[1]).map((m) => m.type), [MessageType.FLASH], 'the flashing one: one Flash (its status query)');
  h.runUntilDone();
  t.equal(h.store.run(rolloutId)?.status, 'done');
  t.same(rmcs.map((r) => r.flashes), [[1, 1, 1], [1, 1, 1]]);
  t.end();
});

t.test('a rack that finished while the manager was dead (its report lost) shows done as the restarted manager starts, not an interval later', (t) => {
  const { h, path, tuning, rolloutId, rmcs } = setUp([{ rmcId: 1 }, { rmcId: 2 }]);
  h.start();
  h.run(100);
  t.same(h.store.rmcRuns(rolloutId).map((m) => m.stage), ['flashing', 'flashing']);
  h.store.close(); // the manager dies; both racks flash meanwhile and send their reports to its dead port
  for (const rmc of rmcs) t.ok(rmc.tick(Infinity).length > 0, `RMC ${rmc.rmcId}'s report, lost`);
  h.store = new SqliteRolloutStore(path);
  h.machine = new RolloutMachine({ ...tuning, store: h.store, rolloutId, key: signing });
  const startedAt = h.clock.now();
  h.start();
  t.equal(h.clock.now(), startedAt, 'no time passed');
  t.same(h.store.rmcRuns(rolloutId).map((m) => m.stage), ['reported', 'reported'], 'the status query sent at start brought each report');
  t.equal(h.store.run(rolloutId)?.status, 'done');
  t.same(rmcs.map((r) => r.flashes), [[1, 1, 1], [1, 1, 1]], 'each BMC flashed once');
  t.end();
});

t.test('restarted while paused it stays paused and sends nothing; restarted while aborting it sends the Abort again', (t) => {
  const { h, path, tuning, rolloutId, rmcs } = setUp([{ rmcId: 1 }, { rmcId: 2 }]);
  h.start();
  h.run(100);
  h.deliver(h.machine.pause(h.clock.now()));
  h.run(1000);
  const reopen = () => {
    h.store.close();
    h.store = new SqliteRolloutStore(path);
    h.machine = new RolloutMachine({ ...tuning, store: h.store, rolloutId, key: signing });
    h.start();
  };
  const heard = rmcs.map((r) => r.heard.length);
  reopen();
  t.equal(h.machine.status, 'paused');
  t.same(rmcs.map((r) => r.heard.length), heard, 'every Pause was answered before: nothing to send');
  t.equal(h.machine.deadlineMs, null);
  rmcs[1].silent = true;
  h.deliver(h.machine.abort(h.clock.now()));
  h.run(1000);
  t.same(h.store.rmcRuns(rolloutId).map((m) => [m.stage, m.control]), [['reported', null], ['flashing', 'abort']]);
  reopen();
  rmcs[1].silent = false;
  h.runUntilDone(10_000);
  t.equal(h.store.run(rolloutId)?.status, 'aborted');
  t.same(h.store.bmcs(rolloutId).map((b) => b.reason), [7, 7, 7, 7, 7, 7], 'every BMC failed "aborted"');
  t.end();
});
