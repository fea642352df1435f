// Messages between the supervisor and its shard processes (node IPC, structured clone): plain data only.
import type { FaultSettings } from '../bmc/faults.js';
import type { CountersSnapshot } from '../bmc/counters.js';
import type { FleetConfig } from './fleet-config.js';

/** Supervisor -> shard, once: build and bind BMCs [from, to) of the fleet. */
export interface StartMessage { type: 'start'; config: FleetConfig; shard: number; from: number; to: number }

/** What the control API can ask of the shard that owns a BMC (or of every shard, for `ip: null`). */
export type ShardOp =
  | { op: 'list'; offset: number; limit: number }
  | { op: 'bmc'; ip: string }
  | { op: 'console'; ip: string; after: number; limit: number }
  | { op: 'faults'; ip: string | null; change: Partial<FaultSettings> }
  | { op: 'stall'; ip: string | null; ms: number }
  | { op: 'reboot'; ip: string; ms: number }
  | { op: 'power'; ip: string; action: string }
  | { op: 'counters' };

export interface RequestMessage { type: 'request'; id: number; request: ShardOp }

export type SupervisorMessage = StartMessage | RequestMessage;

export type ShardMessage =
  | { type: 'progress'; bound: number }
  | { type: 'ready'; count: number }
  | { type: 'failed'; error: string }
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: string; status: number };

/** One BMC as the control API lists it. */
export interface BmcSummary {
  index: number;
  ip: string;
  rack: string;
  power: 'on' | 'off';
  sessions: number;
  faults: FaultSettings;
  busy: boolean;
  rebooting: boolean;
}

export interface BmcDetail extends BmcSummary {
  guid: string;
  mac: string;
  bootDevice: string;
  firmware: string;
  counters: CountersSnapshot;
}

export interface ShardCounters extends CountersSnapshot {
  shard: number;
  bmcs: number;
  sessions: number;
}
