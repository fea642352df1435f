// Node kinds: a kind added in one file (test/helpers/echo-node.ts, a UDP and TCP echo on every BMC's address) is
// started by the shard from its declaration, its TCP connections reach it through the fleet's one listener per
// port, and the control API routes to it; the BMCs keep serving beside it. Real sockets on loopback.
import t from 'tap';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { fleetConfig } from '../../emulator/fleet/fleet-config.js';
import { Fleet } from '../../emulator/fleet/fleet.js';
import { bmcKind } from '../../emulator/fleet/nodes/bmc.js';
import { NODE_KINDS } from '../../emulator/fleet/nodes/index.js';
import { Shard } from '../../emulator/fleet/shard.js';
import { TcpPorts } from '../../emulator/fleet/tcp-ports.js';
import { systemClock } from '../../runtime/clock.js';
import { decodeAsf, encodePresencePing } from '../../protocols/rmcp/asf.js';
import { echoKind } from '../helpers/echo-node.js';

const ECHO_SHARD_MAIN = fileURLToPath(new URL('../helpers/echo-shard-main.js', import.meta.url));

/** Sends `data` to host:port over UDP; the answer, or null after `ms`. */
async function udpExchange(host: string, port: number, data: Buffer, ms = 2000): Promise<Buffer | null> {
  const socket = createSocket('udp4');
  try {
    return await new Promise<Buffer | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), ms);
      socket.on('message', (msg) => { clearTimeout(timer); resolve(msg); });
      socket.send(data, port, host);
    });
  } finally {
    socket.close();
  }
}

/** Writes `text` to host:port over TCP and half-closes; everything read until the peer closes. */
function tcpExchange(host: string, port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host, () => socket.end(text));
    let got = '';
    socket.on('data', (d) => { got += d.toString(); });
    socket.on('close', () => resolve(got));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? resolve(got) : reject(err)));
  });
}

t.test('a shard starts every kind from its declaration: UDP sockets bound, TCP connections routed by local address', async (t) => {
  const config = fleetConfig({ ipmiPort: 18640, racks: [{ bmcs: 3, firstIp: '127.62.1.1' }] });
  const shard = new Shard(config, 0, 0, 3, [bmcKind, echoKind]);
  await shard.bind();
  const tcp = await TcpPorts.listen([18642], (port, socket) => shard.accept(port, socket));
  t.teardown(async () => {
    await tcp.close();
    await shard.close();
  });

  t.same(shard.nodesOf(echoKind).nodes.map((n) => n.ip), ['127.62.1.1', '127.62.1.2', '127.62.1.3']);
  t.same(await udpExchange('127.62.1.2', 18641, Buffer.from('ping 1')), Buffer.from('ping 1'), 'the UDP echo answers on its own address');
  const pong = await udpExchange('127.62.1.2', 18640, encodePresencePing(0xff, 7));
  t.equal(pong && decodeAsf(pong).messageTag, 7, 'the BMC on the same address still answers its ping');
  t.equal(await tcpExchange('127.62.1.3', 18642, 'hello'), 'hello', 'a TCP connection reaches the node at its local address');
  t.equal(await tcpExchange('127.62.1.200', 18642, 'hello'), '', 'a connection to an address without a node is closed');
  t.same(shard.run('echo', { op: 'count', ip: '127.62.1.3' }), { ip: '127.62.1.3', shard: 0, datagrams: 0, connections: 1 });
  t.same(shard.run('echo', { op: 'count', ip: '127.62.1.2' }), { ip: '127.62.1.2', shard: 0, datagrams: 1, connections: 0 });
  t.throws(() => shard.run('rack', {}), { status: 404, message: 'this fleet runs no rack nodes' }, 'a kind the fleet does not run');
});

t.test('Fleet.start with the kind added: forked shards serve it, the supervisor hands TCP connections to the right shard, the control API routes to it', async (t) => {
  const config = fleetConfig({ ipmiPort: 18650, shards: 2, control: '127.0.0.1:0', racks: [{ bmcs: 4, firstIp: '127.62.2.1' }] });
  const fleet = await Fleet.start(config, systemClock, { kinds: [...NODE_KINDS, echoKind], shardMain: ECHO_SHARD_MAIN });
  let stopped = false;
  t.teardown(() => (stopped ? undefined : fleet.stop()));
  const api = async (path: string) => {
    const res = await fetch(`${fleet.control!.url}${path}`);
    return { status: res.status, json: await res.json() as any };
  };

  const ips = ['127.62.2.1', '127.62.2.2', '127.62.2.3', '127.62.2.4'];
  for (const ip of ips) {
    t.same(await udpExchange(ip, 18651, Buffer.from(ip)), Buffer.from(ip), `UDP echo on ${ip}`);
    t.equal(await tcpExchange(ip, 18652, `to ${ip}`), `to ${ip}`, `TCP echo on ${ip}`);
  }
  t.same((await api('/echoes/127.62.2.1')).json, { ip: '127.62.2.1', shard: 0, datagrams: 1, connections: 1 });
  t.same((await api('/echoes/127.62.2.4')).json, { ip: '127.62.2.4', shard: 1, datagrams: 1, connections: 1 }, 'the other shard\'s node');
  t.same(await api('/echoes/127.62.9.9'), { status: 404, json: { error: 'no echo node at 127.62.9.9' } });
  t.equal(await tcpExchange('127.62.9.9', 18652, 'anyone?'), '', 'the listener closes a connection no node serves');
  t.equal((await api('/bmcs/127.62.2.4')).json.ip, '127.62.2.4', 'the BMC routes still answer');
  t.same((await api('/shards')).json.map((s: { from: number; to: number }) => [s.from, s.to]), [[0, 2], [2, 4]]);

  await fleet.stop();
  stopped = true;
  const free = await TcpPorts.listen([18652], (_port, socket) => socket.destroy());
  await free.close();
  t.pass('the TCP port is free once the fleet stopped');
  t.equal(await udpExchange('127.62.2.1', 18651, Buffer.from('x'), 300), null, 'the UDP echo is gone');
});
