// What the firmware manager offers the operator (README "The rollout protocol"; issue 11, "The manager"): start a
// rollout of one HPM.1 image to a set of RMCs at a flash time, follow it, pause, resume or abort it, and read the
// result of every BMC. The manager's HTTP API (orchestrator/manager/) serves exactly this; RolloutManager
// (rollout-manager.ts) implements it. Methods may answer at once or with a promise.
import type { ReplyScheme } from '../../protocols/rollout/prepare.js';

export type Awaitable<T> = T | Promise<T>;

/** One RMC the manager governs: its RMC ID, the address it listens on, its rack's name. */
export interface RolloutRmc { rmcId: number; address: string; rackName: string }

export interface StartRollout {
  /** The HPM.1 upgrade image file (protocols/ipmi/hpm-image.ts). */
  image: Buffer;
  /** When the RMCs flash, ms since the Unix epoch. */
  flashTimeMs: number;
  /** The RMCs, in plan order. */
  rmcs: readonly RolloutRmc[];
  /** How RMCs time their Prepare Replies; the manager sizes the scheme's parameter. Its default when absent. */
  replyScheme?: ReplyScheme;
  /** BMCs each RMC flashes at once. */
  concurrency?: number;
  /** How long one BMC's upgrade may take before it is failed (reason: timed out). */
  bmcTimeoutMs?: number;
}

/** Where a rollout stands as a whole. */
export const RolloutState = {
  /** Prepare broadcast, replies and polls. */
  PREPARING: 'preparing',
  /** Offering and sending the image, waiting for each RMC's Verify Result. */
  TRANSFERRING: 'transferring',
  /** Every answering RMC verified the image; counting down to the flash time. */
  WAITING: 'waiting',
  FLASHING: 'flashing',
  PAUSED: 'paused',
  /** Every rack reported. */
  DONE: 'done',
  ABORTED: 'aborted',
} as const;
export type RolloutState = typeof RolloutState[keyof typeof RolloutState];

/** One rack's progress in a rollout. */
export interface RackProgress {
  rmcId: number;
  rackName: string;
  address: string;
  /** The RMC's phase: silent, missing, preparing, receiving, verified, reading-versions, flashing, paused, done, aborted or failed. */
  phase: string;
  /** Why the manager gave up on this RMC (phase failed or missing), else null. */
  error: string | null;
  bmcs: number;
  flashed: number;
  skipped: number;
  failed: number;
}

export interface RolloutStatus {
  id: number;
  state: RolloutState;
  createdAtMs: number;
  flashTimeMs: number;
  racks: RackProgress[];
}

/** What happened to one BMC. */
export interface BmcResult {
  rackName: string;
  rmcId: number;
  address: string;
  outcome: 'pending' | 'in-progress' | 'flashed' | 'skipped' | 'failed';
  /** Why it failed (unreachable, login-failed, upgrade-refused, timed-out, rolled-back, wrong-version, aborted, or the RMC's own failure), else null. */
  reason: string | null;
  /** The version it reported last ("1.02"), null before it was read. */
  firmware: string | null;
}

export interface RolloutReport {
  id: number;
  state: RolloutState;
  bmcs: BmcResult[];
}

export interface RolloutService {
  /** Stores and starts a rollout; its ID. Throws BadImageError, FlashTimeInPastError, RmcBusyError (nothing stored then). */
  start(request: StartRollout): Promise<number>;
  /** Throws UnknownRolloutError. */
  status(id: number): Awaitable<RolloutStatus>;
  /** Every rollout, oldest first. */
  list(): Awaitable<RolloutStatus[]>;
  pause(id: number): Awaitable<void>;
  resume(id: number): Awaitable<void>;
  abort(id: number): Awaitable<void>;
  report(id: number): Awaitable<RolloutReport>;
}

/** A request the manager refuses; nothing is stored or sent. */
export class RolloutError extends Error {
  /** Stable, for scripts: bad-image, flash-time-past, rmc-busy, unknown-rollout. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Not an HPM.1 image, truncated, a bad header checksum or MD5, or for another product. */
export class BadImageError extends RolloutError {
  constructor(message: string) { super('bad-image', message); }
}

export class FlashTimeInPastError extends RolloutError {
  constructor(message: string) { super('flash-time-past', message); }
}

/** Some of the RMCs asked for are in a rollout still running. */
export class RmcBusyError extends RolloutError {
  readonly rmcIds: readonly number[];
  readonly rolloutId: number;
  constructor(message: string, rmcIds: readonly number[], rolloutId: number) {
    super('rmc-busy', message);
    this.rmcIds = rmcIds;
    this.rolloutId = rolloutId;
  }
}

export class UnknownRolloutError extends RolloutError {
  constructor(id: number) { super('unknown-rollout', `no rollout ${id}`); }
}
