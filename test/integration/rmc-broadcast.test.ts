// Rack controllers over real UDP on loopback: a fleet of four racks with an RMC each, over two shards. A test
// "manager" broadcasts a signed Prepare to 127.255.255.255 at the rollout port and gets one Prepare Reply per RMC,
// each from that RMC's own address and no sooner than its octet-sum delay; an unsigned Prepare gets no reply and
// every RMC counts it; a Poll sent to one RMC's address is answered by that RMC alone, at once.
import t from 'tap';
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { fleetConfig } from '../../emulator/fleet/fleet-config.js';
import { Fleet } from '../../emulator/fleet/fleet.js';
import { signMessage } from '../../protocols/rollout/auth.js';
import { ALL_RMCS, MessageType } from '../../protocols/rollout/header.js';
import { generateManagerKey } from '../../protocols/rollout/keys.js';
import { decodeMessage, encodeMessage, type DecodedMessage, type RolloutMessage } from '../../protocols/rollout/message.js';
import { ReplyScheme, type Prepare } from '../../protocols/rollout/prepare.js';
import { octetSumDelayUs } from '../../protocols/rollout/reply-delay.js';
import { freeUdpPort } from '../helpers/free-port.js';

const RMC_IPS = ['127.63.9.1', '127.63.9.2', '127.63.9.3', '127.63.9.4'];
const BROADCAST = '127.255.255.255';

interface Arrival { m: DecodedMessage; from: string; atMs: number }

/** The manager's socket: broadcasts allowed, every datagram it gets recorded with its arrival time. */
async function managerSocket(): Promise<{ socket: Socket; arrivals: Arrival[] }> {
  const socket = createSocket('udp4');
  const arrivals: Arrival[] = [];
  socket.on('message', (msg, rinfo) => arrivals.push({ m: decodeMessage(msg), from: rinfo.address, atMs: performance.now() }));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  socket.setBroadcast(true);
  return { socket, arrivals };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('a signed broadcast Prepare: one reply per RMC, from its own address, after its delay; unsigned: none, counted', async (t) => {
  const key = generateManagerKey();
  const [port, ipmiPort] = [await freeUdpPort(), await freeUdpPort()];
  const config = fleetConfig({
    ipmiPort, shards: 2, control: '127.0.0.1:0',
    rollout: { port, managerKey: key.rawPublicKey.toString('base64') },
    racks: RMC_IPS.map((ip, i) => ({ name: `rack-${i + 1}`, bmcs: 2, firstIp: `127.63.${i + 1}.1`, rmc: { ip, id: i + 1 } })),
  });
  const fleet = await Fleet.start(config);
  t.teardown(() => fleet.stop());
  const { socket, arrivals } = await managerSocket();
  t.teardown(() => socket.close());
  const api = async (path: string) => (await fetch(`${fleet.control!.url}${path}`)).json() as Promise<any>;

  const body: Prepare = {
    nonce: new Uint8Array(16).fill(9), imageSize: 4096, imageSha256: new Uint8Array(32).fill(1), manufacturerId: 32473, productId: 1, flashTimeMs: Date.now() + 3_600_000,
    reply: { scheme: ReplyScheme.OCTET_SUM }, targets: [{ firstRmcId: 1, count: 4 }],
  };
  const prepare: RolloutMessage = { type: MessageType.PREPARE, rolloutId: 1, rmcId: ALL_RMCS, sequence: 1, body };
  const sentAt = performance.now();
  socket.send(signMessage(prepare, key.signing, Date.now()), port, BROADCAST);
  for (let waited = 0; arrivals.length < 4 && waited < 3000; waited += 20) await sleep(20);
  await sleep(200); // any duplicate would come now

  t.equal(arrivals.length, 4, 'one reply per RMC');
  t.same(arrivals.map((a) => a.from).sort(), RMC_IPS, 'each from its RMC\'s own address');
  for (const a of arrivals) {
    const delayUs = octetSumDelayUs(a.from);
    t.match(a.m, { type: MessageType.PREPARE_REPLY, rolloutId: 1, rmcId: RMC_IPS.indexOf(a.from) + 1, body: { address: a.from, bmcCount: 2, replyDelayUs: delayUs } });
    // 127 + 63 + 9 + n ms; a timer never fires early, and the send time was taken before the broadcast left
    t.ok(a.atMs - sentAt >= delayUs / 1000 - 1, `${a.from} answered after ${(a.atMs - sentAt).toFixed(1)} ms, its delay ${delayUs / 1000} ms`);
  }

  arrivals.length = 0;
  socket.send(encodeMessage({ ...prepare, rolloutId: 2, body: { ...body, reply: { scheme: ReplyScheme.IMMEDIATE } } }), port, BROADCAST);
  await sleep(400);
  t.equal(arrivals.length, 0, 'an unsigned Prepare gets no reply');
  for (const ip of RMC_IPS) {
    const rmc = await api(`/rmcs/${ip}`);
    t.match(rmc, { ip, accepted: 1, rejected: 1, repliesSent: 1, rollout: { id: 1, phase: 'prepared' }, rejectedBy: { unsigned: 1 }, counters: { messagesIn: 2, prepares: 1 } });
  }

  const poll: RolloutMessage = { type: MessageType.POLL, rolloutId: 1, rmcId: 3, sequence: 2, body: { attempt: 1, ...body } };
  const pollAt = performance.now();
  socket.send(signMessage(poll, key.signing, Date.now()), port, RMC_IPS[2]);
  for (let waited = 0; arrivals.length < 1 && waited < 3000; waited += 5) await sleep(5);
  await sleep(100);
  t.equal(arrivals.length, 1, 'a Poll to one RMC\'s address: one reply');
  t.match(arrivals[0], { from: RMC_IPS[2], m: { rmcId: 3, body: { replyDelayUs: 0 } } });
  t.ok(arrivals[0].atMs - pollAt < 100, 'at once');

  const all = await api('/rmcs');
  t.same(all.rmcs.map((r: any) => r.ip), RMC_IPS, 'GET /rmcs: every RMC, in fleet order');
  t.same(all.rmcs.map((r: any) => r.shard), [0, 0, 1, 1], 'each in the shard running its rack');
  t.same(all.listeners.map((l: any) => l.datagramsIn), [2, 2], 'each shard\'s listener heard both broadcasts, not the Poll');
  t.equal((await api('/rmcs/127.63.9.9')).error, 'no RMC at 127.63.9.9');
});
