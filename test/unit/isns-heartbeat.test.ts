// iSNS Name Service Heartbeat (RFC 4171 §5.6.5.14) end to end over real UDP on loopback (127.36.0.x,
// ports 17950-17999): the sender on a ManualClock sends one heartbeat at start and one per interval with
// a rising counter and the server's address and ports; the listener decodes them, reports a gap when a
// relay drops one, reports 'lost' after silence (on its own ManualClock), and counts garbage; the server
// sends them when configured and counts send errors without stopping. Waits are for events, never times.
import t from 'tap';
import dgram from 'node:dgram';
import { ManualClock } from '../../runtime/manual-clock.js';
import { HeartbeatSender } from '../../emulator/isns/heartbeat-sender.js';
import { IsnsServer } from '../../emulator/isns/server.js';
import { HeartbeatTimeoutError, IsnsHeartbeatListener, discoverIsnsServer, type HeartbeatGap, type HeartbeatSeen, type ServerLost } from '../../clients/isns/heartbeat-listener.js';
import { IsnsClient } from '../../clients/isns/isns-client.js';
import { decodeMessage, encodeMessage, type IsnsHeartbeat } from '../../protocols/isns/codec.js';
import { FunctionId } from '../../protocols/isns/functions.js';
import { Flag, decodePdu } from '../../protocols/isns/header.js';
import { Tag } from '../../protocols/isns/attributes.js';
import { attr } from '../../protocols/isns/tlv.js';

/** Polls `cond` every 10 ms; fails after a generous 10 s (the condition, not the time, is what is tested). */
async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

async function udpSink(host: string, port: number): Promise<{ sock: dgram.Socket; got: { msg: Buffer; from: string }[] }> {
  const sock = dgram.createSocket('udp4');
  const got: { msg: Buffer; from: string }[] = [];
  sock.on('message', (msg, r) => got.push({ msg, from: `${r.address}:${r.port}` }));
  await new Promise<void>((r) => sock.bind(port, host, () => r()));
  return { sock, got };
}

const decodeHb = (b: Buffer): IsnsHeartbeat => {
  const pdu = decodePdu(b);
  const m = decodeMessage({ functionId: pdu.header.functionId, transactionId: pdu.header.transactionId, flags: pdu.header.flags, payload: pdu.payload });
  if (m.kind !== 'heartbeat') throw new Error(`not a heartbeat: ${m.kind}`);
  return m;
};

const heartbeatBytes = (counter: number, over: Partial<IsnsHeartbeat> = {}) => encodeMessage({
  kind: 'heartbeat', functionId: FunctionId.HEARTBEAT, transactionId: counter, flags: Flag.SERVER,
  address: '127.36.0.1', tcpPort: 17950, udpPort: 17950, intervalSeconds: 5, counter, ...over,
})[0];

t.test('the sender: one heartbeat at start, one per interval, rising counter, the server\'s fields', async (t) => {
  const clock = new ManualClock();
  const sink = await udpSink('127.36.0.2', 17951);
  t.teardown(() => sink.sock.close());
  const sender = new HeartbeatSender({ address: '127.36.0.2', port: 17951, intervalSeconds: 5, serverHost: '127.36.0.1', tcpPort: 17950, udpPort: 0, clock });
  await sender.start();
  t.equal(sender.serverAddress, '127.36.0.1');
  clock.advance(4999);
  await waitFor(() => sink.got.length >= 1, 'the first heartbeat');
  clock.advance(1);
  clock.advance(5000);
  await waitFor(() => sink.got.length >= 3 && sender.counters.heartbeatsSent === 3, 'three heartbeats');
  await sender.stop();
  t.equal(clock.pending, 0, 'stop cancels the timer');
  clock.advance(60_000);
  const hbs = sink.got.map((g) => decodeHb(g.msg));
  t.same(hbs.map((h) => h.counter), [1, 2, 3], 'the counter rises by one per heartbeat');
  t.same(hbs.map((h) => h.transactionId), [1, 2, 3]);
  for (const h of hbs) {
    t.match(h, { functionId: 0x000e, address: '127.36.0.1', tcpPort: 17950, udpPort: 0, intervalSeconds: 5 });
    t.equal(h.flags, Flag.SERVER | Flag.FIRST_PDU | Flag.LAST_PDU, 'sent by a server, one PDU');
  }
  t.ok(sink.got.every((g) => g.from.startsWith('127.36.0.1:')), 'from the server\'s own address');
  t.equal(sender.counters.heartbeatSendErrors, 0);
  t.throws(() => new HeartbeatSender({ address: '127.36.0.2', port: 17951, intervalSeconds: 0, serverHost: '127.36.0.1', tcpPort: 1, udpPort: 0, clock }), RangeError);
});

t.test('the listener: decodes, reports a dropped heartbeat as a gap, then the server as lost', async (t) => {
  const senderClock = new ManualClock();
  const listenerClock = new ManualClock();
  const listener = new IsnsHeartbeatListener({ clock: listenerClock, lostAfterIntervals: 3 });
  await listener.start('127.36.0.3', 17953);
  t.teardown(() => listener.stop());
  const seen: HeartbeatSeen[] = [];
  const gaps: HeartbeatGap[] = [];
  const lost: ServerLost[] = [];
  const found: HeartbeatSeen[] = [];
  listener.on('heartbeat', (h: HeartbeatSeen) => seen.push(h));
  listener.on('gap', (g: HeartbeatGap) => gaps.push(g));
  listener.on('lost', (l: ServerLost) => lost.push(l));
  listener.on('found', (h: HeartbeatSeen) => found.push(h));

  // a relay between sender and listener that loses heartbeat number 2
  const relay = dgram.createSocket('udp4');
  await new Promise<void>((r) => relay.bind(17952, '127.36.0.4', () => r()));
  t.teardown(() => relay.close());
  let relayed = 0;
  relay.on('message', (msg) => {
    relayed++;
    if (decodeHb(msg).counter !== 2) relay.send(msg, 17953, '127.36.0.3');
  });

  const sender = new HeartbeatSender({ address: '127.36.0.4', port: 17952, intervalSeconds: 2, serverHost: '127.36.0.1', tcpPort: 17950, udpPort: 17950, clock: senderClock });
  await sender.start();
  t.teardown(() => sender.stop());
  await waitFor(() => seen.length === 1, 'heartbeat 1');
  senderClock.advance(2000);
  await waitFor(() => relayed === 2, 'heartbeat 2 at the relay');
  senderClock.advance(2000);
  await waitFor(() => seen.length === 2, 'heartbeat 3');

  t.equal(found.length, 1, 'the server is found once');
  t.match(seen[0], { server: '127.36.0.1:17950', address: '127.36.0.1', tcpPort: 17950, udpPort: 17950, intervalSeconds: 2, counter: 1, missed: 0, from: { address: '127.36.0.4', port: 17952 } });
  t.match(seen[1], { counter: 3, missed: 1 });
  t.same(gaps, [{ server: '127.36.0.1:17950', previous: 1, counter: 3, missed: 1 }], 'one heartbeat missed');
  t.same(listener.known, ['127.36.0.1:17950']);

  await sender.stop(); // the server goes quiet
  listenerClock.advance(5999);
  t.same(lost, [], 'not lost before 3 intervals of silence');
  listenerClock.advance(1);
  t.same(lost, [{ server: '127.36.0.1:17950', lastCounter: 3, intervalSeconds: 2 }], 'lost after 3 intervals of silence');
  t.same(listener.known, []);
  t.match(listener.counters, { heartbeats: 2, missed: 1, lost: 1, malformed: 0, ignored: 0 });
});

t.test('the listener ignores garbage and other iSNS messages, and counts them', async (t) => {
  const listener = new IsnsHeartbeatListener({ clock: new ManualClock() });
  await listener.start('127.36.0.5', 17955);
  t.teardown(() => listener.stop());
  const seen: HeartbeatSeen[] = [];
  listener.on('heartbeat', (h: HeartbeatSeen) => seen.push(h));
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(17956, '127.36.0.6', () => r()));
  t.teardown(() => sock.close());
  const send = (b: Uint8Array) => new Promise<void>((r) => sock.send(b, 17955, '127.36.0.5', () => r()));
  const good = heartbeatBytes(7);
  await send(Buffer.alloc(0));
  await send(Buffer.from('not iSNS at all, just text'));
  await send(good.subarray(0, 20)); // header says 28 bytes of payload, 8 are there
  const short = Buffer.from(good.subarray(0, 22));
  short.writeUInt16BE(10, 4); // a consistent PDU whose heartbeat is too short
  await send(short);
  await send(Buffer.concat([good, Buffer.from([1, 2, 3])])); // trailing bytes
  await send(encodeMessage({ kind: 'request', functionId: FunctionId.DEV_ATTR_QRY, transactionId: 9, flags: Flag.CLIENT, source: attr(Tag.ISCSI_NAME, 'iqn.2024-01.x:y'), key: [], operating: [] })[0]);
  await send(good); // datagrams from one socket arrive in order on loopback: once this is seen, the rest were handled
  await waitFor(() => seen.length === 1, 'the good heartbeat');
  t.match(seen[0], { counter: 7, from: { address: '127.36.0.6', port: 17956 } });
  t.match(listener.counters, { heartbeats: 1, malformed: 5, ignored: 1 });

  // fed directly: a duplicate is counted, a restarted counter is no gap, a skip of 3 is
  const gaps: HeartbeatGap[] = [];
  listener.on('gap', (g: HeartbeatGap) => gaps.push(g));
  const from = { address: '127.36.0.1', port: 1 };
  listener.datagram(good, from);
  listener.datagram(heartbeatBytes(1), from);
  listener.datagram(heartbeatBytes(5), from);
  t.equal(listener.counters.duplicates, 1);
  t.same(gaps.map((g) => g.missed), [3]);
  listener.datagram(new Uint8Array(3), from);
  t.equal(listener.counters.malformed, 6, 'fed garbage never throws');
});

t.test('discoverIsnsServer returns the first heartbeat, or fails with a timeout error', async (t) => {
  const clock = new ManualClock();
  const waiting = discoverIsnsServer('127.36.0.7', 17957, 15, { clock });
  await new Promise((r) => setImmediate(r));
  await waitFor(() => clock.pending === 1, 'the listener to be up');
  const sock = dgram.createSocket('udp4');
  t.teardown(() => sock.close());
  sock.send(heartbeatBytes(42, { intervalSeconds: 9 }), 17957, '127.36.0.7');
  t.match(await waiting, { address: '127.36.0.1', tcpPort: 17950, udpPort: 17950, intervalSeconds: 9, counter: 42 });

  const quiet = discoverIsnsServer('127.36.0.7', 17957, 15, { clock });
  await waitFor(() => clock.pending === 1, 'the second listener to be up');
  clock.advance(15_000);
  await t.rejects(quiet, HeartbeatTimeoutError);
});

t.test('the server sends heartbeats when configured, counts them, and survives send errors', async (t) => {
  const clock = new ManualClock();
  const sink = await udpSink('127.36.0.9', 17961);
  t.teardown(() => sink.sock.close());
  const server = new IsnsServer({ host: '127.36.0.8', port: 17960, clock, heartbeat: { address: '127.36.0.9', port: 17961, intervalSeconds: 30 } });
  await server.start();
  t.teardown(() => server.stop());
  clock.advance(30_000);
  await waitFor(() => server.counters.heartbeatsSent === 2, 'two heartbeats');
  t.same(sink.got.map((g) => decodeHb(g.msg)).map(({ address, tcpPort, udpPort, intervalSeconds, counter }) => ({ address, tcpPort, udpPort, intervalSeconds, counter })), [
    { address: '127.36.0.8', tcpPort: 17960, udpPort: 17960, intervalSeconds: 30, counter: 1 },
    { address: '127.36.0.8', tcpPort: 17960, udpPort: 17960, intervalSeconds: 30, counter: 2 },
  ]);

  const tcpOnly = new IsnsServer({ host: '127.36.0.8', port: 17962, udp: false, clock, heartbeat: { address: '127.36.0.9', port: 17961, intervalSeconds: 30 } });
  await tcpOnly.start();
  await waitFor(() => sink.got.length === 3, 'the TCP-only server\'s heartbeat');
  t.match(decodeHb(sink.got[2].msg), { tcpPort: 17962, udpPort: 0 }, 'UDP port 0 when UDP is off');
  await tcpOnly.stop();
  t.equal(tcpOnly.heartbeatSender, null, 'stopped with the server');

  // nobody listens at the destination: the kernel answers port unreachable, sends fail with ECONNREFUSED
  const lonely = new IsnsServer({ host: '127.36.0.10', port: 17963, clock: new ManualClock(), heartbeat: { address: '127.36.0.11', port: 17964, intervalSeconds: 1 } });
  await lonely.start();
  t.teardown(() => lonely.stop());
  const lonelyClock = lonely.options.clock as ManualClock;
  for (let i = 0; i < 200 && lonely.counters.heartbeatSendErrors === 0; i++) {
    lonelyClock.advance(1000);
    await new Promise((r) => setTimeout(r, 10));
  }
  t.ok(lonely.counters.heartbeatSendErrors > 0, `send errors counted (${lonely.heartbeatSender?.lastError})`);
  t.equal(lonely.heartbeatSender?.lastError, 'ECONNREFUSED');
  const client = await IsnsClient.connect({ host: '127.36.0.10', port: 17963, source: 'iqn.2024-01.x:probe' });
  t.same(await client.listNodes(), [], 'the server still answers');
  await client.close();

  t.equal(new IsnsServer().options.heartbeat, null, 'off by default, as in isnsd');
  const bad = new IsnsServer({ host: '127.36.0.12', port: 17965, heartbeat: { address: '127.36.0.9', port: 17961, intervalSeconds: 0 } });
  await t.rejects(bad.start(), RangeError, 'a bad heartbeat setting fails the start');
  const again = new IsnsServer({ host: '127.36.0.12', port: 17965 });
  await again.start();
  await again.stop();
  t.pass('and leaves nothing bound');
});

t.test('the listener stays bounded: a year-long interval is not "lost at once", and spoofed servers are capped', async (t) => {
  const clock = new ManualClock();
  const listener = new IsnsHeartbeatListener({ clock, maxServers: 2 });
  const lost: ServerLost[] = [];
  listener.on('lost', (l: ServerLost) => lost.push(l));
  const from = { address: '127.36.0.20', port: 1 };
  listener.datagram(heartbeatBytes(1, { intervalSeconds: 0xffffffff }), from); // 3 intervals would overflow Node's timer
  clock.advance(1000);
  t.same(lost, [], 'not lost a second later');
  t.same(listener.known, ['127.36.0.1:17950']);
  listener.datagram(heartbeatBytes(1, { address: '127.36.0.21' }), from);
  listener.datagram(heartbeatBytes(1, { address: '127.36.0.22' }), from);
  t.same(listener.known, ['127.36.0.21:17950', '127.36.0.22:17950'], 'the one heard from longest ago made room');
  t.equal(listener.counters.evicted, 1);
  t.equal(clock.pending, 2, 'its timer went with it');
  await listener.stop();
});

t.test('the sender refuses a destination of the other address family than the server serves', async (t) => {
  const clock = new ManualClock();
  const base = { port: 17966, intervalSeconds: 5, tcpPort: 17950, udpPort: 17950, clock };
  await t.rejects(new HeartbeatSender({ ...base, address: '::1', serverHost: '127.36.0.1' }).start(), /serves on 127\.36\.0\.1/);
  await t.rejects(new HeartbeatSender({ ...base, address: '::1', serverHost: '0.0.0.0' }).start(), /serves on 0\.0\.0\.0/);
});
