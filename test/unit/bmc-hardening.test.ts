// One EmulatedBmc on a manual clock under attack from clients without credentials: a flood against a BMC with a
// latency fault (answers held back are bounded in all and per source address), packets injected into a session from
// another socket (counted as 'wrong-peer'), and expired sessions that must not be counted where /bmcs and the
// sessions metric read the table.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { DEFAULT_BMC_QUEUE_LIMITS, EmulatedBmc, type EmulatedBmcOptions } from '../../emulator/bmc/emulated-bmc.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { decodeAsf, encodePresencePing } from '../../protocols/rmcp/asf.js';
import { RmcpPlusClientSession } from '../../protocols/ipmi/client-side/rmcpplus-session.js';
import { DEFAULT_SESSION_LIMITS } from '../../protocols/ipmi/bmc-side/session-table.js';
import type { Peer } from '../../protocols/peer.js';

const CONSOLE: Peer = { address: '127.0.0.1', port: 40000 };
const { total: HELD_TOTAL, perSource: HELD_PER_SOURCE } = DEFAULT_BMC_QUEUE_LIMITS.delayedAnswers;

function harness(opts: Partial<EmulatedBmcOptions> = {}) {
  const clock = new ManualClock(1_000_000);
  const bmc = new EmulatedBmc({ ip: '127.30.0.9', clock, ...opts });
  const sent: { datagram: Buffer; peer: Peer }[] = [];
  const send = (datagram: Buffer, peer: Peer) => { sent.push({ datagram, peer }); };
  const sentTo = (address: string) => sent.filter((s) => s.peer.address === address);
  return { clock, bmc, sent, send, sentTo };
}

/** Opens an RMCP+ session from `peer` through bmc.handle (answers must come at once: no latency yet). */
function session(h: ReturnType<typeof harness>, peer: Peer = CONSOLE): RmcpPlusClientSession {
  const c = new RmcpPlusClientSession({ username: 'admin', password: 'password', cipherSuite: 17, random: randomBytes });
  let out = c.open();
  for (let i = 0; i < 3; i++) {
    h.sent.length = 0;
    h.bmc.handle(out, peer, h.send);
    const step = c.handshake(h.sent[0].datagram);
    if (step.kind === 'established') break;
    if (step.kind === 'send') out = step.datagram;
  }
  h.sent.length = 0;
  return c;
}

t.test('latency fault: a ping flood from one address holds only its share; other clients are answered', (t) => {
  const h = harness();
  const c = session(h);
  h.bmc.setFaults({ latencyMs: 1000 });
  const FLOOD = 10_000;
  for (let n = 0; n < FLOOD; n++) h.bmc.handle(encodePresencePing(0xff, n & 0xff), { address: '127.66.0.1', port: 20000 + (n % 1000) }, h.send);
  t.equal(h.clock.pending, HELD_PER_SOURCE, `${HELD_PER_SOURCE} answers held (one timer each), not ${FLOOD}`);
  t.equal(h.bmc.counters.drops.get('latency-queue-full'), FLOOD - HELD_PER_SOURCE, 'every other answer dropped and counted');
  h.bmc.handle(c.request(0x06, 0x01, Buffer.alloc(0), 7), CONSOLE, h.send);
  h.bmc.handle(encodePresencePing(0xff, 0x42), { address: '127.0.0.2', port: 40001 }, h.send);
  h.clock.advance(1000);
  const answer = h.sentTo(CONSOLE.address).map((s) => c.response(s.datagram)).find((r) => r !== null);
  t.equal(answer?.rqSeq, 7, 'the session\'s request answered, 1 s late');
  t.same(h.sentTo('127.0.0.2').map((s) => decodeAsf(s.datagram).messageTag), [0x42], 'another client\'s ping answered');
  t.equal(h.sentTo('127.66.0.1').length, HELD_PER_SOURCE);
  t.equal(h.clock.pending, 0, 'nothing left held');
  t.end();
});

t.test('latency fault: a flood from many addresses holds at most the BMC\'s total', (t) => {
  const h = harness({ faults: { latencyMs: 500 } });
  const sources = Math.ceil((2 * HELD_TOTAL) / HELD_PER_SOURCE);
  for (let n = 0; n < 1000; n++) h.bmc.handle(encodePresencePing(0xff, 1), { address: `127.66.1.${n % sources}`, port: 20000 }, h.send);
  t.equal(h.clock.pending, HELD_TOTAL);
  t.equal(h.bmc.counters.drops.get('latency-queue-full'), 1000 - HELD_TOTAL);
  h.clock.advance(500);
  t.equal(h.sent.length, HELD_TOTAL, 'what was held went out');
  h.bmc.handle(encodePresencePing(0xff, 2), CONSOLE, h.send);
  h.clock.advance(500);
  t.equal(h.sentTo(CONSOLE.address).length, 1, 'room again once they left');
  t.end();
});

t.test('slow commands share the same bound', (t) => {
  const h = harness({ delayedAnswerLimits: { perSource: 2 } });
  const c = session(h);
  h.bmc.setFaults({ slowCommands: { '0x06/0x01': 300 } });
  for (let rq = 1; rq <= 5; rq++) h.bmc.handle(c.request(0x06, 0x01, Buffer.alloc(0), rq), CONSOLE, h.send);
  t.equal(h.bmc.counters.drops.get('latency-queue-full'), 3);
  h.clock.advance(300);
  t.same(h.sent.map((s) => c.response(s.datagram)?.rqSeq), [1, 2]);
  t.end();
});

t.test('a packet of a session sent from another socket is dropped and counted as wrong-peer', (t) => {
  const h = harness();
  const c = session(h);
  const pkt = c.request(0x00, 0x02, Buffer.from([0x00]), 1); // Chassis Control: power down
  h.bmc.handle(pkt, { address: CONSOLE.address, port: CONSOLE.port + 1 }, h.send);
  h.bmc.handle(pkt, { address: '127.66.0.3', port: CONSOLE.port }, h.send);
  t.equal(h.bmc.counters.drops.get('wrong-peer'), 2);
  t.equal(h.sent.length, 0, 'no answer to the injector');
  t.equal(h.bmc.model.powerOn, true, 'the command did not run');
  h.bmc.handle(c.request(0x06, 0x01, Buffer.alloc(0), 2), CONSOLE, h.send);
  t.equal(c.response(h.sent[0].datagram)?.rqSeq, 2, 'the owner is still answered');
  t.end();
});

t.test('an expired session is not counted where /bmcs and the sessions metric read the table, nor by Get Session Info', (t) => {
  const h = harness();
  session(h, { address: '127.0.0.1', port: 40010 });
  t.equal(h.bmc.channel.sessions.size, 1);
  h.clock.advance(DEFAULT_SESSION_LIMITS.idleTimeoutMs / 2);
  const c = session(h); // a second console, logged in later
  t.equal(h.bmc.channel.sessions.size, 2);
  h.clock.advance(DEFAULT_SESSION_LIMITS.idleTimeoutMs / 2 + 1);
  t.equal(h.bmc.channel.sessions.size, 1, 'the first session idled out, with no setup since');
  h.bmc.handle(c.request(0x06, 0x3d, Buffer.from([0x00]), 3), CONSOLE, h.send); // Get Session Info, this session
  const res = c.response(h.sent[0].datagram);
  t.equal(res?.completionCode, 0);
  t.equal(res!.data[2] & 0x3f, 1, 'Get Session Info: one active session');
  // A half-open session is counted until its setup timeout, then not.
  h.bmc.handle(new RmcpPlusClientSession({ username: 'admin', password: 'password', cipherSuite: 17, random: randomBytes }).open(),
    { address: '127.66.0.4', port: 20000 }, h.send);
  t.equal(h.bmc.channel.sessions.size, 2);
  h.clock.advance(DEFAULT_SESSION_LIMITS.setupTimeoutMs + 1);
  t.equal(h.bmc.channel.sessions.size, 1, 'the half-open one timed out; the console that asked is still there');
  t.end();
});
