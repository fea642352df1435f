// The iSNS server over real loopback sockets (TCP and UDP on 127.25.1.x): pipelining, bad input and its
// RFC 4171 §5.4 statuses, limits, expiry on a fake clock, and the state directory across a restart.
import t, { type Test } from 'tap';
import dgram from 'node:dgram';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsnsServer } from '../../emulator/isns/server.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { IsnsClient } from '../../clients/isns/isns-client.js';
import { NodeType, Tag } from '../../protocols/isns/attributes.js';
import { decodeMessage, encodeMessage, type IsnsResponse } from '../../protocols/isns/codec.js';
import { FunctionId } from '../../protocols/isns/functions.js';
import { Flag, decodePdu, encodePdu } from '../../protocols/isns/header.js';
import { Reassembler } from '../../protocols/isns/segments.js';
import { Status } from '../../protocols/isns/status.js';
import { PduStreamDecoder } from '../../protocols/isns/stream.js';
import { attr } from '../../protocols/isns/tlv.js';

const HOST = '127.25.1.1';
let nextPort = 17710;

async function startServer(t: Test, opts: ConstructorParameters<typeof IsnsServer>[0] = {}): Promise<IsnsServer> {
  const server = new IsnsServer({ host: HOST, port: nextPort++, ...opts });
  await server.start();
  t.teardown(() => server.stop());
  return server;
}

/** Writes raw bytes on a fresh connection; collects `count` responses (or what came before close). */
function rawExchange(port: number, bytes: Buffer, count: number): Promise<{ responses: IsnsResponse[]; closed: boolean }> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port });
    const frames = new PduStreamDecoder();
    const joiner = new Reassembler();
    const responses: IsnsResponse[] = [];
    let closed = false;
    const done = () => { sock.destroy(); resolve({ responses, closed }); };
    const timer = setTimeout(done, count >= 1000 ? 300 : 3000);
    sock.on('connect', () => sock.write(bytes));
    sock.on('data', (c) => {
      for (const p of frames.push(c)) {
        const raw = joiner.push(p, 0);
        if (raw) responses.push(decodeMessage(raw) as IsnsResponse);
      }
      if (responses.length >= count) { clearTimeout(timer); done(); }
    });
    sock.on('close', () => { closed = true; clearTimeout(timer); resolve({ responses, closed }); });
    sock.on('error', () => {});
  });
}

const regTarget = (name: string, ip: string, tx: number) => Buffer.concat(encodeMessage({
  kind: 'request', functionId: FunctionId.DEV_ATTR_REG, transactionId: tx, flags: Flag.CLIENT, source: attr(Tag.ISCSI_NAME, name),
  key: [attr(Tag.ENTITY_IDENTIFIER)],
  operating: [attr(Tag.ISCSI_NAME, name), attr(Tag.ISCSI_NODE_TYPE, NodeType.TARGET), attr(Tag.PORTAL_IP_ADDRESS, ip), attr(Tag.PORTAL_PORT, { port: 3260, udp: false })],
}));
const qryTargets = (source: string, tx: number) => Buffer.concat(encodeMessage({
  kind: 'request', functionId: FunctionId.DEV_ATTR_QRY, transactionId: tx, flags: Flag.CLIENT, source: attr(Tag.ISCSI_NAME, source),
  key: [attr(Tag.ISCSI_NODE_TYPE, NodeType.TARGET)], operating: [attr(Tag.ISCSI_NAME)],
}));

/** Waits (real time, bounded only against a hang) until `pred` holds: datagrams and accepts cross real sockets. */
async function waitFor(pred: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
}

t.test('pipelined requests on one connection are answered in order', async (t) => {
  const server = await startServer(t);
  const bytes = Buffer.concat([regTarget('iqn.t:a', '127.25.1.2', 7), regTarget('iqn.t:b', '127.25.1.3', 8), qryTargets('iqn.t:a', 9)]);
  const { responses } = await rawExchange(server.port, bytes, 3);
  t.same(responses.map((r) => [r.functionId, r.transactionId, r.status]), [[0x8001, 7, 0], [0x8001, 8, 0], [0x8002, 9, 0]]);
  t.same(responses[2].operating.map((a) => a.value), ['iqn.t:a'], 'query answered after both registrations (b is in another entity, no DDs: not visible)');
});

t.test('the same server answers over UDP', async (t) => {
  const server = await startServer(t);
  const c = await IsnsClient.connect({ host: HOST, port: server.port, source: 'iqn.t:u', transport: 'udp' });
  t.teardown(() => c.close());
  const r = await c.register({ nodes: [{ name: 'iqn.t:u', type: NodeType.TARGET }], portals: [{ ip: '127.25.1.4', port: 3260 }] });
  t.match(r.eid, /^isns\.entity\./);
  t.same((await c.nodeNames()), ['iqn.t:u']);
});

t.test('bad input gets the RFC status and the connection keeps serving', async (t) => {
  const server = await startServer(t);
  const badBody = encodePdu({ version: 1, functionId: FunctionId.DEV_ATTR_QRY, transactionId: 1, flags: Flag.CLIENT | Flag.FIRST_PDU | Flag.LAST_PDU, sequenceId: 0 },
    Buffer.from('0000002000000003', 'hex'));
  const unknown = encodePdu({ version: 1, functionId: 0x0020, transactionId: 2, flags: Flag.CLIENT | Flag.FIRST_PDU | Flag.LAST_PDU, sequenceId: 0 }, Buffer.alloc(0));
  const v2 = encodePdu({ version: 2, functionId: FunctionId.DEV_ATTR_QRY, transactionId: 3, flags: Flag.CLIENT | Flag.FIRST_PDU | Flag.LAST_PDU, sequenceId: 0 }, Buffer.alloc(0));
  const heartbeat = encodePdu({ version: 1, functionId: FunctionId.HEARTBEAT, transactionId: 4, flags: Flag.SERVER | Flag.FIRST_PDU | Flag.LAST_PDU, sequenceId: 0 }, Buffer.alloc(28));
  const { responses, closed } = await rawExchange(server.port, Buffer.concat([badBody, unknown, v2, heartbeat, regTarget('iqn.t:x', '127.25.1.5', 5)]), 4);
  t.same(responses.map((r) => [r.transactionId, r.status]), [[1, Status.MESSAGE_FORMAT_ERROR], [2, Status.MESSAGE_NOT_SUPPORTED], [3, Status.VERSION_NOT_SUPPORTED], [5, 0]],
    'heartbeat unanswered, the rest answered in order');
  t.notOk(closed, 'still open');
  t.equal(server.registry.counters.malformed, 1);
});

t.test('message size limits: status 2; a PDU over the stream limit closes the connection', async (t) => {
  const server = await startServer(t, { maxMessageBytes: 256, maxPduBytes: 1024 });
  // a two-PDU message of 2 x 200 bytes is over the 256-byte message limit
  const part = (seq: number, flags: number) => encodePdu({ version: 1, functionId: FunctionId.DEV_ATTR_QRY, transactionId: 11, flags: Flag.CLIENT | flags, sequenceId: seq }, Buffer.alloc(200));
  let r = await rawExchange(server.port, Buffer.concat([part(0, Flag.FIRST_PDU), part(1, Flag.LAST_PDU), regTarget('iqn.t:y', '127.25.1.6', 12)]), 2);
  t.same(r.responses.map((x) => [x.transactionId, x.status]), [[11, Status.MESSAGE_FORMAT_ERROR], [12, 0]]);
  t.equal(server.counters.drops.get('ERR_MESSAGE_TOO_LARGE'), 1);
  // one PDU of 2000 bytes > 1024: answered 2, then the stream cannot be trusted
  const big = encodePdu({ version: 1, functionId: FunctionId.DEV_ATTR_QRY, transactionId: 13, flags: Flag.CLIENT | Flag.FIRST_PDU | Flag.LAST_PDU, sequenceId: 0 }, Buffer.alloc(2000));
  r = await rawExchange(server.port, Buffer.concat([qryTargets('iqn.t:y', 14), big.subarray(0, 100)]), 3); // 3: wait for the close
  t.same(r.responses.map((x) => [x.transactionId, x.status]), [[14, 0], [13, Status.MESSAGE_FORMAT_ERROR]], 'the good request before it is still answered');
  t.ok(r.closed, 'closed');
  t.equal(server.counters.drops.get('ERR_PDU_TOO_LARGE'), 1);
});

t.test('connections over the limit are closed and counted', async (t) => {
  const server = await startServer(t, { maxConnections: 2 });
  const a = await IsnsClient.connect({ host: HOST, port: server.port, source: 'iqn.t:c1' });
  const b = await IsnsClient.connect({ host: HOST, port: server.port, source: 'iqn.t:c2' });
  t.teardown(async () => { await a.close(); await b.close(); });
  const { closed, responses } = await rawExchange(server.port, regTarget('iqn.t:c3', '127.25.1.7', 1), 1);
  t.ok(closed);
  t.equal(responses.length, 0);
  t.equal(server.counters.connectionsRefused, 1);
  t.equal((await a.register({ nodes: [{ name: 'iqn.t:c1', type: NodeType.TARGET }] })).response.status, 0, 'the others still work');
});

t.test('garbage datagrams are counted, malformed UDP requests get status 2', async (t) => {
  const server = await startServer(t);
  const u = dgram.createSocket('udp4');
  t.teardown(() => u.close());
  const got: IsnsResponse[] = [];
  u.on('message', (m) => got.push(decodeMessage(new Reassembler().push(decodePdu(m), 0)!) as IsnsResponse));
  await new Promise<void>((r) => u.bind(0, '127.25.1.9', () => r()));
  u.send(Buffer.from('hello'), server.port, HOST);
  const truncated = Buffer.from(regTarget('iqn.t:z', '127.25.1.8', 21).subarray(0, 30));
  u.send(truncated, server.port, HOST);
  await waitFor(() => got.length >= 1 && server.counters.drops.get('udp ERR_TRUNCATED') === 2);
  t.same(got.map((r) => [r.transactionId, r.status]), [[21, Status.MESSAGE_FORMAT_ERROR]]);
  t.equal(server.counters.drops.get('udp ERR_TRUNCATED'), 2);
});

t.test("UDP: a peer's multi-PDU message, interleaved with one-PDU messages from it and from another peer", async (t) => {
  const server = await startServer(t);
  const peer = async (ip: string) => {
    const u = dgram.createSocket('udp4');
    t.teardown(() => u.close());
    const got: IsnsResponse[] = [];
    u.on('message', (m) => got.push(decodeMessage(new Reassembler().push(decodePdu(m), 0)!) as IsnsResponse));
    await new Promise<void>((r) => u.bind(0, ip, () => r()));
    return { u, got, send: (b: Buffer) => u.send(b, server.port, HOST) };
  };
  const a = await peer('127.25.1.20');
  const b = await peer('127.25.1.21');
  // a's registration split over two PDUs (§5.4 segmentation), with one-PDU queries between them
  const pdus = encodeMessage({
    kind: 'request', functionId: FunctionId.DEV_ATTR_REG, transactionId: 31, flags: Flag.CLIENT, source: attr(Tag.ISCSI_NAME, 'iqn.t:split'),
    key: [attr(Tag.ENTITY_IDENTIFIER)],
    operating: [attr(Tag.ISCSI_NAME, 'iqn.t:split'), attr(Tag.ISCSI_NODE_TYPE, NodeType.TARGET), attr(Tag.ISCSI_ALIAS, 'x'.repeat(200))],
  }, 128);
  t.ok(pdus.length >= 2, `${pdus.length} PDUs`);
  a.send(pdus[0]);
  b.send(qryTargets('iqn.t:nobody', 41));
  a.send(qryTargets('iqn.t:nobody', 32));
  for (const p of pdus.slice(1)) a.send(p);
  await waitFor(() => a.got.length >= 2 && b.got.length >= 1);
  t.same(b.got.map((r) => [r.transactionId, r.status]), [[41, Status.SUCCESSFUL]], 'the other peer is answered');
  t.same(a.got.map((r) => [r.functionId, r.transactionId, r.status]).sort((x, y) => x[1] - y[1]),
    [[0x8001, 31, Status.SUCCESSFUL], [0x8002, 32, Status.SUCCESSFUL]], 'the split registration and the query between its PDUs');
  t.ok(server.registry.store.nodes.has('iqn.t:split'), 'registered whole');
});

t.test('registrations expire after their period, on the fake clock', async (t) => {
  const clock = new ManualClock(1_000_000);
  const server = await startServer(t, { clock, registry: { defaultRegistrationPeriod: 10 } });
  const c = await IsnsClient.connect({ host: HOST, port: server.port, source: 'iqn.t:e' });
  t.teardown(() => c.close());
  await c.register({ nodes: [{ name: 'iqn.t:e', type: NodeType.TARGET }] });
  clock.advance(9_000);
  t.ok(server.registry.store.nodes.has('iqn.t:e'), 'alive at 9 s');
  clock.advance(2_000);
  t.notOk(server.registry.store.nodes.has('iqn.t:e'), 'gone at 11 s');
  t.equal(server.registry.counters.expired, 1);
});

t.test('the state directory keeps the database across a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-isns-state-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const port = nextPort++;
  const first = new IsnsServer({ host: HOST, port, stateDir: dir });
  await first.start();
  let c = await IsnsClient.connect({ host: HOST, port, source: 'iqn.t:s' });
  const reg = await c.register({
    nodes: [{ name: 'iqn.t:s', type: NodeType.TARGET, alias: 'disk', luns: [{ lun: 0, sizeBytes: 1n << 30n, state: 1 }] }],
    portals: [{ ip: '127.25.1.10', port: 3260 }],
  });
  const dd = await c.ddRegister({ name: 'boot', members: ['iqn.t:s', 'iqn.i:other'] });
  await c.close();
  const before = first.registry.store.nodes.get('iqn.t:s')!.index;
  await first.stop();

  const second = new IsnsServer({ host: HOST, port, stateDir: dir });
  await second.start();
  t.teardown(() => second.stop());
  c = await IsnsClient.connect({ host: HOST, port, source: 'iqn.t:s' });
  t.teardown(() => c.close());
  const n = await c.node('iqn.t:s');
  t.equal(n?.eid, reg.eid, 'same entity');
  t.equal(n?.alias, 'disk');
  t.same(n?.luns, [{ lun: 0, sizeBytes: 1n << 30n, state: 1 }], 'LUN attributes kept');
  t.same(n?.portals.map((p) => [p.ip, p.port]), [['127.25.1.10', 3260]]);
  t.equal(second.registry.store.nodes.get('iqn.t:s')!.index, before, 'same index');
  t.same((await c.listDds()).map((d) => [d.id, d.name, d.members]), [[dd.id, 'boot', ['iqn.t:s', 'iqn.i:other']]]);
  const more = await c.register({ nodes: [{ name: 'iqn.t:s2', type: NodeType.TARGET }] });
  t.not(more.eid, reg.eid, 'counters restored: no EID reused');
});

t.test('random bytes over TCP and UDP never stop the server', async (t) => {
  const server = await startServer(t, { maxPduBytes: 4096 });
  let seed = 12345;
  const rand = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
  const junk = (n: number) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = rand() & 0xff;
    if (n >= 12 && rand() % 2) { b.writeUInt16BE(1, 0); b.writeUInt16BE(rand() % 0x14, 2); b.writeUInt16BE(rand() % 64, 4); } // plausible headers too
    return b;
  };
  const u = dgram.createSocket('udp4');
  t.teardown(() => u.close());
  for (let i = 0; i < 300; i++) u.send(junk(rand() % 200), server.port, HOST);
  await Promise.all(Array.from({ length: 20 }, () => rawExchange(server.port, Buffer.concat(Array.from({ length: 10 }, () => junk(rand() % 300))), 1000)));
  const c = await IsnsClient.connect({ host: HOST, port: server.port, source: 'iqn.t:after' });
  t.teardown(() => c.close());
  const r = await c.register({ nodes: [{ name: 'iqn.t:after', type: NodeType.TARGET }] });
  t.match(r.eid, /^isns\.entity\./, 'still serving');
  t.equal(server.counters.connectionsOpen, 1, 'the junk connections are gone or closed');
});

t.test('idle connections are closed after the idle timeout (fake clock)', async (t) => {
  const clock = new ManualClock(0);
  const server = await startServer(t, { clock, idleTimeoutMs: 10_000 });
  const sock = net.connect({ host: HOST, port: server.port });
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  sock.on('error', () => {});
  await new Promise<void>((r) => sock.once('connect', () => r()));
  await waitFor(() => server.counters.connectionsOpen === 1); // the server has accepted it
  clock.advance(9_000);
  await new Promise((r) => setTimeout(r, 50)); // room for a wrongful close to show: this asserts an absence
  t.equal(server.counters.connectionsOpen, 1, 'open at 9 s');
  clock.advance(2_000);
  await closed;
  t.equal(server.counters.drops.get('idle timeout'), 1);
});
