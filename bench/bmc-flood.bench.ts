// Issue 17's attacks on the emulated BMCs, each for a while against a fresh `bmcfleet emulate` (4 BMCs, default
// limits, a free port), while a legitimate client (from 127.0.0.1) connects, asks Get Device ID and closes, in a
// loop. For each attack: the emulator's RSS before, at most and after, the legitimate client's success rate and
// latency, and what the attack got. The attacks (issue 17, BMC):
//   open-session      Open Session Requests (RMCP+, IPMI 2.0 §13.17) from 4 addresses x 16 ports, never followed by
//                     RAKP 1: half-open sessions
//   v15-challenge     IPMI 1.5 Get Session Challenge (§22.16) from 4 addresses x 16 ports: half-open v1.5 sessions
//   rakp1-resend      64 handshakes opened, then each one's RAKP 1 (§13.20) sent again and again
//   fuzz              random datagrams, and valid ones (ping, Open Session, Get Session Challenge, RAKP 1, a session
//                     request) with bytes flipped, cut short or extended
//   session-inject    a live session's requests copied, replayed and forged (bad auth code) from another socket
//                     while its owner keeps using it
//   latency-flood     latencyMs 200 on every BMC, and 4 sessions posting Get Device ID as fast as they can
// The BMCs' own counters (datagrams in and out, drops by reason) are added to what each attack got.
// `--quick` runs each for 3 s instead of 30 s; `--only NAME` runs one. Prints one JSON object.
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { IpmiLanClient } from '../clients/ipmi/ipmi-client.js';
import { RmcpPlusClientSession } from '../protocols/ipmi/client-side/rmcpplus-session.js';
import { sessionlessRequest } from '../protocols/ipmi/client-side/sessionless.js';
import { GetDeviceId } from '../protocols/ipmi/commands/device.js';
import { SessionCommand, encodeSessionChallengeRequest } from '../protocols/ipmi/commands/session-setup.js';
import { NetFn } from '../protocols/ipmi/message.js';
import { AuthType } from '../protocols/ipmi/session-v15.js';
import { encodePresencePing } from '../protocols/rmcp/asf.js';
import { startEmulator, type EmulatorProcess } from '../test/helpers/emulator-process.js';
import { floodRun, runFloodBench, freePort, legitimateLoop, sleep, type AttackResult, type FloodRun } from './lib/flood.js';

const QUICK = process.argv.includes('--quick');
const SECONDS = QUICK ? 3 : 30;
const FIRST_BMC = '127.26.17.1';
const BMCS = ['127.26.17.1', '127.26.17.2', '127.26.17.3', '127.26.17.4'];
const ATTACKERS = ['127.26.18.1', '127.26.18.2', '127.26.18.3', '127.26.18.4'];
const CREDENTIALS = { username: 'admin', password: 'password' };

interface Target { port: number; controlUrl: string }

async function udpSocket(address: string): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  s.on('error', () => {});
  await new Promise<void>((r) => s.bind(0, address, () => r()));
  return s;
}

/** 16 sockets (source ports) on each attacker address. */
const attackerSockets = () => Promise.all(ATTACKERS.flatMap((a) => Array.from({ length: 16 }, () => udpSocket(a))));

/** Sends `next()` from every socket to every BMC, `perTick` rounds every 5 ms, until `until`; counts answers. */
async function spray(socks: dgram.Socket[], until: number, port: number, next: () => Buffer, perTick = 1): Promise<{ sent: number; answers: number }> {
  let answers = 0;
  for (const s of socks) s.on('message', () => { answers++; });
  let sent = 0;
  while (performance.now() < until) {
    for (let k = 0; k < perTick; k++) for (const s of socks) for (const bmc of BMCS) { s.send(next(), port, bmc); sent++; }
    await sleep(5);
  }
  await sleep(200);
  for (const s of socks) s.close();
  return { sent, answers };
}

/** Opens a session by hand on `socket` up to RAKP 1 (or to the end with `complete`); null if the BMC refused or was silent. */
async function handshake(socket: dgram.Socket, port: number, bmc: string, complete: boolean): Promise<{ session: RmcpPlusClientSession; rakp1: Buffer } | null> {
  const session = new RmcpPlusClientSession({ ...CREDENTIALS, cipherSuite: 17, random: randomBytes });
  let rakp1: Buffer | null = null;
  return new Promise((resolve) => {
    const timer = setTimeout(() => { socket.off('message', onMessage); resolve(null); }, 2000);
    const done = (v: { session: RmcpPlusClientSession; rakp1: Buffer } | null) => { clearTimeout(timer); socket.off('message', onMessage); resolve(v); };
    function onMessage(d: Buffer) {
      try {
        const step = session.handshake(d);
        if (step.kind === 'send') {
          if (!rakp1) rakp1 = step.datagram;
          if (!complete) return done({ session, rakp1 });
          socket.send(step.datagram, port, bmc);
        } else if (step.kind === 'established') done({ session, rakp1: rakp1! });
      } catch {
        done(null);
      }
    }
    socket.on('message', onMessage);
    socket.send(session.open(), port, bmc);
  });
}

/** Valid datagrams of every kind the BMC parses, for the fuzzer to mutate. */
function seeds(): Buffer[] {
  const s = new RmcpPlusClientSession({ ...CREDENTIALS, cipherSuite: 17, random: randomBytes });
  const open = s.open();
  return [
    encodePresencePing(1, 1),
    open,
    sessionlessRequest(NetFn.APP, SessionCommand.GET_SESSION_CHALLENGE, encodeSessionChallengeRequest({ authType: AuthType.MD5, username: 'admin' }), 1),
    sessionlessRequest(NetFn.APP, 0x38, Uint8Array.of(0x8e, 0x04), 2), // Get Channel Authentication Capabilities (§22.13)
    Buffer.concat([open.subarray(0, 5), Buffer.from([0x12]), open.subarray(6)]), // payload type RAKP 1 on an Open Session body
  ];
}

function mutate(seedList: Buffer[]): Buffer {
  const kind = Math.floor(Math.random() * 4);
  if (kind === 0) return randomBytes(1 + Math.floor(Math.random() * 300)); // noise
  const b = Buffer.from(seedList[Math.floor(Math.random() * seedList.length)]);
  if (kind === 1) { for (let i = 0; i < 1 + Math.floor(Math.random() * 4); i++) b[Math.floor(Math.random() * b.length)] = Math.floor(Math.random() * 256); return b; }
  if (kind === 2) return b.subarray(0, Math.floor(Math.random() * b.length)); // cut short
  return Buffer.concat([b, randomBytes(1 + Math.floor(Math.random() * 200))]); // extended
}

type Attack = (until: number, target: Target) => Promise<AttackResult>;

const ATTACKS: Record<string, Attack> = {
  async 'open-session'(until, { port }) {
    const r = await spray(await attackerSockets(), until, port,
      () => new RmcpPlusClientSession({ username: 'admin', password: '', cipherSuite: 17, random: randomBytes }).open());
    return { sources: ATTACKERS.length * 16, openSessionRequests: r.sent, answers: r.answers };
  },
  async 'v15-challenge'(until, { port }) {
    const challenge = sessionlessRequest(NetFn.APP, SessionCommand.GET_SESSION_CHALLENGE, encodeSessionChallengeRequest({ authType: AuthType.MD5, username: 'admin' }), 1);
    const r = await spray(await attackerSockets(), until, port, () => challenge);
    return { sources: ATTACKERS.length * 16, challengeRequests: r.sent, answers: r.answers };
  },
  async 'rakp1-resend'(until, { port }) {
    const socks = await attackerSockets();
    const opened = await Promise.all(socks.map((s, i) => handshake(s, port, BMCS[i % BMCS.length], false)));
    let answers = 0;
    for (const s of socks) s.on('message', () => { answers++; });
    let sent = 0;
    while (performance.now() < until) {
      socks.forEach((s, i) => { const h = opened[i]; if (h) { s.send(h.rakp1, port, BMCS[i % BMCS.length]); sent++; } });
      await sleep(5);
    }
    await sleep(200);
    for (const s of socks) s.close();
    return { handshakesOpened: opened.filter((h) => h !== null).length, rakp1Sent: sent, answers };
  },
  async fuzz(until, { port }) {
    const list = seeds();
    const r = await spray(await attackerSockets(), until, port, () => mutate(list));
    return { sources: ATTACKERS.length * 16, datagrams: r.sent, answers: r.answers };
  },
  async 'session-inject'(until, { port }) {
    const owner = await udpSocket(ATTACKERS[0]);
    const intruder = await udpSocket(ATTACKERS[1]);
    const h = await handshake(owner, port, FIRST_BMC, true);
    if (!h) throw new Error('session-inject: the owner could not open its session');
    let ownerAnswers = 0;
    let intruderAnswers = 0;
    owner.on('message', (d) => { if (h.session.response(d)) ownerAnswers++; });
    intruder.on('message', () => { intruderAnswers++; });
    let ownerSent = 0;
    let injected = 0;
    let rqSeq = 0;
    while (performance.now() < until) {
      for (let i = 0; i < 8; i++) {
        rqSeq = (rqSeq + 1) & 0x3f;
        const real = h.session.request(NetFn.APP, GetDeviceId.cmd, new Uint8Array(0), rqSeq);
        owner.send(real, port, FIRST_BMC);
        ownerSent++;
        intruder.send(real, port, FIRST_BMC); // the same packet from another address and port: a copy, then a replay
        const forged = Buffer.from(real);
        forged[forged.length - 1] ^= 0xff; // last byte of the auth code (§13.28.4)
        intruder.send(forged, port, FIRST_BMC);
        const ahead = h.session.request(NetFn.APP, GetDeviceId.cmd, new Uint8Array(0), rqSeq); // valid, next sequence number, only from the intruder
        intruder.send(ahead, port, FIRST_BMC);
        injected += 3;
      }
      await sleep(5);
    }
    await sleep(200);
    owner.close();
    intruder.close();
    return { ownerRequests: ownerSent, ownerAnswers, injected, intruderAnswers };
  },
  async 'latency-flood'(until, { port, controlUrl }) {
    const put = await fetch(`${controlUrl}/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: 200 }) });
    if (put.status !== 200) throw new Error(`latency-flood: PUT /faults answered ${put.status}`);
    const clients = await Promise.all(BMCS.map((host) => IpmiLanClient.connect({ host, port, ...CREDENTIALS, timeoutMs: 2000 })));
    let answers = 0;
    for (const c of clients) c.onResponse = () => { answers++; };
    let posted = 0;
    while (performance.now() < until) {
      for (const c of clients) for (let i = 0; i < 16; i++) { c.post(NetFn.APP, GetDeviceId.cmd); posted++; }
      await sleep(5);
    }
    await sleep(500);
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    return { latencyMs: 200, sessions: clients.length, requestsPosted: posted, answersAccepted: answers };
  },
};

/** What the BMCs say they did, summed over the fleet: datagrams in and out, drops by reason ("drop:malformed"). */
async function bmcCounters(controlUrl: string): Promise<AttackResult> {
  const sum: Record<string, number> = {};
  const add = (k: string, n: number) => { sum[k] = (sum[k] ?? 0) + n; };
  for (const ip of BMCS) {
    const { counters } = await (await fetch(`${controlUrl}/bmcs/${ip}`)).json() as { counters: { datagramsIn: number; datagramsOut: number; drops: Record<string, number> } };
    add('bmcDatagramsIn', counters.datagramsIn);
    add('bmcDatagramsOut', counters.datagramsOut);
    for (const [reason, n] of Object.entries(counters.drops)) add(`drop:${reason}`, n);
  }
  return sum;
}

/** The legitimate client: connect (RMCP+, suite 17), Get Device ID, close; again and again. */
const legitimate = (port: number) => (until: number) => legitimateLoop(until, async () => {
  const c = await IpmiLanClient.connect({ host: FIRST_BMC, port, ...CREDENTIALS, timeoutMs: 1000, retries: 2 });
  try {
    await c.call(GetDeviceId);
  } finally {
    await c.close();
  }
});

async function run(name: string, attack: Attack): Promise<FloodRun> {
  const port = await freePort(FIRST_BMC);
  const emu: EmulatorProcess = await startEmulator(['--bmcs', String(BMCS.length), '--first-ip', FIRST_BMC, '--ipmi-port', String(port)]);
  try {
    const controlUrl = /control (http:\/\/\S+)/.exec(emu.readyLine)?.[1];
    if (!controlUrl) throw new Error(`no control API in the ready line: ${emu.readyLine}`);
    return await floodRun(name, emu.child.pid!, SECONDS, 
      async (until) => ({ ...await attack(until, { port, controlUrl }), ...await bmcCounters(controlUrl) }), legitimate(port));
  } finally {
    await emu.stop();
  }
}

function main(): Promise<void> {
  return runFloodBench('bmc-flood', ATTACKS, run, { quick: QUICK, secondsPerAttack: SECONDS, bmcs: BMCS.length });
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
