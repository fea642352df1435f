// What the firmware manager offers the operator (issue 11, "The manager"): RolloutManager's public methods, with its
// own views (rollout-views.ts) and typed errors (rollout-errors.ts). The HTTP API (orchestrator/manager/) is written
// against this interface, so its tests can run it over an in-memory stand-in (test/helpers/fake-rollout-service.ts).
import type { StartRequest } from './rollout-plan.js';
import type { RolloutReport, RolloutStatusView, RolloutSummary } from './rollout-views.js';

export interface RolloutService {
  /** Stores and starts a rollout; its ID. Throws a RolloutRequestError (nothing stored then). */
  start(request: StartRequest): number;
  /** Throws UnknownRolloutError. */
  status(id: number): RolloutStatusView;
  /** Every rollout, oldest first. */
  list(): RolloutSummary[];
  /** Throw UnknownRolloutError, or RolloutStateError when the rollout's status forbids the action. */
  pause(id: number): void;
  /** With a flash time: it moves first (RolloutMachine.resume); FlashTimeInPastError when it is not ahead. */
  resume(id: number, flashTimeMs?: number): void;
  abort(id: number): void;
  report(id: number): RolloutReport;
}
