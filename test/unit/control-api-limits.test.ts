// Slow and idle clients cannot lock the control API out: one source address holds at most its share of connections
// (the rest are closed at once), and a connection that sends nothing, or its headers too slowly, is closed. A client
// from another address gets its answer while the attack runs. Real TCP on loopback, over a stub fleet.
import t from 'tap';
import { connect, type Socket } from 'node:net';
import { DEFAULT_CONNECTION_LIMITS } from '../../emulator/fleet/control/connection-limits.js';
import { rawRequest, startStubApi } from '../helpers/control-stub.js';

const HOST = '127.71.1.1';
const ATTACKER = '127.71.1.66';
const CLIENT = '127.71.1.7';

/** Until `done()` or `ms` pass: a bound against hanging, not a timing assertion. */
async function until(done: () => boolean, ms = 10_000): Promise<void> {
  for (let waited = 0; !done() && waited < ms; waited += 20) await new Promise((r) => setTimeout(r, 20));
}

/** A connection from `localAddress` that sends nothing; `closed` turns true when the server closes it. */
function idleSocket(port: number, localAddress: string): { socket: Socket; closed: boolean } {
  const s = { socket: connect({ host: HOST, port, localAddress }), closed: false };
  s.socket.on('error', () => {});
  // Reads (and drops) what the server sends: a socket left paused with a 408 unread never sees the FIN, so never 'close'.
  s.socket.resume();
  s.socket.on('close', () => { s.closed = true; });
  return s;
}

t.test('64 idle connections from one address: its share stays open, the rest are closed, another client gets through', async (t) => {
  const { api, port } = await startStubApi(HOST);
  const attack = Array.from({ length: 64 }, () => idleSocket(port, ATTACKER));
  t.teardown(async () => {
    for (const a of attack) a.socket.destroy();
    await api.close();
  });
  const share = DEFAULT_CONNECTION_LIMITS.maxConnectionsPerSource;
  await until(() => attack.filter((a) => a.closed).length >= 64 - share);
  t.equal(attack.filter((a) => !a.closed).length, share, `the server keeps ${share} of the attacker's connections`);
  const answer = await rawRequest(HOST, port, 'GET', '/shards', {}, undefined, CLIENT);
  t.equal(answer.status, 200, 'a client from another address is answered while the attack holds its connections');
  t.equal(attack.filter((a) => !a.closed).length, share, 'the attack still holds them');
  const more = idleSocket(port, ATTACKER);
  await until(() => more.closed);
  t.ok(more.closed, 'one more from the attacker is closed at once');
});

t.test('slow connections from many addresses fill the table: the oldest that sent no whole request makes room for a client', async (t) => {
  const { api, port } = await startStubApi(HOST);
  const { maxConnections, maxConnectionsPerSource } = DEFAULT_CONNECTION_LIMITS;
  const addresses = Math.ceil(maxConnections / maxConnectionsPerSource);
  const attack = Array.from({ length: addresses * maxConnectionsPerSource }, (_, i) => idleSocket(port, `127.71.2.${1 + (i % addresses)}`));
  for (const a of attack) a.socket.write('GET /shards HTTP/1.1\r\nHost: 127.71.1.1\r\n'); // headers never finished
  t.teardown(async () => {
    for (const a of attack) a.socket.destroy();
    await api.close();
  });
  await until(() => attack.every((a) => a.socket.readyState === 'open' || a.closed));
  const answer = await rawRequest(HOST, port, 'GET', '/shards', {}, undefined, CLIENT);
  t.equal(answer.status, 200, 'a client from a fresh address is answered although slow connections filled the table');
  t.ok(attack.some((a) => a.closed), 'the oldest slow connection was closed to make room');
  t.ok(attack.filter((a) => !a.closed).length < maxConnections, 'the table stays within its bound');
});

t.test('an idle connection, and one that sends its headers a byte at a time, are closed after their timeouts', async (t) => {
  const { api, port } = await startStubApi(HOST, { limits: { headersTimeoutMs: 300, requestTimeoutMs: 300, idleTimeoutMs: 300 } });
  t.teardown(() => api.close());
  const idle = idleSocket(port, ATTACKER);
  const slow = idleSocket(port, ATTACKER);
  let got = '';
  slow.socket.on('data', (d) => { got += d.toString(); });
  const header = 'GET /shards HTTP/1.1\r\nHost: 127.71.1.1\r\nX-Padding: ' + 'x'.repeat(10_000);
  let sent = 0;
  const drip = setInterval(() => { if (!slow.closed && sent < header.length) slow.socket.write(header[sent++]); }, 20);
  t.teardown(() => clearInterval(drip));
  await until(() => idle.closed && slow.closed, 30_000); // a bound for a loaded CI machine, not a timing assertion
  t.ok(idle.closed, 'the idle connection is closed');
  t.ok(slow.closed, 'the slow one is closed');
  t.ok(sent < header.length, 'before its headers were all sent');
  t.match(got, /^HTTP\/1\.1 408/, 'the slow one is told 408 Request Timeout');
  t.equal((await rawRequest(HOST, port, 'GET', '/shards', {}, undefined, CLIENT)).status, 200, 'a normal client is answered');
});
