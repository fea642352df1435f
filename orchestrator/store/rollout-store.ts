// The manager's state, behind a small interface so the database can change (SQLite now, PostgreSQL later):
// rollouts, the RMCs each one targets with their per-step state, and the manager's command sequence counter; for a
// rollout the manager runs past its prepare round, its run (run-records.ts: status, image, per-RMC and per-BMC state).
// Every method is one atomic step: after a crash (kill -9) a reader sees each step whole or not at all.
import type { Readiness } from '../../protocols/rollout/prepare-reply.js';
import type { ProductIds, ReplySchemeParams } from '../../protocols/rollout/prepare.js';
import type { BmcRecord, RmcRun, RolloutPlan, RolloutStatus, RunRecord, RunStep } from './run-records.js';

/** Where the prepare round of a rollout stands. */
export const RoundPhase = {
  /** Planned, the Prepare not broadcast yet. */
  PLANNED: 'planned',
  /** Broadcast sent; collecting replies until the deadline. */
  COLLECTING: 'collecting',
  /** Silent RMCs asked again by unicast Poll; collecting until the deadline. */
  POLLING: 'polling',
  /** Every RMC answered or was declared missing. */
  DONE: 'done',
} as const;
export type RoundPhase = typeof RoundPhase[keyof typeof RoundPhase];

/** One RMC's place in the prepare round. */
export const RmcStep = {
  /** Asked (by the broadcast, then by Polls), no answer yet. */
  SILENT: 'silent',
  ANSWERED: 'answered',
  /** Still silent after the last Poll. */
  MISSING: 'missing',
} as const;
export type RmcStep = typeof RmcStep[keyof typeof RmcStep];

export interface RmcTarget { rmcId: number; address: string }

export interface NewRollout {
  createdAtMs: number;
  /** Fresh per rollout: seeds the window scheme's delays (16 bytes). */
  nonce: Uint8Array;
  imageSize: number;
  imageSha256: Uint8Array;
  flashTimeMs: number;
  reply: ReplySchemeParams;
  /** The RMCs, in the manager's plan order (their rank). */
  targets: readonly RmcTarget[];
}

export interface RoundState {
  phase: RoundPhase;
  /** Poll rounds sent so far (0: the broadcast only). */
  attempt: number;
  /** When the current wait ends, ms since the Unix epoch; null before the broadcast and once done. */
  deadlineMs: number | null;
}

export interface RolloutRecord extends Omit<NewRollout, 'targets'> {
  /** A u32: it goes into every message's header. Never reused. */
  id: number;
  round: RoundState;
}

export interface RmcAnswer {
  readiness: Readiness;
  bmcCount: number;
  rackName: string;
  /** Whom its BMCs say they are (absent in an answer a store before schema v3 kept). */
  rackProduct?: ProductIds;
  atMs: number;
}

export interface RmcRecord extends RmcTarget {
  /** Place in the plan, from 0. */
  rank: number;
  step: RmcStep;
  /** Unicast Polls sent to it. */
  polls: number;
  answer: RmcAnswer | null;
}

export interface RolloutStore {
  /** Stores the rollout and all its RMCs (silent, round planned) at once; returns its ID. */
  createRollout(r: NewRollout): number;
  rollout(id: number): RolloutRecord | null;
  /** Its RMCs in plan order. */
  rmcs(rolloutId: number): RmcRecord[];
  /** One step of a round: its new state and the RMC records it changed, together. */
  saveRoundStep(rolloutId: number, round: RoundState, changed: readonly RmcRecord[]): void;
  /**
   * Reserves `count` consecutive command sequence numbers and returns the first (from 1). They are durable before
   * this returns, so no number is handed out twice, across restarts too. RangeError past 2^32 - 1.
   */
  reserveSequences(count: number): number;
  /**
   * Stores a rollout the manager runs past its prepare round: createRollout's records plus the plan (image, signed
   * manifest, schedule), status running and every RMC preparing, in one transaction. Returns its ID.
   */
  startRollout(r: NewRollout, plan: RolloutPlan): number;
  /** The run of a rollout started with startRollout, or null (none, or a prepare round alone). */
  run(rolloutId: number): RunRecord | null;
  /** Every started rollout's ID and status, oldest first. */
  runs(): { rolloutId: number; status: RolloutStatus }[];
  /** Its RMCs' run state, in plan order. */
  rmcRuns(rolloutId: number): RmcRun[];
  /** The BMCs its RMCs reported, by RMC (plan order) and place in the rack. */
  bmcs(rolloutId: number): BmcRecord[];
  /** One engine step: status, the RMCs and BMCs it changed, together. */
  saveRunStep(rolloutId: number, step: RunStep): void;
  /** Those of `rmcIds` that a running, paused or aborting rollout holds. */
  heldRmcs(rmcIds: readonly number[]): number[];
  /** A number the manager remembers between rollouts (the measured reply rate), or null. */
  setting(name: string): number | null;
  setSetting(name: string, value: number): void;
  close(): void;
}
