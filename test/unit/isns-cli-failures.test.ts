// Issue 17: `bmcfleet isns register|list|deregister` must not report success when the server dropped the
// connection (they used to exit 0 with no output, the request still pending). Each must exit 1 with a message
// naming the server and what happened: against a server that closes every connection at once, one that closes
// it when the request comes, and ours when the client's address holds all the connections it may.
import t, { type Test } from 'tap';
import net from 'node:net';
import { runIsns as run } from '../helpers/isns-cli.js';
import { IsnsServer } from '../../emulator/isns/server.js';

async function dropper(t: Test, port: number, when: 'accept' | 'request'): Promise<string> {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    if (when === 'accept') s.destroy();
    else s.once('data', () => s.destroy());
  });
  await new Promise<void>((r) => server.listen(port, '127.25.17.61', () => r()));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return `127.25.17.61:${port}`;
}

const LOST = /^bmcfleet isns \w+: the connection to the iSNS server at 127\.25\.17\.6\d:\d+ (was closed by the server|failed \(.+\)) before it answered \w+\n$/;

t.test('a server that closes every connection at once', async (t) => {
  const server = await dropper(t, 17451, 'accept');
  for (const args of [['list'], ['register', '--name', 'iqn.cli:x'], ['deregister', '--name', 'iqn.cli:x']]) {
    const r = await run(...args, '--server', server);
    t.equal(r.code, 1, `${args[0]}: exit 1`);
    t.equal(r.out, '', 'nothing on stdout');
    t.match(r.err, LOST, `${args[0]}: says what happened, and where`);
  }
});

t.test('a server that closes the connection when the request comes', async (t) => {
  const server = await dropper(t, 17452, 'request');
  let r = await run('register', '--server', server, '--name', 'iqn.cli:y', '--json');
  t.equal(r.code, 1);
  t.match(r.err, /127\.25\.17\.61:17452 .* before it answered DevAttrReg/);
  r = await run('deregister', '--server', server, '--name', 'iqn.cli:y');
  t.equal(r.code, 1);
  t.match(r.err, /before it answered DevDereg/);
  r = await run('list', '--server', server);
  t.equal(r.code, 1);
  t.match(r.err, /before it answered DevGetNext/);
});

t.test('our server, when the address already holds every connection it may', async (t) => {
  const server = new IsnsServer({ host: '127.25.17.62', port: 17453, maxConnectionsPerSource: 1 });
  await server.start();
  t.teardown(() => server.stop());
  const holder = net.connect({ host: '127.25.17.62', port: 17453, localAddress: '127.0.0.1' });
  t.teardown(() => holder.destroy());
  await new Promise<void>((r) => holder.once('connect', () => r()));
  const r = await run('list', '--server', '127.25.17.62:17453');
  t.equal(r.code, 1);
  t.match(r.err, LOST);
  t.equal(server.counters.drops.get('connections per source'), 1, 'it was the per-source cap');
});

t.test('no server at all: exit 1, naming it', async (t) => {
  const r = await run('list', '--server', '127.25.17.63:17454');
  t.equal(r.code, 1);
  t.match(r.err, /^bmcfleet isns list: cannot reach the iSNS server at 127\.25\.17\.63:17454: connect ECONNREFUSED/);
});
