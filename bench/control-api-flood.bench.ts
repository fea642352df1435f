// Issue 17's attacks on the control API, each for a while against a fresh `bmcfleet emulate` (4 BMCs, default
// limits: 128 connections, 16 per address, 10 s for the headers, 64 KiB bodies), while a legitimate client from its
// own address does GET /bmcs on a new connection, in a loop. For each attack: the emulator's RSS before, at most
// and after, the legitimate client's success rate and latency, and what the attack got. The attacks (issue 17,
// control API):
//   slowloris      12 addresses x 16 connections, each sending one byte of a request's headers a second, opened
//                  again as soon as the server closes one
//   bad-headers    8 connections sending requests the guard refuses: wrong Host, foreign Origin, a body not JSON
//   oversized      4 connections sending 1 MiB bodies, with a Content-Length and chunked
//   get-flood      16 keep-alive connections asking GET /bmcs, /counters and /metrics as fast as answered
// `--quick` runs each for 3 s instead of 30 s; `--only NAME` runs one. Prints one JSON object.
import http from 'node:http';
import net from 'node:net';
import { startEmulator, type EmulatorProcess } from '../test/helpers/emulator-process.js';
import { floodRun, runFloodBench, freePort, legitimateLoop, sleep, type AttackResult, type FloodRun } from './lib/flood.js';

const QUICK = process.argv.includes('--quick');
const SECONDS = QUICK ? 3 : 30;
const FIRST_BMC = '127.27.17.1';
const BMCS = 4;
const CONTROL_HOST = '127.27.17.250';
const LEGIT = '127.27.19.100';
const attacker = (n: number) => `127.27.18.${n}`;

interface Api { port: number; host: string }
interface Answer { status: number; body: string }

/** One request; resolves with the status, or rejects on a socket error or after 5 s. */
function ask(api: Api, opts: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | null; agent?: http.Agent | false; localAddress?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: api.host, port: api.port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers,
      agent: opts.agent ?? false, localAddress: opts.localAddress, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(opts.body ?? undefined);
  });
}

/** Counts answers by status ("200", "403", ...) and failures by error code ("ECONNRESET", "timeout", ...). */
function tally(): { counts: Record<string, number>; add(key: string): void } {
  const counts: Record<string, number> = {};
  return { counts, add(key) { counts[key] = (counts[key] ?? 0) + 1; } };
}

const errorKey = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

/** `loops` loops from `localAddress`, each calling `once` until `until`; statuses and errors tallied. */
async function loops(n: number, until: number, once: (i: number) => Promise<Answer>): Promise<Record<string, number>> {
  const t = tally();
  let k = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (performance.now() < until) {
      try { t.add(String((await once(k++)).status)); } catch (err) { t.add(errorKey(err)); await sleep(20); }
    }
  }));
  return t.counts;
}

type Attack = (until: number, api: Api) => Promise<AttackResult>;

const ATTACKS: Record<string, Attack> = {
  async slowloris(until, api) {
    const head = Buffer.from(`GET /bmcs HTTP/1.1\r\nHost: ${api.host}\r\nX-Padding: ${'a'.repeat(2000)}\r\n`);
    let opened = 0;
    let closedByServer = 0;
    let refusedAtOnce = 0;
    const slot = async (address: string) => {
      while (performance.now() < until) {
        const s = net.connect({ host: api.host, port: api.port, localAddress: address });
        s.on('error', () => {});
        const openedAt = performance.now();
        let closed = false;
        s.once('close', () => { closed = true; });
        await new Promise((r) => { s.once('connect', r); s.once('close', r); });
        if (closed) { await sleep(100); continue; }
        opened++;
        for (let i = 0; !closed && performance.now() < until; i++) {
          s.write(head.subarray(i % head.length, (i % head.length) + 1));
          await sleep(1000);
        }
        if (closed) {
          closedByServer++;
          if (performance.now() - openedAt < 1100) refusedAtOnce++;
        }
        s.destroy();
      }
    };
    await Promise.all(Array.from({ length: 12 }, (_, a) => Array.from({ length: 16 }, () => slot(attacker(a + 1)))).flat());
    return { slots: 12 * 16, opened, closedByServer, closedWithinASecond: refusedAtOnce };
  },
  async 'bad-headers'(until, api) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const json = { 'content-type': 'application/json' };
    const bad: { method: string; path: string; headers: Record<string, string>; body?: Buffer }[] = [
      { method: 'GET', path: '/bmcs', headers: { host: 'evil.example' } }, // DNS rebinding
      { method: 'GET', path: '/bmcs', headers: { origin: 'http://evil.example' } }, // another site's page
      { method: 'PUT', path: '/faults', headers: { 'content-type': 'text/plain' }, body: Buffer.from('{"lossPercent": 100}') }, // a form post
      { method: 'PUT', path: '/faults', headers: { ...json, host: `evil.example:${api.port}` }, body: Buffer.from('{"lossPercent": 100}') },
      { method: 'POST', path: '/stall', headers: { ...json, origin: 'null' }, body: Buffer.from('{"ms": 60000}') },
    ];
    const statuses = await loops(8, until, (i) => ask(api, { ...bad[i % bad.length], agent, localAddress: attacker(20) }));
    agent.destroy();
    return statuses;
  },
  async oversized(until, api) {
    const big = Buffer.from(`{"lossPercent": 0, "pad": "${'x'.repeat(1024 * 1024)}"}`);
    const statuses = await loops(4, until, (i) => ask(api, {
      method: 'PUT', path: '/faults', localAddress: attacker(21), body: big,
      headers: i % 2 === 0 ? { 'content-type': 'application/json', 'content-length': String(big.length) } : { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    }));
    return { bodyBytes: big.length, ...statuses };
  },
  async 'get-flood'(until, api) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const paths = ['/bmcs', '/counters', '/metrics'];
    const statuses = await loops(16, until, (i) => ask(api, { path: paths[i % paths.length], agent, localAddress: attacker(22) }));
    agent.destroy();
    return statuses;
  },
};

/** The legitimate client: GET /bmcs on a new connection from its own address, every BMC listed. */
const legitimate = (api: Api) => (until: number) => legitimateLoop(until, async () => {
  const a = await ask(api, { path: '/bmcs', localAddress: LEGIT });
  if (a.status !== 200) throw new Error(`GET /bmcs: ${a.status}`);
  if ((JSON.parse(a.body) as { bmcs: unknown[] }).bmcs.length !== BMCS) throw new Error('GET /bmcs: not every BMC');
});

async function run(name: string, attack: Attack): Promise<FloodRun> {
  const port = await freePort(FIRST_BMC);
  const api = { host: CONTROL_HOST, port: await freePort(CONTROL_HOST) };
  const emu: EmulatorProcess = await startEmulator(['--bmcs', String(BMCS), '--first-ip', FIRST_BMC, '--ipmi-port', String(port), '--control', `${api.host}:${api.port}`]);
  try {
    return await floodRun(name, emu.child.pid!, SECONDS, (until) => attack(until, api), legitimate(api));
  } finally {
    await emu.stop();
  }
}

function main(): Promise<void> {
  return runFloodBench('control-api-flood', ATTACKS, run, { quick: QUICK, secondsPerAttack: SECONDS, bmcs: BMCS });
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
