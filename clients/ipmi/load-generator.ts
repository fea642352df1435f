// An IPMI load generator: C workers, each with its own RMCP+ session (or opening and closing sessions in a
// loop), spread over the targets, for a fixed time. The same generator measures our emulator and ipmi_sim.
// Failures are counted by cause (failure-cause.ts). A worker whose login cannot succeed (wrong password, unknown
// user, cipher suite refused) stops at once instead of filling the BMC's session table with half-open sessions;
// one told the table is full waits before trying again, longer each time.
import { IpmiLanClient } from './ipmi-client.js';
import { IpmiTimeoutError } from './ipmi-errors.js';
import { FailureCause, FailureTally, LASTING_CAUSES } from './failure-cause.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { systemClock } from '../../runtime/clock.js';

export const LOAD_COMMANDS = {
  'get-device-id': { netFn: NetFn.APP, cmd: 0x01 },
  'chassis-status': { netFn: NetFn.CHASSIS, cmd: 0x01 },
} as const;

export type LoadCommand = keyof typeof LOAD_COMMANDS;

export interface LoadOptions {
  targets: readonly string[];
  port: number;
  username: string;
  password: string;
  cipherSuite: number;
  command: LoadCommand;
  /** Workers (sessions in flight at once); worker i uses target i mod targets.length. */
  concurrency: number;
  durationMs: number;
  /** 'requests': one session per worker, requests back to back; 'sessions': open + close in a loop. */
  mode: 'requests' | 'sessions';
  timeoutMs?: number;
}

export interface LoadReport {
  mode: LoadOptions['mode'];
  command: LoadCommand;
  cipherSuite: number;
  targets: number;
  concurrency: number;
  seconds: number;
  requests: number;
  requestsPerSec: number;
  sessionSetups: number;
  sessionSetupsPerSec: number;
  /** Of each request (mode requests) or each session setup (mode sessions). */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Failures by cause (failure-cause.ts FailureCause). */
  errors: Partial<Record<FailureCause, number>>;
  /** The first message of each cause. */
  errorExamples: Partial<Record<FailureCause, string>>;
  /** Workers that stopped early on a cause retrying cannot cure (wrong password, unknown user, suite refused). */
  workersStopped: number;
}

/** Waits after "session table full": doubling from the first to the last. */
const FULL_TABLE_BACKOFF_MS = { first: 50, last: 2000 };

export async function runIpmiLoad(opts: LoadOptions): Promise<LoadReport> {
  if (opts.targets.length === 0) throw new RangeError('no targets');
  const { netFn, cmd } = LOAD_COMMANDS[opts.command];
  const latencies: number[] = [];
  const failures = new FailureTally();
  let workersStopped = 0;
  let requests = 0;
  let setups = 0;
  const started = performance.now();
  const deadline = started + opts.durationMs;
  const connect = (host: string) => IpmiLanClient.connect({
    host, port: opts.port, username: opts.username, password: opts.password, cipherSuite: opts.cipherSuite,
    timeoutMs: opts.timeoutMs ?? 1000, retries: 0,
  });

  const worker = async (i: number) => {
    const host = opts.targets[i % opts.targets.length];
    let client: IpmiLanClient | null = null;
    let backoffMs = 0;
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        if (opts.mode === 'sessions' || !client) {
          client = await connect(host);
          setups++;
          if (opts.mode === 'sessions') {
            await client.close();
            client = null;
            latencies.push(performance.now() - t0);
            continue;
          }
        }
        await client.callRaw(netFn, cmd);
        requests++;
        latencies.push(performance.now() - t0);
        backoffMs = 0;
      } catch (err) {
        const cause = failures.add(err); // rethrows anything a BMC cannot cause: a bug surfaces
        if (LASTING_CAUSES.has(cause)) {
          workersStopped++;
          break;
        }
        if (cause === FailureCause.SESSION_TABLE_FULL) {
          backoffMs = Math.min(FULL_TABLE_BACKOFF_MS.last, Math.max(FULL_TABLE_BACKOFF_MS.first, backoffMs * 2));
          await new Promise<void>((resolve) => systemClock.setTimeout(resolve, Math.min(backoffMs, Math.max(0, deadline - performance.now()))));
        }
        if (err instanceof IpmiTimeoutError && client) {
          await client.close();
          client = null; // a session that stopped answering may be gone (reboot, idle expiry): open a new one
        }
      }
    }
    await client?.close();
  };
  await Promise.all(Array.from({ length: opts.concurrency }, (_, i) => worker(i)));
  const seconds = (performance.now() - started) / 1000;
  return {
    mode: opts.mode, command: opts.command, cipherSuite: opts.cipherSuite, targets: opts.targets.length, concurrency: opts.concurrency,
    seconds: round(seconds), requests, requestsPerSec: round(requests / seconds), sessionSetups: setups, sessionSetupsPerSec: round(setups / seconds),
    latencyMs: percentiles(latencies), errors: failures.counts, errorExamples: failures.examples, workersStopped,
  };
}

function percentiles(values: number[]): LoadReport['latencyMs'] {
  if (values.length === 0) return { p50: 0, p90: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(sorted[sorted.length - 1]) };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
