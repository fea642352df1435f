// A shard's broadcast listener hands a message on in slices (issue 12): HANDOFF_SLICE RMCs, then a yield on its
// Clock, so answers that fall due during a hand-off to thousands go out as they fall due, not together at its end;
// and an RMC's answer delay counts from when the datagram arrived, not from when its slice came. A Prepare whose
// scheme spreads the answers is instead handed to each RMC when its answer falls due (rmc-reply-schedule.ts).
import t from 'tap';
import { signMessage } from '../../protocols/rollout/auth.js';
import { ALL_RMCS, MessageType } from '../../protocols/rollout/header.js';
import { generateManagerKey, trustedKeyFromRaw } from '../../protocols/rollout/keys.js';
import { decodeMessage, type RolloutMessage } from '../../protocols/rollout/message.js';
import { Readiness } from '../../protocols/rollout/prepare-reply.js';
import { ReplyScheme, type ReplySchemeParams } from '../../protocols/rollout/prepare.js';
import { windowDelayUs } from '../../protocols/rollout/reply-delay.js';
import type { Clock } from '../../runtime/clock.js';
import type { Peer } from '../../protocols/peer.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { RackController } from '../../emulator/rack/rack-controller.js';
import { HANDOFF_SLICE, MAX_QUEUED_HANDOFFS, RmcBroadcastListener } from '../../emulator/rack/rmc-broadcast.js';
import { RmcNode } from '../../emulator/rack/rmc-node.js';
import { CATCH_UP_PACE, MAX_WAKE_GAP_MS, ReplySchedule, type DecodedPrepare } from '../../emulator/rack/rmc-reply-schedule.js';
import { prepareToHex } from '../../emulator/rack/rmc-state.js';

const NOW = 1_767_225_600_000;
const MANAGER: Peer = { address: '127.0.0.1', port: 40000 };
const { signing, rawPublicKey } = generateManagerKey();
const trusted = trustedKeyFromRaw(rawPublicKey);

function prepare(sequence: number, rolloutId: number, reply: ReplySchemeParams, count: number): RolloutMessage {
  return {
    type: MessageType.PREPARE, rolloutId, rmcId: ALL_RMCS, sequence,
    body: {
      nonce: new Uint8Array(16).fill(7), imageSize: 1024, imageSha256: new Uint8Array(32), manufacturerId: 32473, productId: 1,
      flashTimeMs: NOW + 3_600_000, reply, targets: [{ firstRmcId: 1, count }],
    },
  };
}

/** `n` RMCs (IDs 1..n) on the clock, with what each sent and when. */
function fleetOf(clock: Clock, n: number) {
  const sent: { rmcId: number; rolloutId: number; at: number; readiness?: number }[] = [];
  const nodes = Array.from({ length: n }, (_, i) => {
    const rmc = new RackController({ rmcId: i + 1, address: `127.4.${i >> 8}.${i & 0xff}`, rackName: `r${i + 1}`, bmcCount: 1, trustedKeys: [trusted], startedAtMs: NOW - 1000 });
    const node = new RmcNode(rmc, clock);
    node.attach((bytes) => {
      const m = decodeMessage(bytes);
      sent.push({ rmcId: m.rmcId, rolloutId: m.rolloutId, at: clock.now(), ...(m.type === MessageType.PREPARE_REPLY ? { readiness: m.body.readiness } : {}) });
    });
    return node;
  });
  return { nodes, sent, listener: new RmcBroadcastListener(nodes, clock) };
}

t.test('a broadcast to more RMCs than a slice is handed on a slice at a time, yielding between slices', (t) => {
  const clock = new ManualClock(NOW);
  const n = HANDOFF_SLICE * 2 + 10;
  const { sent, listener } = fleetOf(clock, n);
  // immediate answers set no timer: every timer is a yield of the listener's
  const yields: number[] = [];
  const setTimeout = clock.setTimeout.bind(clock);
  clock.setTimeout = (fn, ms) => { yields.push(sent.length); t.equal(ms, 0); return setTimeout(fn, ms); };
  listener.handle(signMessage(prepare(1, 7, { scheme: ReplyScheme.IMMEDIATE }, n), signing, NOW), MANAGER);
  t.equal(sent.length, HANDOFF_SLICE, 'the first slice at once');
  t.equal(clock.pending, 1, 'and one 0 ms timer for the rest');
  clock.advance(0);
  t.same(yields, [HANDOFF_SLICE, HANDOFF_SLICE * 2], 'a yield after each full slice');
  t.equal(sent.length, n, 'every RMC answered');
  t.same(sent.map((s) => s.rmcId), Array.from({ length: n }, (_, i) => i + 1), 'in the order of the listener\'s RMCs');
  t.equal(clock.pending, 0, 'nothing left to hand on');
  t.end();
});

t.test('a message that arrives during a hand-off is handed on after it, so each RMC sees them in order', (t) => {
  const clock = new ManualClock(NOW);
  const n = HANDOFF_SLICE + 5;
  const { nodes, sent, listener } = fleetOf(clock, n);
  listener.handle(signMessage(prepare(1, 7, { scheme: ReplyScheme.IMMEDIATE }, n), signing, NOW), MANAGER);
  listener.handle(signMessage(prepare(2, 8, { scheme: ReplyScheme.IMMEDIATE }, n), signing, NOW), MANAGER);
  t.equal(sent.length, HANDOFF_SLICE, 'the second waits for the first');
  clock.advance(0);
  t.equal(sent.length, 2 * n);
  t.same(sent.slice(HANDOFF_SLICE, HANDOFF_SLICE + 5).map((s) => s.rolloutId), [7, 7, 7, 7, 7], 'the first ends first');
  t.equal(sent.filter((s) => s.rolloutId === 8).length, n, 'then the second, in slices that go on from where the first stopped');
  t.same(nodes.map((node) => node.rmc.counts.prepares), new Array(n).fill(2));
  t.end();
});

t.test('an RMC removed while a hand-off is under way gets nothing more of it', (t) => {
  const clock = new ManualClock(NOW);
  const n = HANDOFF_SLICE + 2;
  const { nodes, sent, listener } = fleetOf(clock, n);
  listener.handle(signMessage(prepare(1, 7, { scheme: ReplyScheme.IMMEDIATE }, n), signing, NOW), MANAGER);
  listener.remove(nodes[n - 1]);
  clock.advance(0);
  t.equal(sent.length, n - 1);
  t.equal(nodes[n - 1].rmc.counts.messagesIn, 0);
  t.end();
});

t.test('close stops a hand-off under way', (t) => {
  const clock = new ManualClock(NOW);
  const n = HANDOFF_SLICE + 2;
  const { sent, listener } = fleetOf(clock, n);
  listener.handle(signMessage(prepare(1, 7, { scheme: ReplyScheme.IMMEDIATE }, n), signing, NOW), MANAGER);
  listener.close();
  clock.advance(10);
  t.equal(sent.length, HANDOFF_SLICE);
  t.end();
});

t.test('an answer\'s delay counts from the datagram\'s arrival, less the ms it may have just begun in; one overdue goes at once', (t) => {
  // rank slots of 10 ms: RMC 5 (rank 4) answers 40 ms after the Prepare arrived
  const reply = { scheme: ReplyScheme.RANK_SLOTS, slotUs: 10_000 } as const;
  const m = decodeMessage(signMessage(prepare(1, 7, reply, 10), signing, NOW));
  const clock = new ManualClock(NOW + 15);
  const { nodes, sent } = fleetOf(clock, 5);
  nodes[4].deliver(m, MANAGER, NOW);
  clock.advance(25);
  t.equal(sent.length, 0, 'not early: 15 ms waited counts as 14');
  clock.advance(1);
  t.same(sent.map((s) => [s.rmcId, s.at - NOW]), [[5, 41]], 'at arrival + 40 ms, + the 1 ms the arrival\'s ms may have had left');

  const late = new ManualClock(NOW + 100);
  const { nodes: lateNodes, sent: lateSent } = fleetOf(late, 5);
  lateNodes[4].deliver(m, MANAGER, NOW);
  t.same(lateSent.map((s) => [s.rmcId, s.at - NOW]), [[5, 100]], 'handed on after its delay ran out: at once');
  t.equal(late.pending, 0);

  const clock3 = new ManualClock(NOW);
  const { nodes: onTime, sent: onTimeSent } = fleetOf(clock3, 5);
  onTime[4].deliver(m, MANAGER);
  clock3.advance(39);
  t.equal(onTimeSent.length, 0);
  clock3.advance(1);
  t.equal(onTimeSent.length, 1, 'handed on as it arrived: exactly its delay, as before');
  t.end();
});

t.test('a shard\'s RMCs share one decoded Prepare: its hex for their saved state is made once and reads back the same', (t) => {
  const m = decodeMessage(signMessage(prepare(1, 7, { scheme: ReplyScheme.IMMEDIATE }, 3), signing, NOW));
  if (m.type !== MessageType.PREPARE) throw new Error('a Prepare');
  const hex = prepareToHex(m.body);
  t.equal(prepareToHex(m.body), hex);
  const clock = new ManualClock(NOW);
  const { nodes } = fleetOf(clock, 3);
  for (const node of nodes) node.deliver(m, MANAGER);
  t.same(nodes.map((node) => node.rmc.saved.rollout?.prepareHex), [hex, hex, hex]);
  const other = decodeMessage(signMessage(prepare(2, 7, { scheme: ReplyScheme.IMMEDIATE }, 4), signing, NOW));
  if (other.type !== MessageType.PREPARE) throw new Error('a Prepare');
  t.not(prepareToHex(other.body), hex, 'another Prepare has its own');
  t.end();
});

t.test('a flood of broadcasts queues at most MAX_QUEUED_HANDOFFS; the rest are dropped and counted, then it takes more', (t) => {
  const clock = new ManualClock(NOW);
  const n = HANDOFF_SLICE + 1; // each message waits for a second slice
  const { listener } = fleetOf(clock, n);
  const datagram = signMessage(prepare(1, 7, { scheme: ReplyScheme.IMMEDIATE }, n), signing, NOW);
  for (let i = 0; i < MAX_QUEUED_HANDOFFS + 5; i++) listener.handle(datagram, MANAGER);
  t.equal(listener.overflowed, 5, 'five over the bound dropped');
  clock.advance(0);
  t.equal(clock.pending, 0, 'the queued ones handed on');
  listener.handle(datagram, MANAGER);
  t.equal(listener.overflowed, 5, 'room again once handed on');
  t.end();
});

t.test('a Prepare that spreads the answers is handed to each RMC when its answer falls due, on one timer', (t) => {
  const clock = new ManualClock(NOW);
  const n = 50;
  const { nodes, sent, listener } = fleetOf(clock, n);
  const reply = { scheme: ReplyScheme.WINDOW, windowUs: 200_000 } as const;
  listener.handle(signMessage(prepare(1, 7, reply, n), signing, NOW), MANAGER);
  t.equal(sent.length, 0, 'no answer yet');
  t.same(nodes.map((node) => node.rmc.counts.messagesIn), new Array(n).fill(0), 'no RMC has taken it on yet');
  t.equal(clock.pending, 1, 'one timer for the shard, none per RMC');
  clock.advance(250);
  const nonce = new Uint8Array(16).fill(7);
  const due = (id: number) => Math.ceil(windowDelayUs(id, nonce, reply.windowUs) / 1000) + 1;
  t.same(sent.map((s) => [s.rmcId, s.at - NOW]).sort((a, b) => a[0] - b[0]), nodes.map((_, i) => [i + 1, due(i + 1)]),
    'each at its own delay (+ the 1 ms its arrival\'s ms may have had left), as if it had taken it on at once');
  t.same(sent.map((s) => s.at), [...sent.map((s) => s.at)].sort((a, b) => a - b), 'in the order they fell due');
  t.equal(clock.pending, 0);
  t.end();
});

t.test('a message for an RMC that holds a Prepare hands it the Prepare first; its answer still goes at its time', (t) => {
  const clock = new ManualClock(NOW);
  const { nodes, sent, listener } = fleetOf(clock, 5);
  // rank slots of 10 ms: RMC 5 (rank 4) is due at 41 ms
  listener.handle(signMessage(prepare(1, 7, { scheme: ReplyScheme.RANK_SLOTS, slotUs: 10_000 }, 5), signing, NOW), MANAGER);
  clock.advance(5);
  nodes[4].handle(signMessage({ ...prepare(2, 8, { scheme: ReplyScheme.IMMEDIATE }, 5), rmcId: 5 }, signing, NOW + 5), MANAGER);
  const fifth = () => sent.filter((s) => s.rmcId === 5).map((s) => [s.rolloutId, s.at - NOW, s.readiness]);
  t.same(fifth(), [[8, 5, Readiness.READY]], 'the later Prepare answered at once');
  t.equal(nodes[4].rmc.rollout?.rolloutId, 8, 'and it took 7 on first: 8 took its place');
  t.equal(nodes[4].rmc.counts.prepares, 2);
  clock.advance(40);
  t.same(fifth(), [[8, 5, Readiness.READY], [7, 41, Readiness.READY]], 'its answer to 7 at its own time');
  t.equal(sent.length, 6);
  t.end();
});

t.test('a shard that fell behind catches up at twice the scheme\'s pace, not in one burst', (t) => {
  const manual = new ManualClock(NOW);
  let lateMs = 0;
  const clock: Clock = { now: () => manual.now() + lateMs, setTimeout: (fn, ms) => manual.setTimeout(fn, ms) };
  const n = 100;
  const { sent, listener } = fleetOf(clock, n);
  // one answer a ms (rank slots of 1 ms), from 1 ms on
  listener.handle(signMessage(prepare(1, 7, { scheme: ReplyScheme.RANK_SLOTS, slotUs: 1000 }, n), signing, NOW), MANAGER);
  manual.advance(10);
  t.equal(sent.length, 10, 'on time: one a ms');
  lateMs = 20; // the shard stalls: its next timer fires 20 ms late
  manual.advance(1);
  const first = CATCH_UP_PACE * MAX_WAKE_GAP_MS;
  t.equal(sent.length, 10 + first, `${first} ms of the schedule, not the 21 that fell due`);
  const counts: number[] = [];
  for (let i = 0; i < 25; i++) { const before = sent.length; manual.advance(1); counts.push(sent.length - before); }
  const behind = 21 - first; // ms of the schedule still due once the stall's wake is over
  t.same(counts.slice(0, behind), new Array(behind).fill(CATCH_UP_PACE), 'then two a ms while it is behind');
  t.same(counts.slice(behind + 1), new Array(25 - behind - 1).fill(1), 'and one a ms once it has caught up');
  manual.advance(100);
  t.equal(sent.length, n, 'every RMC answered');
  t.end();
});

t.test('a shard whose every timer fires late still keeps up: the catch-up pace counts its time, not its wakes', (t) => {
  const manual = new ManualClock(NOW);
  // a busy machine: each timer fires 2 ms after it was due, so the shard wakes every 3 ms, not every ms
  const clock: Clock = { now: () => manual.now(), setTimeout: (fn, ms) => manual.setTimeout(fn, ms + 2) };
  const n = 300;
  const { sent, listener } = fleetOf(clock, n);
  listener.handle(signMessage(prepare(1, 7, { scheme: ReplyScheme.RANK_SLOTS, slotUs: 1000 }, n), signing, NOW), MANAGER);
  manual.advance(n + 50);
  t.equal(sent.length, n, 'every RMC answered');
  // RMC with ID i (rank i - 1) is due at i ms (its delay, plus the 1 ms its arrival's ms may have had left)
  const lateness = sent.map((s) => s.at - NOW - s.rmcId);
  t.ok(Math.max(...lateness) <= 2, `none later than the timers themselves (at most ${Math.max(...lateness)} ms)`);
  t.end();
});

t.test('the delays count from when the datagram reached the shard; what fell due while it worked them out goes at the catch-up pace', (t) => {
  const clock = new ManualClock(NOW);
  const n = 100;
  const { nodes, sent } = fleetOf(clock, n);
  // one answer a ms (rank slots of 1 ms); the datagram reached the shard 30 ms ago (it was busy working out delays)
  const m = decodeMessage(signMessage(prepare(1, 7, { scheme: ReplyScheme.RANK_SLOTS, slotUs: 1000 }, n), signing, NOW - 30)) as DecodedPrepare;
  const schedule = new ReplySchedule(m, MANAGER, NOW - 30, nodes, clock, () => true, () => {});
  schedule.start();
  t.equal(sent.length, 1, 'at once: only the first ms of the schedule, not the 30 ms that fell due');
  clock.advance(29);
  t.equal(sent.length, 1 + CATCH_UP_PACE * 29, 'then two a ms');
  clock.advance(11);
  t.equal(sent.length, 70, 'caught up: RMC 70 is due 70 ms after the datagram came, now, 40 ms after the shard began');
  t.equal(sent.at(-1)?.at, NOW + 40, 'at its own time');
  clock.advance(30);
  t.equal(sent.length, n);
  t.end();
});

t.test('an RMC removed, or a listener closed, while a Prepare is held gets nothing more of it', (t) => {
  const clock = new ManualClock(NOW);
  const { nodes, sent, listener } = fleetOf(clock, 4);
  listener.handle(signMessage(prepare(1, 7, { scheme: ReplyScheme.RANK_SLOTS, slotUs: 10_000 }, 4), signing, NOW), MANAGER);
  listener.remove(nodes[1]);
  clock.advance(15);
  t.same(sent.map((s) => s.rmcId), [1]);
  listener.close();
  clock.advance(100);
  t.same(sent.map((s) => s.rmcId), [1], 'closed: nothing more');
  t.equal(nodes[1].rmc.counts.messagesIn, 0);
  t.end();
});
