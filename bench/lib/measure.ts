// What the fleet benchmarks measure besides throughput: resident memory of process trees, readiness by ping; and the
// pool of workers that times a batch of jobs.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { discoverBmcs } from '../../clients/ipmi/rmcp-discovery.js';

/** The given processes and their children. */
function treePids(pids: readonly number[]): number[] {
  const all = new Set<number>(pids);
  for (const pid of pids) {
    try {
      for (const c of execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n')) if (c.trim()) all.add(Number(c));
    } catch { /* no children */ }
  }
  return [...all];
}

/** Total RSS in KB of the given processes and their children. */
export function treeRssKb(pids: readonly number[]): number {
  const out = execFileSync('ps', ['-o', 'rss=', '-p', treePids(pids).join(',')], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.trim()).reduce((n, l) => n + Number(l), 0);
}

/** Milliseconds from `since` until every address answers an ASF ping (polling; gives up after `limitMs`). */
export async function msUntilAllAnswer(addresses: readonly string[], port: number, since: number, limitMs = 600_000): Promise<number> {
  let left = [...addresses];
  while (left.length > 0) {
    if (performance.now() - since > limitMs) throw new Error(`${left.length} of ${addresses.length} never answered a ping`);
    const found = new Set((await discoverBmcs(left, { port, timeoutMs: 200, retries: 0 })).map((b) => b.address));
    left = left.filter((a) => !found.has(a));
  }
  return Math.round(performance.now() - since);
}

export function machine(): { cpus: number; model: string } {
  const c = cpus();
  return { cpus: c.length, model: c[0]?.model.trim() ?? 'unknown' };
}

/** CPU seconds (user + system) used so far by the given processes and their children, from /proc. */
export function treeCpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of treePids(pids)) {
    try {
      // /proc/PID/stat: fields after the command name (which may contain spaces) start at ")"; utime is the 14th field, stime the 15th.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch { /* exited meanwhile */ }
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** USER_HZ: 100 on Linux for every architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** `--hosts N` on the command line (a whole number, at least `least`), else `otherwise`. */
export function hostsOption(otherwise: number, least = 1): number {
  const i = process.argv.indexOf('--hosts');
  const hosts = i > 0 ? Number(process.argv[i + 1]) : otherwise;
  if (!Number.isInteger(hosts) || hosts < least) throw new Error(`--hosts takes a whole number of hosts, at least ${least}`);
  return hosts;
}

/** Runs `count` jobs with `concurrency` in flight (job i on worker w); returns the seconds taken. */
export async function pool(count: number, concurrency: number, job: (i: number, worker: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    for (let i = next++; i < count; i = next++) await job(i, w);
  }));
  return (performance.now() - t0) / 1000;
}
