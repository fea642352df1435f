// The manager's store on SQLite: what a restarted manager reads back (close and reopen the file), atomic steps,
// the sequence counter never reused, the schema version, and a writer killed with SIGKILL mid-write.
import t from 'tap';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReplyScheme } from '../../protocols/rollout/prepare.js';
import { Readiness } from '../../protocols/rollout/prepare-reply.js';
import { RmcStep, RoundPhase, type NewRollout } from '../../orchestrator/store/rollout-store.js';
import { SCHEMA_VERSION, SqliteRolloutStore } from '../../orchestrator/store/sqlite-rollout-store.js';

const RMCS_PER_ROLLOUT = 500;
const dbPath = () => join(mkdtempSync(join(tmpdir(), 'bmcfleet-store-')), 'manager.db');

const rollout: NewRollout = {
  createdAtMs: 1_767_225_600_000, nonce: Uint8Array.from({ length: 16 }, (_, i) => i), imageSize: 4096,
  imageSha256: new Uint8Array(32).fill(0xab), flashTimeMs: 1_767_229_200_000, reply: { scheme: ReplyScheme.WINDOW, windowUs: 250_000 },
  targets: [{ rmcId: 7, address: '127.50.0.7' }, { rmcId: 3, address: '127.50.0.3' }, { rmcId: 9, address: '127.50.0.9' }],
};

t.test('a rollout, its RMCs and a round step read back the same after close and reopen', (t) => {
  const path = dbPath();
  const a = new SqliteRolloutStore(path);
  const id = a.createRollout(rollout);
  const [first, ...rest] = a.rmcs(id);
  t.same(a.rmcs(id).map((m) => [m.rmcId, m.rank, m.step, m.polls, m.answer]), [[7, 0, 'silent', 0, null], [3, 1, 'silent', 0, null], [9, 2, 'silent', 0, null]]);
  a.saveRoundStep(id, { phase: RoundPhase.POLLING, attempt: 1, deadlineMs: 5000 }, [
    { ...first, step: RmcStep.ANSWERED, answer: { readiness: Readiness.BUSY, bmcCount: 40, rackName: 'rack-7', atMs: 1200 } },
    { ...rest[0], polls: 1 },
  ]);
  a.close();
  const b = new SqliteRolloutStore(path);
  const back = b.rollout(id);
  t.ok(back);
  t.same({ ...back, nonce: [...back!.nonce], imageSha256: [...back!.imageSha256] }, {
    id, createdAtMs: rollout.createdAtMs, nonce: [...rollout.nonce], imageSize: 4096, imageSha256: [...rollout.imageSha256],
    flashTimeMs: rollout.flashTimeMs, reply: rollout.reply, round: { phase: 'polling', attempt: 1, deadlineMs: 5000 },
  });
  t.same(b.rmcs(id), [
    { rmcId: 7, address: '127.50.0.7', rank: 0, step: 'answered', polls: 0, answer: { readiness: 1, bmcCount: 40, rackName: 'rack-7', atMs: 1200 } },
    { rmcId: 3, address: '127.50.0.3', rank: 1, step: 'silent', polls: 1, answer: null },
    { rmcId: 9, address: '127.50.0.9', rank: 2, step: 'silent', polls: 0, answer: null },
  ]);
  t.equal(b.rollout(id + 1), null);
  b.close();
  t.end();
});

t.test('the manufacturer and product an RMC gave for its BMCs read back with its answer', (t) => {
  const path = dbPath();
  const a = new SqliteRolloutStore(path);
  const id = a.createRollout(rollout);
  const [first] = a.rmcs(id);
  a.saveRoundStep(id, { phase: RoundPhase.COLLECTING, attempt: 0, deadlineMs: 5000 }, [{
    ...first, step: RmcStep.ANSWERED,
    answer: { readiness: Readiness.WRONG_PRODUCT, bmcCount: 40, rackName: 'rack-7', rackProduct: { manufacturerId: 343, productId: 2 }, atMs: 1200 },
  }]);
  a.close();
  const b = new SqliteRolloutStore(path);
  t.same(b.rmcs(id)[0].answer, { readiness: 3, bmcCount: 40, rackName: 'rack-7', rackProduct: { manufacturerId: 343, productId: 2 }, atMs: 1200 });
  b.close();
  t.end();
});

t.test('a step naming a non-target changes nothing (the whole step is rolled back)', (t) => {
  const s = new SqliteRolloutStore(dbPath());
  const id = s.createRollout(rollout);
  const [first] = s.rmcs(id);
  t.throws(() => s.saveRoundStep(id, { phase: RoundPhase.DONE, attempt: 2, deadlineMs: null }, [
    { ...first, step: RmcStep.MISSING }, { ...first, rmcId: 1234 },
  ]), /RMC 1234 is not a target/);
  t.same(s.rollout(id)?.round, { phase: 'planned', attempt: 0, deadlineMs: null });
  t.equal(s.rmcs(id)[0].step, 'silent');
  t.throws(() => s.saveRoundStep(id + 1, { phase: RoundPhase.DONE, attempt: 0, deadlineMs: null }, []), /no rollout/);
  s.close();
  t.end();
});

t.test('answers saved while a round is under way read back at once and after reopening, and fold into the RMCs when it ends', (t) => {
  const path = dbPath();
  const a = new SqliteRolloutStore(path);
  const id = a.createRollout(rollout);
  const [seven, three, nine] = a.rmcs(id);
  const answer = (rackName: string, atMs: number) => ({ readiness: Readiness.READY, bmcCount: 40, rackName, atMs });
  a.saveRoundStep(id, { phase: RoundPhase.COLLECTING, attempt: 0, deadlineMs: 5000 }, [
    { ...nine, step: RmcStep.ANSWERED, answer: answer('rack-9', 1100) },
    { ...seven, step: RmcStep.ANSWERED, answer: answer('rack-7', 1200) },
  ]);
  t.throws(() => a.saveRoundStep(id, { phase: RoundPhase.COLLECTING, attempt: 0, deadlineMs: 5000 }, [
    { ...three, step: RmcStep.ANSWERED, answer: answer('rack-3', 1300) }, { ...three, rmcId: 1234, step: RmcStep.ANSWERED, answer: answer('x', 1) },
  ]), /RMC 1234 is not a target/, 'an answer from a non-target is refused too, and the step rolled back');
  const raw = new Database(path, { readonly: true });
  const logged = () => (raw.prepare('SELECT count(*) AS n FROM rollout_answers WHERE rollout_id = ?').get(id) as { n: number }).n;
  const inPlace = () => raw.prepare('SELECT rmc_id, step, rack_name FROM rollout_rmcs WHERE rollout_id = ? ORDER BY rank').all(id);
  t.equal(logged(), 2, 'appended, not written in place');
  t.same(inPlace(), [{ rmc_id: 7, step: 'silent', rack_name: null }, { rmc_id: 3, step: 'silent', rack_name: null }, { rmc_id: 9, step: 'silent', rack_name: null }]);
  const expected = [
    { rmcId: 7, address: '127.50.0.7', rank: 0, step: 'answered', polls: 0, answer: answer('rack-7', 1200) },
    { rmcId: 3, address: '127.50.0.3', rank: 1, step: 'silent', polls: 0, answer: null },
    { rmcId: 9, address: '127.50.0.9', rank: 2, step: 'answered', polls: 0, answer: answer('rack-9', 1100) },
  ];
  t.same(a.rmcs(id), expected);
  a.close();
  const b = new SqliteRolloutStore(path);
  t.same(b.rmcs(id), expected, 'a restarted manager reads them back');
  b.saveRoundStep(id, { phase: RoundPhase.POLLING, attempt: 1, deadlineMs: 6000 }, [{ ...three, polls: 1 }]);
  b.saveRoundStep(id, { phase: RoundPhase.DONE, attempt: 1, deadlineMs: null }, [{ ...three, polls: 1, step: RmcStep.ANSWERED, answer: answer('rack-3', 5500) }]);
  t.equal(logged(), 0, 'folded when the round ended');
  t.same(inPlace(), [{ rmc_id: 7, step: 'answered', rack_name: 'rack-7' }, { rmc_id: 3, step: 'answered', rack_name: 'rack-3' }, { rmc_id: 9, step: 'answered', rack_name: 'rack-9' }]);
  t.same(b.rmcs(id), [expected[0], { ...expected[1], step: 'answered', polls: 1, answer: answer('rack-3', 5500) }, expected[2]]);
  raw.close();
  b.close();
  t.end();
});

t.test('sequence numbers are never handed out twice, across reopening', (t) => {
  const path = dbPath();
  const a = new SqliteRolloutStore(path);
  t.equal(a.reserveSequences(1), 1);
  t.equal(a.reserveSequences(10), 2);
  t.equal(a.reserveSequences(1), 12);
  t.throws(() => a.reserveSequences(0), RangeError);
  a.close();
  const b = new SqliteRolloutStore(path);
  t.equal(b.reserveSequences(3), 13);
  t.throws(() => b.reserveSequences(0xffff_ffff), /pass 2\^32 - 1/);
  t.equal(b.reserveSequences(1), 16, 'a refused reservation uses up nothing');
  b.close();
  t.end();
});

t.test('settings persist; rollout IDs are not reused', (t) => {
  const path = dbPath();
  const a = new SqliteRolloutStore(path);
  t.equal(a.setting('replyRatePerSecond'), null);
  a.setSetting('replyRatePerSecond', 41_000.5);
  a.setSetting('replyRatePerSecond', 42_000.5);
  const first = a.createRollout(rollout);
  a.close();
  const b = new SqliteRolloutStore(path);
  t.equal(b.setting('replyRatePerSecond'), 42_000.5);
  t.equal(b.createRollout(rollout), first + 1);
  b.close();
  t.end();
});

t.test('the schema version is recorded, and a newer database is refused', (t) => {
  const path = dbPath();
  new SqliteRolloutStore(path).close();
  const raw = new Database(path);
  t.equal(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  raw.close();
  t.throws(() => new SqliteRolloutStore(path), new RegExp(`schema version ${SCHEMA_VERSION + 1}, this bmcfleet knows up to ${SCHEMA_VERSION}`));
  t.end();
});

t.test('a writer killed with SIGKILL mid-write leaves a consistent database', async (t) => {
  const path = dbPath();
  const child = spawn(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), '..', 'helpers', 'store-writer-child.js'), path, String(RMCS_PER_ROLLOUT)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const committed: string[] = [];
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited ${code}`))));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      committed.push(...lines);
      if (committed.length >= 60 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
  });
  const last = (kind: string) => Math.max(...committed.filter((l) => l.startsWith(kind)).map((l) => Number(l.split(' ')[1])));

  const raw = new Database(path, { readonly: false });
  t.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
  raw.close();
  const s = new SqliteRolloutStore(path);
  t.ok(s.reserveSequences(1) > last('sequence') + 6, 'no sequence number the writer reserved comes back');
  for (let id = 1; s.rollout(id); id++) {
    const rmcs = s.rmcs(id);
    t.equal(rmcs.length, RMCS_PER_ROLLOUT, `rollout ${id} has all its RMCs or does not exist`);
    const done = s.rollout(id)!.round.phase === RoundPhase.DONE;
    t.ok(rmcs.every((m) => (m.step === RmcStep.ANSWERED) === done), `rollout ${id}'s step was applied whole or not at all`);
    if (id <= last('answered')) t.ok(done, `rollout ${id}'s committed step survived`);
  }
  t.ok(s.rollout(last('rollout')), 'the last rollout reported committed is there');
  s.close();
});

t.test('no WAL checkpoint while a round collects (its fsync stalls the reading thread); the usual ones once it is done', (t) => {
  const path = dbPath();
  const store = new SqliteRolloutStore(path);
  const targets = Array.from({ length: 4000 }, (_, i) => ({ rmcId: i + 1, address: `127.50.${i >> 8}.${i & 0xff}` }));
  const id = store.createRollout({ ...rollout, targets });
  const walBytes = () => statSync(`${path}-wal`).size;
  const answerAll = (phase: RoundPhase) => {
    const rmcs = store.rmcs(id);
    for (let at = 0; at < rmcs.length; at += 4) {
      store.saveRoundStep(id, { phase, attempt: 0, deadlineMs: 9000 }, rmcs.slice(at, at + 4).map((m) => ({
        ...m, step: RmcStep.ANSWERED, answer: { readiness: Readiness.READY, bmcCount: at, rackName: 'r', atMs: at },
      })));
    }
  };
  const AUTOCHECKPOINT_BYTES = 1000 * 4096;
  answerAll(RoundPhase.COLLECTING);
  const collected = walBytes();
  t.ok(collected > 1.2 * AUTOCHECKPOINT_BYTES, `the WAL grew past SQLite's 1,000-page checkpoint while collecting (${collected} bytes)`);
  answerAll(RoundPhase.DONE);
  const done = walBytes();
  answerAll(RoundPhase.DONE);
  t.ok(walBytes() <= done, `once done, checkpoints run again: the same writes no longer grow it (${done} bytes, then ${walBytes()})`);
  store.close();
  t.end();
});
