// An in-memory stand-in for RolloutManager (orchestrator/rollout/rollout-manager.ts), for the manager's HTTP API and
// CLI tests: it keeps rollouts in a list, refuses what the real one refuses (an image that is not HPM.1, a flash time
// in the past, RMCs already in a running rollout, an unknown ID) with the same typed errors, and never sends a byte.
import { decodeHpmImage } from '../../protocols/ipmi/hpm-image.js';
import {
  BadImageError, FlashTimeInPastError, RmcBusyError, RolloutState, UnknownRolloutError,
  type RolloutReport, type RolloutService, type RolloutStatus, type StartRollout,
} from '../../orchestrator/rollout/rollout-service.js';

const BMCS_PER_RACK = 2;

export class FakeRolloutService implements RolloutService {
  readonly started: StartRollout[] = [];
  private readonly rollouts: RolloutStatus[] = [];
  /** The next call throws this (a bug inside the manager, as the API sees it). */
  failNext: Error | null = null;
  /** status() calls so far (a watcher's polls). */
  statusCalls = 0;
  now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  async start(request: StartRollout): Promise<number> {
    this.failIfAsked();
    try {
      decodeHpmImage(request.image);
    } catch (err) {
      throw new BadImageError(`not an HPM.1 upgrade image: ${(err as Error).message}`);
    }
    if (request.flashTimeMs <= this.now()) throw new FlashTimeInPastError(`the flash time ${new Date(request.flashTimeMs).toISOString()} has passed`);
    for (const r of this.rollouts) {
      if (r.state === RolloutState.DONE || r.state === RolloutState.ABORTED) continue;
      const busy = r.racks.filter((k) => request.rmcs.some((m) => m.rmcId === k.rmcId)).map((k) => k.rmcId);
      if (busy.length > 0) throw new RmcBusyError(`racks already in rollout ${r.id}: ${busy.join(', ')}`, busy, r.id);
    }
    this.started.push(request);
    const id = this.rollouts.length + 1;
    this.rollouts.push({
      id, state: RolloutState.PREPARING, createdAtMs: this.now(), flashTimeMs: request.flashTimeMs,
      racks: request.rmcs.map((m) => ({ ...m, phase: 'silent', error: null, bmcs: BMCS_PER_RACK, flashed: 0, skipped: 0, failed: 0 })),
    });
    return id;
  }

  status(id: number): RolloutStatus {
    this.failIfAsked();
    this.statusCalls++;
    const r = this.rollouts[id - 1];
    if (!r) throw new UnknownRolloutError(id);
    return structuredClone(r);
  }

  list(): RolloutStatus[] {
    this.failIfAsked();
    return structuredClone(this.rollouts);
  }

  pause(id: number): void { this.find(id).state = RolloutState.PAUSED; }
  resume(id: number): void { this.find(id).state = RolloutState.PREPARING; }
  abort(id: number): void { this.find(id).state = RolloutState.ABORTED; }

  /** Moves a rollout on, as the RMCs' reports would: `flashed` BMCs of each rack flashed, the rest failed. */
  finish(id: number, flashed: number): void {
    const r = this.find(id);
    r.state = RolloutState.DONE;
    for (const rack of r.racks) Object.assign(rack, { phase: 'done', flashed, failed: rack.bmcs - flashed });
  }

  async report(id: number): Promise<RolloutReport> {
    const r = this.find(id);
    return {
      id, state: r.state,
      bmcs: r.racks.flatMap((rack) => Array.from({ length: rack.bmcs }, (_, i) => {
        const flashed = i < rack.flashed;
        const failed = !flashed && i < rack.flashed + rack.failed;
        return {
          rackName: rack.rackName, rmcId: rack.rmcId, address: `${rack.address.split('.').slice(0, 3).join('.')}.${10 + i}`,
          outcome: flashed ? 'flashed' as const : failed ? 'failed' as const : 'pending' as const,
          reason: failed ? 'timed-out' : null, firmware: flashed ? '1.02' : '1.01',
        };
      })),
    };
  }

  private find(id: number): RolloutStatus {
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
