// What the flood benchmarks (issue 17) share: a legitimate client's loop with its success rate and latency, an
// attack run while the server's RSS is sampled, a free port, and the report's ratios.
import dgram from 'node:dgram';
import net from 'node:net';
import { loadavg } from 'node:os';
import { machine, treeRssKb } from './measure.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LegitimateResult { attempts: number; ok: number; successRate: number; p50Ms: number; p99Ms: number }

/** Runs `attempt` again and again until `until` (performance.now() ms); a throw is a failure. Pauses 50 ms between. */
export async function legitimateLoop(until: number, attempt: () => Promise<void>): Promise<LegitimateResult> {
  const ms: number[] = [];
  let attempts = 0;
  while (performance.now() < until) {
    attempts++;
    const t0 = performance.now();
    try {
      await attempt();
      ms.push(performance.now() - t0);
    } catch {
      await sleep(100);
    }
    await sleep(50);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => (ms.length ? Math.round(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] * 10) / 10 : -1);
  return { attempts, ok: ms.length, successRate: attempts ? Math.round((ms.length / attempts) * 1000) / 1000 : 0, p50Ms: at(0.5), p99Ms: at(0.99) };
}

export type AttackResult = Record<string, number | string>;
export interface FloodRun { rssKb: { before: number; max: number; after: number }; legitimate: LegitimateResult; attack: AttackResult }

/**
 * Runs `attack` and `legitimate` together for `seconds` while the RSS of `pid` (and its children) is sampled every
 * 250 ms: before, at most, and 500 ms after the attack stopped.
 */
export async function floodRun(name: string, pid: number, seconds: number, attack: (until: number) => Promise<AttackResult>,
  legitimate: (until: number) => Promise<LegitimateResult>): Promise<FloodRun> {
  const before = treeRssKb([pid]);
  let max = before;
  const until = performance.now() + seconds * 1000;
  const sampler = setInterval(() => { try { max = Math.max(max, treeRssKb([pid])); } catch { /* exited */ } }, 250);
  let result: AttackResult;
  let legit: LegitimateResult;
  try {
    [result, legit] = await Promise.all([attack(until), legitimate(until)]);
  } finally {
    clearInterval(sampler);
  }
  await sleep(500);
  const after = treeRssKb([pid]);
  max = Math.max(max, after);
  process.stderr.write(`  ${name}: RSS ${before} -> max ${max} -> ${after} KB; legitimate ${legit.ok}/${legit.attempts}; ${JSON.stringify(result)}\n`);
  return { rssKb: { before, max, after }, legitimate: legit, attack: result };
}

/**
 * The anchors of a flood report: per attack, peak and end RSS against the RSS at its start (flat memory: near 1)
 * and the legitimate client's success rate against always (1).
 */
export function floodRatios(runs: Record<string, FloodRun>): Record<string, number> {
  const r = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
  const ratios: Record<string, number> = {};
  for (const [name, run] of Object.entries(runs)) {
    ratios[`${name}.peakRss_vs_start`] = r(run.rssKb.max, run.rssKb.before);
    ratios[`${name}.endRss_vs_start`] = r(run.rssKb.after, run.rssKb.before);
    ratios[`${name}.legitimateSuccess_vs_all`] = run.legitimate.successRate;
  }
  return ratios;
}

/** A port free for both UDP and TCP on `address` at the moment of asking. */
export async function freePort(address: string): Promise<number> {
  for (;;) {
    const tcp = net.createServer();
    const port = await new Promise<number>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, address, () => resolve((tcp.address() as net.AddressInfo).port));
    });
    const udp = dgram.createSocket('udp4');
    const udpFree = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, address, () => resolve(true));
    });
    try { udp.close(); } catch { /* never bound */ }
    await new Promise((r) => tcp.close(r));
    if (udpFree) return port;
  }
}

/** Names one attack to run alone (`--only NAME`), for the smoke tests; null: all of them. */
export function onlyAttack(argv: readonly string[]): string | null {
  const i = argv.indexOf('--only');
  return i >= 0 ? argv[i + 1] ?? null : null;
}

/**
 * The flood benches' main: runs each attack (or `--only NAME`) with `run`, then prints one JSON line with `extra`
 * fields, the machine, the load at start and the ratios.
 */
export async function runFloodBench<A>(benchmark: string, attacks: Record<string, A>, run: (name: string, attack: A) => Promise<FloodRun>,
  extra: Record<string, unknown>): Promise<void> {
  const load1m = loadavg()[0]; // other work on the machine shows in the legitimate client's latency
  const only = onlyAttack(process.argv);
  if (only !== null && !(only in attacks)) throw new Error(`--only: no attack ${only}; there are ${Object.keys(attacks).join(', ')}`);
  const runs: Record<string, FloodRun> = {};
  for (const [name, attack] of Object.entries(attacks)) if (only === null || only === name) runs[name] = await run(name, attack);
  process.stdout.write(`${JSON.stringify({ benchmark, ...extra, machine: machine(), loadAverageAtStart: load1m, attacks: runs, ratios: floodRatios(runs) })}\n`);
}
