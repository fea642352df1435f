// Why the manager refuses a request (RolloutManager, the HTTP API maps `code` to its answer). Each is thrown before
// anything is stored or sent, so a refused request leaves the store as it was.

export class RolloutRequestError extends Error {
  /** Stable, for programs: 'ERR_IMAGE', 'ERR_FLASH_TIME', 'ERR_RMCS_BUSY', 'ERR_NO_ROLLOUT', 'ERR_STATE', 'ERR_PLAN'. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The image is not an HPM.1 file we can send: it does not parse, fails its checksums, or brings no version. */
export class InvalidImageError extends RolloutRequestError {
  constructor(message: string) { super('ERR_IMAGE', message); }
}

export class FlashTimeInPastError extends RolloutRequestError {
  constructor(flashTimeMs: number, nowMs: number) {
    super('ERR_FLASH_TIME', `the flash time ${new Date(flashTimeMs).toISOString()} is in the past (now ${new Date(nowMs).toISOString()})`);
  }
}

/** Some RMCs are in a rollout that is running, paused or aborting. */
export class RmcsBusyError extends RolloutRequestError {
  readonly rmcIds: readonly number[];
  constructor(rmcIds: readonly number[]) {
    super('ERR_RMCS_BUSY', `RMC${rmcIds.length > 1 ? 's' : ''} ${rmcIds.join(', ')} already in a running rollout`);
    this.rmcIds = rmcIds;
  }
}

/** The RMC list or a setting cannot make a rollout (none, duplicates, a bad address or number). */
export class InvalidPlanError extends RolloutRequestError {
  constructor(message: string) { super('ERR_PLAN', message); }
}

export class UnknownRolloutError extends RolloutRequestError {
  constructor(rolloutId: number) { super('ERR_NO_ROLLOUT', `no rollout ${rolloutId}`); }
}

/** Pause, resume or abort asked of a rollout whose status does not allow it. */
export class RolloutStateError extends RolloutRequestError {
  constructor(rolloutId: number, status: string, action: string) {
    super('ERR_STATE', `rollout ${rolloutId} is ${status}: it cannot ${action}`);
  }
}
