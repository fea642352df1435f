// The discovery sweep, sans-I/O: real emulated BMCs (in this process, no sockets) answer its probes with their real
// bytes; time is an argument, moved by hand. Window bound, resends, give-up times and the bound on silent addresses.
import t from 'tap';
import { DiscoverySweep, type SweepAction, type SweepFinding } from '../../protocols/ipmi/client-side/discovery-sweep.js';
import { decodeAsf } from '../../protocols/rmcp/asf.js';
import { encodePresencePong } from '../../protocols/rmcp/asf.js';
import { EmulatedBmc } from '../../emulator/bmc/emulated-bmc.js';
import { ManualClock } from '../../runtime/manual-clock.js';

const PEER = { address: '127.0.0.1', port: 40000 };

/** Emulated BMCs at some addresses; what the sweep sends goes to them, their answers are collected. */
class Network {
  readonly bmcs = new Map<string, EmulatedBmc>();
  readonly answers: { from: string; datagram: Buffer }[] = [];
  readonly sent: string[] = [];
  readonly found: SweepFinding[] = [];

  constructor(addresses: readonly string[], clock = new ManualClock()) {
    for (const ip of addresses) this.bmcs.set(ip, new EmulatedBmc({ ip, clock }));
  }

  /** Markers sent to the sweep's own socket, behind the answers queued before them. */
  readonly marks: number[] = [];

  /** Sends the probes; a BMC's answer waits in `answers` until delivered. */
  carry(actions: SweepAction[]): void {
    for (const a of actions) {
      if (a.kind === 'found') { this.found.push(a.finding); continue; }
      if (a.kind === 'mark') { this.marks.push(a.token); continue; }
      this.sent.push(a.address);
      this.bmcs.get(a.address)?.handle(a.datagram, PEER, (answer) => this.answers.push({ from: a.address, datagram: answer }));
    }
  }

  /** Every answer waiting, into the sweep at `nowMs`, and what it sends in turn, until nothing is left. */
  deliver(sweep: DiscoverySweep, nowMs: number): void {
    for (let a = this.answers.shift(); a; a = this.answers.shift()) this.carry(sweep.receive(a.from, a.datagram, nowMs));
  }

  /** The time comes: the sweep's tick, then the answers queued before its marker, then the marker. */
  expire(sweep: DiscoverySweep, nowMs: number): void {
    this.carry(sweep.tick(nowMs));
    this.deliver(sweep, nowMs);
    for (let m = this.marks.shift(); m !== undefined; m = this.marks.shift()) this.carry(sweep.marked(m, nowMs));
  }

  close(): void {
    for (const b of this.bmcs.values()) b.close();
  }
}

const range = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}.${i + 1}`);
const sends = (actions: SweepAction[]) => actions.filter((a) => a.kind === 'send').length;

/** tick, and its marker straight back (nothing queued before it): what the sweep does when the time comes. */
function expire(sweep: DiscoverySweep, nowMs: number): SweepAction[] {
  const out: SweepAction[] = [];
  for (const a of sweep.tick(nowMs)) {
    if (a.kind === 'mark') out.push(...sweep.marked(a.token, nowMs));
    else out.push(a);
  }
  return out;
}

t.test('a BMC answers the ping and Get Channel Authentication Capabilities: one finding with both', async (t) => {
  const net = new Network(['127.9.0.1']);
  t.teardown(() => net.close());
  const sweep = new DiscoverySweep(['127.9.0.1'], { window: 4, timeoutMs: 500, retries: 2 });
  net.carry(sweep.start(0));
  t.same(net.sent, ['127.9.0.1'], 'the ping');
  net.deliver(sweep, 3);
  t.same(net.sent, ['127.9.0.1', '127.9.0.1'], 'then the question, to the same address');
  t.equal(net.found.length, 1);
  const f = net.found[0];
  t.equal(f.address, '127.9.0.1');
  t.equal(f.ipmi, true, 'the pong says IPMI');
  t.equal(f.pong.iana, 4542, 'the ASF IANA');
  t.ok(f.authCaps?.supportsV20, 'IPMI v2.0 sessions');
  t.equal(f.authCaps!.authTypes, 1 << 2, 'MD5 alone among the v1.5 auth types (the emulator\'s default)');
  t.equal(f.authCapsError, null);
  t.ok(sweep.done, 'done');
  t.equal(sweep.deadlineMs, null, 'nothing waits');
});

t.test('never more probes awaiting an answer than the window; each finished address lets the next one in', async (t) => {
  const live = range('127.9.1', 10);
  const net = new Network(live);
  t.teardown(() => net.close());
  const sweep = new DiscoverySweep(live, { window: 3, timeoutMs: 500, retries: 2 });
  net.carry(sweep.start(0));
  t.same(net.sent, live.slice(0, 3), 'three pings');
  t.equal(sweep.inFlight, 3);
  let now = 0;
  while (!sweep.done) {
    t.ok(sweep.inFlight <= 3, `at most 3 in flight (${sweep.inFlight})`);
    const answer = net.answers.shift();
    if (!answer) break;
    net.carry(sweep.receive(answer.from, answer.datagram, ++now));
  }
  t.ok(sweep.done);
  t.same(net.found.map((f) => f.address).sort(), [...live].sort(), 'every BMC found');
  t.equal(sweep.counts.sent, 20, 'two probes each, none sent again');
  t.equal(sweep.counts.resent, 0);
});

t.test('a silent address is asked again at each timeout, then given up; the bound holds', async (t) => {
  const sweep = new DiscoverySweep(['127.9.2.1'], { window: 8, timeoutMs: 400, retries: 2 });
  t.equal(sends(sweep.start(1000)), 1);
  t.equal(sweep.deadlineMs, 1400);
  t.same(sweep.tick(1399), [], 'not before its wait ends');
  t.equal(sends(expire(sweep, 1400)), 1, 'sent again');
  t.equal(sweep.deadlineMs, 1800);
  t.equal(sends(expire(sweep, 1800)), 1, 'the second retry');
  t.notOk(sweep.done);
  t.same(expire(sweep, 2200), [], 'given up after (retries + 1) x timeout, nothing found');
  t.ok(sweep.done);
  t.same(sweep.counts, { sent: 3, resent: 2, silent: 1, unexpected: 0, malformed: 0 });
  t.equal(sweep.swept, 1);
  t.equal(sweep.found, 0);
});

t.test('an answer that waited in the receive queue while the process was busy does not give the address up', async (t) => {
  const net = new Network(['127.9.8.1']);
  t.teardown(() => net.close());
  const sweep = new DiscoverySweep(['127.9.8.1'], { window: 1, timeoutMs: 100, retries: 0 });
  net.carry(sweep.start(0));
  // The pong arrived at once, but the process only looks again at 5000 ms: the last try's wait has long ended.
  net.carry(sweep.tick(5000));
  t.same(net.marks, [1], 'a marker goes out first; nothing is given up yet');
  t.equal(sweep.deadlineMs, 5100, 'should the marker be lost, another after a timeout');
  net.expire(sweep, 5000);
  t.equal(net.found.length, 1, 'the pong queued before the marker counts');
  t.ok(net.found[0].authCaps, 'and the question it led to was answered');
  t.equal(sweep.counts.silent, 0);
  t.ok(sweep.done);
});

t.test('a probe not last is simply sent again, the answer to either taken', async (t) => {
  const net = new Network(['127.9.8.3']);
  t.teardown(() => net.close());
  const sweep = new DiscoverySweep(['127.9.8.3'], { window: 1, timeoutMs: 100, retries: 1 });
  net.carry(sweep.start(0));
  net.carry(sweep.tick(100));
  t.same([net.sent.length, net.marks.length], [2, 0], 'the ping again, no marker');
  net.deliver(sweep, 101);
  t.equal(net.found.length, 1, 'found once');
  t.equal(sweep.counts.unexpected, 1, 'the second pong is not a second finding');
});

t.test('a marker lost is sent again; an old one coming back late is ignored', async (t) => {
  const sweep = new DiscoverySweep(['127.9.8.2'], { window: 1, timeoutMs: 100, retries: 0 });
  sweep.start(0);
  const [first] = sweep.tick(100) as { kind: 'mark'; token: number }[];
  t.same(sweep.tick(150), [], 'while it may still come back');
  const [second] = sweep.tick(200) as { kind: 'mark'; token: number }[];
  t.not(second.token, first.token, 'another marker');
  t.same(sweep.marked(first.token, 210), [], 'the first, late: ignored');
  t.notOk(sweep.done);
  sweep.marked(second.token, 220);
  t.ok(sweep.done, 'given up when the second came back');
});

t.test('N silent addresses take N x (retries + 1) x timeout / window, to the ms', async (t) => {
  const addresses = range('127.9.3', 100);
  const sweep = new DiscoverySweep(addresses, { window: 10, timeoutMs: 100, retries: 2 });
  let now = 0;
  sweep.start(now);
  let ticks = 0;
  while (!sweep.done) {
    now = sweep.deadlineMs!;
    expire(sweep, now);
    ticks++;
  }
  t.equal(now, (100 * 3 * 100) / 10, '3000 ms');
  t.equal(ticks, 30, 'one tick per timeout: the window moves together');
  t.equal(sweep.counts.silent, 100);
});

t.test('the live answer at once while the silent wait: a sweep of both is found complete', async (t) => {
  const live = range('127.9.4', 20);
  const silent = range('127.9.5', 20);
  const net = new Network(live);
  t.teardown(() => net.close());
  const all = live.flatMap((a, i) => [a, silent[i]]);
  const sweep = new DiscoverySweep(all, { window: 5, timeoutMs: 250, retries: 1 });
  let now = 0;
  net.carry(sweep.start(now));
  while (!sweep.done) {
    net.deliver(sweep, now);
    if (sweep.done) break;
    now = sweep.deadlineMs!;
    net.expire(sweep, now);
  }
  t.same(net.found.map((f) => f.address).sort(), [...live].sort(), 'every live BMC, no silent one');
  t.equal(sweep.counts.silent, 20);
  t.equal(sweep.swept, 40);
  t.ok(now <= (20 * 2 * 250) / 5 + 250, `done at ${now} ms, within the bound for the silent ones`);
});

t.test('an address that answers the ping but not the question is found, saying why the capabilities are missing', async (t) => {
  const sweep = new DiscoverySweep(['127.9.6.1'], { window: 1, timeoutMs: 100, retries: 1 });
  const ping = sweep.start(0)[0] as { datagram: Buffer };
  const pong = encodePresencePong(decodeAsf(ping.datagram));
  const after = sweep.receive('127.9.6.1', pong, 10);
  t.equal(after.length, 1, 'the question goes out');
  t.same(expire(sweep, 110), [after[0]], 'and again after its timeout (the same bytes)');
  const end = expire(sweep, 210);
  t.equal(end.length, 1);
  const found = (end[0] as { finding: SweepFinding }).finding;
  t.equal(found.authCaps, null);
  t.equal(found.authCapsError, 'no answer to Get Channel Authentication Capabilities (2 tries)');
  t.ok(sweep.done);
});

t.test('a pong that says "no IPMI" is found without the question; late, stray and malformed datagrams are counted', async (t) => {
  const sweep = new DiscoverySweep(['127.9.7.1', '127.9.7.2'], { window: 2, timeoutMs: 100, retries: 0 });
  const [ping] = sweep.start(0) as { datagram: Buffer }[];
  const asfOnly = encodePresencePong(decodeAsf(ping.datagram), { supportedEntities: 0x01 });
  const actions = sweep.receive('127.9.7.1', asfOnly, 5);
  t.equal(actions.length, 1);
  t.match((actions[0] as { finding: SweepFinding }).finding, { address: '127.9.7.1', ipmi: false, authCaps: null, authCapsError: null });
  t.same(sweep.receive('127.9.7.1', asfOnly, 6), [], 'a second pong: not being probed any more');
  t.same(sweep.receive('127.9.9.9', asfOnly, 6), [], 'from an address never asked');
  t.same(sweep.receive('127.9.7.2', Buffer.from([6, 0, 0xff]), 7), [], 'three bytes');
  t.same(sweep.receive('127.9.7.2', Buffer.from('nonsense, not RMCP at all'), 7), []);
  t.same(sweep.counts, { sent: 2, resent: 0, silent: 0, unexpected: 2, malformed: 2 });
  expire(sweep, 100);
  t.ok(sweep.done, 'the silent one given up');
  t.same(sweep.receive('127.9.7.2', asfOnly, 150), [], 'its late pong is not a finding');
  t.equal(sweep.counts.unexpected, 3);
});

t.test('addresses come from an iterator, pulled only as the window frees', async (t) => {
  let pulled = 0;
  function* addresses() {
    for (let i = 1; i <= 1000; i++) { pulled++; yield `127.9.${i >> 8}.${i & 0xff}`; }
  }
  const sweep = new DiscoverySweep(addresses(), { window: 16, timeoutMs: 100, retries: 0 });
  sweep.start(0);
  t.equal(pulled, 16, 'a window\'s worth');
  expire(sweep, 100);
  t.equal(pulled, 32);
});

t.test('at most a burst of probes per step; the rest at once, at the next', async (t) => {
  const sweep = new DiscoverySweep(range('127.9.10', 200), { window: 150, timeoutMs: 100, retries: 1, burst: 64 });
  t.equal(sends(sweep.start(0)), 64, 'a burst');
  t.equal(sweep.deadlineMs, 0, 'slots left: go on at once');
  t.equal(sends(sweep.tick(1)), 64);
  t.equal(sends(sweep.tick(2)), 22, 'the window is full');
  t.equal(sweep.deadlineMs, 100, 'now the first waits');
  t.equal(sends(sweep.tick(100)), 64, 'those sent at 0 again');
  t.equal(sweep.deadlineMs, 101);
  t.equal(sends(sweep.tick(102)), 64, 'those due at 101 and 102: a burst');
  t.equal(sweep.deadlineMs, 102, 'and the rest at once');
  t.equal(sends(sweep.tick(102)), 22);
  t.equal(sweep.counts.resent, 150);
});

t.test('options are checked', async (t) => {
  t.throws(() => new DiscoverySweep([], { window: 1, timeoutMs: 1, retries: 0, burst: 0 }), RangeError);
  t.throws(() => new DiscoverySweep([], { window: 0, timeoutMs: 1, retries: 0 }), RangeError);
  t.throws(() => new DiscoverySweep([], { window: 1, timeoutMs: 0, retries: 0 }), RangeError);
  t.throws(() => new DiscoverySweep([], { window: 1, timeoutMs: 1, retries: -1 }), RangeError);
  const empty = new DiscoverySweep([], { window: 1, timeoutMs: 1, retries: 0 });
  t.same(empty.start(0), []);
  t.ok(empty.done, 'nothing to sweep: done at once');
});
