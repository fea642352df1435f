// Issue 16's Redfish measurements, over HTTPS as a fleet serves it by default (the fleet CA from its state directory):
//  - memory and time to ready: 10,000 BMCs serving IPMI and Redfish against the same fleet with Redfish off (the
//    anchor, same run): the whole process tree's RSS after ready and again after a warm-up that reaches every BMC
//    over Redfish (GET of the service root on each, a login and GET Systems/1 on the sample below), so state made on
//    first use is counted, and once more after 120 s idle (the anchor idle as long, IDLE_MS); the extra KB a BMC
//    against the goal (<= 10 KB);
//  - GET /redfish/v1/Systems/1 with a session token across a sample of 1,000 BMCs of that fleet: requests/s, p50 and
//    p99, keep-alive connections (one a BMC), a fixed number of requests in flight; against one BMC of the same fleet
//    and a minimal Node `https` server answering a fixed JSON document of the same bytes (the ceiling), same client.
// Prints one JSON object. `--quick` runs a small fleet for a second each, for CI.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TLSSocket } from 'node:tls';
import { consecutiveAddresses } from '../runtime/ipv4.js';
import { CA_CERT_FILE } from '../emulator/redfish/fleet-ca.js';
import { startEmulator, type EmulatorProcess } from '../test/helpers/emulator-process.js';
import { freeTcpPort, freeUdpPort } from '../test/helpers/free-port.js';
import { HttpsClient, openKeptAlive, runHttpsLoad, touchAll, type HttpsTarget, type LoadReport } from './lib/https-load.js';
import { machine, msUntilAllAnswer, treeRssKb } from './lib/measure.js';

const QUICK = process.argv.includes('--quick');
const BMCS = QUICK ? 100 : 10_000;
/** BMCs under the GET load (every BMCS/LOADED-th of the fleet, so each shard has its share); also the login sample. */
const LOADED = QUICK ? 25 : 1000;
const IN_FLIGHT = QUICK ? 8 : 64;
/** Requests in flight while the warm-up reaches every BMC, each on a new connection. */
const WARM_UP_IN_FLIGHT = QUICK ? 16 : 64;
/** Keep-alive connections opened at a time before the load (bench/lib/https-load.ts openKeptAlive). */
const OPEN_CHUNK = 100;
const SECONDS = QUICK ? 1 : 10;
const FIRST_IP = QUICK ? '127.177.0.1' : '127.176.0.1';
const GOAL_KB_PER_BMC = 10;
/** A fleet process takes at most 256 connections from one source address (redfish.maxConnectionsPerSource): spread them. */
const CONNECTIONS_PER_SOURCE = 200;
const CEILING_HOST = '127.0.0.1';
const SYSTEM = '/redfish/v1/Systems/1';
const LOGIN = { UserName: 'admin', Password: 'password' };

const sourceFor = (i: number) => `127.0.0.${1 + (i % Math.ceil(LOADED / CONNECTIONS_PER_SOURCE))}`;
const round1 = (n: number) => Math.round(n * 10) / 10;
const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How long a fleet sits idle before its RSS is taken again: V8 gives back heap that churn grew only when idle, through
 * its memory reducer, whose watchdog starts a collection at the latest 100 s after a process's last full collection
 * (kWatchdogDelayMs, V8 src/heap/memory-reducer.cc); a shard that just served a burst of handshakes is seldom judged
 * idle sooner (--trace-gc: "Mark-Compact (reduce)" 103 and 106 s after each shard's last one). After 30 s, as
 * before, a sample found one shard's garbage given back and the other's not, at random: runs moved by several KB a BMC.
 */
const IDLE_MS = QUICK ? 0 : 120_000;

/** The tree's RSS once it has settled: the median of three samples half a second apart, `waitMs` from now. */
async function settledRssKb(emu: EmulatorProcess, waitMs = 1000): Promise<number> {
  await sleep(waitMs);
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    samples.push(treeRssKb([emu.child.pid!]));
    await sleep(500);
  }
  return samples.sort((a, b) => a - b)[1];
}

interface Started { emu: EmulatorProcess; stateDir: string; t0: number; readyLineMs: number; allAnswerMs: number; shards: number | null }

async function startFleet(addresses: readonly string[], redfishPort: number | null): Promise<Started> {
  const stateDir = mkdtempSync(join(tmpdir(), 'bmcfleet-rfbench-'));
  const ipmiPort = await freeUdpPort();
  const t0 = performance.now();
  const emu = await startEmulator([
    '--bmcs', String(addresses.length), '--first-ip', addresses[0], '--ipmi-port', String(ipmiPort), '--control', 'none',
    '--state-dir', stateDir, ...(redfishPort === null ? [] : ['--redfish-port', String(redfishPort)]),
  ], 900_000);
  const readyLineMs = Math.round(performance.now() - t0);
  const allAnswerMs = await msUntilAllAnswer(addresses, ipmiPort, t0);
  const shards = /\((\d+) shards?\)/.exec(emu.readyLine)?.[1];
  return { emu, stateDir, t0, readyLineMs, allAnswerMs, shards: shards === undefined ? null : Number(shards) };
}

async function stopFleet(f: Started): Promise<void> {
  await f.emu.stop();
  rmSync(f.stateDir, { recursive: true, force: true });
}

/** The anchor: the same fleet, Redfish off. */
async function ipmiAlone(addresses: readonly string[]) {
  process.stderr.write(`redfish: ${addresses.length} BMCs, IPMI alone\n`);
  const f = await startFleet(addresses, null);
  try {
    const rssKbReady = await settledRssKb(f.emu);
    return { shards: f.shards, readyLineMs: f.readyLineMs, allAnswerMs: f.allAnswerMs, rssKbReady, rssKbIdle: await settledRssKb(f.emu, IDLE_MS) };
  } finally {
    await stopFleet(f);
  }
}

/** Logs in on each BMC (a session token each) and reads its system once; the first one's document is returned. */
async function logInAll(client: HttpsClient, targets: readonly HttpsTarget[]): Promise<{ tokens: string[]; systemBody: Buffer }> {
  const tokens: string[] = new Array(targets.length);
  let systemBody: Buffer = Buffer.alloc(0);
  let next = 0;
  await Promise.all(Array.from({ length: WARM_UP_IN_FLIGHT }, async () => {
    for (let i = next++; i < targets.length; i = next++) {
      const t = targets[i];
      const login = await client.send({ ...t, path: '/redfish/v1/SessionService/Sessions' }, 'POST', JSON.stringify(LOGIN));
      const token = login.headers['x-auth-token'];
      if (login.status !== 201 || typeof token !== 'string') throw new Error(`login on ${t.host}: ${login.status} ${login.body}`);
      tokens[i] = token;
      const system = await client.send({ ...t, path: SYSTEM, headers: { 'x-auth-token': token } });
      if (system.status !== 200) throw new Error(`GET ${SYSTEM} on ${t.host}: ${system.status} ${system.body}`);
      if (i === 0) systemBody = system.body;
    }
  }));
  return { tokens, systemBody };
}

/** The ceiling server in its own process, answering `body`; its port once it listens. */
async function startCeiling(caDir: string, body: Buffer): Promise<{ child: ChildProcess; port: number }> {
  const bodyFile = join(caDir, 'ceiling-body.json');
  writeFileSync(bodyFile, body);
  const script = join(dirname(fileURLToPath(import.meta.url)), 'lib', 'fixed-json-https.js');
  const child = spawn(process.execPath, [script, CEILING_HOST, caDir, bodyFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  process.once('exit', () => child.kill('SIGKILL'));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^ready (\d+)$/m.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`the ceiling server exited with ${code}`)));
  });
  return { child, port };
}

/** `IN_FLIGHT` connections to one target, opened before the clock starts, then the load. */
async function loadOne(ca: string, target: HttpsTarget): Promise<LoadReport> {
  const client = new HttpsClient(ca, { keepAlive: true, socketsPerTarget: IN_FLIGHT });
  try {
    await touchAll(client, Array.from({ length: IN_FLIGHT }, () => target), IN_FLIGHT);
    return await runHttpsLoad(client, [target], IN_FLIGHT, SECONDS * 1000);
  } finally {
    client.close();
  }
}

async function withRedfish(addresses: readonly string[]) {
  process.stderr.write(`redfish: ${addresses.length} BMCs, IPMI and Redfish\n`);
  const port = await freeTcpPort();
  const f = await startFleet(addresses, port);
  try {
    const rssKbReady = await settledRssKb(f.emu);
    const ca = readFileSync(join(f.stateDir, CA_CERT_FILE), 'utf8');
    // Warm-up: every BMC's service root once, each on a new connection (a first contact: its certificate is issued).
    const firstContact = new HttpsClient(ca, { keepAlive: false, socketsPerTarget: 1 });
    const warmStart = performance.now();
    await touchAll(firstContact, addresses.map((host, i) => ({ host, port, path: '/redfish/v1/', headers: {}, localAddress: sourceFor(i) })), WARM_UP_IN_FLIGHT);
    const everyRootMs = Math.round(performance.now() - warmStart);
    const step = Math.floor(addresses.length / LOADED);
    const sample = addresses.filter((_, i) => i % step === 0).slice(0, LOADED)
      .map((host, i): HttpsTarget => ({ host, port, path: SYSTEM, headers: {}, localAddress: sourceFor(i) }));
    const { tokens, systemBody } = await logInAll(firstContact, sample);
    firstContact.close();
    const rssKbWarm = await settledRssKb(f.emu);
    const rssKbWarmIdle = await settledRssKb(f.emu, IDLE_MS);
    const loaded = sample.map((t, i) => ({ ...t, headers: { 'x-auth-token': tokens[i] } }));

    process.stderr.write(`redfish: GET ${SYSTEM} across ${LOADED} BMCs\n`);
    const keepAlive = new HttpsClient(ca, { keepAlive: true, socketsPerTarget: 1 });
    await openKeptAlive(keepAlive, loaded, IN_FLIGHT, OPEN_CHUNK);
    const socket = (await keepAlive.send(loaded[0])).socket as TLSSocket; // kept alive: still connected
    const tls = `${socket.getProtocol()} ${socket.getCipher().name}`;
    const manyBmcs = await runHttpsLoad(keepAlive, loaded, IN_FLIGHT, SECONDS * 1000);
    keepAlive.close();
    process.stderr.write(`redfish: GET ${SYSTEM} on one BMC\n`);
    const oneBmc = await loadOne(ca, loaded[0]);
    const rssKbAfterLoad = treeRssKb([f.emu.child.pid!]);

    process.stderr.write('redfish: the fixed-JSON https ceiling\n');
    const ceilingServer = await startCeiling(f.stateDir, systemBody);
    let ceiling: LoadReport & { rssKb: number };
    try {
      const load = await loadOne(ca, { host: CEILING_HOST, port: ceilingServer.port, path: SYSTEM, headers: { 'x-auth-token': tokens[0] } });
      ceiling = { ...load, rssKb: treeRssKb([ceilingServer.child.pid!]) };
    } finally {
      ceilingServer.child.kill('SIGTERM');
    }
    return {
      memory: { shards: f.shards, readyLineMs: f.readyLineMs, allAnswerMs: f.allAnswerMs, everyRootMs, rssKbReady, rssKbWarm, rssKbWarmIdle, rssKbAfterLoad },
      get: { transport: `https, ${tls}, fleet CA from the state directory`, documentBytes: systemBody.length, manyBmcs, oneBmc, ceiling },
    };
  } finally {
    await stopFleet(f);
  }
}

async function main(): Promise<void> {
  const loadAtStart = loadavg().map(round1);
  const addresses = consecutiveAddresses(FIRST_IP, BMCS);
  const anchor = await ipmiAlone(addresses);
  const redfish = await withRedfish(addresses);
  const m = redfish.memory;
  const perBmc = (kb: number, anchorKb: number) => round1((kb - anchorKb) / BMCS);
  // Each against the anchor at the same point: just settled, or settled and then idle as long.
  const extraKbPerBmc = {
    ready: perBmc(m.rssKbReady, anchor.rssKbReady), warm: perBmc(m.rssKbWarm, anchor.rssKbReady), warmIdle: perBmc(m.rssKbWarmIdle, anchor.rssKbIdle),
  };
  const g = redfish.get;
  process.stdout.write(`${JSON.stringify({
    benchmark: 'redfish', node: process.version, mode: QUICK ? 'quick' : 'full', machine: machine(),
    loadAverage: { start: loadAtStart, end: loadavg().map(round1) },
    settings: { bmcs: BMCS, loadedBmcs: LOADED, inFlight: IN_FLIGHT, seconds: SECONDS, goalKbPerBmc: GOAL_KB_PER_BMC, warmUpInFlight: WARM_UP_IN_FLIGHT, idleMs: IDLE_MS },
    results: {
      ipmiAlone: anchor,
      ipmiAndRedfish: m,
      extraKbPerBmc,
      get: g,
    },
    ratios: {
      // At or below 1 meets the goal.
      extraKbPerBmcReady_vs_goal: ratio(extraKbPerBmc.ready, GOAL_KB_PER_BMC),
      extraKbPerBmcWarm_vs_goal: ratio(extraKbPerBmc.warm, GOAL_KB_PER_BMC),
      extraKbPerBmcWarmIdle_vs_goal: ratio(extraKbPerBmc.warmIdle, GOAL_KB_PER_BMC),
      allAnswerMs_vs_ipmiAlone: ratio(m.allAnswerMs, anchor.allAnswerMs),
      // Requests/s against the ceiling (above 1 is faster), latencies against it (below 1 is faster).
      manyBmcs_requestsPerSec_vs_ceiling: ratio(g.manyBmcs.requestsPerSec, g.ceiling.requestsPerSec),
      oneBmc_requestsPerSec_vs_ceiling: ratio(g.oneBmc.requestsPerSec, g.ceiling.requestsPerSec),
      manyBmcs_requestsPerSec_vs_oneBmc: ratio(g.manyBmcs.requestsPerSec, g.oneBmc.requestsPerSec),
      manyBmcs_p50_vs_ceiling: ratio(g.manyBmcs.latencyMs.p50, g.ceiling.latencyMs.p50),
      manyBmcs_p99_vs_ceiling: ratio(g.manyBmcs.latencyMs.p99, g.ceiling.latencyMs.p99),
      oneBmc_p50_vs_ceiling: ratio(g.oneBmc.latencyMs.p50, g.ceiling.latencyMs.p50),
      oneBmc_p99_vs_ceiling: ratio(g.oneBmc.latencyMs.p99, g.ceiling.latencyMs.p99),
    },
  })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
