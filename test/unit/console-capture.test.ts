// Console capture for one console: lines in order and exactly once from heartbeat and history answers that may be
// late, duplicated, reordered or missing; gaps fetched from history; loss reported only when the BMC no longer
// holds the bytes; stream restarts; host sequence numbers checked.
import t from 'tap';
import { ConsoleCapture, type CaptureEvent } from '../../orchestrator/console/console-capture.js';
import type { ConsoleHeartbeatResponse, ConsoleHistoryRequest, ConsoleHistoryResponse } from '../../protocols/ipmi/oem/console-heartbeat.js';
import { ConsoleHistoryRing } from '../helpers/console-history-ring.js';

/** A heartbeat answer from `ring` for acknowledged position `ack`. */
function heartbeat(ring: ConsoleHistoryRing, ack: number, now: number, maxBytes = 1024, seq = 0): ConsoleHeartbeatResponse {
  return { heartbeatSeq: seq, receivedAt: now, processedAt: now, ...ring.read(ack, maxBytes, now) };
}

function history(ring: ConsoleHistoryRing, req: ConsoleHistoryRequest, now: number): ConsoleHistoryResponse {
  return { processedAt: now, ...ring.read(req.fromPosition, req.maxBytes, now) };
}

const lines = (events: CaptureEvent[]) => events.flatMap((e) => (e.kind === 'line' ? [e.text] : []));
const hostLine = (n: number) => `[ ${(n / 10).toFixed(3)}] host heartbeat seq=${n}\r\n`;

t.test('heartbeat answers in order become lines; CR LF stripped; an unfinished line waits for its end', (t) => {
  const ring = new ConsoleHistoryRing(4096);
  const c = new ConsoleCapture();
  ring.print('BIOS POST\r\nbooting');
  const e1 = c.onHeartbeatAnswer(heartbeat(ring, c.acknowledged, 1));
  t.same(e1, [{ kind: 'line', text: 'BIOS POST', position: 0, partial: false }]);
  t.equal(c.acknowledged, 18, 'the unfinished line is acknowledged too: it is held by the capture');
  ring.print(' kernel\nlogin: ');
  t.same(lines(c.onHeartbeatAnswer(heartbeat(ring, c.acknowledged, 2))), ['booting kernel']);
  t.same(c.flush(), [{ kind: 'line', text: 'login: ', position: 26, partial: true }]);
  t.equal(c.stats().bytesWritten, ring.head);
  t.end();
});

t.test('the first answer sets the start: bytes the BMC dropped before we came are skipped, not lost', (t) => {
  const ring = new ConsoleHistoryRing(15);
  ring.print('0123456789\nabcdefghij\nklm\n'); // 26 bytes, 11..25 held
  const c = new ConsoleCapture();
  const events = c.onHeartbeatAnswer(heartbeat(ring, 0, 1));
  t.same(events.map((e) => e.kind === 'line' && [e.text, e.partial]), [['abcdefghij', true], ['klm', false]], 'the first line may have begun earlier');
  t.same([c.stats().skippedAtStart, c.stats().bytesLost, c.stats().lossEvents], [11, 0, 0]);
  t.end();
});

t.test('duplicate and overlapping answers write nothing twice', (t) => {
  const ring = new ConsoleHistoryRing(4096);
  ring.print('one\ntwo\n');
  const c = new ConsoleCapture();
  const a = heartbeat(ring, 0, 1);
  t.same(lines(c.onHeartbeatAnswer(a)), ['one', 'two']);
  t.same(c.onHeartbeatAnswer(a), [], 'the same answer again (a late reply, or a retransmit answered twice)');
  ring.print('three\n');
  t.same(lines(c.onHeartbeatAnswer(heartbeat(ring, 4, 2))), ['three'], 'an answer overlapping what we have');
  t.same(c.onHeartbeatAnswer(heartbeat(ring, 0, 3)), []);
  t.equal(c.stats().duplicateBytes, 8 + 4 + 14);
  t.end();
});

t.test('an answer beyond our position is held, the gap is fetched from history, and lines come out in order', (t) => {
  const ring = new ConsoleHistoryRing(4096);
  for (let n = 1; n <= 3; n++) ring.print(hostLine(n));
  const c = new ConsoleCapture();
  c.onHeartbeatAnswer(heartbeat(ring, 0, 1, 10)); // only the first 10 bytes
  const p = c.acknowledged;
  for (let n = 4; n <= 6; n++) ring.print(hostLine(n));
  const later = ring.head - hostLine(6).length;
  t.same(c.onHeartbeatAnswer(heartbeat(ring, later, 2)), [], 'held: nothing can be written past the gap');
  t.equal(c.stats().gapsSeen, 1);
  const fetches = c.fetches(3);
  t.same(fetches, [{ fromPosition: p, maxBytes: later - p }], 'exactly the gap');
  t.same(c.fetches(4), [], 'not asked twice while in flight');
  const events = c.onHistoryAnswer(fetches[0], history(ring, fetches[0], 5));
  t.same(lines(events), [1, 2, 3, 4, 5, 6].map((n) => hostLine(n).trimEnd()));
  t.same(c.stats().sequenceGaps, 0);
  t.same(c.fetches(6), []);
  t.end();
});

t.test('after a reconnect the backlog is fetched in bounded pieces; answers in any order give the same lines', (t) => {
  const ring = new ConsoleHistoryRing(64 * 1024);
  const c = new ConsoleCapture({ maxBytesPerRequest: 256, maxFetchesInFlight: 3 });
  ring.print(hostLine(0));
  t.same(lines(c.onHeartbeatAnswer(heartbeat(ring, 0, 0, 256))), [hostLine(0).trimEnd()]);
  for (let n = 1; n <= 60; n++) ring.print(hostLine(n)); // ~2 KB while disconnected
  c.connectionLost();
  const got: string[] = [];
  let fetched = 0;
  for (let now = 100; c.acknowledged < ring.head && now < 200; now++) {
    got.push(...lines(c.onHeartbeatAnswer(heartbeat(ring, c.acknowledged, now, 256)))); // one heartbeat a round
    const fetches = c.fetches(now);
    t.ok(fetches.length <= 3 && fetches.every((f) => f.maxBytes <= 256), 'at most 3 in flight, each at most 256 bytes');
    for (const f of fetches.reverse()) got.push(...lines(c.onHistoryAnswer(f, history(ring, f, now)))); // newest first
    fetched += fetches.length;
  }
  t.ok(fetched >= 5, `${fetched} history requests`);
  t.same(got, Array.from({ length: 60 }, (_, i) => hostLine(i + 1).trimEnd()));
  t.equal(c.acknowledged, ring.head);
  t.same([c.stats().sequenceGaps, c.stats().bytesLost, c.stats().heldBytes], [0, 0, 0]);
  t.end();
});

t.test('a console within one answer per heartbeat needs no history request', (t) => {
  const ring = new ConsoleHistoryRing(64 * 1024);
  const c = new ConsoleCapture({ maxBytesPerRequest: 256 });
  for (let n = 0; n < 100; n++) {
    ring.print(hostLine(n));
    c.onHeartbeatAnswer(heartbeat(ring, c.acknowledged, n, 256));
    ring.print(hostLine(1000 + n)); // printed while the answer travelled: the next heartbeat brings it
    t.same(c.fetches(n), []);
  }
  t.end();
});

t.test('history requests unanswered are asked again after the timeout; a failed one at once', (t) => {
  const ring = new ConsoleHistoryRing(4096);
  const c = new ConsoleCapture({ maxBytesPerRequest: 100, maxFetchesInFlight: 1, fetchTimeoutMs: 500 });
  ring.print('a'.repeat(300) + '\n');
  c.onHeartbeatAnswer(heartbeat(ring, 0, 0, 10));
  const [first] = c.fetches(0);
  t.same(first, { fromPosition: 110, maxBytes: 100 }, 'beyond what the next heartbeat brings');
  t.same(c.fetches(499), []);
  t.same(c.fetches(500), [first], 'timed out: asked again');
  c.onHistoryFailed(first);
  t.same(c.fetches(501), [first], 'failed: asked again at once');
  c.connectionLost();
  t.same(c.fetches(502), [first], 'session lost: asked again on the new one');
  t.same([c.stats().fetchTimeouts, c.stats().fetchFailures, c.stats().fetchesIssued], [1, 1, 4]);
  t.same(c.onHistoryAnswer(first, history(ring, first, 503)), [], 'held: [10, 110) is still missing');
  t.same(c.onHistoryAnswer(first, history(ring, first, 504)), [], 'a late copy of the answer');
  t.same([c.stats().heldBytes, c.stats().duplicateBytes], [100, 100]);
  t.end();
});

t.test('bytes are lost only when the BMC no longer holds them, and the loss is reported exactly', (t) => {
  const ring = new ConsoleHistoryRing(200);
  const c = new ConsoleCapture();
  for (let n = 1; n <= 3; n++) ring.print(hostLine(n));
  c.onHeartbeatAnswer(heartbeat(ring, 0, 1));
  const p = c.acknowledged;
  for (let n = 4; n <= 20; n++) ring.print(hostLine(n)); // the ring wraps: lines 4.. partly gone
  t.ok(ring.oldest > p, 'the BMC dropped bytes we never had');
  const events = c.onHeartbeatAnswer(heartbeat(ring, p, 2));
  const lost = events.filter((e) => e.kind === 'lost');
  t.same(lost, [{ kind: 'lost', from: p, to: ring.oldest }]);
  t.equal(c.stats().bytesLost, ring.oldest - p);
  const first = events.find((e) => e.kind === 'line');
  t.ok(first && first.kind === 'line' && first.partial, 'the line cut by the loss is marked partial');
  const gap = events.find((e) => e.kind === 'sequence-gap');
  t.ok(gap, 'the host sequence numbers show the gap');
  t.ok(events.indexOf(lost[0]) < events.indexOf(first!), 'loss reported where it happened');
  t.equal(lines(events).at(-1), hostLine(20).trimEnd());
  t.end();
});

t.test('a gap the BMC still holds is never reported lost, however long it takes to fill', (t) => {
  const ring = new ConsoleHistoryRing(4096);
  const c = new ConsoleCapture({ fetchTimeoutMs: 1000 });
  ring.print(hostLine(1));
  c.onHeartbeatAnswer(heartbeat(ring, 0, 0));
  for (let n = 2; n <= 9; n++) ring.print(hostLine(n));
  c.onHeartbeatAnswer(heartbeat(ring, ring.head - hostLine(9).length, 1)); // line 9 arrives, 2..8 missing
  for (let now = 2; now < 60_000; now += 1000) {
    c.fetches(now); // every history request is lost
    c.onHeartbeatAnswer({ ...heartbeat(ring, ring.head, now), start: ring.head, data: Buffer.alloc(0) });
  }
  t.same([c.stats().bytesLost, c.stats().lossEvents], [0, 0]);
  const [f] = c.fetches(60_500);
  t.same(lines(c.onHistoryAnswer(f, history(ring, f, 60_501))), [2, 3, 4, 5, 6, 7, 8, 9].map((n) => hostLine(n).trimEnd()));
  t.end();
});

t.test('a held span partly evicted: loss stops where the held bytes begin, and the held bytes are kept', (t) => {
  const ring = new ConsoleHistoryRing(100);
  const c = new ConsoleCapture();
  ring.print('0123456789\n');
  c.onHeartbeatAnswer(heartbeat(ring, 0, 0)); // position 11
  ring.print('a'.repeat(49) + '\n' + 'b'.repeat(49) + '\n'); // a: 11..60, b: 61..110
  t.same(c.onHeartbeatAnswer(heartbeat(ring, 61, 1)), [], 'the b line is held');
  ring.print('c'.repeat(69) + '\n'); // 111..180; the ring now holds 81..180
  const events = c.onHeartbeatAnswer(heartbeat(ring, 181, 2)); // nothing new, but oldest 81
  t.same(events, [
    { kind: 'lost', from: 11, to: 61 },
    { kind: 'line', text: 'b'.repeat(49), position: 61, partial: true },
  ], 'b bytes 61..80 are gone from the BMC but not from us');
  t.same(c.fetches(3), [], 'the rest is within the next heartbeat');
  t.same(lines(c.onHeartbeatAnswer(heartbeat(ring, c.acknowledged, 4))), ['c'.repeat(69)]);
  t.equal(c.stats().bytesLost, 50);
  t.end();
});

t.test('a gap partly evicted: the evicted part is lost, the rest fetched', (t) => {
  const ring = new ConsoleHistoryRing(100);
  const c = new ConsoleCapture();
  ring.print('0123456789\n');
  c.onHeartbeatAnswer(heartbeat(ring, 0, 0)); // position 11
  ring.print('a'.repeat(49) + '\n' + 'b'.repeat(49) + '\n');
  c.onHeartbeatAnswer(heartbeat(ring, 61, 1)); // b held
  ring.print('c'.repeat(29) + '\n'); // 111..140; the ring holds 41..140
  t.same(c.onHeartbeatAnswer(heartbeat(ring, 141, 2)), [{ kind: 'lost', from: 11, to: 41 }]);
  const fetches = c.fetches(3);
  t.same(fetches, [{ fromPosition: 41, maxBytes: 20 }], 'the gap before the held span');
  const got = c.onHistoryAnswer(fetches[0], history(ring, fetches[0], 4));
  got.push(...c.onHeartbeatAnswer(heartbeat(ring, c.acknowledged, 5)));
  t.same(got.map((e) => e.kind === 'line' && [e.text, e.partial]), [['a'.repeat(19), true], ['b'.repeat(49), false], ['c'.repeat(29), false]]);
  t.end();
});

t.test('a stream restart (positions from 0 again) is followed; stale answers from the old stream are ignored', (t) => {
  const ring = new ConsoleHistoryRing(4096, 1);
  const c = new ConsoleCapture();
  ring.print('old 1\nold 2\nunfin');
  c.onHeartbeatAnswer(heartbeat(ring, 0, 1000));
  const stale = heartbeat(ring, 0, 1001);
  ring.restart(2);
  ring.print('new 1\n');
  const events = c.onHeartbeatAnswer(heartbeat(ring, c.acknowledged, 2000)); // ack 17 > head 6: answered empty at head
  t.same(events.slice(0, 2), [
    { kind: 'line', text: 'unfin', position: 12, partial: true },
    { kind: 'stream-restart', streamId: 2, previousStreamId: 1 },
  ]);
  t.equal(c.acknowledged, 0);
  t.same(lines(c.onHeartbeatAnswer(heartbeat(ring, c.acknowledged, 2002))), ['new 1'], 'the next heartbeat starts the new stream');
  t.same(c.onHeartbeatAnswer(stale), [], 'processed before the restart: ignored');
  t.same([c.stats().streamRestarts, c.stats().staleAnswers, c.stats().streamId], [1, 1, 2]);
  t.end();
});

t.test('host sequence numbers: gaps and restarts reported; custom pattern; check off', (t) => {
  const feed = (c: ConsoleCapture, text: string) => {
    const ring = new ConsoleHistoryRing(4096);
    ring.print(text);
    return c.onHeartbeatAnswer(heartbeat(ring, 0, 0));
  };
  const text = 'seq=1\nseq=2\nno number\nseq=5\nseq=6\nseq=1\n';
  const events = feed(new ConsoleCapture(), text);
  t.same(events.filter((e) => e.kind !== 'line'), [
    { kind: 'sequence-gap', expected: 3, got: 5, position: 22 },
    { kind: 'sequence-restart', previous: 6, got: 1, position: 34 },
  ]);
  const c = new ConsoleCapture({ sequencePattern: /#(\d+):/g });
  const custom = feed(c, '#7: a\n#8: b\n#10: c\n');
  t.same(custom.filter((e) => e.kind === 'sequence-gap').length, 1);
  t.same([c.stats().sequenceGaps, c.stats().sequenceMissing], [1, 1]);
  t.same(feed(new ConsoleCapture({ sequencePattern: null }), text).filter((e) => e.kind !== 'line'), []);
  t.end();
});

t.test('long lines are cut at maxLineBytes and marked partial; UTF-8 split across answers is whole', (t) => {
  const ring = new ConsoleHistoryRing(4096);
  const c = new ConsoleCapture({ maxLineBytes: 8 });
  ring.print('0123456789AB\nok\n');
  const events = c.onHeartbeatAnswer(heartbeat(ring, 0, 0));
  t.same(events.map((e) => e.kind === 'line' && [e.text, e.partial]), [['01234567', true], ['89AB', true], ['ok', false]]);
  const u = new ConsoleCapture();
  const r2 = new ConsoleHistoryRing(4096);
  r2.print('h\u00e9llo \u2713\n');
  const got: string[] = [];
  for (let p = 0; p < r2.head; p++) got.push(...lines(u.onHeartbeatAnswer(heartbeat(r2, p, p, 1))));
  t.same(got, ['h\u00e9llo \u2713']);
  t.end();
});

t.test('held bytes are bounded: beyond the limit they are dropped and fetched again later', (t) => {
  const ring = new ConsoleHistoryRing(8192);
  const c = new ConsoleCapture({ maxHeldBytes: 100, maxBytesPerRequest: 1024 });
  ring.print('x\n');
  c.onHeartbeatAnswer(heartbeat(ring, 0, 0));
  for (let n = 0; n < 30; n++) ring.print(hostLine(n));
  c.onHeartbeatAnswer(heartbeat(ring, 500, 1, 80));
  c.onHeartbeatAnswer(heartbeat(ring, 700, 2, 80));
  t.same([c.stats().heldBytes, c.stats().droppedHeldBytes], [80, 80]);
  const got: string[] = [];
  for (let now = 3; c.acknowledged < ring.head && now < 100; now++) {
    for (const f of c.fetches(now)) got.push(...lines(c.onHistoryAnswer(f, history(ring, f, now))));
    got.push(...lines(c.onHeartbeatAnswer(heartbeat(ring, c.acknowledged, now, 80))));
  }
  t.same(got, Array.from({ length: 30 }, (_, n) => hostLine(n).trimEnd()));
  t.end();
});

t.test('resume carries on from a known position of a known stream', (t) => {
  const ring = new ConsoleHistoryRing(4096, 5);
  ring.print('already logged\nnew line\n');
  const c = new ConsoleCapture({ resume: { streamId: 5, position: 15 } });
  t.same(c.heartbeatRequest(3), { heartbeatSeq: 3, ackedPosition: 15, maxBytes: 1024 });
  t.same(lines(c.onHeartbeatAnswer(heartbeat(ring, 15, 0))), ['new line']);
  t.end();
});

t.test('bad options are RangeErrors', (t) => {
  t.throws(() => new ConsoleCapture({ maxBytesPerRequest: 0 }), RangeError);
  t.throws(() => new ConsoleCapture({ maxFetchesInFlight: 1.5 }), RangeError);
  t.end();
});
