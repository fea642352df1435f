// An in-memory stand-in for RolloutManager (orchestrator/rollout/rollout-manager.ts), for the manager's HTTP API and
// CLI tests: it checks each start request with the engine's own planRollout (so it refuses what the real one refuses,
// with the same typed errors), keeps rollouts in a list with the engine's views, and never sends a byte.
import { generateManagerKey } from '../../protocols/rollout/keys.js';
import { RolloutStateError, UnknownRolloutError } from '../../orchestrator/rollout/rollout-errors.js';
import { planRollout, type StartRequest } from '../../orchestrator/rollout/rollout-plan.js';
import type { RolloutService } from '../../orchestrator/rollout/rollout-service.js';
import type { ReportBmc, RolloutReport, RolloutStatusView, RolloutSummary } from '../../orchestrator/rollout/rollout-views.js';
import { LIVE_STATUSES, RmcStage, RolloutStatus } from '../../orchestrator/store/run-records.js';
import { RackPhase } from '../../protocols/rollout/rack-status.js';

const BMCS_PER_RACK = 2;
const KEY = generateManagerKey().signing;

export class FakeRolloutService implements RolloutService {
  readonly started: StartRequest[] = [];
  private readonly rollouts: RolloutStatusView[] = [];
  /** The next call throws this (a bug inside the manager, as the API sees it). */
  failNext: Error | null = null;
  /** status() calls so far (a watcher's polls, and the API's own looks). */
  statusCalls = 0;
  now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  start(request: StartRequest): number {
    this.failIfAsked();
    planRollout(request, this.now(), KEY, { heldRmcs: (ids) => ids.filter((id) => this.held(id)), setting: () => null });
    this.started.push(request);
    const id = this.rollouts.length + 1;
    this.rollouts.push({
      rolloutId: id, status: RolloutStatus.RUNNING, phase: 'preparing', createdAtMs: this.now(), flashTimeMs: request.flashTimeMs,
      imageSize: request.image.length, bytesSent: 0, bmcs: { flashed: 0, skipped: 0, failed: 0, pending: BMCS_PER_RACK * request.rmcs.length },
      rmcs: request.rmcs.map((m) => ({
        ...m, stage: RmcStage.PREPARING, attempt: 0, ackedOffset: 0, rackPhase: null, bmcCount: BMCS_PER_RACK, flashed: 0, skipped: 0, failed: 0, failure: null,
      })),
    });
    return id;
  }

  status(id: number): RolloutStatusView {
    this.failIfAsked();
    this.statusCalls++;
    return structuredClone(this.find(id));
  }

  list(): RolloutSummary[] {
    this.failIfAsked();
    return this.rollouts.map((r) => ({ rolloutId: r.rolloutId, status: r.status, createdAtMs: r.createdAtMs, flashTimeMs: r.flashTimeMs, rmcCount: r.rmcs.length }));
  }

  pause(id: number): void { this.steer(id, 'pause', RolloutStatus.PAUSED); }
  resume(id: number, flashTimeMs?: number): void {
    this.steer(id, 'resume', RolloutStatus.RUNNING);
    if (flashTimeMs !== undefined) this.find(id).flashTimeMs = flashTimeMs;
  }
  abort(id: number): void { this.steer(id, 'abort', RolloutStatus.ABORTED); }

  /** Moves a rollout on, as the RMCs' reports would: `flashed` BMCs of each rack flashed, the rest failed. */
  finish(id: number, flashed: number): void {
    const r = this.find(id);
    Object.assign(r, { status: RolloutStatus.DONE, phase: 'finished' });
    for (const m of r.rmcs) Object.assign(m, { stage: RmcStage.REPORTED, rackPhase: RackPhase.DONE, flashed, failed: m.bmcCount - flashed });
    r.bmcs = { flashed: flashed * r.rmcs.length, skipped: 0, failed: (BMCS_PER_RACK - flashed) * r.rmcs.length, pending: 0 };
  }

  report(id: number): RolloutReport {
    const r = this.find(id);
    return {
      rolloutId: id, status: r.status,
      racks: r.rmcs.map((m) => ({
        rmcId: m.rmcId, rackName: m.rackName, address: m.address, stage: m.stage, failure: m.failure,
        bmcs: Array.from({ length: m.bmcCount }, (_, i): ReportBmc => {
          const result = i < m.flashed ? 'flashed' : i < m.flashed + m.failed ? 'failed' : 'pending';
          return {
            rackIndex: i, address: `${m.address.split('.').slice(0, 3).join('.')}.${10 + i}`, result,
            reason: result === 'failed' ? 'timed out' : null, firmware: result === 'flashed' ? '1.02' : '1.01',
          };
        }),
      })),
    };
  }

  private held(rmcId: number): boolean {
    return this.rollouts.some((r) => LIVE_STATUSES.includes(r.status) && r.rmcs.some((m) => m.rmcId === rmcId));
  }

  private steer(id: number, action: string, to: RolloutStatus): void {
    const r = this.find(id);
    if (!LIVE_STATUSES.includes(r.status)) throw new RolloutStateError(id, r.status, action);
    r.status = to;
  }

  private find(id: number): RolloutStatusView {
    this.failIfAsked();
    const r = this.rollouts[id - 1];
    if (!r) throw new UnknownRolloutError(id);
    return r;
  }

  private failIfAsked(): void {
    const err = this.failNext;
    this.failNext = null;
    if (err) throw err;
  }
}
