// The rollout engine's records (README "The exchange after the prepare round"): what the manager keeps of a rollout
// after its prepare round, so a manager killed at any step and started again goes on from there. A rollout created
// for a prepare round alone (createRollout) has none of these; one started by the manager (startRollout) has all.
import type { BmcOutcome, FailureReason, RackPhase } from '../../protocols/rollout/rack-status.js';
import type { VerifyOutcome } from '../../protocols/rollout/verify-result.js';

/** A rollout's state as the operator sees and steers it. */
export const RolloutStatus = {
  RUNNING: 'running',
  PAUSED: 'paused',
  /** Abort sent; waiting for each RMC's report. */
  ABORTING: 'aborting',
  ABORTED: 'aborted',
  DONE: 'done',
  /** Ended at the prepare round: no RMC took the image, and every one that answered runs another product's BMCs. */
  REFUSED: 'refused',
} as const;
export type RolloutStatus = typeof RolloutStatus[keyof typeof RolloutStatus];

/** Statuses a rollout ends in. */
export const ENDED_STATUSES: readonly RolloutStatus[] = [RolloutStatus.DONE, RolloutStatus.ABORTED, RolloutStatus.REFUSED];

/** Statuses that hold their RMCs: no second rollout may take one of them. */
export const LIVE_STATUSES: readonly RolloutStatus[] = [RolloutStatus.RUNNING, RolloutStatus.PAUSED, RolloutStatus.ABORTING];

/** Where one RMC stands in the exchange after the prepare round. */
export const RmcStage = {
  /** The prepare round still runs. */
  PREPARING: 'preparing',
  /** Answered ready; waiting for a transfer slot (and for nextRetryMs after a broken transfer or a failed verification). */
  QUEUED: 'queued',
  /** Offered the image; chunks under way. */
  TRANSFERRING: 'transferring',
  /** Verify Result OK; Flash sent until a Progress answers it. */
  VERIFIED: 'verified',
  /** Flash acknowledged; asked for its status at an interval until its Rack Report is whole. */
  FLASHING: 'flashing',
  /** Its Rack Report is whole: every BMC has its result. */
  REPORTED: 'reported',
  /** Given up (attempts used up): `failure` says why. */
  FAILED: 'failed',
  /** Not part of the run: missing in the prepare round, busy or out of space (`failure`). */
  LEFT_OUT: 'left-out',
} as const;
export type RmcStage = typeof RmcStage[keyof typeof RmcStage];

/** A control command an RMC still owes an answer to (repeated until answered). */
export const ControlCommand = { PAUSE: 'pause', RESUME: 'resume', ABORT: 'abort' } as const;
export type ControlCommand = typeof ControlCommand[keyof typeof ControlCommand];

/** What start() gives beyond the prepare round's NewRollout. */
export interface RolloutPlan {
  /** BMCs each RMC flashes at once. */
  concurrency: number;
  bmcTimeoutMs: number;
  /** The HPM.1 file, as sent. */
  image: Uint8Array;
  /** Its signed manifest (manifest.ts): kept, so a restarted manager offers the very same bytes. */
  manifest: Uint8Array;
  /** The rack name the operator gave each target, in plan order (as NewRollout.targets). */
  rackNames: readonly string[];
}

export interface RunRecord extends Omit<RolloutPlan, 'rackNames'> {
  rolloutId: number;
  status: RolloutStatus;
  flashTimeMs: number;
}

/** The rack's state as the RMC's last Progress or Rack Report gave it. */
export interface RackCounts { phase: RackPhase; bmcCount: number; flashed: number; skipped: number; failed: number }

export interface RmcRun {
  rmcId: number;
  rackName: string;
  stage: RmcStage;
  /** The Image Offer's attempt: 1 + the verifications that failed (0 before the first offer). */
  attempt: number;
  /** Transfers of this attempt that broke (retransmission timeouts in a row). */
  brokenTransfers: number;
  /** The RMC's nextOffset, as last saved. */
  ackedOffset: number;
  /** The last Verify Result, or null. */
  verifyResult: VerifyOutcome | null;
  /** Not before this time (ms since the Unix epoch) is the image offered again: the backoff. Null: at once. */
  nextRetryMs: number | null;
  flashAcked: boolean;
  reportComplete: boolean;
  control: ControlCommand | null;
  rack: RackCounts | null;
  /** Image bytes sent to it (chunks, resends included), as last saved. */
  bytesSent: number;
  failure: string | null;
}

/** One BMC, as an RMC's Progress or Rack Report pages gave it. */
export interface BmcRecord {
  rmcId: number;
  /** Its place in the rack (the pages' firstIndex + i). */
  rackIndex: number;
  address: string;
  outcome: BmcOutcome;
  reason: FailureReason;
  firmware: { major: number; minor: number };
  /** From a Rack Report page (final), not a Progress. */
  reported: boolean;
}

/** One step of the engine: saved in one transaction. */
export interface RunStep {
  status?: RolloutStatus;
  /** A new flash time (a resume that moves it). */
  flashTimeMs?: number;
  rmcs?: readonly RmcRun[];
  bmcs?: readonly BmcRecord[];
}
