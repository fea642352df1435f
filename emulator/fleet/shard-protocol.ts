// Messages between the supervisor and its shard processes (node IPC): plain data only, and a socket handle
// with a connection message.
import type { LogLevel } from '../../runtime/log.js';
import type { FleetConfig } from './fleet-config.js';

/**
 * Supervisor -> shard, once: build and bind the nodes at fleet positions [from, to), with the run-time state an
 * earlier process of this shard kept (by node kind, then address; empty on a first start).
 */
export interface StartMessage { type: 'start'; config: FleetConfig; shard: number; from: number; to: number; kept: Record<string, [string, unknown][]> }

/** A control request to this shard's nodes of one kind (see nodes/node-kind.ts). */
export interface RequestMessage { type: 'request'; id: number; kind: string; request: unknown }

/** A TCP connection to `port` of one of this shard's nodes; the socket is the message's handle. */
export interface ConnectionMessage { type: 'connection'; port: number }

/** Builds and binds the nodes at fleet positions [from, to), added to `config` at run time (POST /bmcs); replied to like a request. */
export interface GrowMessage { type: 'grow'; id: number; config: FleetConfig; from: number; to: number }

/** Stops the `kind` node at `address` and forgets it (DELETE /bmcs/IP); replied to like a request. */
export interface DropMessage { type: 'drop'; id: number; kind: string; address: string }

export type SupervisorMessage = StartMessage | RequestMessage | ConnectionMessage | GrowMessage | DropMessage;

export type ShardMessage =
  | { type: 'progress'; bound: number }
  | { type: 'ready' }
  | { type: 'failed'; error: string }
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: string; status: number }
  /** Run-time state of nodes of `kind` to give the next process of this shard (ShardContext.keep). */
  | { type: 'keep'; kind: string; entries: [string, unknown][] }
  /** A line for the operator, at a level its process logs at (BMCFLEET_LOG_LEVEL: the supervisor's). */
  | { type: 'log'; line: string; level: LogLevel };

/** ready: serving; starting: its process is coming up; restarting: it died and a new process starts at `restartAt`. */
export type ShardState = 'starting' | 'ready' | 'restarting';

/** One shard as GET /shards lists it: its process, the fleet positions (BMC numbers) it serves, its state. */
export interface ShardStatus {
  shard: number;
  pid: number | null;
  from: number;
  to: number;
  state: ShardState;
  /** Times it died and was started again. */
  restarts: number;
  /** While restarting: seconds until its next process starts (0: it is starting); null otherwise. */
  restartInSeconds: number | null;
  /** How its last process ended ("SIGKILL", "code 1", "could not start: ..."), and when (ISO 8601); null if none has. */
  lastExit: { reason: string; at: string } | null;
}
