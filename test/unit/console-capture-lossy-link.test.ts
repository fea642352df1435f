// The console watcher's pieces end to end over a simulated link: the heartbeat register and console capture on one
// side, the OEM console command handlers on a BMC that loses datagrams and stalls (queuing requests first-in
// first-out, answering them after the stall with their receive time) on the other, and the OEM codec between them.
// Seeded randomness and fake time: every run is the same run, and no test waits on the wall clock.
import t from 'tap';
import { oemConsoleCommands } from '../../emulator/bmc/commands/oem-console.js';
import type { CommandContext, SessionView } from '../../emulator/bmc/commands/types.js';
import { BmcModel } from '../../emulator/bmc/model.js';
import { ConsoleCapture, type CaptureEvent } from '../../orchestrator/console/console-capture.js';
import { HeartbeatRegister } from '../../orchestrator/console/heartbeat-register.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import {
  ConsoleOemCommand, decodeHeartbeatResponse, decodeHistoryResponse, encodeHeartbeatRequest, encodeHistoryRequest, type ConsoleHistoryRequest,
} from '../../protocols/ipmi/oem/console-heartbeat.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { Rng } from '../fuzz/fuzz-helpers.js';
import { request } from '../helpers/bmc-command-fixture.js';
import { ConsoleHistoryRing } from '../helpers/console-history-ring.js';
import { ManualClock } from '../../runtime/manual-clock.js';

interface Link {
  seed: number;
  durationMs: number;
  /** Share of datagrams lost, each way. */
  loss: number;
  stallMs: number;
  stallEveryMs: number;
  /** One host line every this many ms. */
  lineIntervalMs: number;
  ringBytes: number;
  /** The link carries nothing in [from, to). */
  outage?: [number, number];
}

interface Outcome {
  printed: string[];
  captured: CaptureEvent[];
  register: HeartbeatRegister;
  capture: ConsoleCapture;
  sessionsEnded: number;
  datagramsLost: number;
  queuedRequests: number;
}

const PERIOD_MS = 1000;
const POLL_MS = 50;

const session: SessionView = {
  id: 1, handle: 1, userId: 2, privilege: Privilege.USER, channel: 1, protocol: 'v2.0', remoteAddress: '127.0.0.1', remotePort: 50000,
};

function hostLine(n: number, at: number): string {
  return `[${(at / 1000).toFixed(6).padStart(13)}] bmcfleet-console: host heartbeat seq=${n}\r\n`;
}

function simulate(link: Link): Outcome {
  const rng = new Rng(link.seed);
  const net = rng.fork('net');
  // discrete-event time on the project's fake clock: callbacks run in time order (ties in scheduling order)
  const clock = new ManualClock();
  const time = { get now() { return clock.now(); }, at: (at: number, run: () => void) => void clock.setTimeout(run, at - clock.now()) };
  const ring = new ConsoleHistoryRing(link.ringBytes);
  const [heartbeatSpec, historySpec] = oemConsoleCommands(ring);
  const register = new HeartbeatRegister({ periodMs: PERIOD_MS, missThreshold: 4 });
  const capture = new ConsoleCapture({ fetchTimeoutMs: 2000 });
  const printed: string[] = [];
  const captured: CaptureEvent[] = [];
  let sessionsEnded = 0;
  let datagramsLost = 0;
  let queuedRequests = 0;
  let connected = true;
  /** Bumped at each reconnect: answers addressed to an older session are dropped, like datagrams to a closed socket. */
  let sessionNo = 0;

  // The host prints numbered lines, a few ms jitter each.
  const hostStopsAt = link.durationMs - 20_000;
  let seq = 0;
  const print = () => {
    if (time.now >= hostStopsAt) return;
    const line = hostLine(seq++, time.now);
    ring.print(line);
    printed.push(line.trimEnd());
    time.at(time.now + link.lineIntervalMs + rng.int(5), print);
  };
  time.at(rng.int(100), print);

  // The link: latency 2..40 ms, loss each way, nothing during an outage.
  const down = () => link.outage !== undefined && time.now >= link.outage[0] && time.now < link.outage[1];
  const carry = (deliver: () => void) => {
    if (down() || net.bool(link.loss)) { datagramsLost++; return; }
    time.at(time.now + net.range(2, 40), deliver);
  };

  // The BMC: busy stalls; while busy, and until the queue drains, requests queue first-in first-out.
  let busyUntil = 0;
  const queue: { run: (receivedAt: number) => void; receivedAt: number }[] = [];
  const scheduleStall = (at: number) => time.at(at, () => {
    busyUntil = time.now + link.stallMs;
    time.at(busyUntil, drain);
    scheduleStall(time.now + link.stallEveryMs);
  });
  if (link.stallMs > 0) scheduleStall(rng.int(link.stallEveryMs));
  const drain = () => {
    if (time.now < busyUntil) return;
    for (const q of queue.splice(0)) q.run(q.receivedAt);
  };
  const bmcReceive = (run: (receivedAt: number) => void) => {
    if (time.now < busyUntil || queue.length > 0) {
      queue.push({ run, receivedAt: time.now });
      queuedRequests++;
      return;
    }
    run(time.now);
  };
  const model = new BmcModel({ ip: '127.0.0.1', now: 0 });
  const ctx = (receivedAt: number): CommandContext => ({ model, session, sessions: { list: () => [session], capacity: 4 }, now: time.now, receivedAt });

  // The watcher.
  const sendHeartbeat = (heartbeatSeq: number) => {
    const data = encodeHeartbeatRequest(capture.heartbeatRequest(heartbeatSeq));
    const mine = sessionNo;
    carry(() => bmcReceive((receivedAt) => {
      const res = heartbeatSpec.handle(request(NetFn.OEM_GROUP, ConsoleOemCommand.CONSOLE_HEARTBEAT, data), ctx(receivedAt));
      carry(() => {
        if (mine !== sessionNo) return;
        const answer = decodeHeartbeatResponse(res.data!);
        register.reply(answer.heartbeatSeq, time.now);
        captured.push(...capture.onHeartbeatAnswer(answer));
      });
    }));
  };
  const sendHistory = (req: ConsoleHistoryRequest) => {
    const data = encodeHistoryRequest(req);
    const mine = sessionNo;
    carry(() => bmcReceive((receivedAt) => {
      const res = historySpec.handle(request(NetFn.OEM_GROUP, ConsoleOemCommand.READ_CONSOLE_HISTORY, data), ctx(receivedAt));
      carry(() => {
        if (mine !== sessionNo) return;
        captured.push(...capture.onHistoryAnswer(req, decodeHistoryResponse(res.data!)));
      });
    }));
  };
  const reconnect = () => {
    if (down()) { time.at(time.now + 2000, reconnect); return; }
    sessionNo++;
    connected = true;
    capture.connectionLost();
    register.reset(time.now);
    time.at(time.now, poll);
  };
  const poll = () => {
    if (!connected) return;
    const { send, verdict } = register.tick(time.now);
    if (verdict === 'end-session') {
      sessionsEnded++;
      connected = false;
      time.at(time.now + 2000, reconnect);
      return;
    }
    if (send !== null) sendHeartbeat(send);
    for (const req of capture.fetches(time.now)) sendHistory(req);
    time.at(time.now + POLL_MS, poll);
  };
  time.at(0, poll);

  clock.advance(link.durationMs - clock.now());
  return { printed, captured, register, capture, sessionsEnded, datagramsLost, queuedRequests };
}

const capturedLines = (o: Outcome) => o.captured.flatMap((e) => (e.kind === 'line' ? [e.text] : []));
const others = (o: Outcome) => o.captured.filter((e) => e.kind !== 'line');

const faulty: Omit<Link, 'seed'> = {
  durationMs: 10 * 60_000, loss: 0.05, stallMs: 1500, stallEveryMs: 7300, lineIntervalMs: 50, ringBytes: 64 * 1024,
};

for (const seed of [1, 2, 3]) {
  t.test(`seed ${seed}: 5% loss each way and 1.5 s stalls, 1 s heartbeats: every host line exactly once, in order, no session ended`, (t) => {
    const o = simulate({ seed, ...faulty });
    t.ok(o.printed.length > 10_000, `${o.printed.length} lines printed (about 1.1 KB/s: more than one answer carries)`);
    t.same(capturedLines(o), o.printed, 'captured = printed');
    t.same(others(o), [], 'nothing lost, no sequence gap');
    t.equal(o.sessionsEnded, 0, 'no session ended');
    const hb = o.register.stats();
    const cap = o.capture.stats();
    t.same([cap.bytesLost, cap.partialLines, cap.sequenceGaps, cap.sequenceRestarts], [0, 0, 0, 0]);
    // The faults did happen.
    t.ok(o.datagramsLost > 50, `${o.datagramsLost} datagrams lost`);
    t.ok(o.queuedRequests > 50, `${o.queuedRequests} requests queued by a busy BMC`);
    t.ok(cap.maxQueueDelayMs >= 1000, `a heartbeat waited ${cap.maxQueueDelayMs} ms in the BMC's queue (receivedAt -> processedAt)`);
    t.ok(hb.missed > 0 && hb.late > 0, `${hb.missed} heartbeats missed, ${hb.late} answered late`);
    t.ok(hb.peakConsecutiveMisses <= 4, `at most ${hb.peakConsecutiveMisses} misses in a row`);
    t.ok(cap.fetchesIssued > 0 && cap.duplicateBytes > 0, `${cap.fetchesIssued} history fetches, ${cap.duplicateBytes} duplicate bytes dropped`);
    t.end();
  });
}

t.test('the same link without faults: nothing missed, no byte fetched twice', (t) => {
  const o = simulate({ seed: 9, ...faulty, loss: 0, stallMs: 0 });
  t.same(capturedLines(o), o.printed);
  const cap = o.capture.stats();
  t.same([o.register.stats().missed, cap.fetchTimeouts, cap.duplicateBytes, o.sessionsEnded], [0, 0, 0, 0]);
  t.ok(cap.fetchesIssued < o.printed.length / 50, `${cap.fetchesIssued} history requests: only when output outruns the heartbeats`);
  t.end();
});

t.test('a 30 s outage ends the session; after the reconnect the gap is filled from the BMC history', (t) => {
  const o = simulate({ seed: 4, ...faulty, durationMs: 3 * 60_000, outage: [60_000, 90_000] });
  t.ok(o.sessionsEnded >= 1, `${o.sessionsEnded} session(s) ended`);
  t.same(capturedLines(o), o.printed, 'every line, once, in order');
  t.same(others(o), []);
  t.ok(o.capture.stats().fetchesIssued >= 25, `backlog of ~33 KB fetched in ${o.capture.stats().fetchesIssued} requests`);
  t.end();
});

t.test('an outage longer than the BMC keeps history: the loss is reported, with the host sequence gap, and nothing twice', (t) => {
  const o = simulate({ seed: 5, ...faulty, durationMs: 3 * 60_000, ringBytes: 8 * 1024, outage: [60_000, 90_000] });
  const cap = o.capture.stats();
  const lost = o.captured.filter((e) => e.kind === 'lost');
  t.ok(lost.length >= 1 && cap.bytesLost > 15_000, `${cap.bytesLost} bytes reported lost in ${lost.length} span(s)`);
  const seqs = capturedLines(o).flatMap((l) => /seq=(\d+)/.exec(l)?.[1] ?? []).map(Number);
  t.ok(seqs.every((n, i) => i === 0 || n > seqs[i - 1]), 'sequence numbers only go up: nothing twice, nothing out of order');
  t.equal(seqs.length + cap.sequenceMissing, o.printed.length, 'every line is either captured or counted missing');
  t.ok(cap.sequenceGaps >= 1);
  const complete = new Set(o.printed);
  const whole = o.captured.filter((e) => e.kind === 'line' && !e.partial);
  t.ok(whole.every((e) => e.kind === 'line' && complete.has(e.text)), 'lines not marked partial are exactly as printed');
  t.same(capturedLines(o).slice(-100), o.printed.slice(-100), 'and capture carries on afterwards');
  t.end();
});
