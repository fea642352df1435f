// A kind of node the fleet runs (today a BMC and its host; rack controllers, virtual media, Redfish services
// next): where its nodes sit, how a shard builds them, the endpoints they serve and the control routes that
// reach them. Shards, the supervisor and the control API know nodes only through this declaration, so a new
// kind is one file and a line in nodes/index.ts.
import type { Socket } from 'node:net';
import type { Clock } from '../../../runtime/clock.js';
import type { LogSink } from '../../../runtime/log.js';
import type { DatagramHandler, SendAnswer } from '../../../runtime/udp-endpoint.js';
import type { Route } from '../control/route.js';
import type { FleetConfig } from '../fleet-config.js';

/** Serves TCP connections made to one node's address, handed over by the fleet's one listener for the port. */
export interface ConnectionHandler {
  accept(socket: Socket): void;
}

/**
 * A service every node of a kind offers on its own address. UDP: a socket per node (Node's dgram cannot tell which
 * local address a datagram came to). TCP: one listener per port for the whole fleet, each connection routed by its
 * local address (DESIGN "Scale facts"). The functions are called once per node at start: no object per node.
 */
export type Endpoint<N, S = ShardNodes<N>> =
  | {
    readonly transport: 'udp'; port(config: FleetConfig): number; handler(node: N): DatagramHandler;
    /** Share the port with the kind's shard endpoint on 0.0.0.0 (bindUdp's reuseAddr). */
    readonly reuseAddr?: boolean;
    /** Hands the node its socket's send once bound: for a node that sends before anything arrives on it. */
    attach?(node: N, send: SendAnswer): void;
  }
  /**
   * `port` null: this fleet does not serve it (a section left out of the fleet file). The handler is asked per
   * connection, and may hand it to a service its shard's nodes share (`nodes`).
   */
  | { readonly transport: 'tcp'; port(config: FleetConfig): number | null; handler(node: N, nodes: S): ConnectionHandler };

/**
 * A UDP service a shard offers for all its nodes of a kind, on 0.0.0.0 with reuseAddr: the only kind of socket a
 * broadcast reaches (DESIGN "Scale facts"), so every shard hears it and hands it on in user space. Bound only in a
 * shard that runs nodes of the kind.
 */
export interface ShardEndpoint<S> {
  readonly transport: 'udp';
  port(config: FleetConfig): number;
  handler(nodes: S): DatagramHandler;
}

/** What a kind's nodes get from the shard that runs them. */
export interface ShardContext {
  readonly shard: number;
  readonly clock: Clock;
  /** One line for the operator (the supervisor's log), info unless a level is given. */
  log: LogSink;
  /**
   * Hands the supervisor run-time state of nodes, by address, that nothing saves (a host's power, faults set through
   * the control API): if this shard's process dies, the one that replaces it gets it back through `kept`.
   */
  keep(entries: [address: string, state: unknown][]): void;
  /** The state last kept for the node at `address` by an earlier process of this shard; undefined on a first start. */
  kept(address: string): unknown;
}

/** The nodes of one kind that one shard runs. */
export interface ShardNodes<N> {
  /** In fleet order. */
  readonly nodes: readonly N[];
  /** The node serving `address`, if it runs here. */
  at(address: string): N | undefined;
  /** Runs one of the kind's control requests (plain data from its routes); throws ControlError when it cannot be done. */
  run(request: unknown): unknown;
  /** Stops the nodes' timers and saves what outlives them; their sockets close after. */
  close(): void;
  /**
   * Builds and returns the nodes at fleet positions [from, to) of `config`, positions added at run time (POST /bmcs);
   * a kind without it is never grown (the supervisor starts a new shard for what it would run).
   */
  grow?(config: FleetConfig, from: number, to: number): N[];
  /**
   * Stops the node at `address` and forgets it (DELETE /bmcs/IP), and with `forget` its saved state too (without: an
   * addition undone, whose state file was another run's); its sockets close after.
   */
  drop?(address: string, forget: boolean): N | undefined;
}

export interface NodeKind<N, S extends ShardNodes<N> = ShardNodes<N>> {
  /** The kind in control requests ("bmc"). */
  readonly name: string;
  /** One node, for people: "no BMC at 127.1.0.9". */
  readonly label: string;
  /**
   * Each node's address and the fleet position (BMC number) it sits with: a node runs in the shard serving that BMC,
   * so a device follows the BMC it belongs to. Throws RangeError when two nodes would share an address.
   */
  positions(config: FleetConfig): Map<string, number>;
  /** Builds the nodes at fleet positions [from, to); throws, naming what, when one cannot be built. */
  create(config: FleetConfig, from: number, to: number, context: ShardContext): S;
  address(node: N): string;
  readonly endpoints: readonly Endpoint<N, S>[];
  readonly shardEndpoints?: readonly ShardEndpoint<S>[];
  /** The control API's routes to these nodes. */
  readonly routes: readonly Route[];
}
