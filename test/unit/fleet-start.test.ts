// Fleet.start and stop: the parts start in order (shards, iSNS server and targets, control API) and a part that
// fails stops the ones started before it, last first, with an error naming the part. Real sockets on loopback.
import t from 'tap';
import { createServer, type Server } from 'node:net';
import { createSocket } from 'node:dgram';
import { fleetConfig } from '../../emulator/fleet/fleet-config.js';
import { Fleet } from '../../emulator/fleet/fleet.js';
import { StartedParts } from '../../emulator/fleet/started-parts.js';
import { ManualClock } from '../../runtime/manual-clock.js';

const ISNS = { host: '127.62.4.1', port: 18665 };
const CONTROL = { host: '127.62.4.2', port: 18666 };
const BMC = { host: '127.62.4.10', port: 18667 };

function fleetWith(extra: Record<string, unknown> = {}) {
  return fleetConfig({
    ipmiPort: BMC.port, control: `${CONTROL.host}:${CONTROL.port}`, racks: [{ bmcs: 1, firstIp: BMC.host }],
    isns: { listen: `${ISNS.host}:${ISNS.port}` }, targets: [{ name: 'vol', firstIp: '127.62.4.20', luns: [{ lun: 0, sizeGB: 1 }] }], ...extra,
  });
}

function listenTcp(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

const closeTcp = (s: Server) => new Promise<void>((r) => s.close(() => r()));

/** True when host:port can be bound over UDP (nothing holds it). */
async function udpFree(host: string, port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    socket.once('error', () => { socket.close(); resolve(false); });
    socket.bind(port, host, () => socket.close(() => resolve(true)));
  });
}

/** True when host:port can be listened on over TCP. */
async function tcpFree(host: string, port: number): Promise<boolean> {
  try {
    await closeTcp(await listenTcp(host, port));
    return true;
  } catch {
    return false;
  }
}

t.test('StartedParts: a failing part stops the started ones last first and names itself; stopAll stops in reverse', async (t) => {
  const log: string[] = [];
  const part = (name: string) => ({ start: async () => { log.push(`start ${name}`); return name; }, stop: async (p: string) => { log.push(`stop ${p}`); } });
  const parts = new StartedParts();
  for (const name of ['shards', 'isns']) await parts.start(null, part(name).start, part(name).stop);
  const failing = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
  await t.rejects(parts.start('cannot start the control API on 127.0.0.1:1', async () => { throw failing; }, async () => {}),
    { message: 'cannot start the control API on 127.0.0.1:1: EADDRINUSE' });
  t.same(log, ['start shards', 'start isns', 'stop isns', 'stop shards']);
  await parts.stopAll();
  t.equal(log.length, 4, 'nothing is stopped twice');

  const again = new StartedParts();
  for (const name of ['a', 'b', 'c']) await again.start(null, part(name).start, part(name).stop);
  log.length = 0;
  await again.stopAll();
  t.same(log, ['stop c', 'stop b', 'stop a']);
  const plain = new Error('cannot bind 127.0.0.1:623: EACCES');
  await t.rejects(new StartedParts().start(null, async () => { throw plain; }, async () => {}), plain, 'no prefix: the error as it is');
});

t.test('a fleet starts every part, answers through its control API and stops them all', async (t) => {
  const fleet = await Fleet.start(fleetWith(), new ManualClock(Date.now()));
  t.equal(fleet.control?.url, `http://${CONTROL.host}:${CONTROL.port}`);
  t.same(fleet.targets?.list().map((x) => x.iqn), ['iqn.2026-11.org.bmcfleet:vol']);
  t.equal((await fetch(`${fleet.control!.url}/bmcs/${BMC.host}`)).status, 200);
  await fleet.stop();
  t.ok(await udpFree(BMC.host, BMC.port), 'the BMC socket is closed');
  t.ok(await tcpFree(ISNS.host, ISNS.port), 'the iSNS server is closed');
  t.ok(await tcpFree(CONTROL.host, CONTROL.port), 'the control API is closed');
});

t.test('the control API cannot start: the iSNS server and the shards are stopped, the error names the control API', async (t) => {
  const taken = await listenTcp(CONTROL.host, CONTROL.port);
  t.teardown(() => closeTcp(taken));
  await t.rejects(Fleet.start(fleetWith(), new ManualClock(Date.now())), { message: `cannot start the control API on ${CONTROL.host}:${CONTROL.port}: EADDRINUSE` });
  t.ok(await tcpFree(ISNS.host, ISNS.port), 'the iSNS server was stopped');
  t.ok(await udpFree(BMC.host, BMC.port), 'the shards were stopped');
});

t.test('the iSNS server cannot start: the shards are stopped, the error names the iSNS server', async (t) => {
  const taken = await listenTcp(ISNS.host, ISNS.port);
  t.teardown(() => closeTcp(taken));
  await t.rejects(Fleet.start(fleetWith(), new ManualClock(Date.now())), { message: `cannot start the fleet's iSNS server on ${ISNS.host}:${ISNS.port}: EADDRINUSE` });
  t.ok(await udpFree(BMC.host, BMC.port), 'the shards were stopped');
  t.ok(await tcpFree(CONTROL.host, CONTROL.port), 'the control API never started');
});

t.test('a shard cannot bind: its error as it is, nothing else started', async (t) => {
  const taken = createSocket('udp4');
  await new Promise<void>((r) => taken.bind(BMC.port, BMC.host, () => r()));
  t.teardown(() => taken.close());
  await t.rejects(Fleet.start(fleetWith(), new ManualClock(Date.now())), { message: new RegExp(`^cannot bind ${BMC.host.replace(/\./g, '\\.')}:${BMC.port}: EADDRINUSE`) });
  t.ok(await tcpFree(ISNS.host, ISNS.port), 'the iSNS server never started');
  t.ok(await tcpFree(CONTROL.host, CONTROL.port), 'the control API never started');
});
