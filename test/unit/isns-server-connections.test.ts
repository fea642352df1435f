// Issue 17, "idle connections lock everyone out": one source may hold only so many connections, and a
// connection that completes no message for the idle timeout is closed even if it dribbles bytes of a message
// it never finishes. Meanwhile a legitimate client from another address gets in and is served. Real sockets on
// 127.25.17.x; the idle timeout on a fake clock (the bytes are real, so each one is followed by a round trip
// of the legitimate client before time moves).
import t from 'tap';
import net from 'node:net';
import { IsnsServer } from '../../emulator/isns/server.js';
import { IsnsClient } from '../../clients/isns/isns-client.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { NodeType, Tag } from '../../protocols/isns/attributes.js';
import { FunctionId } from '../../protocols/isns/functions.js';
import { attr } from '../../protocols/isns/tlv.js';

const HOST = '127.25.17.1';

/** Waits (real time, bounded only against a hang) until `pred` holds: accepts cross real sockets. */
async function waitFor(pred: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
}

function open(port: number, localAddress: string): Promise<net.Socket> {
  return new Promise((resolve) => {
    const s = net.connect({ host: HOST, port, localAddress });
    s.on('error', () => {});
    s.once('connect', () => resolve(s));
  });
}

t.test('one source holds at most maxConnectionsPerSource connections; another source still gets in', async (t) => {
  const server = new IsnsServer({ host: HOST, port: 17411, maxConnections: 8, maxConnectionsPerSource: 4 });
  await server.start();
  t.teardown(() => server.stop());
  const attack = await Promise.all(Array.from({ length: 8 }, () => open(17411, '127.25.17.12')));
  t.teardown(() => { for (const s of attack) s.destroy(); });
  await waitFor(() => server.counters.connectionsAccepted + server.counters.connectionsRefused === 8);
  t.equal(server.counters.connectionsOpen, 4, 'four held');
  t.equal(server.counters.connectionsRefused, 4, 'four closed at once');
  t.equal(server.counters.drops.get('connections per source'), 4);

  const legit = await IsnsClient.connect({ host: HOST, port: 17411, source: 'iqn.conn:legit', localAddress: '127.25.17.13' });
  t.teardown(() => legit.close());
  const r = await legit.register({ nodes: [{ name: 'iqn.conn:legit', type: NodeType.TARGET }] });
  t.match(r.eid, /^isns\.entity\./, 'served while the attacker holds its connections');
});

t.test('a connection dribbling bytes of a message it never finishes is closed after the idle timeout', async (t) => {
  const clock = new ManualClock(0);
  const server = new IsnsServer({ host: HOST, port: 17412, clock, idleTimeoutMs: 10_000 });
  await server.start();
  t.teardown(() => server.stop());
  const legit = await IsnsClient.connect({ host: HOST, port: 17412, source: 'iqn.conn:legit2', localAddress: '127.25.17.15' });
  t.teardown(() => legit.close());
  const roundTrip = async () => {
    const r = await legit.request(FunctionId.DEV_ATTR_QRY, [attr(Tag.ISCSI_NAME, 'iqn.conn:nobody')], [attr(Tag.ISCSI_NAME)]);
    t.equal(r.status, 0, `legitimate query answered at ${clock.now()} ms`);
  };
  const slow = await open(17412, '127.25.17.14');
  const closed = new Promise<void>((r) => slow.once('close', () => r()));
  await waitFor(() => server.counters.connectionsOpen === 2);
  // a header's worth of bytes, one at a time, 4 s apart: the message never completes
  const header = Buffer.from('000100020000000000010000', 'hex');
  for (let i = 0; i < 3; i++) {
    slow.write(header.subarray(i, i + 1));
    await roundTrip(); // the byte was written first, on loopback: the server has read it by the time this is answered
    clock.advance(4000);
  }
  // 12 s after the last whole message (none: the accept), though the last byte came 4 s ago
  await closed;
  t.equal(server.counters.drops.get('idle timeout'), 1, 'closed as idle');
  await roundTrip();
  t.equal(server.counters.connectionsOpen, 1, 'the legitimate connection, which completes messages, stays');
});
