// The manager's prepare round on a ManualClock, with RMCs played by the test from the protocol's own codecs (the
// real RMC emulator is being built elsewhere): every RMC answers; some miss the broadcast and answer the Poll;
// some never answer; a manager restarted from the store mid-round re-asks only the silent ones.
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../runtime/manual-clock.js';
import { CommandVerifier } from '../../protocols/rollout/command-verifier.js';
import { MessageType } from '../../protocols/rollout/header.js';
import { generateManagerKey, trustedKeyFromRaw } from '../../protocols/rollout/keys.js';
import { decodeMessage, encodeMessage, type DecodedMessage, type MessageOf } from '../../protocols/rollout/message.js';
import { ReplyScheme, type ReplySchemeParams } from '../../protocols/rollout/prepare.js';
import { Readiness } from '../../protocols/rollout/prepare-reply.js';
import { PrepareRound, REPLY_RATE_SETTING, longestReplyDelayMs, type RoundAction } from '../../orchestrator/rollout/prepare-round.js';
import { ASSUMED_REPLY_RATE, windowSchemeFor } from '../../orchestrator/rollout/reply-window.js';
import { targetRanges } from '../../orchestrator/rollout/target-ranges.js';
import { SqliteRolloutStore } from '../../orchestrator/store/sqlite-rollout-store.js';

const START = 1_767_225_600_000;
const { signing, rawPublicKey } = generateManagerKey();
const trusted = [trustedKeyFromRaw(rawPublicKey)];
/** Whom the image is for: a round alone (no signed manifest) is told. */
const PRODUCT = { manufacturerId: 32473, productId: 1 };
// RMC IDs 10-12 then 20-21: two target ranges
const TARGETS = [10, 11, 12, 20, 21].map((rmcId) => ({ rmcId, address: `127.50.0.${rmcId}` }));

function setUp(dbPath = join(mkdtempSync(join(tmpdir(), 'bmcfleet-round-')), 'manager.db'), reply: ReplySchemeParams = { scheme: ReplyScheme.WINDOW, windowUs: 300_000 }) {
  const clock = new ManualClock(START);
  const store = new SqliteRolloutStore(dbPath);
  const rolloutId = store.createRollout({
    createdAtMs: START, nonce: new Uint8Array(16).fill(7), imageSize: 1 << 20, imageSha256: new Uint8Array(32).fill(0x5a),
    flashTimeMs: START + 3_600_000, reply, targets: TARGETS,
  });
  return { clock, store, rolloutId, dbPath };
}

/** What an RMC checks before it answers: a signed command for it (or all) that decodes. */
function commandFor(rmcId: number, a: RoundAction, verifier = new CommandVerifier({ rmcId, trustedKeys: trusted })): DecodedMessage {
  const m = decodeMessage(a.bytes);
  const verdict = verifier.check(m, START);
  if (!verdict.ok) throw new Error(`RMC ${rmcId} rejects the command: ${verdict.reason}`);
  return m;
}

function replyFrom(rmcId: number, rolloutId: number, readiness: Readiness = Readiness.READY): Buffer {
  const reply: MessageOf<typeof MessageType.PREPARE_REPLY> = {
    type: MessageType.PREPARE_REPLY, rolloutId, rmcId, sequence: 1,
    body: { readiness, address: `127.50.0.${rmcId}`, bmcCount: 40, ...PRODUCT, replyDelayUs: 0, rackName: `rack-${rmcId}` },
  };
  return encodeMessage(reply);
}

t.test('target ranges fold consecutive IDs in plan order, and refuse more than 64', (t) => {
  t.same(targetRanges([10, 11, 12, 20, 21, 5]), [{ firstRmcId: 10, count: 3 }, { firstRmcId: 20, count: 2 }, { firstRmcId: 5, count: 1 }]);
  t.throws(() => targetRanges(Array.from({ length: 65 }, (_, i) => i * 2)), /65 ranges, a Prepare holds 64/);
  t.end();
});

t.test('the longest reply delay of each scheme', (t) => {
  const rmcs = [{ address: '10.0.0.1' }, { address: '10.255.255.250' }, { address: '10.0.1.1' }];
  t.equal(longestReplyDelayMs({ reply: { scheme: ReplyScheme.IMMEDIATE } }, rmcs), 0);
  t.equal(longestReplyDelayMs({ reply: { scheme: ReplyScheme.OCTET_SUM } }, rmcs), 10 + 255 + 255 + 250);
  t.equal(longestReplyDelayMs({ reply: { scheme: ReplyScheme.WINDOW, windowUs: 1_500 } }, rmcs), 2);
  t.equal(longestReplyDelayMs({ reply: { scheme: ReplyScheme.RANK_SLOTS, slotUs: 100 } }, rmcs), 1, 'the last of 3 RMCs waits 2 slots: 200 µs');
  t.end();
});

t.test('every RMC answers the broadcast: no Poll, the round ends with the last reply', (t) => {
  const { clock, store, rolloutId } = setUp();
  const round = new PrepareRound({ store, rolloutId, key: signing, product: PRODUCT });
  const [broadcast, ...more] = round.start(clock.now());
  t.same(more, []);
  t.equal(broadcast.kind, 'broadcast');
  const prepare = commandFor(10, broadcast);
  t.equal(prepare.type, MessageType.PREPARE);
  t.equal(prepare.rmcId, 0xffff_ffff);
  t.equal(prepare.rolloutId, rolloutId);
  t.same(prepare.type === MessageType.PREPARE && prepare.body.targets, [{ firstRmcId: 10, count: 3 }, { firstRmcId: 20, count: 2 }]);
  t.equal(round.deadlineMs, START + 300 + 200, 'the window (300 ms) plus the margin');
  for (const [i, { rmcId }] of TARGETS.entries()) {
    clock.advance(50);
    round.receive(replyFrom(rmcId, rolloutId, i === 2 ? Readiness.BUSY : Readiness.READY), clock.now());
  }
  t.ok(round.done);
  t.equal(round.deadlineMs, null);
  t.same(round.tick(clock.now() + 10_000), [], 'nothing more to send');
  t.same(store.rmcs(rolloutId).map((m) => [m.rmcId, m.step, m.answer?.readiness, m.answer?.rackName]),
    [[10, 'answered', 0, 'rack-10'], [11, 'answered', 0, 'rack-11'], [12, 'answered', 1, 'rack-12'], [20, 'answered', 0, 'rack-20'], [21, 'answered', 0, 'rack-21']]);
  t.equal(round.replyRate(), 20, '5 replies 50 ms apart: 4 gaps in 200 ms');
  t.equal(store.setting(REPLY_RATE_SETTING), null, 'a window round paces replies itself: its rate says nothing of the manager');
  t.equal(store.rollout(rolloutId)?.round.phase, 'done');
  t.end();
});

t.test('RMCs that missed the broadcast are polled by unicast after the window, and their answers end the round', (t) => {
  const { clock, store, rolloutId } = setUp();
  const round = new PrepareRound({ store, rolloutId, key: signing, product: PRODUCT });
  const [broadcast] = round.start(clock.now());
  const broadcastSequence = decodeMessage(broadcast.bytes).sequence;
  for (const rmcId of [10, 12, 21]) round.receive(replyFrom(rmcId, rolloutId), clock.now() + 100);
  clock.advance(499);
  t.same(round.tick(clock.now()), [], 'not before the deadline');
  clock.advance(1);
  const polls = round.tick(clock.now());
  t.same(polls.map((a) => a.kind === 'unicast' && [a.rmcId, a.address]), [[11, '127.50.0.11'], [20, '127.50.0.20']]);
  const decoded = polls.map((a, i) => commandFor([11, 20][i], a));
  t.same(decoded.map((m) => [m.type, m.rmcId, m.type === MessageType.POLL && m.body.attempt]), [[MessageType.POLL, 11, 1], [MessageType.POLL, 20, 1]]);
  t.ok(decoded.every((m) => m.sequence > broadcastSequence), 'fresh sequence numbers');
  t.not(decoded[0].sequence, decoded[1].sequence);
  t.equal(round.deadlineMs, clock.now() + 500, 'the Poll timeout');
  t.same(store.rmcs(rolloutId).map((m) => m.polls), [0, 1, 0, 1, 0]);
  round.receive(replyFrom(11, rolloutId), clock.now() + 5);
  round.receive(replyFrom(20, rolloutId), clock.now() + 6);
  t.ok(round.done);
  t.equal(store.rollout(rolloutId)?.round.attempt, 1);
  t.end();
});

t.test('an RMC that never answers is polled maxPolls times, then declared missing; noise is counted, not taken', (t) => {
  const { clock, store, rolloutId } = setUp();
  const round = new PrepareRound({ store, rolloutId, key: signing, product: PRODUCT, maxPolls: 2, marginMs: 100, pollTimeoutMs: 250 });
  round.receive(replyFrom(10, rolloutId), clock.now());
  t.equal(round.counts.unexpected, 1, 'a reply before the broadcast is unexpected');
  const [broadcast] = round.start(clock.now());
  for (const rmcId of [10, 11, 12, 20]) round.receive(replyFrom(rmcId, rolloutId), clock.now());
  round.receive(replyFrom(11, rolloutId), clock.now());
  round.receive(replyFrom(99, rolloutId), clock.now());
  round.receive(replyFrom(21, rolloutId + 1), clock.now());
  round.receive(Buffer.from('not a rollout message'), clock.now());
  round.receive(Buffer.alloc(0), clock.now());
  round.receive(broadcast.bytes, clock.now()); // its own broadcast, as a manager bound to the RMCs' port would hear it
  t.same(round.counts, { replies: 4, duplicates: 1, notTargeted: 1, otherRollout: 1, unexpected: 2, malformed: 2 });
  const sent: number[] = [];
  for (let i = 0; i < 5; i++) {
    clock.advance(400);
    for (const a of round.tick(clock.now())) sent.push(decodeMessage(a.bytes).type === MessageType.POLL && a.kind === 'unicast' ? a.rmcId : -1);
  }
  t.same(sent, [21, 21], 'two Polls, to the silent RMC only');
  t.ok(round.done);
  t.same(store.rmcs(rolloutId).map((m) => [m.rmcId, m.step, m.polls]), [[10, 'answered', 0], [11, 'answered', 0], [12, 'answered', 0], [20, 'answered', 0], [21, 'missing', 2]]);
  round.receive(replyFrom(21, rolloutId), clock.now());
  t.equal(round.counts.unexpected, 3, 'a reply after the round ended is ignored');
  t.equal(store.rmcs(rolloutId)[4].step, 'missing');
  t.end();
});

t.test('a manager restarted mid-round resumes from the store and re-asks only the silent RMCs', (t) => {
  const { clock, store, rolloutId, dbPath } = setUp();
  const before = new PrepareRound({ store, rolloutId, key: signing, product: PRODUCT });
  const broadcastSequence = decodeMessage(before.start(clock.now())[0].bytes).sequence;
  for (const rmcId of [10, 20, 21]) before.receive(replyFrom(rmcId, rolloutId), clock.now() + 30);
  t.equal(before.deadlineMs, clock.now() + 50, 'the replies are saved 20 ms after the first of them');
  t.same(before.tick(clock.now() + 50), [], 'saving them sends nothing');
  store.close(); // the manager dies here (the kill -9 test in rollout-store.test.ts shows a kill leaves the same file)

  clock.advance(200);
  const reopened = new SqliteRolloutStore(dbPath);
  const after = new PrepareRound({ store: reopened, rolloutId, key: signing, product: PRODUCT });
  t.equal(after.phase, 'collecting');
  t.same(after.start(clock.now()), [], 'no second broadcast, and no Poll before the deadline it had set');
  clock.advance(300);
  const polls = after.start(clock.now());
  t.same(polls.map((a) => a.kind === 'unicast' && a.rmcId), [11, 12], 'only the RMCs that had not answered');
  const verifier = new CommandVerifier({ rmcId: 11, trustedKeys: trusted });
  t.ok(commandFor(11, polls[0], verifier).sequence > broadcastSequence, 'the restarted manager never reuses a sequence number');
  after.receive(replyFrom(10, rolloutId), clock.now());
  t.equal(after.counts.duplicates, 1, 'an answer given before the restart is still known');
  after.receive(replyFrom(11, rolloutId), clock.now());
  after.receive(replyFrom(12, rolloutId), clock.now());
  t.ok(after.done);
  t.same(reopened.rmcs(rolloutId).map((m) => m.step), ['answered', 'answered', 'answered', 'answered', 'answered']);
  reopened.close();
  t.end();
});

t.test('replies not yet saved when the manager dies are asked for again by the restarted round\'s Poll', (t) => {
  const { clock, store, rolloutId, dbPath } = setUp();
  const before = new PrepareRound({ store, rolloutId, key: signing, product: PRODUCT });
  before.start(clock.now());
  before.receive(replyFrom(10, rolloutId), clock.now() + 30);
  before.tick(clock.now() + 50);
  before.receive(replyFrom(11, rolloutId), clock.now() + 60);
  store.close(); // killed 10 ms after RMC 11's reply: that one was not saved yet
  const reopened = new SqliteRolloutStore(dbPath);
  t.same(reopened.rmcs(rolloutId).filter((m) => m.step === 'answered').map((m) => m.rmcId), [10], 'RMC 10\'s reply was saved, 11\'s lost');
  clock.advance(1000);
  const after = new PrepareRound({ store: reopened, rolloutId, key: signing, product: PRODUCT });
  const polls = after.start(clock.now());
  t.ok(polls.some((a) => a.kind === 'unicast' && a.rmcId === 11), 'RMC 11 is polled again');
  t.notOk(polls.some((a) => a.kind === 'unicast' && a.rmcId === 10), 'RMC 10 is not');
  reopened.close();
  t.end();
});

t.test('a burst round measures the rate the manager drains replies at; the next window is sized from it', (t) => {
  const { clock, store, rolloutId } = setUp(undefined, { scheme: ReplyScheme.IMMEDIATE });
  t.same(windowSchemeFor(4_000, store), { scheme: ReplyScheme.WINDOW, windowUs: Math.ceil((4_000 / (0.8 * ASSUMED_REPLY_RATE)) * 1e6) }, 'before any measurement');
  const round = new PrepareRound({ store, rolloutId, key: signing, product: PRODUCT });
  t.equal(round.start(clock.now()).length, 1);
  TARGETS.forEach(({ rmcId }, i) => round.receive(replyFrom(rmcId, rolloutId), clock.now() + 2 + i * 0.25));
  t.ok(round.done);
  t.equal(round.replyRate(), 4_000, '5 replies in 1 ms');
  t.equal(store.setting(REPLY_RATE_SETTING), 4_000);
  t.same(windowSchemeFor(4_000, store), { scheme: ReplyScheme.WINDOW, windowUs: 1_250_000 }, 'W = N / (0.8 R)');
  t.end();
});

t.test('the Prepare names whom the image is for; a reply keeps the product the RMC gave for its BMCs', (t) => {
  const { clock, store, rolloutId } = setUp();
  t.throws(() => new PrepareRound({ store, rolloutId, key: signing }), /a prepare round alone must be told whom the image is for/, 'no manifest, no product: refused');
  const round = new PrepareRound({ store, rolloutId, key: signing, product: { manufacturerId: 343, productId: 0x0b0f } });
  const [broadcast] = round.start(clock.now());
  t.match(commandFor(10, broadcast), { type: MessageType.PREPARE, body: { manufacturerId: 343, productId: 0x0b0f } });
  round.receive(replyFrom(10, rolloutId, Readiness.WRONG_PRODUCT), clock.now());
  round.tick(clock.now() + 20); // replies are saved in batches: this one 20 ms after it came
  t.same(store.rmcs(rolloutId)[0].answer, { readiness: Readiness.WRONG_PRODUCT, bmcCount: 40, rackName: 'rack-10', rackProduct: PRODUCT, atMs: START });
  t.end();
});
