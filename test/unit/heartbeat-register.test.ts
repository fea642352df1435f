// The console watcher's heartbeat register: cadence, late, duplicate, reordered and missing replies, the miss
// threshold, reset after a reconnect. Fake time throughout.
import t from 'tap';
import { HeartbeatRegister } from '../../orchestrator/console/heartbeat-register.js';

const PERIOD = 1000;

/** Ticks every `step` ms from `from` to `to` (inclusive) and returns the sequence numbers sent. */
function run(r: HeartbeatRegister, from: number, to: number, step = 100): number[] {
  const sent: number[] = [];
  for (let now = from; now <= to; now += step) {
    const { send } = r.tick(now);
    if (send !== null) sent.push(send);
  }
  return sent;
}

t.test('one heartbeat per period, numbered in order; a late tick sends one, not a burst', (t) => {
  const r = new HeartbeatRegister({ periodMs: PERIOD });
  t.same(r.tick(0), { send: 0, verdict: 'alive' });
  t.same(r.tick(999), { send: null, verdict: 'alive' });
  t.same(r.tick(1000).send, 1);
  t.same(r.tick(4500).send, 2, 'three periods late: one heartbeat');
  t.same(r.tick(4600).send, null);
  t.same(r.tick(5000).send, 3, 'back on the original cadence');
  t.same(r.outstanding(), [0, 1, 2, 3], 'kept in send order');
  t.end();
});

t.test('sequence numbers wrap at 16 bits', (t) => {
  const r = new HeartbeatRegister({ periodMs: PERIOD, firstSeq: 0xfffe });
  t.same(run(r, 0, 2000, 1000), [0xfffe, 0xffff, 0]);
  t.equal(r.reply(0, 2100).kind, 'accepted');
  t.end();
});

t.test('a timely reply is accepted and removes its heartbeat', (t) => {
  const r = new HeartbeatRegister({ periodMs: PERIOD });
  r.tick(0);
  t.same(r.reply(0, 40), { kind: 'accepted', late: false, rttMs: 40, superseded: 0 });
  t.same(r.outstanding(), []);
  r.tick(1000);
  t.equal(r.stats().consecutiveMisses, 0);
  t.equal(r.stats().accepted, 1);
  t.end();
});

t.test('a heartbeat unanswered within its period is one miss, counted once', (t) => {
  const r = new HeartbeatRegister({ periodMs: PERIOD, missThreshold: 10 });
  r.tick(0);
  r.tick(999);
  t.equal(r.stats().consecutiveMisses, 0, 'not yet overdue');
  r.tick(1000);
  t.equal(r.stats().consecutiveMisses, 1);
  r.tick(1500);
  r.tick(1700);
  t.equal(r.stats().consecutiveMisses, 1, 'still one: each heartbeat counts once');
  r.tick(2000);
  t.equal(r.stats().consecutiveMisses, 2);
  t.end();
});

t.test('a late reply is accepted and resets the counter to the overdue heartbeats sent after it', (t) => {
  const r = new HeartbeatRegister({ periodMs: PERIOD, missThreshold: 10 });
  run(r, 0, 3000, 1000); // sent 0..3; 0, 1, 2 overdue
  t.equal(r.stats().consecutiveMisses, 3);
  t.same(r.reply(1, 3100), { kind: 'accepted', late: true, rttMs: 2100, superseded: 1 });
  t.equal(r.stats().consecutiveMisses, 1, 'heartbeat 2 is still overdue');
  t.same(r.outstanding(), [2, 3]);
  t.equal(r.reply(2, 3200).kind, 'accepted');
  t.equal(r.stats().consecutiveMisses, 0);
  t.equal(r.stats().late, 2);
  t.end();
});

t.test('duplicate replies are recognised and change nothing', (t) => {
  const r = new HeartbeatRegister({ periodMs: PERIOD, missThreshold: 1 });
  r.tick(0);
  t.equal(r.reply(0, 10).kind, 'accepted');
  t.same(r.reply(0, 20), { kind: 'duplicate' });
  t.same(r.reply(0, 30), { kind: 'duplicate' });
  run(r, 100, 1500);
  t.equal(r.verdict, 'alive');
  t.same([r.stats().accepted, r.stats().duplicates], [1, 2]);
  t.end();
});

t.test('reordered replies: the newer one supersedes older heartbeats, whose replies then count as stale', (t) => {
  const r = new HeartbeatRegister({ periodMs: PERIOD });
  run(r, 0, 2000, 1000); // 0, 1, 2
  t.same(r.reply(2, 2050), { kind: 'accepted', late: false, rttMs: 50, superseded: 2 });
  t.same(r.outstanding(), []);
  t.same(r.reply(0, 2060), { kind: 'stale' });
  t.same(r.reply(1, 2070), { kind: 'stale' });
  t.same(r.reply(999, 2080), { kind: 'unknown' });
  const s = r.stats();
  t.same([s.accepted, s.superseded, s.stale, s.unknown, s.consecutiveMisses], [1, 2, 2, 1, 0]);
  t.equal(r.verdict, 'alive');
  t.end();
});

t.test('an older reply arriving first is accepted, and the newer one still matches', (t) => {
  const r = new HeartbeatRegister({ periodMs: PERIOD });
  run(r, 0, 1000, 1000); // 0, 1
  t.equal(r.reply(0, 1100).kind, 'accepted');
  t.same(r.outstanding(), [1]);
  t.equal(r.reply(1, 1101).kind, 'accepted');
  t.end();
});

t.test('only past the threshold does the register end the session; the verdict stays until reset', (t) => {
  const r = new HeartbeatRegister({ periodMs: PERIOD, missThreshold: 3 });
  run(r, 0, 3000, 1000); // 0..3 sent, 0..2 missed
  t.equal(r.tick(3999).verdict, 'alive');
  t.equal(r.stats().consecutiveMisses, 3, 'at the threshold: still alive');
  t.same(r.tick(4000), { send: null, verdict: 'end-session' }, 'the 4th miss in a row ends it, no heartbeat with it');
  t.same(r.tick(9000), { send: null, verdict: 'end-session' });
  t.equal(r.nextTickAt(), null);
  t.equal(r.reply(3, 9001).kind, 'accepted', 'a reply after the verdict is still recognised...');
  t.equal(r.verdict, 'end-session', '...but the verdict stands');
  t.equal(r.stats().sessionsEnded, 1);
  t.end();
});

t.test('missThreshold 0: the first miss ends the session', (t) => {
  const r = new HeartbeatRegister({ periodMs: PERIOD, missThreshold: 0 });
  r.tick(0);
  t.equal(r.tick(1000).verdict, 'end-session');
  t.end();
});

t.test('a reply before the threshold keeps the session: misses do not accumulate across answered cycles', (t) => {
  const r = new HeartbeatRegister({ periodMs: PERIOD, missThreshold: 2 });
  // Every third heartbeat answered, late: two misses in a row at most, for a long time.
  const verdicts = new Set<string>();
  for (let now = 0; now <= 60_000; now += 100) {
    const { send, verdict } = r.tick(now);
    verdicts.add(verdict);
    if (send !== null && send % 3 === 2) r.reply(send, now); // answered at once
  }
  t.same([...verdicts], ['alive']);
  t.equal(r.stats().peakConsecutiveMisses, 2);
  t.end();
});

t.test('a busy BMC that answers two queued heartbeats at once ends nothing (the ipmitool keepalive failure)', (t) => {
  const r = new HeartbeatRegister({ periodMs: PERIOD, missThreshold: 1 });
  r.tick(0); // heartbeat 0 reaches a BMC stalled 0..1500 ms
  r.tick(1000); // heartbeat 1 queues behind it; 0 is now one miss
  t.equal(r.stats().consecutiveMisses, 1);
  t.equal(r.reply(0, 1520).kind, 'accepted');
  t.equal(r.reply(1, 1521).kind, 'accepted');
  t.equal(r.reply(1, 1522).kind, 'duplicate', 'and a stray copy of the answer is harmless');
  for (let now = 1600; now <= 10_000; now += 100) {
    const { send } = r.tick(now);
    if (send !== null) r.reply(send, now + 30);
  }
  t.equal(r.verdict, 'alive');
  t.same([r.stats().accepted, r.stats().consecutiveMisses, r.stats().peakConsecutiveMisses], [11, 0, 1]);
  t.end();
});

t.test('reset after a reconnect: empty register, heartbeat due now, numbering carries on, old replies stale', (t) => {
  const r = new HeartbeatRegister({ periodMs: PERIOD, missThreshold: 1 });
  run(r, 0, 2000, 1000); // 0, 1, then ends at 2000
  t.equal(r.verdict, 'end-session');
  r.reset(5000);
  t.equal(r.nextTickAt(), 5000);
  t.same(r.tick(5000), { send: 2, verdict: 'alive' });
  t.same(r.reply(1, 5001), { kind: 'stale' });
  t.equal(r.stats().consecutiveMisses, 0);
  t.equal(r.reply(2, 5002).kind, 'accepted');
  t.end();
});

t.test('nextTickAt names the next send or deadline', (t) => {
  const r = new HeartbeatRegister({ periodMs: PERIOD, replyTimeoutMs: 300 });
  t.equal(r.nextTickAt(), Number.NEGATIVE_INFINITY, 'nothing sent yet: due now');
  r.tick(0);
  t.equal(r.nextTickAt(), 300, 'heartbeat 0 goes overdue first');
  r.tick(300);
  t.equal(r.nextTickAt(), 1000);
  t.equal(r.stats().consecutiveMisses, 1, 'replyTimeoutMs, not the period, decides the miss');
  t.end();
});

t.test('bad options are RangeErrors', (t) => {
  t.throws(() => new HeartbeatRegister({ periodMs: 0 }), RangeError);
  t.throws(() => new HeartbeatRegister({ periodMs: 1000, missThreshold: -1 }), RangeError);
  t.throws(() => new HeartbeatRegister({ periodMs: 1000, replyTimeoutMs: Number.NaN }), RangeError);
  t.throws(() => new HeartbeatRegister({ periodMs: 1000, firstSeq: 0x10000 }), RangeError);
  t.end();
});
