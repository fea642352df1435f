// The supervisor: splits a fleet across shard processes (one UDP socket per BMC, so at most ~12,500 BMCs a
// process under the fd limit, and both cores used), waits for them to serve, restarts a shard that dies
// while the others keep serving, and routes control requests to the shard that owns a BMC.
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FleetConfig } from './fleet-config.js';
import { addressIndex, autoShards, fleetSize, shardRange } from './plan.js';
import type { ShardMessage, ShardOp, SupervisorMessage } from './shard-protocol.js';
import { ControlError } from './control-error.js';

const SHARD_MAIN = join(dirname(fileURLToPath(import.meta.url)), 'shard-main.js');
/** A shard that dies this many times within RESTART_WINDOW_MS is left down (and reported). */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

export interface ShardStatus { shard: number; pid: number | null; from: number; to: number; state: ShardState; restarts: number }
type ShardState = 'starting' | 'ready' | 'restarting' | 'down';

interface Pending { resolve(v: unknown): void; reject(e: Error): void }

class ShardHandle {
  child: ChildProcess | null = null;
  state: ShardState = 'starting';
  restarts = 0;
  recentDeaths: number[] = [];
  bound = 0;
  readonly pending = new Map<number, Pending>();
  readonly no: number;
  readonly from: number;
  readonly to: number;
  constructor(no: number, from: number, to: number) {
    this.no = no;
    this.from = from;
    this.to = to;
  }
}

export interface SupervisorEvents {
  /** BMCs bound so far across all shards, while starting. */
  progress?(bound: number, total: number): void;
  /** One line for the operator (a shard died, came back, gave up). */
  log?(line: string): void;
}

export class Supervisor {
  readonly config: FleetConfig;
  readonly total: number;
  private readonly shards: ShardHandle[] = [];
  private readonly byIp: Map<string, number>;
  private readonly events: SupervisorEvents;
  private nextId = 1;
  private stopping = false;

  /** Throws RangeError if the plan is impossible (overlapping racks). */
  constructor(config: FleetConfig, events: SupervisorEvents = {}) {
    this.config = config;
    this.events = events;
    this.total = fleetSize(config);
    this.byIp = addressIndex(config);
    const n = Math.min(this.total, config.shards || autoShards(this.total));
    for (let k = 0; k < n; k++) {
      const [from, to] = shardRange(this.total, n, k);
      if (from < to) this.shards.push(new ShardHandle(k, from, to));
    }
  }

  /** Starts every shard; resolves when all serve, rejects with the first shard's failure (all stopped then). */
  async start(): Promise<void> {
    try {
      await Promise.all(this.shards.map((s) => this.launch(s)));
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  status(): ShardStatus[] {
    return this.shards.map((s) => ({ shard: s.no, pid: s.child?.pid ?? null, from: s.from, to: s.to, state: s.state, restarts: s.restarts }));
  }

  /** The shard number serving `ip`, or undefined. */
  shardOf(ip: string): number | undefined {
    const index = this.byIp.get(ip);
    return index === undefined ? undefined : this.shards.find((s) => index >= s.from && index < s.to)?.no;
  }

  /** Sends `op` to the shard owning `ip` (ControlError 404 if none). */
  callFor(ip: string, op: ShardOp): Promise<unknown> {
    const k = this.shardOf(ip);
    if (k === undefined) return Promise.reject(new ControlError(404, `no BMC at ${ip}`));
    return this.call(k, op);
  }

  /** Sends `op` to every shard that is up; shards that are down are left out of the answer. */
  async callAll(op: ShardOp): Promise<unknown[]> {
    const up = this.shards.filter((s) => s.state === 'ready');
    return Promise.all(up.map((s) => this.call(s.no, op)));
  }

  /** BMCs [offset, offset+limit) in fleet order, asked of the shards that hold them. */
  async list(offset: number, limit: number): Promise<unknown[]> {
    const parts = this.shards
      .filter((s) => s.to > offset && s.from < offset + limit && s.state === 'ready')
      .map((s) => {
        const lo = Math.max(offset, s.from);
        return this.call(s.no, { op: 'list', offset: lo - s.from, limit: Math.min(offset + limit, s.to) - lo });
      });
    return (await Promise.all(parts)).flat() as unknown[];
  }

  call(shardNo: number, request: ShardOp): Promise<unknown> {
    const s = this.shards[shardNo];
    if (!s || s.state !== 'ready' || !s.child) return Promise.reject(new ControlError(503, `shard ${shardNo} is ${s?.state ?? 'unknown'}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      s.pending.set(id, { resolve, reject });
      s.child!.send({ type: 'request', id, request } satisfies SupervisorMessage);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.shards.map((s) => new Promise<void>((resolve) => {
      const child = s.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    })));
  }

  private launch(s: ShardHandle): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = fork(SHARD_MAIN, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      s.child = child;
      s.bound = 0;
      let settled = false;
      child.on('message', (msg: ShardMessage) => {
        switch (msg.type) {
          case 'progress':
            s.bound = msg.bound;
            this.events.progress?.(this.shards.reduce((n, x) => n + x.bound, 0), this.total);
            break;
          case 'ready':
            s.state = 'ready';
            settled = true;
            resolve();
            break;
          case 'failed':
            settled = true;
            reject(new Error(msg.error));
            break;
          case 'reply': {
            const p = s.pending.get(msg.id);
            s.pending.delete(msg.id);
            if (msg.ok) p?.resolve(msg.result);
            else p?.reject(new ControlError(msg.status, msg.error));
            break;
          }
        }
      });
      child.once('exit', (code, signal) => {
        for (const p of s.pending.values()) p.reject(new ControlError(503, `shard ${s.no} exited`));
        s.pending.clear();
        if (!settled) {
          settled = true;
          reject(new Error(`shard ${s.no} exited (${signal ?? `code ${code}`}) before it was ready`));
          return;
        }
        if (!this.stopping) this.restart(s, signal ?? `code ${code}`);
      });
      child.send({ type: 'start', config: this.config, shard: s.no, from: s.from, to: s.to } satisfies SupervisorMessage);
    });
  }

  private restart(s: ShardHandle, why: string): void {
    const now = Date.now();
    s.recentDeaths = [...s.recentDeaths.filter((t) => now - t < RESTART_WINDOW_MS), now];
    const pid = s.child?.pid;
    if (s.recentDeaths.length > MAX_RESTARTS) {
      s.state = 'down';
      this.events.log?.(`shard ${s.no} (pid ${pid}) exited (${why}) ${s.recentDeaths.length} times within a minute: left down; BMCs ${s.from}-${s.to - 1} are not served`);
      return;
    }
    s.state = 'restarting';
    s.restarts++;
    this.events.log?.(`shard ${s.no} (pid ${pid}) exited (${why}); restarting its ${s.to - s.from} BMCs, the other shards keep serving`);
    this.launch(s).then(
      () => this.events.log?.(`shard ${s.no} back (pid ${s.child?.pid})`),
      (err: Error) => {
        s.state = 'down';
        this.events.log?.(`shard ${s.no} could not restart: ${err.message}`);
      },
    );
  }
}
