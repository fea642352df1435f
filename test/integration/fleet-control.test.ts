// A sharded fleet of a few hundred BMCs from one `bmcfleet emulate`, over real UDP and HTTP on loopback:
// every BMC answers ping and ipmitool; faults behave as set through the control API; a killed shard comes back.
import t from 'tap';
import { createSocket } from 'node:dgram';
import { startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { controlRequest } from '../helpers/control-request.js';
import { ipmitool } from '../helpers/ipmitool.js';
import { consecutiveAddresses } from '../../runtime/ipv4.js';
import { discoverBmcs } from '../../clients/ipmi/rmcp-discovery.js';
import { IpmiLanClient } from '../../clients/ipmi/ipmi-client.js';
import { IpmiTimeoutError } from '../../clients/ipmi/ipmi-errors.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { decodeAsf, encodePresencePing } from '../../protocols/rmcp/asf.js';

const PORT = 9624;
const COUNT = 300;
const ADDRESSES = consecutiveAddresses('127.24.0.1', COUNT);
let emulator: EmulatorProcess;
let control: string;

t.before(async () => {
  emulator = await startEmulator(['--bmcs', String(COUNT), '--first-ip', ADDRESSES[0], '--ipmi-port', String(PORT), '--shards', '2']);
  control = /control (http:\S+)/.exec(emulator.readyLine)![1];
});
t.teardown(() => emulator?.stop());

const api = (method: string, path: string, body?: unknown) => controlRequest(control, method, path, body);

/** A ping socket that records pongs (address, tag) in arrival order. */
async function pinger() {
  const socket = createSocket('udp4');
  const pongs: { address: string; tag: number }[] = [];
  socket.on('message', (msg, rinfo) => pongs.push({ address: rinfo.address, tag: decodeAsf(msg).messageTag }));
  await new Promise<void>((r) => socket.bind(0, r));
  return {
    pongs,
    ping: (address: string, tag: number) => socket.send(encodePresencePing(0xff, tag), PORT, address),
    /** Waits until `n` pongs are in or `ms` pass (a bound against hanging, not a timing assertion). */
    async await(n: number, ms: number) {
      for (let waited = 0; pongs.length < n && waited < ms; waited += 50) await new Promise((r) => setTimeout(r, 50));
    },
    close: () => socket.close(),
  };
}

t.test('the ready line reports every BMC and the shards', async (t) => {
  t.match(emulator.readyLine, new RegExp(`^ready: ${COUNT} BMCs on 127\\.24\\.0\\.1-${ADDRESSES[COUNT - 1].replace(/\./g, '\\.')} udp/${PORT} \\(2 shards\\)`));
  const shards = (await api('GET', '/shards')).json;
  t.same(shards.map((s: { from: number; to: number; state: string }) => [s.from, s.to, s.state]), [[0, 150, 'ready'], [150, 300, 'ready']]);
});

t.test('every BMC answers an ASF presence ping, saying it supports IPMI', async (t) => {
  const found = await discoverBmcs(ADDRESSES, { port: PORT, timeoutMs: 500 });
  t.equal(found.length, COUNT);
  t.ok(found.every((b) => b.ipmi), 'IPMI supported bit set in every pong');
});

t.test('every BMC answers ipmitool mc info (real ipmitool, suite 17)', async (t) => {
  const failures: string[] = [];
  const queue = [...ADDRESSES];
  await Promise.all(Array.from({ length: 6 }, async () => {
    for (let ip = queue.shift(); ip; ip = queue.shift()) {
      const r = await ipmitool({ host: ip, port: PORT }, ['mc', 'info']);
      if (r.code !== 0 || !/Device ID\s*:/.test(r.stdout)) failures.push(`${ip}: ${r.stderr.trim()}`);
    }
  }));
  t.same(failures, [], `all ${COUNT} BMCs answered`);
});

t.test('identity is distinct per BMC and stable across shards', async (t) => {
  const a = (await api('GET', `/bmcs/${ADDRESSES[0]}`)).json;
  const b = (await api('GET', `/bmcs/${ADDRESSES[COUNT - 1]}`)).json;
  t.not(a.guid, b.guid);
  t.not(a.mac, b.mac);
  t.equal(b.index, COUNT - 1);
  const list = (await api('GET', '/bmcs?offset=148&limit=4')).json;
  t.same(list.bmcs.map((x: { ip: string }) => x.ip), ADDRESSES.slice(148, 152), 'a listing across the shard boundary');
});

t.test('packet loss each way: the share of unanswered pings is within tolerance of the setting, and counted', async (t) => {
  const ip = ADDRESSES[10];
  t.equal((await api('PUT', `/bmcs/${ip}/faults`, { lossPercent: 30 })).status, 200);
  const p = await pinger();
  const SENT = 1000;
  for (let batch = 0; batch < SENT / 200; batch++) {
    const before = p.pongs.length;
    for (let i = 0; i < 200; i++) p.ping(ip, i);
    await p.await(before + 200, 400);
  }
  p.close();
  const answered = p.pongs.length;
  // 30% each way: a ping is answered with probability 0.7 x 0.7 = 0.49. Binomial(1000, 0.49): sd 15.8; 5 sd either side.
  t.ok(answered >= 411 && answered <= 569, `${answered} of ${SENT} answered with 30% loss each way`);
  const drops = (await api('GET', `/bmcs/${ip}`)).json.counters.drops;
  t.equal((drops['fault-lost'] ?? 0) + (drops['fault-lost-outgoing'] ?? 0), SENT - answered, 'every lost datagram was counted');
  await api('PUT', `/bmcs/${ip}/faults`, { lossPercent: 0 });
});

t.test('a busy stall delays answers but loses none, and keeps their order', async (t) => {
  const ip = ADDRESSES[200];
  t.equal((await api('POST', `/bmcs/${ip}/stall`, { ms: 1500 })).status, 200);
  const p = await pinger();
  for (let tag = 1; tag <= 20; tag++) p.ping(ip, tag);
  await new Promise((r) => setTimeout(r, 500));
  t.equal(p.pongs.length, 0, 'nothing answered while busy (the stall began before the API answered)');
  await p.await(20, 10_000);
  p.close();
  t.same(p.pongs.map((x) => x.tag), Array.from({ length: 20 }, (_, i) => i + 1), 'all 20 answered, in order');
});

t.test('a reboot drops every session; the BMC serves again afterwards', async (t) => {
  const ip = ADDRESSES[42];
  const client = await IpmiLanClient.connect({ host: ip, port: PORT, username: 'admin', password: 'password', timeoutMs: 300, retries: 1 });
  t.ok((await client.callRaw(NetFn.APP, 0x01)).length > 0, 'session works before');
  t.equal((await api('GET', `/bmcs/${ip}`)).json.sessions, 1);
  t.equal((await api('POST', `/bmcs/${ip}/reboot`, { ms: 1000 })).status, 200);
  t.equal((await api('GET', `/bmcs/${ip}`)).json.sessions, 0, 'sessions lost at once');
  await t.rejects(client.callRaw(NetFn.APP, 0x01), IpmiTimeoutError, 'silent while rebooting');
  const found = await discoverBmcs([ip], { port: PORT, timeoutMs: 300, retries: 20 });
  t.equal(found.length, 1, 'answers pings again after the reboot');
  await t.rejects(client.callRaw(NetFn.APP, 0x01), IpmiTimeoutError, 'the old session is gone for good');
  const fresh = await IpmiLanClient.connect({ host: ip, port: PORT, username: 'admin', password: 'password' });
  t.ok((await fresh.callRaw(NetFn.APP, 0x01)).length > 0, 'a new session works');
  await fresh.close();
  const drops = (await api('GET', `/bmcs/${ip}`)).json.counters.drops;
  t.ok(drops['fault-rebooting'] >= 1 && drops['unknown-session'] >= 1, `drops counted: ${JSON.stringify(drops)}`);
  await client.close();
});

t.test('power through the control API shows in ipmitool', async (t) => {
  const ip = ADDRESSES[7];
  t.same((await api('POST', `/bmcs/${ip}/power`, { action: 'off' })).json, { outcome: 'powered-off', power: 'off' });
  t.match((await ipmitool({ host: ip, port: PORT }, ['chassis', 'power', 'status'])).stdout, /Chassis Power is off/);
  t.equal((await api('POST', `/bmcs/${ip}/power`, { action: 'cycle' })).status, 409, 'cannot cycle a host that is off');
  await api('POST', `/bmcs/${ip}/power`, { action: 'on' });
});

t.test('the host console\'s history, in order, page by page', async (t) => {
  const ip = ADDRESSES[3];
  const first = (await api('GET', `/bmcs/${ip}/console?limit=20`)).json;
  t.equal(first.chunks.length, 20);
  const positions = first.chunks.map((c: { position: number }) => c.position);
  t.same(positions, [...positions].sort((a, b) => a - b), 'positions increase');
  const next = (await api('GET', `/bmcs/${ip}/console?after=${first.position}&limit=20`)).json;
  t.ok(next.chunks.every((c: { position: number }) => c.position > first.position), 'the next page starts after the last position');
  t.match(first.chunks.map((c: { text: string }) => c.text).join(''), /\S/, 'there is text');
  t.equal((await api('GET', `/bmcs/${ip}/console?after=x`)).status, 400);
});

t.test('the control API refuses bad requests with the right status and a reason', async (t) => {
  t.equal((await api('GET', '/bmcs/127.99.0.1')).status, 404);
  const bad = await api('PUT', `/bmcs/${ADDRESSES[0]}/faults`, { lossPercent: 150 });
  t.equal(bad.status, 400);
  t.match(bad.json.error, /lossPercent/);
  t.equal((await api('PUT', '/faults', { jitter: 1 })).status, 400);
  t.same((await api('PUT', '/faults', { lossPercent: 0 })).json, { changed: COUNT }, 'every BMC, one answer shaped like one BMC\'s, whatever the shards');
  t.same((await api('PUT', `/bmcs/${ADDRESSES[0]}/faults`, { lossPercent: 0 })).json, { changed: 1 });
  t.equal((await api('POST', `/bmcs/${ADDRESSES[0]}/power`, { action: 'explode' })).status, 400);
  const unknown = await api('DELETE', '/bmcs');
  t.equal(unknown.status, 404);
  t.match(unknown.json.error, /no such endpoint: DELETE \/bmcs; the endpoints are: .*GET \/bmcs\/:ip.*PUT \/faults/, 'the 404 lists what there is to call');
});

t.test('Prometheus metrics count requests by command and completion code, per shard', async (t) => {
  const m = await api('GET', '/metrics');
  t.equal(m.status, 200);
  t.match(m.text, /bmcfleet_bmcs\{shard="0"\} 150/);
  t.match(m.text, /bmcfleet_ipmi_requests_total\{shard="\d",netfn="0x06",cmd="0x01",cc="0x00"\} \d+/, 'Get Device ID counted');
  t.match(m.text, /bmcfleet_drops_total\{shard="\d",reason="fault-lost"\} \d+/);
});

t.test('a killed shard is restarted and serves its BMCs again; the other shard never stopped', async (t) => {
  const before = (await api('GET', '/shards')).json;
  process.kill(before[1].pid, 'SIGKILL');
  const other = await discoverBmcs(ADDRESSES.slice(0, 150), { port: PORT, timeoutMs: 300 });
  t.equal(other.length, 150, 'shard 0 keeps serving meanwhile');
  let shards = before;
  for (let i = 0; i < 100 && !(shards[1].restarts === 1 && shards[1].state === 'ready'); i++) {
    await new Promise((r) => setTimeout(r, 200));
    shards = (await api('GET', '/shards')).json;
  }
  t.equal(shards[1].restarts, 1);
  t.equal(shards[1].state, 'ready');
  t.not(shards[1].pid, before[1].pid, 'a new process');
  const back = await discoverBmcs(ADDRESSES.slice(150), { port: PORT, timeoutMs: 300 });
  t.equal(back.length, 150, 'every BMC of the restarted shard answers');
  t.match(emulator.output(), /shard 1 \(pid \d+\) exited \(SIGKILL\); restarting/);
});
