// SOL end to end in memory: an EmulatedBmc on a fake clock, a console made of RmcpPlusClientSession (handshake and
// IPMI commands) plus SOL packets built and checked with the session's keys (IPMI 2.0 §13.28-13.29, §15.9, §24).
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { EmulatedBmc, type EmulatedBmcOptions } from '../../emulator/bmc/emulated-bmc.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { ChassisAction } from '../../protocols/ipmi/commands/chassis.js';
import { ConfidentialityAlgorithm, IntegrityAlgorithm } from '../../protocols/ipmi/cipher-suites.js';
import { RmcpPlusClientSession } from '../../protocols/ipmi/client-side/rmcpplus-session.js';
import { aesDecryptPayload, aesEncryptPayload, authCodesEqual, integrityAuthCode, integrityAuthCodeLength } from '../../protocols/ipmi/rmcpplus-crypto.js';
import { PayloadType, decodeSessionV20, encodeSessionV20 } from '../../protocols/ipmi/session-v20.js';
import type { BmcSession } from '../../protocols/ipmi/bmc-side/session.js';
import { BmcStatus, decodeSolPacket, encodeSolPacket, type SolPacket } from '../../protocols/sol/payload.js';
import { PEER, testChannel } from '../helpers/channel.js';
import { BmcCounters } from '../../emulator/bmc/counters.js';
import { fleetMetrics } from '../../emulator/fleet/metrics.js';
import type { Supervisor } from '../../emulator/fleet/supervisor.js';
import type { ShardCounters } from '../../emulator/fleet/nodes/bmc-requests.js';

const APP = 0x06;
const CHASSIS = 0x00;
const ACTIVATE = [0x01, 0x01, 0xc6, 0x00, 0x00, 0x00]; // what ipmitool sends
const DEACTIVATE = [0x01, 0x01, 0x00, 0x00, 0x00, 0x00];

interface Console {
  client: RmcpPlusClientSession;
  peer: { address: string; port: number };
  /** The BMC's record of this session (its keys build and check SOL packets). */
  record: BmcSession;
  rqSeq: number;
}

/** ipmitool numbers every payload it sends, SOL and IPMI alike, from one session counter: so does this console. */
function nextSequence(c: Console): number {
  const counter = c.client as unknown as { outboundSeq: number };
  counter.outboundSeq = (counter.outboundSeq + 1) >>> 0 || 1;
  return counter.outboundSeq;
}

function harness(opts: Partial<EmulatedBmcOptions> = {}) {
  const clock = new ManualClock(1_700_000_000_000);
  const bmc = new EmulatedBmc({ ip: '127.26.9.1', clock, ipmiPort: 9626, console: { initialUptimeMs: 3_600_000 }, ...opts });
  const sent: { datagram: Buffer; peer: { address: string; port: number } }[] = [];
  const send = (datagram: Buffer, peer: { address: string; port: number }) => { sent.push({ datagram, peer }); };
  const take = () => sent.splice(0, sent.length);

  function open(suite = 17, port = 40000): Console {
    const peer = { address: '127.0.0.1', port };
    const client = new RmcpPlusClientSession({ username: 'admin', password: 'password', cipherSuite: suite, random: randomBytes });
    let out = client.open();
    for (;;) {
      bmc.handle(out, peer, send);
      const reply = take().find((d) => d.peer.port === port && decodeSessionV20(d.datagram).sessionId === 0)!;
      const step = client.handshake(reply.datagram);
      if (step.kind === 'established') break;
      if (step.kind !== 'send') throw new Error('handshake stalled');
      out = step.datagram;
    }
    const c: Console = { client, peer, record: bmc.channel.sessions.get(client.bmcId)!, rqSeq: 1 };
    command(c, APP, 0x3b, [0x04]); // Set Session Privilege: administrator
    return c;
  }

  /** Sends a request; returns every datagram the BMC sent meanwhile (the response first, if any). */
  function command(c: Console, netFn: number, cmd: number, data: number[]) {
    bmc.handle(c.client.request(netFn, cmd, Buffer.from(data), c.rqSeq++ & 0x3f), c.peer, send);
    const out = take();
    const res = out.map((d) => (d.peer.port === c.peer.port ? c.client.response(d.datagram) : null)).find((r) => r !== null) ?? null;
    return { res, out };
  }

  /** A SOL payload from console `c`, wrapped as ipmitool wraps it (same keys, same sequence space as IPMI). */
  function solPacket(c: Console, p: SolPacket, overrides: { encrypted?: boolean; sequence?: number } = {}): Buffer {
    const s = c.record;
    const suite = s.suite!;
    const encrypted = overrides.encrypted ?? suite.confidentiality === ConfidentialityAlgorithm.AES_CBC_128;
    const plain = encodeSolPacket(p);
    const payload = encrypted ? aesEncryptPayload(s.k2!, randomBytes(16), plain) : plain;
    const authenticated = suite.integrity !== IntegrityAlgorithm.NONE;
    return encodeSessionV20(
      { payloadType: PayloadType.SOL, encrypted, authenticated, sessionId: s.bmcId, sequence: overrides.sequence ?? nextSequence(c), payload },
      integrityAuthCodeLength(suite.integrity),
      authenticated ? (d) => integrityAuthCode(suite.integrity, s.k1!, s.password, d) : undefined,
    );
  }

  return { clock, bmc, sent, send, take, open, command, solPacket };
}

/** Checks and opens a SOL datagram from the BMC to console `c`: integrity, encryption as negotiated, its session ID. */
function openSol(c: Console, datagram: Buffer): { sequence: number; sol: SolPacket } | null {
  const pkt = decodeSessionV20(datagram);
  if (pkt.payloadType !== PayloadType.SOL) return null;
  const s = c.record;
  const suite = s.suite!;
  if (pkt.sessionId !== s.consoleId) throw new Error('SOL packet for another session');
  if (pkt.encrypted !== (suite.confidentiality !== ConfidentialityAlgorithm.NONE)) throw new Error('encryption does not match the suite');
  if (suite.integrity !== IntegrityAlgorithm.NONE &&
    !authCodesEqual(integrityAuthCode(suite.integrity, s.k1!, s.password, pkt.integrityData), pkt.authCode)) {
    throw new Error('bad integrity AuthCode on a SOL packet');
  }
  const plain = pkt.encrypted ? aesDecryptPayload(s.k2!, pkt.payload) : Buffer.from(pkt.payload);
  return { sequence: pkt.sequence, sol: decodeSolPacket(Buffer.from(plain)) };
}

const text = (packets: { sol: SolPacket }[]) => packets.map((p) => Buffer.from(p.sol.data).toString('latin1')).join('');

t.test('Activate Payload: the 12-byte response leaves first; host output follows as SOL, in the session\'s sequence space', (t) => {
  const h = harness();
  const c = h.open();
  t.equal(h.clock.pending, 0, 'no timer runs while nobody watches the console');
  const { res, out } = h.command(c, APP, 0x48, ACTIVATE);
  t.equal(res?.completionCode, 0);
  t.equal(res?.data.length, 12, 'ipmitool insists on 12 bytes');
  t.equal(Buffer.from(res!.data).readUInt16LE(8), 9626, 'the payload port is the BMC\'s UDP port');
  t.equal(out.length, 1, 'nothing but the response goes out with it');
  const responseSeq = decodeSessionV20(out[0].datagram).sequence;

  h.clock.advance(3_000);
  const sol = h.take().map((d) => openSol(c, d.datagram)!);
  t.ok(sol.length >= 1, 'SOL packets arrived');
  t.equal(sol[0].sequence, responseSeq + 1, 'the first SOL packet takes the next outbound session sequence number');
  t.match(text(sol.slice(0, 1)), /heartbeat seq=\d+/, 'a numbered console line');
  t.same(h.bmc.model.sol.activeInstances().map((a) => a.sessionId), [c.client.bmcId]);
  t.end();
});

t.test('console packets: data is ACKed and reaches the host, whose echo comes back; ACKs free the BMC to send more', (t) => {
  const h = harness({ console: { initialUptimeMs: 3_600_000, lineIntervalMs: 60_000 } });
  const c = h.open();
  h.command(c, APP, 0x48, ACTIVATE);
  h.clock.advance(10);
  h.take();
  h.bmc.handle(h.solPacket(c, { sequence: 1, ackSequence: 0, acceptedCount: 0, operation: 0, data: Buffer.from('root\r') }), c.peer, h.send);
  const [ack] = h.take().map((d) => openSol(c, d.datagram)!);
  t.match(ack.sol, { sequence: 0, ackSequence: 1, acceptedCount: 5 }, 'an ACK-only packet for all 5 characters');
  h.clock.advance(100); // the accumulate interval (50 ms)
  const [echo] = h.take().map((d) => openSol(c, d.datagram)!);
  t.equal(Buffer.from(echo.sol.data).toString(), 'root\r\nPassword: ', 'the host echoed and asked for the password');
  t.not(echo.sol.sequence, 0);
  h.clock.advance(500);
  t.equal(h.take().length, 1, 'unacknowledged: retransmitted after the retry interval');
  h.bmc.handle(h.solPacket(c, { sequence: 0, ackSequence: echo.sol.sequence, acceptedCount: echo.sol.data.length, operation: 0, data: Buffer.alloc(0) }), c.peer, h.send);
  h.clock.advance(5_000);
  t.same(h.take(), [], 'ACKed: no more retransmissions');
  t.equal(h.bmc.counters.sol.charactersToHost, 5);
  t.end();
});

t.test('SOL counts reach the shard\'s totals and its Prometheus metrics', async (t) => {
  const totals = new BmcCounters(); // what a shard passes its BMCs
  const h = harness({ console: { initialUptimeMs: 3_600_000, lineIntervalMs: 100 }, parentCounters: totals });
  const c = h.open();
  h.command(c, APP, 0x48, ACTIVATE);
  h.clock.advance(1_000);
  h.take();
  h.bmc.handle(h.solPacket(c, { sequence: 1, ackSequence: 0, acceptedCount: 0, operation: 0, data: Buffer.from('ab') }), c.peer, h.send);
  h.bmc.sol.receive(c.client.bmcId, Buffer.from([1]), h.clock.now()); // shorter than the SOL header
  h.bmc.sol.receive(0x7777, Buffer.alloc(4), h.clock.now()); // a session running no instance here
  t.match(totals.sol, { activations: 1, packetsIn: 1, charactersToHost: 2 }, 'the malformed packet is a drop, not a packet in');
  t.ok(totals.sol.packetsOut > 0, `${totals.sol.packetsOut} packets out`);
  t.same([totals.drops.get('sol-malformed'), totals.drops.get('sol-orphan')], [1, 1]);

  const shard: ShardCounters = { shard: 0, bmcs: 1, sessions: 1, ...totals.snapshot(), media: null };
  const supervisor = { callAll: async () => [shard], status: () => [] } as unknown as Supervisor;
  const text = await fleetMetrics(supervisor).metrics();
  const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  t.equal(value('bmcfleet_sol_activations_total{shard="0"}'), 1);
  t.equal(value('bmcfleet_sol_packets_total{shard="0",direction="in"}'), 1);
  t.equal(value('bmcfleet_sol_packets_total{shard="0",direction="out"}'), totals.sol.packetsOut);
  t.equal(value('bmcfleet_sol_characters_to_host_total{shard="0"}'), 2);
  t.equal(value('bmcfleet_drops_total{shard="0",reason="sol-malformed"}'), 1);
  t.equal(value('bmcfleet_drops_total{shard="0",reason="sol-orphan"}'), 1);
});

t.test('SOL is dropped and counted when the session owns no active instance; replay and plaintext-in-AES too', (t) => {
  const h = harness();
  const c = h.open();
  const data = { sequence: 1, ackSequence: 0, acceptedCount: 0, operation: 0, data: Buffer.from('x') };
  h.bmc.handle(h.solPacket(c, data), c.peer, h.send);
  t.same(h.take(), [], 'no answer');
  t.equal(h.bmc.counters.drops.get('unsupported-payload'), 1, 'counted: no SOL instance in this session');

  h.command(c, APP, 0x48, ACTIVATE);
  const other = h.open(17, 40001);
  h.bmc.handle(h.solPacket(other, data), other.peer, h.send);
  t.equal(h.bmc.counters.drops.get('unsupported-payload'), 2, 'another session cannot feed the active instance');

  const pkt = h.solPacket(c, data);
  h.bmc.handle(pkt, c.peer, h.send);
  t.equal(h.take().length, 1, 'accepted and ACKed');
  h.bmc.handle(pkt, c.peer, h.send);
  t.equal(h.bmc.counters.drops.get('replay'), 1, 'the same session sequence number again is a replay');
  h.bmc.handle(h.solPacket(c, { ...data, sequence: 2 }, { encrypted: false }), c.peer, h.send);
  t.equal(h.bmc.counters.drops.get('encryption-mismatch'), 1, 'plaintext SOL in an AES session');
  const forged = h.solPacket(c, { ...data, sequence: 2 });
  forged[forged.length - 1] ^= 1;
  h.bmc.handle(forged, c.peer, h.send);
  t.equal(h.bmc.counters.drops.get('integrity'), 1);
  t.equal(h.bmc.counters.sol.charactersToHost, 1, 'only the genuine packet reached the host');
  t.end();
});

t.test('Deactivate Payload by the owner (ipmitool ~.): the response, and no SOL packet at all', (t) => {
  const h = harness();
  const c = h.open();
  h.command(c, APP, 0x48, ACTIVATE);
  h.clock.advance(2_500);
  h.take();
  const { res, out } = h.command(c, APP, 0x49, DEACTIVATE);
  t.equal(res?.completionCode, 0);
  t.equal(out.length, 1, 'only the response');
  h.clock.advance(10_000);
  t.same(h.take(), [], 'nothing after it');
  t.equal(h.clock.pending, 0, 'no timer left running');
  t.end();
});

t.test('Deactivate Payload by another session: the owner\'s console gets a last packet saying SOL is deactivating', (t) => {
  const h = harness();
  const owner = h.open(17, 40000);
  h.command(owner, APP, 0x48, ACTIVATE);
  h.clock.advance(10);
  const other = h.open(3, 40001);
  h.take();
  const { res, out } = h.command(other, APP, 0x49, DEACTIVATE);
  t.equal(res?.completionCode, 0);
  t.equal(out.length, 2, 'a SOL packet to the owner, the response to the asker');
  const last = out.find((d) => d.peer.port === 40000)!;
  t.match(openSol(owner, last.datagram)!.sol, { sequence: 0, operation: BmcStatus.DEACTIVATING });
  t.end();
});

for (const [what, end] of [
  ['Close Session', (h: ReturnType<typeof harness>, c: Console) => h.command(c, APP, 0x3c, [...Buffer.from(new Uint32Array([c.client.bmcId]).buffer)])],
  ['a BMC reboot', (h: ReturnType<typeof harness>) => h.bmc.reboot(100)],
  ['idle expiry', (h: ReturnType<typeof harness>) => { h.clock.advance(61_000); h.open(17, 40009); }],
  ['idle expiry with the console gone silent', (h: ReturnType<typeof harness>) => { h.clock.advance(61_000 + 120_000); }],
] as const) {
  t.test(`${what} ends the session's SOL instance (§24.2)`, (t) => {
    const h = harness({ console: { initialUptimeMs: 3_600_000, lineIntervalMs: 120_000 } });
    const c = h.open();
    h.command(c, APP, 0x48, ACTIVATE);
    t.equal(h.bmc.model.sol.activeInstances().length, 1);
    end(h, c);
    t.same(h.bmc.model.sol.activeInstances(), [], 'no instance active');
    h.take();
    h.clock.advance(10_000);
    t.same(h.take(), [], 'no SOL traffic afterwards');
    t.equal(h.bmc.host.watchers, 0, 'nobody watches the host console');
    t.end();
  });
}

t.test('with a latency fault the Activate Payload response still leads, and SOL output is delayed like any answer', (t) => {
  const h = harness({ console: { initialUptimeMs: 3_600_000, lineIntervalMs: 100 } });
  const c = h.open();
  h.bmc.setFaults({ latencyMs: 250 });
  h.bmc.handle(c.client.request(APP, 0x48, Buffer.from(ACTIVATE), 9), c.peer, h.send);
  h.clock.advance(249);
  t.same(h.take(), [], 'nothing before the latency');
  h.clock.advance(2_000);
  const out = h.take();
  t.ok(out.length > 1, 'the response and SOL packets');
  t.equal(c.client.response(out[0].datagram)?.completionCode, 0, 'the response is first');
  t.ok(out.slice(1).every((d) => openSol(c, d.datagram) !== null), 'then SOL');
  const outBefore = h.bmc.counters.sol.packetsOut;
  h.bmc.stall(5_000);
  h.clock.advance(4_000);
  t.same(h.take(), [], 'a stalled BMC sends no SOL');
  t.ok((h.bmc.counters.drops.get('sol-while-busy') ?? 0) > 0, 'and counts what it held back');
  t.equal(h.bmc.counters.sol.packetsOut, outBefore, 'as drops only, not as packets out');
  t.end();
});

t.test('a power cycle during SOL: the boot log starts over on the console', (t) => {
  const h = harness();
  const c = h.open();
  h.command(c, APP, 0x48, ACTIVATE);
  const cycledAt = h.clock.now();
  h.command(c, CHASSIS, 0x02, [ChassisAction.POWER_CYCLE]);
  const packets: { sol: SolPacket }[] = [];
  for (let i = 0; i < 200; i++) {
    h.clock.advance(100);
    for (const d of h.take()) {
      const p = openSol(c, d.datagram);
      if (!p) continue;
      packets.push(p);
      // ACK what arrived, as ipmitool does, so the next packet can go
      if (p.sol.sequence !== 0) {
        h.bmc.handle(h.solPacket(c, { sequence: 0, ackSequence: p.sol.sequence, acceptedCount: p.sol.data.length, operation: 0, data: Buffer.alloc(0) }), c.peer, h.send);
      }
    }
  }
  const out = text(packets);
  t.match(out, /BIOS Version/);
  t.match(out, /Welcome to GRUB!/);
  t.match(out, /login: /);
  t.ok(out.indexOf('BIOS Version') < out.indexOf('login: '), 'in boot order');
  t.equal(out, h.bmc.host.text(h.bmc.host.positionAt(cycledAt), h.clock.now(), 10_000).slice(0, out.length),
    'what SOL delivered is what the console history says it printed');
  t.end();
});

t.test('the channel alone: receive() never carries SOL; receiveWithSol() does when the session owns an instance', (t) => {
  const channel = testChannel();
  const client = new RmcpPlusClientSession({ username: 'admin', password: 'password', cipherSuite: 17, random: randomBytes });
  let out = client.open();
  for (;;) {
    const r = channel.receive(out, PEER, 0);
    if (r.kind !== 'reply') throw new Error('handshake dropped');
    const step = client.handshake(r.datagram);
    if (step.kind === 'established') break;
    if (step.kind === 'send') out = step.datagram;
  }
  const s = channel.sessions.get(client.bmcId)!;
  const c: Console = { client, peer: PEER, record: s, rqSeq: 1 };
  const build = (seq: number) => {
    const plain = encodeSolPacket({ sequence: 1, ackSequence: 0, acceptedCount: 0, operation: 0, data: Buffer.from('hi') });
    return encodeSessionV20({ payloadType: PayloadType.SOL, encrypted: true, authenticated: true, sessionId: s.bmcId, sequence: seq,
      payload: aesEncryptPayload(s.k2!, randomBytes(16), plain) }, 16, (d) => integrityAuthCode(s.suite!.integrity, s.k1!, s.password, d));
  };
  t.match(channel.receiveWithSol(build(11), PEER, 5), { kind: 'drop', reason: 'unsupported-payload' }, 'no instance: dropped');
  channel.hasSolInstance = (x) => x === s;
  t.match(channel.receive(build(11), PEER, 5), { kind: 'drop', reason: 'unsupported-payload' }, 'receive() is IPMI only');
  const got = channel.receiveWithSol(build(11), PEER, 5);
  t.equal(got.kind, 'sol');
  if (got.kind === 'sol') t.same(Buffer.from(got.payload), encodeSolPacket({ sequence: 1, ackSequence: 0, acceptedCount: 0, operation: 0, data: Buffer.from('hi') }));
  t.equal(s.lastActivity, 5, 'SOL traffic keeps the session alive');
  t.match(channel.receiveWithSol(build(11), PEER, 6), { kind: 'drop', reason: 'replay' });
  const before = s.outboundSeq;
  const wrapped = openSol(c, channel.wrapSol(s, encodeSolPacket({ sequence: 3, ackSequence: 1, acceptedCount: 2, operation: 0, data: Buffer.from('ok') })))!;
  t.equal(wrapped.sequence, before + 1, 'outbound SOL shares ++outboundSeq');
  t.match(wrapped.sol, { sequence: 3, ackSequence: 1, acceptedCount: 2 });
  t.end();
});
