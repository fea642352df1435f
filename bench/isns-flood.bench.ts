// Issue 17's attacks on the iSNS server, each for a while against a fresh `bmcfleet isns serve` (default limits,
// default DD on, 100 targets with long aliases loaded), while a legitimate client from another address connects,
// re-registers and queries in a loop. For each attack: the server's RSS before, at most and after, the
// legitimate client's success rate and latency, and what the attack got. The attacks (issue 17, iSNS server):
//   unread-answers   8 connections pipeline queries with 28 KB answers and never read
//   portal-groups    one connection registers 250 nodes x 250 portals (19 KB) again and again
//   reassembly       128 connections and 64 UDP ports start 60 KB multi-PDU messages and never finish them
//   idle-connections 1,100 connections from one address, each sending one byte of a message every second
//   registry-fill    8 connections register anonymous entities (period 0) as fast as they are answered
//   udp-amplify      a UDP socket asks, as fast as it can, a 72-byte question whose answer is 28 KB
// `--quick` runs each for 3 s instead of 30 s. Prints one JSON object.
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { IsnsClient } from '../clients/isns/isns-client.js';
import { NodeType, Tag } from '../protocols/isns/attributes.js';
import { encodeMessage, encodeMessageBody } from '../protocols/isns/codec.js';
import { FunctionId } from '../protocols/isns/functions.js';
import { Flag, encodePdu } from '../protocols/isns/header.js';
import { attr, type IsnsAttribute } from '../protocols/isns/tlv.js';
import { floodRun, runFloodBench, legitimateLoop, sleep, type AttackResult, type FloodRun } from './lib/flood.js';

const QUICK = process.argv.includes('--quick');
const SECONDS = QUICK ? 3 : 30;
const CLI = fileURLToPath(new URL('../cli/bmcfleet.js', import.meta.url));
const HOST = '127.25.18.1';
const PORT = 17501;
const LEGIT = '127.25.18.100';

async function startServer(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'isns', 'serve', '--listen', `${HOST}:${PORT}`, '--default-dd'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => { out += c.toString(); if (out.includes('ready')) resolve(); });
    child.once('exit', (code) => reject(new Error(`bmcfleet isns serve exited ${code}`)));
  });
  const loader = await IsnsClient.connect({ host: HOST, port: PORT, source: 'iqn.flood:t000', localAddress: '127.25.18.99' });
  await loader.register({ nodes: Array.from({ length: 100 }, (_, i) => ({ name: `iqn.flood:t${String(i).padStart(3, '0')}`, type: NodeType.TARGET, alias: 'a'.repeat(250) })) });
  await loader.close();
  return child;
}

const request = (functionId: number, tx: number, source: string, key: IsnsAttribute[], operating: IsnsAttribute[]) => Buffer.concat(encodeMessage({
  kind: 'request', functionId, transactionId: tx & 0xffff, flags: Flag.CLIENT, source: attr(Tag.ISCSI_NAME, source), key, operating,
}));
/** Every target's name and alias: about 28 KB of answer. */
const bigQuery = (tx: number) => request(FunctionId.DEV_ATTR_QRY, tx, 'iqn.flood:asker', [attr(Tag.ISCSI_NODE_TYPE, NodeType.TARGET)], [attr(Tag.ISCSI_NAME), attr(Tag.ISCSI_ALIAS)]);

function connect(localAddress: string): Promise<net.Socket | null> {
  return new Promise((resolve) => {
    const s = net.connect({ host: HOST, port: PORT, localAddress });
    s.on('error', () => resolve(null));
    s.once('connect', () => resolve(s));
  });
}

/** Writes `next()` on `s` for as long as it lasts, waiting for 'drain' when the socket says so; never reads. */
async function pour(s: net.Socket, until: number, next: () => Buffer): Promise<number> {
  s.pause();
  let bytes = 0;
  while (performance.now() < until && !s.destroyed) {
    const b = next();
    bytes += b.length;
    if (!s.write(b)) await Promise.race([new Promise((r) => s.once('drain', r)), sleep(Math.max(0, until - performance.now()))]);
  }
  return bytes;
}

/** Sends `next()` and waits for one response each time (responses are counted by their first PDU). */
async function askLoop(s: net.Socket, until: number, next: () => Buffer): Promise<{ sent: number; answers: number }> {
  let answers = 0;
  let waiting: (() => void) | null = null;
  s.on('data', () => { answers++; waiting?.(); });
  let sent = 0;
  while (performance.now() < until && !s.destroyed) {
    const answered = new Promise<void>((r) => { waiting = r; });
    s.write(next());
    sent++;
    await Promise.race([answered, sleep(2000)]);
  }
  return { sent, answers };
}

type Attack = (until: number) => Promise<AttackResult>;

const ATTACKS: Record<string, Attack> = {
  async 'unread-answers'(until) {
    const socks = (await Promise.all(Array.from({ length: 8 }, () => connect('127.25.18.2')))).filter((s) => s !== null);
    let tx = 0;
    const bytes = await Promise.all(socks.map((s) => pour(s, until, () => bigQuery(++tx))));
    for (const s of socks) s.destroy();
    return { connections: socks.length, queryBytesSent: bytes.reduce((a, b) => a + b, 0) };
  },
  async 'portal-groups'(until) {
    const op: IsnsAttribute[] = [];
    for (let i = 0; i < 250; i++) op.push(attr(Tag.PORTAL_IP_ADDRESS, `10.9.${i}.1`), attr(Tag.PORTAL_PORT, { port: 3260, udp: false }));
    for (let i = 0; i < 250; i++) op.push(attr(Tag.ISCSI_NAME, `iqn.grid:n${i}`), attr(Tag.ISCSI_NODE_TYPE, NodeType.TARGET));
    const s = await connect('127.25.18.3');
    if (!s) throw new Error('portal-groups: no connection');
    let tx = 0;
    const r = await askLoop(s, until, () => request(FunctionId.DEV_ATTR_REG, ++tx, 'iqn.grid:n0', [attr(Tag.ENTITY_IDENTIFIER)], op));
    s.destroy();
    return { registrationBytes: request(FunctionId.DEV_ATTR_REG, 1, 'iqn.grid:n0', [attr(Tag.ENTITY_IDENTIFIER)], op).length, sent: r.sent, answered: r.answers };
  },
  async reassembly(until) {
    const body = encodeMessageBody({ kind: 'request', functionId: FunctionId.DEV_ATTR_QRY, transactionId: 0, flags: Flag.CLIENT, source: attr(Tag.ISCSI_NAME, 'iqn.a:b'),
      key: [attr(Tag.ISCSI_ALIAS, 'x'.repeat(180_000))], operating: [] });
    const first = (tx: number) => encodePdu({ version: 1, functionId: FunctionId.DEV_ATTR_QRY, transactionId: tx & 0xffff, sequenceId: 0, flags: Flag.CLIENT | Flag.FIRST_PDU },
      body.subarray(0, 60_000));
    const socks = (await Promise.all(Array.from({ length: 128 }, () => connect('127.25.18.4')))).filter((s) => s !== null);
    const udp = await Promise.all(Array.from({ length: 64 }, async () => {
      const u = dgram.createSocket('udp4');
      await new Promise<void>((r) => u.bind(0, '127.25.18.5', () => r()));
      return u;
    }));
    let tx = 0;
    let bytes = 0;
    while (performance.now() < until) {
      for (const s of socks) if (!s.destroyed) { s.write(first(++tx)); bytes += 60_012; }
      for (const u of udp) { u.send(first(++tx), PORT, HOST); bytes += 60_012; }
      await sleep(200);
    }
    for (const s of socks) s.destroy();
    for (const u of udp) u.close();
    return { connections: socks.length, udpPorts: udp.length, partialBytesSent: bytes };
  },
  async 'idle-connections'(until) {
    const socks: net.Socket[] = [];
    for (let i = 0; i < 1100; i++) {
      const s = await connect('127.25.18.6');
      if (s) { s.on('close', () => {}); socks.push(s); }
    }
    const header = Buffer.from('000100020000000000010000', 'hex');
    for (let k = 0; performance.now() < until; k = (k + 1) % 11) {
      for (const s of socks) if (!s.destroyed) s.write(header.subarray(k, k + 1));
      await sleep(1000);
    }
    const open = socks.filter((s) => !s.destroyed).length;
    for (const s of socks) s.destroy();
    return { opened: 1100, stillOpenAtEnd: open };
  },
  async 'registry-fill'(until) {
    let accepted = 0;
    let refused = 0;
    let n = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      const c = await IsnsClient.connect({ host: HOST, port: PORT, source: 'iqn.fill:0', localAddress: '127.25.18.7', timeoutMs: 5000 });
      while (performance.now() < until) {
        const name = `iqn.fill:${n++}`;
        const r = await c.request(FunctionId.DEV_ATTR_REG, [attr(Tag.ENTITY_IDENTIFIER, `fill-${name}`)],
          [attr(Tag.ENTITY_IDENTIFIER, `fill-${name}`), attr(Tag.REGISTRATION_PERIOD, 0), attr(Tag.ISCSI_NAME, name), attr(Tag.ISCSI_NODE_TYPE, NodeType.TARGET)], { source: name });
        if (r.status === 0) accepted++;
        else refused++;
      }
      await c.close();
    }));
    return { accepted, refused };
  },
  async 'udp-amplify'(until) {
    const u = dgram.createSocket('udp4');
    await new Promise<void>((r) => u.bind(0, '127.25.18.8', () => r()));
    let received = 0;
    u.on('message', (m) => { received += m.length; });
    let sent = 0;
    let tx = 0;
    while (performance.now() < until) {
      for (let i = 0; i < 50; i++) { const q = bigQuery(++tx); u.send(q, PORT, HOST); sent += q.length; }
      await sleep(5);
    }
    await sleep(200);
    u.close();
    return { bytesSent: sent, bytesReceived: received, amplification: Math.round((received / sent) * 100) / 100 };
  },
};

/** The legitimate client: from its own address, connect, re-register, query one target, close; again and again. */
const legitimate = (until: number) => legitimateLoop(until, async () => {
  const c = await IsnsClient.connect({ host: HOST, port: PORT, source: 'iqn.flood:legit', localAddress: LEGIT, timeoutMs: 2000 });
  try {
    await c.register({ eid: 'legit', nodes: [{ name: 'iqn.flood:legit', type: NodeType.INITIATOR }] });
    const n = await c.node('iqn.flood:t042');
    if (!n) throw new Error('target not found');
  } finally {
    await c.close();
  }
});

async function run(name: string, attack: Attack): Promise<FloodRun> {
  const server = await startServer();
  try {
    return await floodRun(name, server.pid!, SECONDS, attack, legitimate);
  } finally {
    await new Promise<void>((r) => { server.once('exit', () => r()); server.kill('SIGTERM'); });
  }
}

function main(): Promise<void> {
  return runFloodBench('isns-flood', ATTACKS, run, { quick: QUICK, secondsPerAttack: SECONDS });
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
