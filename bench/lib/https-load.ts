// An HTTPS GET load against a list of targets, as a Redfish client sends it: keep-alive connections (at most
// `socketsPerTarget` to each target), a bounded number of requests in flight, each answer read whole. Reports
// requests/s, latency percentiles and failures by kind.
import { Agent, request } from 'node:https';
import type { Socket } from 'node:net';

export interface HttpsTarget {
  host: string;
  port: number;
  path: string;
  headers: Record<string, string>;
  /** The client's source address: a fleet bounds connections per source (redfish.maxConnectionsPerSource). */
  localAddress?: string;
}

export interface HttpsAnswer { status: number; body: Buffer; headers: Record<string, string | string[] | undefined>; socket: Socket }

export interface LoadReport {
  requests: number;
  requestsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Failures by kind: `status-NNN` for an answer other than 200, else the error's code. */
  errors: Record<string, number>;
  /** Connections the client opened meanwhile (0 when keep-alive held every one). */
  connectionsOpened: number;
}

/** Keep-alive HTTPS client trusting `ca` (PEM). `keepAlive: false` opens a connection per request (a first contact). */
export class HttpsClient {
  private readonly agent: Agent;
  /** Connections opened so far. */
  opened = 0;

  constructor(ca: string, o: { keepAlive: boolean; socketsPerTarget: number }) {
    this.agent = new Agent({ ca, keepAlive: o.keepAlive, maxSockets: o.socketsPerTarget, maxFreeSockets: o.socketsPerTarget, scheduling: 'fifo' });
  }

  send(target: HttpsTarget, method = 'GET', body?: string): Promise<HttpsAnswer> {
    return new Promise((resolve, reject) => {
      const req = request({
        agent: this.agent, host: target.host, port: target.port, path: target.path, method, localAddress: target.localAddress,
        headers: body === undefined ? target.headers : { ...target.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      }, (res) => {
        if (!req.reusedSocket) this.opened++;
        const chunks: Buffer[] = [];
        const socket = res.socket; // the agent takes it back at the end
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers, socket }));
        res.on('error', reject);
      });
      // which request failed, and when: a bare "socket hang up" names neither
      const sent = performance.now();
      req.on('error', (err: NodeJS.ErrnoException) => {
        const where = `${method} https://${target.host}:${target.port}${target.path} from ${target.localAddress ?? 'any'}, ${Math.round(performance.now() - sent)} ms after sending`;
        reject(Object.assign(new Error(`${where}: ${err.message}`, { cause: err }), { code: err.code }));
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Every target once (each gets its connections), `inFlight` at a time; throws on the first failure. */
export async function touchAll(client: HttpsClient, targets: readonly HttpsTarget[], inFlight: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(inFlight, targets.length) }, async () => {
    for (let i = next++; i < targets.length; i = next++) {
      const answer = await client.send(targets[i]);
      if (answer.status !== 200) throw new Error(`GET https://${targets[i].host}:${targets[i].port}${targets[i].path}: ${answer.status} ${answer.body}`);
    }
  }));
}

/**
 * A keep-alive connection to each target, opened `chunk` targets at a time, every connection already open used again
 * between chunks: a server may close a kept-alive connection idle a few seconds (Node's default keepAliveTimeout,
 * 5 s; the fleet keeps one 15 minutes, as bmcweb does), less than opening a thousand TLS connections may take on a
 * busy machine, and a load that then reconnects to every target measures handshakes, not requests.
 */
export async function openKeptAlive(client: HttpsClient, targets: readonly HttpsTarget[], inFlight: number, chunk: number): Promise<void> {
  for (let end = Math.min(chunk, targets.length); ; end = Math.min(end + chunk, targets.length)) {
    await touchAll(client, targets.slice(0, end), inFlight);
    if (end === targets.length) return;
  }
}

/** GETs for `durationMs`, `inFlight` at once, the targets in turn. */
export async function runHttpsLoad(client: HttpsClient, targets: readonly HttpsTarget[], inFlight: number, durationMs: number): Promise<LoadReport> {
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  const fail = (kind: string) => { errors[kind] = (errors[kind] ?? 0) + 1; };
  let next = 0;
  const openedBefore = client.opened;
  const t0 = performance.now();
  const end = t0 + durationMs;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < end) {
      const target = targets[next++ % targets.length];
      const sent = performance.now();
      try {
        const answer = await client.send(target);
        if (answer.status === 200) latencies.push(performance.now() - sent);
        else fail(`status-${answer.status}`);
      } catch (err) {
        fail((err as NodeJS.ErrnoException).code ?? (err as Error).message);
      }
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  return { requests: latencies.length, requestsPerSec: Math.round(latencies.length / seconds), latencyMs: percentiles(latencies), errors, connectionsOpened: client.opened - openedBefore };
}

function percentiles(values: number[]): LoadReport['latencyMs'] {
  if (values.length === 0) return { p50: 0, p90: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(sorted[sorted.length - 1]) };
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
