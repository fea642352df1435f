// Messages between the supervisor and its shard processes (node IPC): plain data only, and a socket handle
// with a connection message.
import type { FleetConfig } from './fleet-config.js';

/** Supervisor -> shard, once: build and bind the nodes at fleet positions [from, to). */
export interface StartMessage { type: 'start'; config: FleetConfig; shard: number; from: number; to: number }

/** A control request to this shard's nodes of one kind (see nodes/node-kind.ts). */
export interface RequestMessage { type: 'request'; id: number; kind: string; request: unknown }

/** A TCP connection to `port` of one of this shard's nodes; the socket is the message's handle. */
export interface ConnectionMessage { type: 'connection'; port: number }

export type SupervisorMessage = StartMessage | RequestMessage | ConnectionMessage;

export type ShardMessage =
  | { type: 'progress'; bound: number }
  | { type: 'ready' }
  | { type: 'failed'; error: string }
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: string; status: number };

export type ShardState = 'starting' | 'ready' | 'restarting' | 'down';

/** One shard as GET /shards lists it: its process, the fleet positions (BMC numbers) it serves, its state. */
export interface ShardStatus { shard: number; pid: number | null; from: number; to: number; state: ShardState; restarts: number }
