// Faults of one emulated BMC on a manual clock: loss, latency, busy stalls (FIFO, nothing lost), reboot, slow commands.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { EmulatedBmc, type EmulatedBmcOptions } from '../../emulator/bmc/emulated-bmc.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { decodeAsf, encodePresencePing } from '../../protocols/rmcp/asf.js';
import { RmcpPlusClientSession } from '../../protocols/ipmi/client-side/rmcpplus-session.js';

const PEER = { address: '127.0.0.1', port: 40000 };

function harness(opts: Partial<EmulatedBmcOptions> = {}) {
  const clock = new ManualClock(1_000_000);
  const bmc = new EmulatedBmc({ ip: '127.30.0.1', clock, ...opts });
  const sent: Buffer[] = [];
  const send = (b: Buffer) => { sent.push(b); };
  const ping = (tag: number) => bmc.handle(encodePresencePing(0xff, tag), PEER, send);
  const pongTags = () => sent.map((b) => decodeAsf(b).messageTag);
  return { clock, bmc, sent, send, ping, pongTags };
}

/** Opens an RMCP+ session through bmc.handle (answers must come at once: no faults on yet). */
function session(h: ReturnType<typeof harness>): RmcpPlusClientSession {
  const c = new RmcpPlusClientSession({ username: 'admin', password: 'password', cipherSuite: 17, random: randomBytes });
  let out = c.open();
  for (let i = 0; i < 3; i++) {
    h.sent.length = 0;
    h.bmc.handle(out, PEER, h.send);
    const step = c.handshake(h.sent[0]);
    if (step.kind === 'established') break;
    if (step.kind === 'send') out = step.datagram;
  }
  h.sent.length = 0;
  return c;
}

t.test('latency delays every answer by exactly the setting', (t) => {
  const h = harness({ faults: { latencyMs: 250 } });
  h.ping(1);
  h.clock.advance(249);
  t.same(h.pongTags(), [], 'nothing before 250 ms');
  h.clock.advance(1);
  t.same(h.pongTags(), [1], 'the pong at 250 ms');
  t.end();
});

t.test('loss drops datagrams each way and counts them by direction', (t) => {
  const inbound = harness({ faults: { lossPercent: 25 }, lossRandom: () => 0 }); // every draw < 25%: lost on the way in
  for (let n = 0; n < 10; n++) inbound.ping(n);
  t.equal(inbound.sent.length, 0);
  t.equal(inbound.bmc.counters.drops.get('fault-lost'), 10);
  let draw = 0;
  const outbound = harness({ faults: { lossPercent: 25 }, lossRandom: () => (draw++ % 2 === 0 ? 0.9 : 0.1) }); // in: kept, out: lost
  for (let n = 0; n < 10; n++) outbound.ping(n);
  t.equal(outbound.sent.length, 0);
  t.equal(outbound.bmc.counters.drops.get('fault-lost-outgoing'), 10, 'the answers were lost on the way out');
  t.end();
});

t.test('at 25% loss each way about 56% of pings get an answer, and every loss is counted', (t) => {
  let x = 12345; // a fixed LCG: the same draws every run
  const h = harness({ faults: { lossPercent: 25 }, lossRandom: () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32) });
  const N = 4000;
  for (let n = 0; n < N; n++) h.ping(n & 0xff);
  const answered = h.sent.length;
  t.ok(answered > 0.5625 * N - 160 && answered < 0.5625 * N + 160, `${answered} of ${N} answered (expected 2250 ± 160: 5 sd)`);
  const drops = (h.bmc.counters.drops.get('fault-lost') ?? 0) + (h.bmc.counters.drops.get('fault-lost-outgoing') ?? 0);
  t.equal(drops, N - answered, 'every lost datagram counted');
  t.end();
});

t.test('a busy stall queues requests FIFO and answers all of them afterwards', (t) => {
  const h = harness();
  h.bmc.stall(1500);
  for (let n = 1; n <= 5; n++) h.ping(n);
  h.clock.advance(1499);
  t.same(h.pongTags(), [], 'silent while busy');
  h.clock.advance(1);
  t.same(h.pongTags(), [1, 2, 3, 4, 5], 'all answered, in arrival order');
  h.ping(6);
  t.same(h.pongTags(), [1, 2, 3, 4, 5, 6], 'answers at once again');
  t.end();
});

t.test('a stall extended while busy keeps everything queued until it really ends', (t) => {
  const h = harness();
  h.bmc.stall(100);
  h.ping(1);
  h.clock.advance(50);
  h.bmc.stall(200); // now busy until 250 from the start
  h.ping(2);
  h.clock.advance(100);
  t.same(h.pongTags(), []);
  h.clock.advance(100);
  t.same(h.pongTags(), [1, 2]);
  t.end();
});

t.test('the busy queue is bounded: overflow is a counted drop', (t) => {
  const h = harness({ busyQueueLimit: 3 });
  h.bmc.stall(10);
  for (let n = 1; n <= 5; n++) h.ping(n);
  h.clock.advance(10);
  t.same(h.pongTags(), [1, 2, 3]);
  t.equal(h.bmc.counters.drops.get('busy-queue-full'), 2);
  t.end();
});

t.test('periodic stalls from the settings', (t) => {
  const h = harness({ faults: { busyStallMs: 100, busyEveryMs: 1000 } });
  h.ping(1);
  t.same(h.pongTags(), [1], 'not busy before the first period');
  h.clock.advance(1000);
  h.ping(2);
  t.same(h.pongTags(), [1], 'busy at the period');
  h.clock.advance(100);
  t.same(h.pongTags(), [1, 2]);
  t.end();
});

t.test('a reboot is silent for its duration and loses every session', (t) => {
  const h = harness();
  const c = session(h);
  t.equal(h.bmc.channel.sessions.size, 1);
  h.bmc.reboot(5000);
  t.equal(h.bmc.channel.sessions.size, 0, 'sessions lost');
  h.ping(1);
  t.equal(h.bmc.counters.drops.get('fault-rebooting'), 1);
  h.clock.advance(5000);
  h.ping(2);
  t.same(h.pongTags(), [2], 'answers again after the reboot');
  h.sent.length = 0;
  h.bmc.handle(c.request(0x06, 0x01, Buffer.alloc(0), 1), PEER, h.send);
  t.same(h.sent, [], 'the old session is gone');
  t.equal(h.bmc.counters.drops.get('unknown-session'), 1);
  t.end();
});

t.test('slow commands delay only the chosen command', (t) => {
  const h = harness();
  const c = session(h);
  h.bmc.faults.configure({ slowCommands: { '0x06/0x01': 300 } }, h.clock.now());
  h.bmc.handle(c.request(0x00, 0x01, Buffer.alloc(0), 1), PEER, h.send); // Get Chassis Status: not slow
  t.equal(h.sent.length, 1, 'chassis status answered at once');
  h.bmc.handle(c.request(0x06, 0x01, Buffer.alloc(0), 2), PEER, h.send); // Get Device ID: slow
  h.clock.advance(299);
  t.equal(h.sent.length, 1);
  h.clock.advance(1);
  t.equal(h.sent.length, 2);
  t.equal(c.response(h.sent[1])?.cmd, 0x01, 'the late answer is Get Device ID, and valid');
  t.end();
});

t.test('bad settings are refused with the field named', (t) => {
  const h = harness();
  t.throws(() => h.bmc.faults.configure({ lossPercent: 101 }, 0), /lossPercent/);
  t.throws(() => h.bmc.faults.configure({ slowCommands: { 'get-device-id': 5 } }, 0), /slowCommands key/);
  t.throws(() => h.bmc.faults.configure({ busyStallMs: 2000, busyEveryMs: 1000 }, 0), /shorter/);
  t.equal(h.bmc.faults.settings.lossPercent, 0, 'a refused change leaves the settings as they were');
  t.end();
});
