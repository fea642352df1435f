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
import type { FleetConfig, RackConfig } from './fleet-config.js';
import { NODE_KINDS } from './nodes/index.js';
import type { NodeKind } from './nodes/node-kind.js';
import { BMC } from './nodes/bmc-requests.js';
import { RMC } from '../rack/rmc-nodes.js';
import { SOCKETS_PER_SHARD, fleetSize, liveBmcs, liveRack, placements, rackAt, shardRanges, socketsIn } from './plan.js';
import type { DropMessage, GrowMessage, ShardMessage, ShardState, ShardStatus, SupervisorMessage } from './shard-protocol.js';
import { consecutiveAddresses } from '../../runtime/ipv4.js';
import { TcpPorts } from './tcp-ports.js';
import type { LogSink } from '../../runtime/log.js';

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
  /** Node sockets its process reported bound (the start's progress). */
  bound = 0;
  readonly pending = new Map<number, Pending>();
  readonly no: number;
  readonly from: number;
  /** Grows when BMCs are added to it at run time. */
  to: number;
  constructor(no: number, from: number, to: number) {
    this.no = no;
    this.from = from;
    this.to = to;
  }
}

/** One node kind as the supervisor routes to it. */
interface KindIndex { kind: NodeKind<unknown>; positions: Map<string, number> }

/** Rack entries (the fleet file's and those added at run time) a fleet keeps at most. */
export const MAX_RACK_ENTRIES = 10_000;

/** Shard processes a fleet runs at most (the fleet file's `shards` at most too). */
export const MAX_SHARDS = 64;

/** `record` without the key `ip`. */
function without<T>(record: Record<string, T>, ip: string): Record<string, T> {
  if (!(ip in record)) return record;
  const { [ip]: _gone, ...rest } = record;
  return rest;
}

export interface SupervisorOptions {
  /** UDP sockets bound so far across all shards, while starting (one per BMC with the BMC kind alone). */
  progress?(bound: number, total: number): void;
  /** Lines for the operator (a shard died, came back, gave up), and those its shards send. */
  log?: LogSink;
  /** The node kinds the shards run: NODE_KINDS unless given (`shardMain` must then serve the same). */
  kinds?: readonly NodeKind<unknown>[];
  /** The module a shard process runs: shard-main.js unless given. */
  shardMain?: string;
  clock?: Clock;
}

export class Supervisor implements ShardRouter {
  private current: FleetConfig;
  private readonly shards: ShardHandle[] = [];
  /** Additions and removals, one at a time. */
  private changing: Promise<unknown> = Promise.resolve();
  private readonly kinds = new Map<string, KindIndex>();
  /** TCP port -> the node kinds serving it. */
  private readonly tcpKinds = new Map<number, KindIndex[]>();
  private readonly udpSockets: number;
  private readonly options: SupervisorOptions;
  private readonly clock: Clock;
  private tcp: TcpPorts | null = null;
  private nextId = 1;
  private nextShardNo = 0;
  private stopping = false;
  /** Every shard of the fleet file served once: shards started later (POST /bmcs) report no progress. */
  private started = false;

  /** Throws RangeError if the plan is impossible (overlapping racks). */
  constructor(config: FleetConfig, options: SupervisorOptions = {}) {
    this.current = config;
    this.options = options;
    this.clock = options.clock ?? systemClock;
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
    for (const [from, to] of shardRanges(config)) this.shards.push(new ShardHandle(this.nextShardNo++, from, to));
  }

  /** The fleet as it runs: the fleet file's, with what was added and removed at run time. */
  get config(): FleetConfig {
    return this.current;
  }

  /** BMCs served. */
  get total(): number {
    return liveBmcs(this.current);
  }

  /** BMC numbers given out: GET /bmcs pages below it (a removed BMC's number is a gap). */
  get numbers(): number {
    return fleetSize(this.current);
  }

  /**
   * Adds `rack`'s BMCs (and its RMC) at the next fleet positions: to the last shard when it has room, else to a new
   * shard process. Resolves once they serve; ControlError 409 when
   * an address is in use (here or by another program) or the fleet would pass maxBmcs, 503 while the last shard restarts.
   */
  add(rack: RackConfig): Promise<{ shard: number; from: number; to: number }> {
    return this.serially(() => this.grow(rack));
  }

  /**
   * Gives out `rack`'s fleet positions as already removed, binding nothing: a compacted change file's addition whose
   * BMCs were all removed since (fleet-changes-file.ts), so the BMCs added after it keep their numbers.
   */
  reserve(rack: RackConfig): Promise<void> {
    return this.serially(async () => {
      const config = this.current;
      if (config.racks.length >= MAX_RACK_ENTRIES) throw new ControlError(409, `the fleet has ${MAX_RACK_ENTRIES} racks and additions, the most it keeps: restart it`);
      const from = fleetSize(config);
      this.shards.at(-1)!.to = from + rack.count; // the last shard spans them, as after add() then remove
      const removed = Array.from({ length: rack.count }, (_, k) => from + k);
      this.changed({ ...config, racks: [...config.racks, { ...rack, rmc: null }], removedBmcs: [...config.removedBmcs, ...removed] });
    });
  }

  /** Stops the BMC at `ip` and frees its address (and deletes its saved state). 404: none; 409: its rack has an RMC. */
  removeBmc(ip: string): Promise<void> {
    return this.serially(() => this.dropBmc(ip));
  }

  /** Stops the live BMCs of the rack named `name` and its RMC, and frees their addresses (and deletes their saved state). */
  removeRack(name: string): Promise<{ bmcs: string[]; rmc: string | null }> {
    return this.serially(() => this.dropRack(name));
  }

  /** Starts every shard, then the TCP listeners; resolves when all serve, rejects with the first failure (all stopped then). */
  async start(): Promise<void> {
    try {
      await Promise.all(this.shards.map((s) => this.launch(s)));
      if (this.tcpKinds.size > 0) this.tcp = await TcpPorts.listen(this.tcpKinds.keys(), (port, socket) => this.hand(port, socket));
      this.started = true;
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

  private serially<T>(change: () => Promise<T>): Promise<T> {
    const done = this.changing.then(change, change);
    this.changing = done.catch(() => {});
    return done;
  }

  private async grow(rack: RackConfig): Promise<{ shard: number; from: number; to: number }> {
    const config = this.current;
    const live = liveBmcs(config);
    if (live + rack.count > config.maxBmcs) {
      throw new ControlError(409, `the fleet serves ${live} BMCs: ${rack.count} more would pass its limit of ${config.maxBmcs} (security.maxBmcs in the fleet file)`);
    }
    if (config.racks.length >= MAX_RACK_ENTRIES) throw new ControlError(409, `the fleet has ${MAX_RACK_ENTRIES} racks and additions, the most it keeps: restart it`);
    this.checkFree(rack);
    const from = fleetSize(config);
    const to = from + rack.count;
    const grown: FleetConfig = { ...config, racks: [...config.racks, rack] };
    // the last shard runs the positions up to `from`: it takes the rack when its sockets, the rack's with them, fit
    const last = this.shards.at(-1);
    if (last && socketsIn(grown, last.from, to) <= SOCKETS_PER_SHARD) {
      if (last.state !== 'ready') throw new ControlError(503, `shard ${last.no} is ${last.state}: try again once it serves`);
      await this.send(last, { type: 'grow', id: this.nextId++, config: grown, from, to });
      last.to = to;
      this.changed(grown);
      return { shard: last.no, from, to };
    }
    if (this.shards.length >= MAX_SHARDS) throw new ControlError(409, `the fleet runs ${MAX_SHARDS} shard processes, the most it starts`);
    const s = new ShardHandle(this.nextShardNo++, from, to);
    this.current = grown; // the new process starts with it
    this.shards.push(s);
    try {
      await this.launch(s);
    } catch (err) {
      this.shards.pop();
      this.current = config;
      throw new ControlError(/EADDRINUSE/.test((err as Error).message) ? 409 : 500, (err as Error).message);
    }
    this.changed(grown);
    return { shard: s.no, from, to };
  }

  /** ControlError 409 when an address `rack` asks for (or its name) is taken. */
  private checkFree(rack: RackConfig): void {
    const asked = [...consecutiveAddresses(rack.firstIp, rack.count), ...(rack.rmc ? [rack.rmc.ip] : [])];
    for (const ip of asked) {
      for (const { kind, positions } of this.kinds.values()) {
        const at = positions.get(ip);
        if (at !== undefined) throw new ControlError(409, `${ip} is in use: ${kind.label}${kind.name === BMC ? ` number ${at}` : ''}, rack ${rackAt(this.current, at).name}`);
      }
    }
    if (liveRack(this.current, rack.name)) throw new ControlError(409, `a rack named "${rack.name}" is in the fleet already: rack names are unique`);
    const sameId = rack.rmc && this.current.racks.find((r) => r.rmc?.id === rack.rmc!.id);
    if (sameId) throw new ControlError(409, `RMC ID ${rack.rmc!.id} is rack ${sameId.name}'s RMC's already: give rmc.id`);
  }

  private async dropBmc(ip: string): Promise<void> {
    const position = this.index(BMC).positions.get(ip);
    if (position === undefined) throw new ControlError(404, `no BMC at ${ip}`);
    const rack = rackAt(this.current, position);
    // An RMC's BMCs are fixed when it is built (emulator/rack/rmc-nodes.ts): the list it flashes, the count it tells a
    // manager in the prepare round, and the progress it saves per BMC by rack position (rmcs/IP/) to resume a flash
    // after a crash. Taking one out would shift that saved progress onto the wrong BMCs, or lose it.
    if (rack.rmc) {
      throw new ControlError(409, `${ip} is in rack ${rack.name}, whose RMC (${rack.rmc.ip}) flashes its ${rack.count} BMCs: its list of them, `
        + `the count it reports to a manager and the flash progress it keeps for each are fixed when it is built, so one BMC cannot leave the rack; `
        + `remove the whole rack (DELETE /racks/${rack.name})`);
    }
    const s = this.shardAt(position)!;
    await this.send(s, { type: 'drop', id: this.nextId++, kind: BMC, address: ip });
    s.kept.get(BMC)?.delete(ip);
    this.changed({ ...this.current, removedBmcs: [...this.current.removedBmcs, position], bmcFaults: without(this.current.bmcFaults, ip) });
  }

  private async dropRack(name: string): Promise<{ bmcs: string[]; rmc: string | null }> {
    const found = liveRack(this.current, name);
    if (!found) throw new ControlError(404, `no rack named "${name}"`);
    const { rack, from } = found;
    const bmcs = placements(this.current, from, from + rack.count);
    const drops = bmcs.map((p) => ({ kind: BMC, ip: p.ip, position: p.index }));
    // the RMC first (it runs in the shard of the rack's first position), so it flashes none of them once they go
    if (rack.rmc) drops.unshift({ kind: RMC, ip: rack.rmc.ip, position: from });
    for (const { kind, ip, position } of drops) {
      const s = this.shardAt(position)!;
      await this.send(s, { type: 'drop', id: this.nextId++, kind, address: ip });
      s.kept.get(kind)?.delete(ip);
    }
    const racks = this.current.racks.map((r) => (r === rack ? { ...r, rmc: null } : r));
    let bmcFaults = this.current.bmcFaults;
    for (const p of bmcs) bmcFaults = without(bmcFaults, p.ip);
    this.changed({ ...this.current, racks, bmcFaults, removedBmcs: [...this.current.removedBmcs, ...bmcs.map((p) => p.index)] });
    return { bmcs: bmcs.map((p) => p.ip), rmc: rack.rmc?.ip ?? null };
  }

  /** The run-time change made: the fleet as it now is, and every kind's addresses from it. */
  private changed(config: FleetConfig): void {
    this.current = config;
    for (const index of this.kinds.values()) index.positions = index.kind.positions(config);
  }

  /** A grow or drop message to `s`, answered like a request. */
  private send(s: ShardHandle, message: GrowMessage | DropMessage): Promise<unknown> {
    if (s.state !== 'ready' || !s.child) return Promise.reject(new ControlError(503, `shard ${s.no} is ${s.state}: try again once it serves`));
    return new Promise((resolve, reject) => {
      s.pending.set(message.id, { resolve, reject });
      s.child!.send(message satisfies SupervisorMessage);
    });
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
            if (!this.started) this.options.progress?.(this.shards.reduce((n, x) => n + x.bound, 0), this.udpSockets);
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
            this.options.log?.(msg.line, msg.level);
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
      child.send({ type: 'start', config: this.current, shard: s.no, from: s.from, to: s.to, kept } satisfies SupervisorMessage);
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
    this.options.log?.(`shard ${s.no} (pid ${pid}) exited (${reason}); restarting its ${placements(this.current, s.from, s.to).length} BMCs ${wait === 0 ? 'now' : `in ${wait / 1000} s (${s.quickDeaths} quick exits in a row)`}, the other shards keep serving`, 'warn');
    s.restartTimer = this.clock.setTimeout(() => {
      s.restartTimer = null;
      s.restartAt = null;
      s.restarts++;
      // A process that fails to start exits too: its exit schedules the next try, so the rejection needs nothing more.
      this.launch(s).then(() => this.options.log?.(`shard ${s.no} back (pid ${s.child?.pid})`), () => {});
    }, wait);
  }
}
