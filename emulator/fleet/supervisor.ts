// The supervisor: splits a fleet across shard processes (one UDP socket per BMC or RMC, so at most ~12,500 a
// process under the fd limit, and both cores used), waits for them to serve, restarts a shard that dies
// while the others keep serving (for as long as the fleet runs, waiting longer after each quick death, and
// with the run-time state its nodes kept), routes control requests to the shard running a node, and hands
// each TCP connection to the shard running the node it was made to.
import { fork, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock, type Clock } from '../../runtime/clock.js';
import type { ShardRouter } from './control/route.js';
import { ControlError } from './control-error.js';
import type { FleetConfig } from './fleet-config.js';
import { NODE_KINDS } from './nodes/index.js';
import type { NodeKind } from './nodes/node-kind.js';
import { fleetSize, shardRanges } from './plan.js';
import type { ShardMessage, ShardState, ShardStatus, SupervisorMessage } from './shard-protocol.js';
import { TcpPorts } from './tcp-ports.js';

const SHARD_MAIN = join(dirname(fileURLToPath(import.meta.url)), 'shard-main.js');
/**
 * Restart backoff: a shard that dies is started again at once; if its new process dies within STABLE_MS of starting,
 * the next start waits FIRST_BACKOFF_MS, then twice as long after each further quick death, up to MAX_BACKOFF_MS.
 * A process that lived STABLE_MS starts the count over.
 */
export const RESTART_BACKOFF = Object.freeze({ STABLE_MS: 60_000, FIRST_BACKOFF_MS: 1000, MAX_BACKOFF_MS: 60_000 });

interface Pending { resolve(v: unknown): void; reject(e: Error): void }

class ShardHandle {
  child: ChildProcess | null = null;
  state: ShardState = 'starting';
  restarts = 0;
  /** Deaths in a row, each within STABLE_MS of its process starting. */
  quickDeaths = 0;
  startedAt = 0;
  /** While restarting: when the next process starts, and the timer that starts it. */
  restartAt: number | null = null;
  restartTimer: { cancel(): void } | null = null;
  lastExit: { reason: string; at: number } | null = null;
  /** Run-time state the shard's nodes kept (ShardContext.keep): kind -> address -> state, handed to its next process. */
  readonly kept = new Map<string, Map<string, unknown>>();
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

/** One node kind as the supervisor routes to it. */
interface KindIndex { kind: NodeKind<unknown>; positions: Map<string, number> }

export interface SupervisorOptions {
  /** UDP sockets bound so far across all shards, while starting (one per BMC with the BMC kind alone). */
  progress?(bound: number, total: number): void;
  /** One line for the operator (a shard died, came back, gave up). */
  log?(line: string): void;
  /** The node kinds the shards run: NODE_KINDS unless given (`shardMain` must then serve the same). */
  kinds?: readonly NodeKind<unknown>[];
  /** The module a shard process runs: shard-main.js unless given. */
  shardMain?: string;
  clock?: Clock;
}

export class Supervisor implements ShardRouter {
  readonly config: FleetConfig;
  /** Fleet positions (BMCs) in all. */
  readonly total: number;
  private readonly shards: ShardHandle[] = [];
  private readonly kinds = new Map<string, KindIndex>();
  /** TCP port -> the node kinds serving it. */
  private readonly tcpKinds = new Map<number, KindIndex[]>();
  private readonly udpSockets: number;
  private readonly options: SupervisorOptions;
  private readonly clock: Clock;
  private tcp: TcpPorts | null = null;
  private nextId = 1;
  private stopping = false;

  /** Throws RangeError if the plan is impossible (overlapping racks). */
  constructor(config: FleetConfig, options: SupervisorOptions = {}) {
    this.config = config;
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.total = fleetSize(config);
    let sockets = 0;
    for (const kind of options.kinds ?? NODE_KINDS) {
      const index = { kind, positions: kind.positions(config) };
      this.kinds.set(kind.name, index);
      for (const endpoint of kind.endpoints) {
        if (endpoint.transport === 'udp') {
          sockets += index.positions.size;
        } else {
          const port = endpoint.port(config);
          if (port !== null) this.tcpKinds.set(port, [...this.tcpKinds.get(port) ?? [], index]);
        }
      }
    }
    this.udpSockets = sockets;
    shardRanges(config).forEach(([from, to], k) => this.shards.push(new ShardHandle(k, from, to)));
  }

  /** Starts every shard, then the TCP listeners; resolves when all serve, rejects with the first failure (all stopped then). */
  async start(): Promise<void> {
    try {
      await Promise.all(this.shards.map((s) => this.launch(s)));
      if (this.tcpKinds.size > 0) this.tcp = await TcpPorts.listen(this.tcpKinds.keys(), (port, socket) => this.hand(port, socket));
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  status(): ShardStatus[] {
    const now = this.clock.now();
    return this.shards.map((s) => ({
      shard: s.no, pid: s.child?.pid ?? null, from: s.from, to: s.to, state: s.state, restarts: s.restarts,
      restartInSeconds: s.state !== 'restarting' ? null : s.restartAt === null ? 0 : Math.max(0, Math.ceil((s.restartAt - now) / 1000)),
      lastExit: s.lastExit && { reason: s.lastExit.reason, at: new Date(s.lastExit.at).toISOString() },
    }));
  }

  callFor(kind: string, address: string, request: unknown): Promise<unknown> {
    const index = this.index(kind);
    const position = index.positions.get(address);
    const s = position === undefined ? undefined : this.shardAt(position);
    if (!s) return Promise.reject(new ControlError(404, `no ${index.kind.label} at ${address}`));
    return this.call(s, kind, request);
  }

  async callAll(kind: string, request: unknown): Promise<unknown[]> {
    this.index(kind);
    const up = this.shards.filter((s) => s.state === 'ready');
    return Promise.all(up.map((s) => this.call(s, kind, request)));
  }

  async callRange(kind: string, offset: number, limit: number, request: (offset: number, limit: number) => unknown): Promise<unknown[]> {
    this.index(kind);
    const parts = this.shards
      .filter((s) => s.to > offset && s.from < offset + limit && s.state === 'ready')
      .map((s) => {
        const lo = Math.max(offset, s.from);
        return this.call(s, kind, request(lo - s.from, Math.min(offset + limit, s.to) - lo));
      });
    return Promise.all(parts);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const s of this.shards) s.restartTimer?.cancel();
    await this.tcp?.close();
    this.tcp = null;
    await Promise.all(this.shards.map((s) => new Promise<void>((resolve) => {
      const child = s.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    })));
  }

  private index(kind: string): KindIndex {
    const index = this.kinds.get(kind);
    if (!index) throw new Error(`no node kind named ${kind}`);
    return index;
  }

  private shardAt(position: number): ShardHandle | undefined {
    return this.shards.find((s) => position >= s.from && position < s.to);
  }

  private call(s: ShardHandle, kind: string, request: unknown): Promise<unknown> {
    if (s.state !== 'ready' || !s.child) return Promise.reject(new ControlError(503, `shard ${s.no} is ${s.state}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      s.pending.set(id, { resolve, reject });
      s.child!.send({ type: 'request', id, kind, request } satisfies SupervisorMessage);
    });
  }

  /** Hands a TCP connection to the shard running the node at its local address; closes it when none is up. */
  private hand(port: number, socket: Socket): void {
    const address = socket.localAddress;
    for (const { positions } of this.tcpKinds.get(port) ?? []) {
      const position = address === undefined ? undefined : positions.get(address);
      const s = position === undefined ? undefined : this.shardAt(position);
      if (!s) continue;
      if (s.state === 'ready' && s.child?.connected) {
        s.child.send({ type: 'connection', port } satisfies SupervisorMessage, socket, (err) => { if (err) socket.destroy(); });
        return;
      }
      break;
    }
    socket.destroy();
  }

  /** Starts a process for `s`; resolves when it serves, rejects if it fails first (its exit then restarts it, unless it was the first start). */
  private launch(s: ShardHandle): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = fork(this.options.shardMain ?? SHARD_MAIN, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      s.child = child;
      s.bound = 0;
      s.startedAt = this.clock.now();
      let failure: string | null = null;
      child.on('message', (msg: ShardMessage) => {
        switch (msg.type) {
          case 'progress':
            s.bound = msg.bound;
            this.options.progress?.(this.shards.reduce((n, x) => n + x.bound, 0), this.udpSockets);
            break;
          case 'ready':
            s.state = 'ready';
            resolve();
            break;
          case 'failed':
            failure = msg.error;
            reject(new Error(msg.error));
            break;
          case 'reply': {
            const p = s.pending.get(msg.id);
            s.pending.delete(msg.id);
            if (msg.ok) p?.resolve(msg.result);
            else p?.reject(new ControlError(msg.status, msg.error));
            break;
          }
          case 'keep': {
            const byAddress = s.kept.get(msg.kind) ?? new Map<string, unknown>();
            s.kept.set(msg.kind, byAddress);
            for (const [address, state] of msg.entries) byAddress.set(address, state);
            break;
          }
          case 'log':
            this.options.log?.(msg.line);
            break;
        }
      });
      child.once('exit', (code, signal) => {
        for (const p of s.pending.values()) p.reject(new ControlError(503, `shard ${s.no} exited`));
        s.pending.clear();
        const how = signal ?? `code ${code}`;
        reject(new Error(`shard ${s.no} exited (${how}) before it was ready`)); // nothing if it was
        this.exited(s, child.pid, failure === null ? how : `could not start: ${failure}`);
      });
      const kept = Object.fromEntries([...s.kept].map(([kind, byAddress]) => [kind, [...byAddress]]));
      child.send({ type: 'start', config: this.config, shard: s.no, from: s.from, to: s.to, kept } satisfies SupervisorMessage);
    });
  }

  /** A shard's process ended: starts another after the backoff, unless the fleet is stopping or was starting (start() fails then). */
  private exited(s: ShardHandle, pid: number | undefined, reason: string): void {
    if (this.stopping || s.state === 'starting') return;
    const now = this.clock.now();
    s.lastExit = { reason, at: now };
    s.quickDeaths = now - s.startedAt < RESTART_BACKOFF.STABLE_MS ? s.quickDeaths + 1 : 1;
    const wait = s.quickDeaths <= 1 ? 0 : Math.min(RESTART_BACKOFF.MAX_BACKOFF_MS, RESTART_BACKOFF.FIRST_BACKOFF_MS * 2 ** (s.quickDeaths - 2));
    s.state = 'restarting';
    s.restartAt = now + wait;
    this.options.log?.(`shard ${s.no} (pid ${pid}) exited (${reason}); restarting its ${s.to - s.from} BMCs ${wait === 0 ? 'now' : `in ${wait / 1000} s (${s.quickDeaths} quick exits in a row)`}, the other shards keep serving`);
    s.restartTimer = this.clock.setTimeout(() => {
      s.restartTimer = null;
      s.restartAt = null;
      s.restarts++;
      // A process that fails to start exits too: its exit schedules the next try, so the rejection needs nothing more.
      this.launch(s).then(() => this.options.log?.(`shard ${s.no} back (pid ${s.child?.pid})`), () => {});
    }, wait);
  }
}
