// The broadcast-reply congestion benchmark (issue 12): when thousands of rack controllers answer one signed
// Prepare, how many replies does the manager get, how soon, and which reply scheme gets all of them in one round,
// closest to the bound N/R. Real parts throughout: the emulator's Fleet of RMCs (one rack each, one BMC; a fleet of
// exactly N for each N) and the manager's real rounds in a child process (congestion-manager.ts), over loopback and, when this machine lets it,
// over a shaped veth link with the manager in its own namespace (lib/netns-link.ts).
//
// Matrix: scheme (burst, octet-sum, window, rank, poll) x N (1,000, 10,000, 50,000) x address layout (/24s, /20s,
// one /16) x the manager's receive buffer (default, 4 MiB) x network (loopback, link); only the octet sum depends
// on the layout, so the others run on the first one (layout 'any'). In each (network, N, buffer) the burst runs
// first: its drain rate is R (with the 4 MiB buffer, which runs first), which sizes the window (reply-window.ts)
// and the rank slot, and the bound is N/R.
// Rows go to OUT/congestion.json, one plot per N to OUT/congestion-N.svg; stdout gets one JSON line with the ratios
// to the bound the issue sets a target for (window at 10,000 and 50,000, loopback, default buffer: at most 1.5).
//
// `--quick` (CI): N = 1,000, one layout, loopback, default buffer, burst and window; OUT is a temporary folder
// unless `--out DIR` says. A full run writes bench/results/. `--note TEXT` is stored in the JSON (e.g. the load);
// `--sizes`, `--layouts`, `--rcvbufs`, `--networks`, `--schemes` (comma-separated) rerun part of the matrix.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fleetConfig } from '../emulator/fleet/fleet-config.js';
import { Fleet } from '../emulator/fleet/fleet.js';
import { autoShards } from '../emulator/fleet/plan.js';
import { generateManagerKey } from '../protocols/rollout/keys.js';
import { consecutiveAddresses, formatIpv4, parseIpv4 } from '../runtime/ipv4.js';
import { SCHEMES, type RunResult, type RunSpec, type Scheme } from './congestion-run.js';
import { arrivalsSvg } from './congestion-plot.js';
import { createLink, type Link } from './lib/netns-link.js';
import { LoopbackCapture, type OfferedReplies } from './lib/loopback-capture.js';
import { machine, treeCpuSeconds } from './lib/measure.js';
import { freeUdpPort } from '../test/helpers/free-port.js';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
function option(name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}
const OUT = option('--out') ?? (QUICK ? mkdtempSync(join(tmpdir(), 'bmcfleet-congestion-quick-')) : fileURLToPath(new URL('../../bench/results/', import.meta.url)));
/** `--NAME a,b` picks some values of one dimension (to rerun part of the matrix); `--quick` its CI subset. */
function pick<T extends string | number>(name: string, all: readonly T[], quick: readonly T[]): readonly T[] {
  const given = option(`--${name}`)?.split(',');
  if (!given) return QUICK ? quick : all;
  const chosen = all.filter((v) => given.includes(String(v)));
  if (chosen.length !== given.length) throw new Error(`--${name}: one of ${all.join(', ')}`);
  return chosen;
}
const SIZES = pick('sizes', [1000, 10_000, 50_000], [1000]);
const LAYOUTS = pick('layouts', ['/24s', '/20s', '/16'] as const, ['/24s']);
const RCVBUF_BYTES = { default: null, '4MiB': 4 << 20 } as const;
/** 4 MiB first: its burst loses little, so its span is the manager's drain time, and it gives R for both. */
const RCVBUFS = pick('rcvbufs', ['4MiB', 'default'] as const, ['default']);
const NETWORKS = pick('networks', ['loopback', 'link'] as const, ['loopback']);
/** The burst always runs first: it measures R. */
const RUN_SCHEMES = pick('schemes', SCHEMES, ['burst', 'window']);
/** `--capture`: on loopback, what the RMCs put on the wire per ms too (lib/loopback-capture.ts), beside what the manager read. */
const CAPTURE = argv.includes('--capture');
/**
 * `--shard-nice N` (default 5): the emulated RMCs' nice. They stand for other machines, each with its own CPU; here
 * they share two cores with the manager, the system under test. Since shards hand their answers on when due (and
 * catch up when behind), a 50,000-RMC window round asks more of the two cores than they have (the emulator's CPU a
 * reply is in each row), and at nice 0 the eight shards starved the manager: its event loop stalled 1.3 s in every
 * such round and its reader thread lost 743-997 replies with the default buffer; at nice 5, 37-42 ms and 68 (idle
 * machine, one run each). On a machine loaded by other work, a nice shard is starved instead (its burst then
 * measures the RMCs' send rate, not the manager's R): `--shard-nice 0` there. README, "Broadcast replies".
 */
const SHARD_NICE = Number(option('--shard-nice') ?? 5);
/** Poll rounds before an RMC counts as missing: the manager's default. */
const MAX_POLLS = 3;
/**
 * The prepare round's waits: its defaults (200 ms margin, 500 ms a Poll round) plus what the emulated RMCs need on
 * this machine, where N of them share two cores: a shard gets through a broadcast at about 30 µs an RMC, and each
 * Poll costs its RMC an Ed25519 check (about 0.2 ms). Without it the round would poll RMCs still handling the
 * broadcast, and poll again those still checking their last Poll, and measure the emulator, not the scheme.
 */
const waitsFor = (n: number) => ({ marginMs: 200 + Math.ceil(n * 0.04), pollTimeoutMs: 500 + Math.ceil(n * 0.2) });
/**
 * Only the octet sum reads the RMCs' addresses: the other schemes' delays come from the RMC ID, the rank or nothing,
 * so they run on the first layout only (their rows say layout 'any'), and the other layouts' bounds use the R their
 * burst measured; so the matrix fits in its 20 minutes.
 */
const ADDRESS_SCHEMES: readonly Scheme[] = ['octet-sum'];
/** The poll scheme's k: xCAT runs 32-64 at once, Ironic 8. */
const POLL_CONCURRENCY = 32;
/** The plot's and the JSON's histogram: at most this many bins a row. */
const MAX_BINS = 1000;

type Layout = typeof LAYOUTS[number];

/**
 * The first `n` RMC addresses of a layout: consecutive subnets of that size from 127.170.0.0, each filled with its
 * usable host addresses (not the subnet's own address nor its broadcast), as an address plan would hand them out.
 */
export function layoutAddresses(layout: Layout, n: number): string[] {
  const size = layout === '/24s' ? 256 : layout === '/20s' ? 4096 : 65_536;
  const base = parseIpv4('127.170.0.0');
  const out: string[] = [];
  for (let subnet = 0; out.length < n; subnet++) {
    for (let host = 1; host < size - 1 && out.length < n; host++) out.push(formatIpv4(base + subnet * size + host));
  }
  return out;
}

/** The manager child: in this namespace, or through `prefix` (ip netns exec NS) in another. */
class Manager {
  private readonly child: ChildProcess;
  private pending: ((m: any) => void) | null = null;

  /** `database`: the manager's SQLite file, the same for every manager of a run (congestion-manager.ts). */
  constructor(prefix: string[], database: string) {
    const script = fileURLToPath(new URL('./congestion-manager.js', import.meta.url));
    const argv = [...prefix, process.execPath, script, database];
    this.child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 2, 2, 'ipc'] });
    this.child.on('message', (m) => { const p = this.pending; this.pending = null; p?.(m); });
    this.child.on('exit', (code) => { if (this.pending) this.pending({ kind: 'error', message: `the manager exited (${code})` }); });
  }

  private ask(m: unknown): Promise<any> {
    return new Promise((resolve) => { this.pending = resolve; this.child.send(m as object); });
  }

  async start(pem: string): Promise<void> {
    await this.ask({ kind: 'key', pem });
  }

  async run(spec: RunSpec): Promise<RunResult> {
    const reply = await this.ask({ kind: 'run', spec });
    if (reply.kind !== 'result') throw new Error(`the manager failed: ${reply.message}`);
    return reply.result;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => { this.child.once('exit', () => resolve()); this.child.send({ kind: 'exit' }); });
  }
}

/** Arrivals per ms in at most MAX_BINS bins of whole ms. */
function histogram(arrivals: [number, number][]): { binMs: number; counts: number[] } {
  const lastMs = arrivals.length ? arrivals[arrivals.length - 1][0] : 0;
  const binMs = Math.max(1, Math.ceil((lastMs + 1) / MAX_BINS));
  const counts = new Array<number>(Math.floor(lastMs / binMs) + 1).fill(0);
  for (const [ms, c] of arrivals) counts[Math.floor(ms / binMs)] += c;
  return { binMs, counts };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Sets the nice of every thread of process `pid` (setpriority(2) sets one thread's: its JS thread, its GC and I/O threads). */
function reniceProcess(pid: number, nice: number): void {
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try { setPriority(Number(tid), nice); } catch { /* the thread ended meanwhile */ }
  }
}

/** The results as JSON: the header indented, each row on one line (its histogram makes it long), so diffs stay readable. */
function resultsJson(report: { rows: unknown[] }): string {
  const head = JSON.stringify({ ...report, rows: 'ROWS' }, null, 1);
  return `${head.replace('"rows": "ROWS"', `"rows": [\n${report.rows.map((r) => JSON.stringify(r)).join(',\n')}\n ]`)}\n`;
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the fleet's shards are idle (under 5% of a core each over 250 ms; at most 60 s), so one run's late
 * Polls and replies never spill into the next: the emulated RMCs share this machine's cores, and each Poll costs
 * one an Ed25519 check.
 */
async function shardsIdle(fleet: Fleet): Promise<void> {
  const pids = fleet.shards.status().flatMap((s) => (s.pid === null ? [] : [s.pid]));
  const until = Date.now() + 60_000;
  let before = treeCpuSeconds(pids);
  do {
    await sleep(250);
    const now = treeCpuSeconds(pids);
    if (now - before < 0.0125 * pids.length) return;
    before = now;
  } while (Date.now() < until);
}

async function main(): Promise<void> {
  const began = Date.now();
  const loadAtStart = loadavg();
  const key = generateManagerKey();
  const pem = key.signing.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const made = NETWORKS.includes('link') ? createLink() : { unavailable: 'not asked for' };
  const link: Link | null = 'link' in made ? made.link : null;
  if (!link) process.stderr.write(`congestion: loopback only: ${'unavailable' in made ? made.unavailable : ''}\n`);
  // one manager database for the run: every manager process goes on from the last one's rollout IDs and sequences
  const managerDir = mkdtempSync(join(tmpdir(), 'bmcfleet-congestion-manager-'));
  const managerDatabase = join(managerDir, 'manager.db');
  const cleanUp = () => { link?.remove(); rmSync(managerDir, { recursive: true, force: true }); };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => { cleanUp(); process.exit(130); });
  const networks = NETWORKS.filter((n) => n === 'loopback' || link);
  const rows: Record<string, unknown>[] = [];
  /**
   * R per (network, N): the rate the manager drained the burst at, with the 4 MiB buffer when it ran. With the default
   * buffer most of a burst is dropped and the few left arrive spread over the time the RMCs took to send, which says
   * little about the manager; its R sizes the window and rank slot and the bound of every buffer and layout.
   */
  const rates = new Map<string, number>();
  mkdirSync(OUT, { recursive: true });
  /** Writes OUT/congestion.json: after each run (complete: false), so a stopped run keeps its rows, and at the end. */
  const save = (plots: string[], complete: boolean) => {
    const report = {
      benchmark: 'congestion', node: process.version, mode: QUICK ? 'quick' : 'full', complete, machine: machine(),
      note: option('--note') ?? null, loadAverage: { atStart: loadAtStart.map(round3), atEnd: loadavg().map(round3) },
      tookSeconds: Math.round((Date.now() - began) / 1000),
      networks, link: link ? { shape: link.shape } : { unavailable: 'unavailable' in made ? made.unavailable : null },
      anchor: 'boundMs = N / R, R the replies/s the manager drained the burst of the same network and N at (the 4 MiB buffer\'s when it ran)',
      settings: { maxPolls: MAX_POLLS, pollConcurrency: POLL_CONCURRENCY, waits: Object.fromEntries(SIZES.map((n) => [n, waitsFor(n)])), shardNice: SHARD_NICE },
      plots, rows,
    };
    writeFileSync(join(OUT, 'congestion.json'), resultsJson(report));
    return report;
  };
  try {
    for (const layout of LAYOUTS) {
      // only the octet sum reads addresses: the other layouts run it alone
      if (layout !== LAYOUTS[0] && !RUN_SCHEMES.some((scheme) => ADDRESS_SCHEMES.includes(scheme))) continue;
      for (const n of SIZES) {
        // a fleet of N RMCs for each N: spare ones would only make the shards' heaps, and their collections, bigger
        const rmcIps = layoutAddresses(layout, n);
        const bmcIps = consecutiveAddresses('127.180.0.1', n);
        const [rolloutPort, ipmiPort] = [await freeUdpPort(), await freeUdpPort()];
        // RMC j (ID j + 1, the j-th address of the layout) sits in the rack at fleetPosition(j): dealt round-robin over
        // the shards, so the RMCs of one /24 spread over every core as a real fleet's own CPUs would.
        const shards = n % autoShards(2 * n) === 0 ? autoShards(2 * n) : 1;
        const perShard = Math.ceil(n / shards);
        const fleetPosition = (j: number) => (j % shards) * perShard + Math.floor(j / shards);
        const racks = new Array<{ name: string; bmcs: number; firstIp: string; rmc: { ip: string; id: number } }>(n);
        rmcIps.forEach((ip, j) => {
          const p = fleetPosition(j);
          racks[p] = { name: `r${j + 1}`, bmcs: 1, firstIp: bmcIps[p], rmc: { ip, id: j + 1 } };
        });
        const config = fleetConfig({
          ipmiPort, control: 'none',
          rollout: { port: rolloutPort, managerKey: key.rawPublicKey.toString('base64') },
          // One rack per RMC, one BMC each (on 127.180.x.y): the prepare round never talks to BMCs.
          racks,
        });
        const startedAt = Date.now();
        const fleet = await Fleet.start(config);
        process.stderr.write(`congestion: ${layout}: ${n} RMCs ready in ${Date.now() - startedAt} ms\n`);
        if (SHARD_NICE !== 0) for (const s of fleet.shards.status()) if (s.pid !== null) reniceProcess(s.pid, SHARD_NICE);
        try {
          for (const network of networks) {
            const manager = new Manager(network === 'link' ? link!.exec : [], managerDatabase);
            await manager.start(pem);
            try {
              const targets = rmcIps.map((address, i) => ({ rmcId: i + 1, address }));
              for (const rcvbuf of RCVBUFS) {
                const group = `${network} ${n}`;
                for (const scheme of RUN_SCHEMES) {
                  if (layout !== LAYOUTS[0] && !ADDRESS_SCHEMES.includes(scheme)) continue;
                  const qdiscBefore = link?.qdiscDrops() ?? 0;
                  const capture = CAPTURE && network === 'loopback' ? await LoopbackCapture.start(rolloutPort) : null;
                  if (capture && 'unavailable' in capture) throw new Error(`--capture: ${capture.unavailable}`);
                  const shardPids = fleet.shards.status().flatMap((s) => (s.pid === null ? [] : [s.pid]));
                  const shardCpuBefore = treeCpuSeconds(shardPids);
                  const r = await manager.run({
                    scheme, targets, rcvbufBytes: RCVBUF_BYTES[rcvbuf], replyRate: rates.get(group) ?? null, rmcPort: rolloutPort,
                    broadcastAddress: network === 'link' ? link!.broadcastAddress : '127.255.255.255',
                    bindAddress: network === 'link' ? link!.managerAddress : '0.0.0.0',
                    maxPolls: MAX_POLLS, ...waitsFor(n), pollConcurrency: POLL_CONCURRENCY,
                  });
                  const shardCpuMs = (treeCpuSeconds(shardPids) - shardCpuBefore) * 1000;
                  const qdiscDrops = network === 'link' ? link!.qdiscDrops() - qdiscBefore : null;
                  const offered: OfferedReplies | null = capture ? await (capture as LoopbackCapture).stop() : null;
                  if (scheme === 'burst' && r.measuredRate !== null && (rcvbuf === '4MiB' || !rates.has(group))) rates.set(group, r.measuredRate);
                  const R = rates.get(group) ?? r.replyRate;
                  const boundMs = (n / R) * 1000;
                  rows.push({
                    scheme, n, layout: ADDRESS_SCHEMES.includes(scheme) ? layout : 'any', rcvbuf, network,
                    firstRoundShare: round3(r.firstRound / n), rounds: r.rounds, timeToAllMs: r.timeToAllMs === null ? null : Math.round(r.timeToAllMs),
                    boundMs: Math.round(boundMs), ratioToBound: r.timeToAllMs === null ? null : round3(r.timeToAllMs / boundMs),
                    replyRatePerSec: Math.round(R), ...(scheme === 'burst' ? { thisBurstRatePerSec: r.measuredRate === null ? null : Math.round(r.measuredRate) } : {}), answered: r.answered, missing: r.missing, polls: r.polls, datagramsIn: r.datagramsIn,
                    reply: r.reply, effectiveRcvbufBytes: r.effectiveRcvbuf, readerNice: r.readerNice,
                    kernelDrops: { rcvbufErrors: r.kernel.rcvbufErrors, socketDrops: r.kernel.socketDrops, qdiscDrops, softnetDrops: r.kernel.softnetDrops }, readerDrops: r.kernel.readerDrops,
                    managerLoop: r.managerLoop,
                    // what a reply cost each side: the shards (emulated RMCs) and the manager share this machine's cores
                    cpuUsPerReply: { shards: Math.round((shardCpuMs * 1000) / r.datagramsIn), manager: Math.round((r.managerCpuMs * 1000) / r.datagramsIn) },
                    arrivalsPerMs: histogram(r.arrivals),
                    ...(offered ? { offered: { peak10Ms: offered.peak10Ms, captureDrops: offered.captureDrops, perMs: histogram(offered.perMs) } } : {}),
                  });
                  save([], false);
                  process.stderr.write(`congestion: ${network} ${layout} n=${n} rcvbuf=${rcvbuf} ${scheme}: first round ${r.firstRound}/${n}, `
                    + `${r.rounds ?? '-'} rounds, ${r.timeToAllMs === null ? 'not all' : `${Math.round(r.timeToAllMs)} ms`} (bound ${Math.round(boundMs)} ms), `
                    + `drops ${r.kernel.socketDrops ?? '?'} socket / ${r.kernel.rcvbufErrors} rcvbuf${qdiscDrops === null ? '' : ` / ${qdiscDrops} qdisc`}, `
                    + `manager loop max ${r.managerLoop.firstRoundMaxDelayMs} ms in round 1 (${r.managerLoop.maxDelayMs} in all), busy ${r.managerLoop.utilisation}${offered ? `, offered peak ${offered.peak10Ms}/10 ms` : ''}, `
                    + `load ${loadavg()[0].toFixed(2)} [${Math.round((Date.now() - began) / 1000)} s]\n`);
                  await shardsIdle(fleet);
                }
              }
            } finally {
              await manager.stop();
            }
          }
        } finally {
          await fleet.stop();
        }
      }
    }
  } finally {
    cleanUp();
  }

  const plots: string[] = [];
  for (const n of SIZES) {
    const file = `congestion-${n}.svg`;
    writeFileSync(join(OUT, file), await arrivalsSvg(rows as never, n));
    plots.push(file);
  }
  const report = save(plots, true);
  const windowRatio = (n: number) => (rows.find((r) => r.scheme === 'window' && r.n === n && r.network === 'loopback' && r.rcvbuf === 'default')?.ratioToBound ?? null);
  process.stdout.write(`${JSON.stringify({
    benchmark: 'congestion', mode: report.mode, machine: report.machine, results: join(OUT, 'congestion.json'), rows: rows.length,
    tookSeconds: report.tookSeconds, ratios: Object.fromEntries(SIZES.map((n) => [`window_${n}_timeToAll_vs_bound`, windowRatio(n)])),
  })}\n`);
}

main().catch((err) => {
  process.stderr.write(`congestion: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
