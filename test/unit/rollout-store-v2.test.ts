// The store's v2 records (the exchange after the prepare round): a started rollout's plan, its RMCs' run state and
// its BMCs read back the same after reopening; a step is whole or not at all; held RMCs; a v1 database migrates.
import t from 'tap';
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplyScheme } from '../../protocols/rollout/prepare.js';
import { BmcOutcome, FailureReason, RackPhase } from '../../protocols/rollout/rack-status.js';
import { VerifyOutcome } from '../../protocols/rollout/verify-result.js';
import type { NewRollout } from '../../orchestrator/store/rollout-store.js';
import { ControlCommand, RmcStage, RolloutStatus, type RolloutPlan } from '../../orchestrator/store/run-records.js';
import { SCHEMA_VERSION, SqliteRolloutStore } from '../../orchestrator/store/sqlite-rollout-store.js';
import { createVersion } from '../../orchestrator/store/sqlite-schema.js';

const dbPath = () => join(mkdtempSync(join(tmpdir(), 'bmcfleet-store-v2-')), 'manager.db');

const rollout: NewRollout = {
  createdAtMs: 1_767_225_600_000, nonce: new Uint8Array(16).fill(1), imageSize: 6, imageSha256: new Uint8Array(32).fill(0xab),
  flashTimeMs: 1_767_229_200_000, reply: { scheme: ReplyScheme.IMMEDIATE },
  targets: [{ rmcId: 7, address: '127.50.0.7' }, { rmcId: 3, address: '127.50.0.3' }],
};
const plan: RolloutPlan = {
  concurrency: 4, bmcTimeoutMs: 600_000, image: Buffer.from('PICMGF'), manifest: Buffer.from([1, 2, 3]), rackNames: ['rack-7', 'rack-3'],
};

t.test('a started rollout: plan, RMC runs and BMCs read back the same after reopening', (t) => {
  const path = dbPath();
  const a = new SqliteRolloutStore(path);
  const id = a.startRollout(rollout, plan);
  t.same(a.run(id), { rolloutId: id, status: 'running', flashTimeMs: rollout.flashTimeMs, concurrency: 4, bmcTimeoutMs: 600_000, manifest: Buffer.from([1, 2, 3]), image: Buffer.from('PICMGF') });
  const [seven, three] = a.rmcRuns(id);
  t.same([seven.rmcId, seven.rackName, seven.stage, seven.attempt, seven.rack], [7, 'rack-7', 'preparing', 0, null]);
  a.saveRunStep(id, {
    status: RolloutStatus.PAUSED,
    rmcs: [
      { ...seven, stage: RmcStage.FLASHING, attempt: 2, brokenTransfers: 1, ackedOffset: 6, verifyResult: VerifyOutcome.OK, nextRetryMs: 99,
        flashAcked: true, control: ControlCommand.PAUSE, rack: { phase: RackPhase.FLASHING, bmcCount: 2, flashed: 1, skipped: 0, failed: 1 }, bytesSent: 12 },
      { ...three, stage: RmcStage.FAILED, failure: 'verification failed 5 times' },
    ],
    bmcs: [
      { rmcId: 7, rackIndex: 1, address: '127.1.0.2', outcome: BmcOutcome.FAILED, reason: FailureReason.TIMED_OUT, firmware: { major: 1, minor: 2 }, reported: false },
      { rmcId: 7, rackIndex: 0, address: '127.1.0.1', outcome: BmcOutcome.FLASHED, reason: FailureReason.NONE, firmware: { major: 2, minor: 0 }, reported: true },
    ],
  });
  a.close();
  const b = new SqliteRolloutStore(path);
  t.equal(b.run(id)?.status, 'paused');
  t.same(b.rmcRuns(id), [
    { rmcId: 7, rackName: 'rack-7', stage: 'flashing', attempt: 2, brokenTransfers: 1, ackedOffset: 6, verifyResult: 0, nextRetryMs: 99,
      flashAcked: true, reportComplete: false, control: 'pause', rack: { phase: 5, bmcCount: 2, flashed: 1, skipped: 0, failed: 1 }, bytesSent: 12, failure: null },
    { rmcId: 3, rackName: 'rack-3', stage: 'failed', attempt: 0, brokenTransfers: 0, ackedOffset: 0, verifyResult: null, nextRetryMs: null,
      flashAcked: false, reportComplete: false, control: null, rack: null, bytesSent: 0, failure: 'verification failed 5 times' },
  ]);
  t.same(b.bmcs(id).map((m) => [m.rmcId, m.rackIndex, m.address, m.outcome, m.reason, m.firmware.major, m.reported]),
    [[7, 0, '127.1.0.1', 2, 0, 2, true], [7, 1, '127.1.0.2', 4, 4, 1, false]], 'in rack order');
  b.saveRunStep(id, { bmcs: [{ rmcId: 7, rackIndex: 1, address: '127.1.0.2', outcome: BmcOutcome.FLASHED, reason: FailureReason.NONE, firmware: { major: 2, minor: 0 }, reported: true }] });
  t.same(b.bmcs(id)[1].outcome, BmcOutcome.FLASHED, 'a later page replaces an entry');
  t.same(b.runs(), [{ rolloutId: id, status: 'paused' }]);
  b.close();
  t.end();
});

t.test('a run step naming a non-target changes nothing; a prepare-round rollout is no run', (t) => {
  const s = new SqliteRolloutStore(dbPath());
  const id = s.startRollout(rollout, plan);
  const [seven] = s.rmcRuns(id);
  t.throws(() => s.saveRunStep(id, { status: RolloutStatus.DONE, rmcs: [{ ...seven, stage: RmcStage.REPORTED }, { ...seven, rmcId: 99 }] }), /RMC 99 is not a target/);
  t.equal(s.run(id)?.status, 'running');
  t.equal(s.rmcRuns(id)[0].stage, 'preparing');
  const roundOnly = s.createRollout(rollout);
  t.equal(s.run(roundOnly), null);
  t.throws(() => s.saveRunStep(roundOnly, { status: RolloutStatus.DONE }), /no started rollout/);
  t.throws(() => s.startRollout(rollout, { ...plan, rackNames: ['one'] }), /2 targets, 1 rack names/);
  t.same(s.runs().map((r) => r.rolloutId), [id], 'the refused start stored nothing');
  s.close();
  t.end();
});

t.test('RMCs are held by running, paused and aborting rollouts only', (t) => {
  const s = new SqliteRolloutStore(dbPath());
  s.createRollout({ ...rollout, targets: [{ rmcId: 50, address: '127.50.0.50' }] });
  t.same(s.heldRmcs([7, 3, 50]), [], 'a prepare round alone holds nothing');
  const id = s.startRollout(rollout, plan);
  t.same(s.heldRmcs([3, 50, 7]), [3, 7]);
  for (const status of [RolloutStatus.PAUSED, RolloutStatus.ABORTING]) {
    s.saveRunStep(id, { status });
    t.same(s.heldRmcs([7]), [7], status);
  }
  for (const status of [RolloutStatus.ABORTED, RolloutStatus.DONE]) {
    s.saveRunStep(id, { status });
    t.same(s.heldRmcs([7]), [], status);
  }
  s.close();
  t.end();
});

t.test('a v1 database migrates to v2: its rollouts and counters stay, and none of them is a run', (t) => {
  const path = dbPath();
  const raw = new Database(path);
  createVersion(raw, 1);
  raw.exec(`INSERT INTO rollouts (created_at_ms, nonce, image_size, image_sha256, flash_time_ms, reply_scheme, scheme_parameter_us,
    round_phase, round_attempt, round_deadline_ms) VALUES (1, x'00', 10, x'ab', 2, 0, 0, 'done', 1, NULL)`);
  raw.exec(`INSERT INTO rollout_rmcs (rollout_id, rmc_id, address, rank, step, polls, readiness, bmc_count, rack_name, answered_at_ms)
    VALUES (1, 4, '127.50.0.4', 0, 'answered', 1, 0, 40, 'rack-4', 5)`);
  raw.exec("UPDATE counters SET value = 41 WHERE name = 'sequence'");
  raw.close();
  const s = new SqliteRolloutStore(path);
  t.equal(s.rollout(1)?.round.phase, 'done');
  t.same(s.rmcs(1).map((m) => [m.rmcId, m.step, m.answer?.rackName]), [[4, 'answered', 'rack-4']]);
  t.equal(s.rmcs(1)[0].answer?.rackProduct, undefined, 'an answer kept before v3 names no product for its BMCs');
  t.equal(s.reserveSequences(1), 42, 'the sequence counter carries on');
  t.equal(s.run(1), null);
  t.same(s.runs(), []);
  t.same(s.heldRmcs([4]), []);
  t.equal(s.rmcRuns(1)[0].stage, 'preparing', 'a v1 RMC reads as not started');
  s.close();
  const after = new Database(path);
  t.equal(after.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  t.ok(SCHEMA_VERSION >= 3, 'and on to v3 (the BMCs\' product in an answer) and beyond');
  after.close();
  t.end();
});
