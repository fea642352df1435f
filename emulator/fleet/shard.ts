// One shard's slice of the fleet: the nodes of every kind at fleet positions [from, to) (the BMCs with those
// numbers and the devices that sit with them), their UDP endpoints bound, the TCP connections the supervisor
// hands over routed to their node, and control requests run on them.
import type { Socket as UdpSocket } from 'node:dgram';
import type { Socket } from 'node:net';
import { systemClock, type Clock } from '../../runtime/clock.js';
import { logSink, type LogSink } from '../../runtime/log.js';
import { bindUdp, sendVia } from '../../runtime/udp-endpoint.js';
import { ControlError } from './control-error.js';
import type { FleetConfig } from './fleet-config.js';
import { NODE_KINDS } from './nodes/index.js';
import type { NodeKind, ShardNodes } from './nodes/node-kind.js';

const BIND_BATCH = 256;
const ANY_ADDRESS = '0.0.0.0';

interface Running { kind: NodeKind<unknown>; nodes: ShardNodes<unknown> }

/** What a shard reports to its supervisor, and what the supervisor kept for it (ShardContext). */
export interface ShardLinks {
  clock?: Clock;
  log?: LogSink;
  /** Run-time state of nodes of `kind`, by address, to hand back to the next process of this shard. */
  keep?(kind: string, entries: [string, unknown][]): void;
  /** What an earlier process of this shard kept, by kind, then address. */
  kept?: Record<string, [string, unknown][]>;
}

export class Shard {
  private readonly config: FleetConfig;
  private readonly running: Running[] = [];
  /** Each node's UDP sockets, and the kinds' shard endpoints' (DESIGN "Scale facts": a socket per node). */
  private readonly nodeSockets = new Map<unknown, UdpSocket[]>();
  private readonly shardSockets: UdpSocket[] = [];
  /** Kinds whose shard endpoints are bound. */
  private readonly listening = new Set<string>();
  /** Node sockets bound. */
  private bound = 0;

  /** Throws, naming what, when a node cannot be built (e.g. its state file cannot be read: EACCES). */
  constructor(config: FleetConfig, shardNo: number, from: number, to: number, kinds: readonly NodeKind<unknown>[] = NODE_KINDS, links: ShardLinks = {}) {
    this.config = config;
    const clock = links.clock ?? systemClock;
    const log = links.log ?? logSink();
    try {
      for (const kind of kinds) {
        const kept = new Map(links.kept?.[kind.name] ?? []);
        const context = {
          shard: shardNo, clock, log,
          keep: (entries: [string, unknown][]) => links.keep?.(kind.name, entries),
          kept: (address: string) => kept.get(address),
        };
        this.running.push({ kind, nodes: kind.create(config, from, to, context) });
      }
    } catch (err) {
      for (const r of this.running) r.nodes.close();
      throw err;
    }
  }

  /** The nodes of `kind` this shard runs. */
  nodesOf<N>(kind: NodeKind<N>): ShardNodes<N> {
    const running = this.running.find((r) => r.kind === kind);
    if (!running) throw new Error(`this shard runs no ${kind.name} nodes`);
    return running.nodes as ShardNodes<N>;
  }

  /**
   * Binds every node's UDP endpoints, in batches, then the kinds' shard endpoints; calls `progress` with the node
   * sockets bound so far. Throws BindError.
   */
  async bind(progress: (bound: number) => void = () => {}): Promise<void> {
    for (const { kind, nodes } of this.running) await this.bindNodes(kind, nodes.nodes, progress);
    for (const running of this.running) if (running.nodes.nodes.length > 0) await this.listen(running);
  }

  /** Binds the shard endpoints of a kind, once (a kind's first nodes here may come at run time). */
  private async listen({ kind, nodes }: Running): Promise<void> {
    if (this.listening.has(kind.name)) return;
    this.listening.add(kind.name);
    for (const endpoint of kind.shardEndpoints ?? []) {
      this.shardSockets.push(await bindUdp(ANY_ADDRESS, endpoint.port(this.config), endpoint.handler(nodes), { reuseAddr: true }));
    }
  }

  /**
   * Builds and binds the nodes at fleet positions [from, to), added to `config` at run time (POST /bmcs). When one
   * cannot be bound (a BindError names the address), those added are dropped again and it throws.
   */
  async grow(config: FleetConfig, from: number, to: number): Promise<void> {
    const added: { running: Running; nodes: unknown[] }[] = [];
    try {
      for (const running of this.running) {
        if (!running.nodes.grow) {
          if ([...running.kind.positions(config).values()].some((p) => p >= from && p < to)) throw new Error(`a running shard cannot add ${running.kind.label}s`);
          continue;
        }
        const nodes = running.nodes.grow(config, from, to);
        added.push({ running, nodes });
        await this.bindNodes(running.kind, nodes);
        if (nodes.length > 0) await this.listen(running);
      }
    } catch (err) {
      for (const { running, nodes } of added) {
        for (const node of nodes) await this.drop(running.kind.name, running.kind.address(node), false);
      }
      throw err;
    }
  }

  /**
   * Stops the `kind` node at `address`, forgets it (with `forget`, its saved state too: ShardNodes.drop) and closes its
   * sockets; ControlError 404 when none runs here.
   */
  async drop(kind: string, address: string, forget = true): Promise<void> {
    const running = this.running.find((r) => r.kind.name === kind);
    const node = running?.nodes.drop?.(address, forget);
    if (node === undefined) throw new ControlError(404, `no ${running?.kind.label ?? kind} at ${address} that can be removed`);
    const sockets = this.nodeSockets.get(node) ?? [];
    this.nodeSockets.delete(node);
    this.bound -= sockets.length;
    await Promise.all(sockets.map((socket) => new Promise<void>((r) => socket.close(() => r()))));
  }

  /** Binds the UDP endpoints of `nodes` (of `kind`), in batches; throws the first BindError. */
  private async bindNodes(kind: NodeKind<unknown>, nodes: readonly unknown[], progress: (bound: number) => void = () => {}): Promise<void> {
    for (const endpoint of kind.endpoints) {
      if (endpoint.transport !== 'udp') continue;
      const port = endpoint.port(this.config);
      for (let i = 0; i < nodes.length; i += BIND_BATCH) {
        const batch = nodes.slice(i, i + BIND_BATCH);
        const bound = await Promise.allSettled(batch.map((node) => bindUdp(kind.address(node), port, endpoint.handler(node), { reuseAddr: endpoint.reuseAddr })));
        bound.forEach((b, k) => {
          if (b.status !== 'fulfilled') return;
          this.nodeSockets.set(batch[k], [...this.nodeSockets.get(batch[k]) ?? [], b.value]);
          this.bound++;
          endpoint.attach?.(batch[k], sendVia(b.value));
        });
        const failed = bound.find((b): b is PromiseRejectedResult => b.status === 'rejected');
        if (failed) throw failed.reason;
        progress(this.bound);
      }
    }
  }

  /** A TCP connection to `port` of a node here (by its local address); closed when no node of this shard serves it. */
  accept(port: number, socket: Socket): void {
    const address = socket.localAddress;
    for (const { kind, nodes } of this.running) {
      const node = address === undefined ? undefined : nodes.at(address);
      if (node === undefined) continue;
      for (const endpoint of kind.endpoints) {
        if (endpoint.transport === 'tcp' && endpoint.port(this.config) === port) {
          endpoint.handler(node, nodes).accept(socket);
          return;
        }
      }
    }
    socket.destroy();
  }

  /** Runs one control request of a node kind; throws ControlError for requests that cannot be done. */
  run(kind: string, request: unknown): unknown {
    const running = this.running.find((r) => r.kind.name === kind);
    if (!running) throw new ControlError(404, `this fleet runs no ${kind} nodes`);
    return running.nodes.run(request);
  }

  async close(): Promise<void> {
    for (const { nodes } of this.running) nodes.close();
    const sockets = [...[...this.nodeSockets.values()].flat(), ...this.shardSockets];
    await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.nodeSockets.clear();
    this.shardSockets.length = 0;
    this.listening.clear();
    this.bound = 0;
  }
}
