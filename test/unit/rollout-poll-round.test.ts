// The bounded unicast poll round (issue 12): at most k RMCs asked at once, the next as soon as one answers or its
// wait runs out, silent ones asked again up to maxPolls, then missing; every step in the store, so a restarted
// manager asks only the RMCs still silent and never reuses a sequence number. Time is an argument.
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandVerifier } from '../../protocols/rollout/command-verifier.js';
import { MessageType } from '../../protocols/rollout/header.js';
import { generateManagerKey, trustedKeyFromRaw } from '../../protocols/rollout/keys.js';
import { decodeMessage, encodeMessage } from '../../protocols/rollout/message.js';
import { ReplyScheme } from '../../protocols/rollout/prepare.js';
import { Readiness } from '../../protocols/rollout/prepare-reply.js';
import type { RoundAction } from '../../orchestrator/rollout/prepare-round.js';
import { PollRound } from '../../orchestrator/rollout/poll-round.js';
import { SqliteRolloutStore } from '../../orchestrator/store/sqlite-rollout-store.js';

const START = 1_767_225_600_000;
const { signing, rawPublicKey } = generateManagerKey();
const trusted = [trustedKeyFromRaw(rawPublicKey)];
/** Whom the image is for: a round alone (no signed manifest) is told. */
const PRODUCT = { manufacturerId: 32473, productId: 1 };
const TARGETS = [1, 2, 3, 4, 5].map((rmcId) => ({ rmcId, address: `127.60.0.${rmcId}` }));

function setUp(dbPath = join(mkdtempSync(join(tmpdir(), 'bmcfleet-poll-')), 'manager.db')) {
  const store = new SqliteRolloutStore(dbPath);
  const rolloutId = store.createRollout({
    createdAtMs: START, nonce: new Uint8Array(16).fill(1), imageSize: 4096, imageSha256: new Uint8Array(32).fill(2),
    flashTimeMs: START + 3_600_000, reply: { scheme: ReplyScheme.IMMEDIATE }, targets: TARGETS,
  });
  return { store, rolloutId, dbPath };
}

function replyFrom(rmcId: number, rolloutId: number): Buffer {
  return encodeMessage({
    type: MessageType.PREPARE_REPLY, rolloutId, rmcId, sequence: 1,
    body: { readiness: Readiness.READY, address: `127.60.0.${rmcId}`, bmcCount: 1, ...PRODUCT, replyDelayUs: 0, rackName: `r${rmcId}` },
  });
}

/** Each Poll as the RMC it goes to sees it: [rmcId, attempt, sequence], after the RMC's own checks. */
function polls(actions: RoundAction[]): [number, number, number][] {
  return actions.map((a) => {
    if (a.kind !== 'unicast') throw new Error('a poll round never broadcasts');
    const m = decodeMessage(a.bytes);
    const verdict = new CommandVerifier({ rmcId: a.rmcId, trustedKeys: trusted }).check(m, START);
    if (!verdict.ok || m.type !== MessageType.POLL || m.rmcId !== a.rmcId || a.address !== `127.60.0.${a.rmcId}`) throw new Error(`a bad Poll to ${a.rmcId}`);
    return [m.rmcId, m.body.attempt, m.sequence];
  });
}

t.test('k = 2: two asked at once, the next on each answer or timeout, a silent one missing after maxPolls', (t) => {
  const { store, rolloutId } = setUp();
  const round = new PollRound({ store, rolloutId, key: signing, product: PRODUCT, concurrency: 2, pollTimeoutMs: 100, maxPolls: 2 });
  t.same(polls(round.start(START)), [[1, 1, 1], [2, 1, 2]], 'RMCs 1 and 2, in plan order');
  t.equal(round.deadlineMs, START + 100);
  t.same(polls(round.receive(replyFrom(1, rolloutId), START + 5)), [[3, 1, 3]], 'RMC 1 answered: RMC 3 asked');
  t.same(round.receive(replyFrom(1, rolloutId), START + 6), [], 'a duplicate frees nothing');
  t.same(polls(round.receive(replyFrom(3, rolloutId), START + 7)), [[4, 1, 4]]);
  t.same(round.tick(START + 99), [], 'nothing before the deadline');
  // RMC 2 (asked at START) timed out: it goes behind RMC 5, the last not asked yet
  t.same(polls(round.tick(START + 100)), [[5, 1, 5]], 'RMC 2\'s place goes to RMC 5');
  t.same(polls(round.receive(replyFrom(4, rolloutId), START + 110)), [[2, 2, 6]], 'then RMC 2 is asked again, attempt 2');
  t.same(polls(round.receive(replyFrom(5, rolloutId), START + 120)), [], 'nobody left to ask');
  t.equal(round.deadlineMs, START + 210);
  t.same(round.tick(START + 200), []);
  t.notOk(round.done);
  t.same(round.tick(START + 210), [], 'RMC 2 out of Polls');
  t.ok(round.done);
  t.same(round.rmcs().map((m) => [m.rmcId, m.step, m.polls]), [[1, 'answered', 1], [2, 'missing', 2], [3, 'answered', 1], [4, 'answered', 1], [5, 'answered', 1]]);
  t.same(store.rmcs(rolloutId).map((m) => m.step), ['answered', 'missing', 'answered', 'answered', 'answered'], 'the store agrees');
  t.match(round.counts, { replies: 4, duplicates: 1 });
  t.end();
});

t.test('never more than k Polls outstanding, however the answers come', (t) => {
  const { store, rolloutId } = setUp();
  const round = new PollRound({ store, rolloutId, key: signing, product: PRODUCT, concurrency: 3 });
  const outstanding = new Set(polls(round.start(START)).map(([id]) => id));
  t.equal(outstanding.size, 3);
  while (outstanding.size > 0) {
    const id = Math.max(...outstanding);
    outstanding.delete(id);
    for (const [next] of polls(round.receive(replyFrom(id, rolloutId), START + 1))) outstanding.add(next);
    t.ok(outstanding.size <= 3);
  }
  t.ok(round.done);
  t.equal(round.counts.replies, 5);
  t.end();
});

t.test('what it ignores: other rollouts, strangers, malformed bytes, a reply before it starts', (t) => {
  const { store, rolloutId } = setUp();
  const round = new PollRound({ store, rolloutId, key: signing, product: PRODUCT, concurrency: 1 });
  t.same(round.receive(replyFrom(1, rolloutId), START), [], 'not started: unexpected');
  round.start(START);
  t.same(round.receive(replyFrom(1, rolloutId + 1), START), []);
  t.same(round.receive(replyFrom(77, rolloutId), START), []);
  t.same(round.receive(Buffer.from('nope'), START), []);
  t.match(round.counts, { unexpected: 1, otherRollout: 1, notTargeted: 1, malformed: 1, replies: 0 });
  t.end();
});

t.test('a manager restarted from the store: asks again only the silent, those it had asked first, with new sequences', (t) => {
  const first = setUp();
  const before = new PollRound({ store: first.store, rolloutId: first.rolloutId, key: signing, product: PRODUCT, concurrency: 2 });
  before.start(START);
  before.receive(replyFrom(1, first.rolloutId), START + 1); // RMC 3 asked; RMCs 2 and 3 outstanding
  first.store.close();
  const store = new SqliteRolloutStore(first.dbPath);
  const after = new PollRound({ store, rolloutId: first.rolloutId, key: signing, product: PRODUCT, concurrency: 2 });
  const asked = polls(after.start(START + 1000));
  t.same(asked.map(([id, attempt]) => [id, attempt]), [[2, 2], [3, 2]], 'the two it had asked, each a second time');
  t.ok(asked.every(([, , sequence]) => sequence > 3), `sequences past those reserved before (${asked.map((a) => a[2])})`);
  t.same(after.rmcs().map((m) => m.step), ['answered', 'silent', 'silent', 'silent', 'silent']);
  t.end();
});
