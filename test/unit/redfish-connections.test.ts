// The Redfish service's connections (runtime/http/connection-table.ts, redfish-service.ts): bounded per BMC (as
// bmcweb bounds its own, 200), per source and in a fleet process, with the connection idle longest making room when
// the process's table is full; a kept-alive connection waiting for its next request lives as long as bmcweb keeps one
// (15 minutes), not Node's 5 s; and a BMC removed and added again at its address gets new Redfish state.
import t, { type Test } from 'tap';
import { request, Agent } from 'node:http';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { Privilege } from '../../protocols/ipmi/users.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { EmulatedBmc } from '../../emulator/bmc/emulated-bmc.js';
import { ConnectionTable } from '../../runtime/http/connection-table.js';
import { KEEP_ALIVE_IDLE_MS, MAX_CONNECTIONS_PER_BMC, RedfishService, type RedfishServiceOptions } from '../../emulator/redfish/redfish-service.js';
import type { RedfishConfig } from '../../emulator/fleet/schema/redfish.js';

const BMC_IP = '127.9.0.1';
const CONFIG: RedfishConfig = {
  port: 443, tls: false, maxSessions: 4, sessionTimeoutSeconds: 60, lockoutThreshold: 3, lockoutSeconds: 30,
  maxBodyKiB: 64, maxConnections: 16, maxConnectionsPerSource: 16,
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('the table: per BMC, per source, in all; when full the longest idle makes room, else the oldest not yet requested', async (t) => {
  const table = new ConnectionTable<string>({ maxConnections: 4, maxPerSource: 3, maxPerBmc: 2 });
  t.same(table.admit('a1', 'A', 's1'), { admitted: true, evicted: null });
  t.same(table.admit('a2', 'A', 's1'), { admitted: true, evicted: null });
  t.same(table.admit('a3', 'A', 's2'), { admitted: false, reason: 'bmc' }, 'a third connection to one BMC is refused');
  t.same(table.admit('b1', 'B', 's1'), { admitted: true, evicted: null });
  t.same(table.admit('b2', 'B', 's1'), { admitted: false, reason: 'source' }, 'a fourth from one source is refused');
  t.same(table.admit('b2', 'B', 's2'), { admitted: true, evicted: null });
  t.equal(table.size, 4);
  for (const c of ['a1', 'a2', 'b1', 'b2']) table.requested(c);
  t.same(table.admit('c1', 'C', 's3'), { admitted: false, reason: 'full' }, 'every connection busy with a request: refused');
  table.answered('b1');
  table.answered('a2');
  table.requested('b1'); // b1 asks again: busy, a2 is the only idle one
  t.same(table.admit('c1', 'C', 's3'), { admitted: true, evicted: 'a2' }, 'the idle one makes room');
  table.closed('a2'); // its close comes later: nothing counted twice
  t.equal(table.size, 4);
  t.same(table.admit('c2', 'C', 's3'), { admitted: true, evicted: 'c1' }, 'none idle: the oldest that has not sent a request');
  table.answered('a1');
  table.answered('b2');
  t.same(table.admit('d1', 'D', 's4'), { admitted: true, evicted: 'a1' }, 'of two idle ones, the one idle longer');
  for (const c of ['a1', 'b1', 'b2', 'c1', 'c2', 'd1', 'unknown']) table.closed(c);
  t.same(table.held, { open: 0, fresh: 0, idle: 0, bmcs: 0, sources: 0 }, 'nothing is left once every connection closed');
});

function bmcAt(ip: string, clock: ManualClock): EmulatedBmc {
  return new EmulatedBmc({ ip, clock, now: clock.now(), users: [{ name: 'admin', password: 'password', privilege: Privilege.ADMINISTRATOR }] });
}

/** A plain-HTTP Redfish service fed the connections of a loopback listener, each as one made to BMC_IP. */
async function serve(t: Test, o: Partial<RedfishServiceOptions> = {}, bmcs = new Map<string, EmulatedBmc>()) {
  const clock = new ManualClock(1_000_000);
  if (!bmcs.has(BMC_IP)) bmcs.set(BMC_IP, bmcAt(BMC_IP, clock));
  const service = new RedfishService({
    config: CONFIG, ca: null, clock, targets: { bmc: (ip) => bmcs.get(ip), media: () => null, changed: () => {} }, ...o,
  });
  let accepted = 0;
  const listener: Server = createServer({ pauseOnConnect: true }, (socket) => {
    accepted++;
    service.accept(BMC_IP, socket);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => {
    agent.destroy();
    service.close();
    listener.close();
  });
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET', body?: string) =>
    new Promise<{ status: number; reused: boolean; json: any }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, agent, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket, json: text ? JSON.parse(text) : null });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  return { clock, port, get, accepted: () => accepted, bmcs };
}

/** A raw TCP connection to the service: resolves once connected, `closed` once the server closed it. */
function rawConnection(port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('error', () => { /* a refused connection may be reset */ });
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

/** One GET of the service root on a raw connection: resolves with the answer's status once its whole body is in. */
function getRoot(socket: Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: (\d+)\r\n/i.exec(text);
      if (end < 0 || !length || text.length < end + 4 + Number(length[1])) return;
      socket.off('data', onData);
      resolve(Number(text.slice(9, 12)));
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('closed before the answer')));
    socket.write('GET /redfish/v1/ HTTP/1.1\r\nHost: 127.9.0.1\r\n\r\n');
  });
}

t.test("a kept-alive connection lives past Node's 5 s; closed once idle as long as the service keeps one", async (t) => {
  t.equal(KEEP_ALIVE_IDLE_MS, 15 * 60_000, "bmcweb's keep-alive idle time");
  const real = await serve(t);
  const kept = await rawConnection(real.port);
  t.equal(await getRoot(kept.socket), 200);
  await sleep(5_500);
  t.equal(await getRoot(kept.socket), 200, 'the same connection answers after 5.5 s idle');
  t.equal(real.accepted(), 1);
  kept.socket.destroy();

  const short = await serve(t, { keepAliveIdleMs: 300 });
  const conn = await rawConnection(short.port);
  t.equal(await getRoot(conn.socket), 200);
  await sleep(100);
  t.equal(await getRoot(conn.socket), 200, 'within the idle time: the same connection answers again');
  const idleFrom = performance.now();
  await conn.closed;
  const idleMs = performance.now() - idleFrom;
  t.ok(idleMs >= 250 && idleMs < 3000, `the server closed it once idle 300 ms (${Math.round(idleMs)} ms)`);
});

t.test('a BMC takes its share of connections; one more is closed at once, and admitted again once one ends', async (t) => {
  t.equal(MAX_CONNECTIONS_PER_BMC, 200, "bmcweb's bound");
  const { port, get } = await serve(t, { maxConnectionsPerBmc: 2 });
  const first = await rawConnection(port);
  const second = await rawConnection(port);
  const third = await rawConnection(port);
  await third.closed; // refused: closed without an answer
  t.pass('the third connection to the BMC was closed');
  first.socket.destroy();
  await first.closed;
  await sleep(50); // the server sees the close
  t.equal((await get('/redfish/v1/')).status, 200, 'a slot freed: a new connection is served');
  second.socket.destroy();
});

t.test("when the process's table is full, the connection idle longest makes room for a new one", async (t) => {
  const { port, get } = await serve(t, { config: { ...CONFIG, maxConnections: 2 } });
  t.equal((await get('/redfish/v1/')).status, 200); // the agent's connection: answered, now idle
  const waiting = await rawConnection(port); // connected, no request yet
  const next = await rawConnection(port);
  await sleep(50);
  t.notOk(waiting.socket.destroyed, 'the connection that has not sent a request yet stays: an idle one made room');
  const again = await get('/redfish/v1/');
  t.equal(again.status, 200);
  t.notOk(again.reused, "the agent's idle connection was closed; it reconnected");
  waiting.socket.destroy();
  next.socket.destroy();
});

t.test('a BMC removed and added again at its address gets new Redfish state, not the old BMC', async (t) => {
  const bmcs = new Map<string, EmulatedBmc>();
  const { get, clock } = await serve(t, {}, bmcs);
  const basic = { authorization: `Basic ${Buffer.from('admin:password').toString('base64')}` };
  t.equal((await get('/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', basic, 'POST', '{"ResetType": "ForceOff"}')).status, 204);
  t.equal((await get('/redfish/v1/Systems/1', basic)).json.PowerState, 'Off');
  bmcs.set(BMC_IP, bmcAt(BMC_IP, clock)); // the control API's DELETE /bmcs/IP, then POST /bmcs at the same address
  t.equal((await get('/redfish/v1/Systems/1', basic)).json.PowerState, 'On', "the new BMC's own power state");
});

t.test('a TLS context dropped from the cache (its memory freed at once) leaves the connections made with it working', async (t) => {
  const clock = new ManualClock(1_000_000);
  const bmcs = new Map<string, EmulatedBmc>();
  const service = new RedfishService({
    config: { ...CONFIG, tls: true, maxConnections: 200, maxConnectionsPerSource: 200 }, ca: null, clock,
    targets: { bmc: (ip) => bmcs.get(ip) ?? bmcs.set(ip, bmcAt(ip, clock)).get(ip), media: () => null, changed: () => {} },
  });
  let nextIp = '127.9.1.0';
  const listener: Server = createServer({ pauseOnConnect: true }, (socket) => service.accept(nextIp, socket));
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    service.close();
    listener.close();
  });
  const port = (listener.address() as AddressInfo).port;
  const open = (ip: string) => new Promise<TLSSocket>((resolve, reject) => {
    nextIp = ip;
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => resolve(socket));
    socket.once('error', reject);
  });
  const kept = await open('127.9.1.0');
  t.equal(await getRoot(kept), 200);
  for (let i = 1; i <= 70; i++) { // more BMCs than the cache holds: 127.9.1.0's context is dropped and closed
    const other = await open(`127.9.1.${i}`);
    t.equal(await getRoot(other), 200);
    other.destroy();
  }
  t.equal(await getRoot(kept), 200, 'the first connection still answers over its context');
  const again = await open('127.9.1.0');
  t.equal(await getRoot(again), 200, 'a new connection to that BMC gets a new context');
  t.match(again.getPeerX509Certificate()?.subjectAltName, /IP Address:127\.9\.1\.0/, "with the BMC's own certificate");
  kept.destroy();
  again.destroy();
});

t.test('over TLS: a connection whose handshake is not done in 30 s (on the service clock) is closed; one that is done is not', async (t) => {
  const { clock, port } = await serve(t, { config: { ...CONFIG, tls: true } });
  const silent = await rawConnection(port); // connects and never sends a ClientHello
  let silentClosed = false;
  void silent.closed.then(() => { silentClosed = true; });
  const secure = await new Promise<TLSSocket>((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => resolve(socket));
    socket.on('error', () => {});
  });
  clock.advance(29_999);
  await sleep(100);
  t.notOk(silentClosed, 'still open just before the bound');
  clock.advance(1);
  // the service's own bound closes it as its clock reaches 30 s: not Node's headers check, 10 s of real time later
  const closedSoon = await Promise.race([silent.closed.then(() => true), sleep(2_000).then(() => false)]);
  t.ok(closedSoon, 'closed at 30 s without a handshake');
  t.notOk(secure.destroyed, 'the connection whose handshake was done stays open');
  secure.destroy();
});
