// The flash of one rack (README "The exchange after the prepare round", steps 4-6), sans-I/O: a countdown to the
// Flash's time, then every BMC's version read (phase 4: Get Device ID and the image's HPM.1 component; hpm-session.ts
// atTarget says when they count as the target), then the BMCs not at the manifest's version upgraded,
// `concurrency` at a time (phase 5), until each is flashed, skipped or failed (phase 7). Pause starts nothing new;
// Abort fails what is pending (reason 7) and lets what is under way finish (phase 8). It asks for reads and flashes
// as jobs and is told their results; the glue (rmc-node.ts) runs them through a BmcFlasher.
//
// Its state is plain data (`saved`), so an RMC that restarts picks up where it was: a BMC that was being flashed is
// read again, never flashed twice (at the new version: FLASHED; else FAILED, reason WRONG_VERSION).
import type { FirmwareVersion, FlashResult, VersionRead } from '../../clients/ipmi/bmc-flasher.js';
import { atTarget } from '../../clients/ipmi/hpm-session.js';
import type { Flash } from '../../protocols/rollout/schedule.js';
import { BmcOutcome, FailureReason, RackPhase } from '../../protocols/rollout/rack-status.js';

export interface BmcProgress {
  outcome: BmcOutcome;
  reason: FailureReason;
  /** The version last read from the BMC (0.0 before). */
  firmware: FirmwareVersion;
  /** Its version has been read at or after the flash time. */
  read: boolean;
}

export type FlashJob = { kind: 'read-version'; index: number } | { kind: 'flash'; index: number };

export const FlashStage = { COUNTDOWN: 'countdown', READING: 'reading', FLASHING: 'flashing', SETTLED: 'settled' } as const;
export type FlashStage = typeof FlashStage[keyof typeof FlashStage];

export interface SavedFlash {
  target: FirmwareVersion;
  schedule: Flash | null;
  stage: FlashStage;
  paused: boolean;
  aborted: boolean;
  bmcs: BmcProgress[];
}

export class RackFlash {
  readonly target: FirmwareVersion;
  readonly bmcs: BmcProgress[];
  schedule: Flash | null = null;
  stage: FlashStage = FlashStage.COUNTDOWN;
  paused = false;
  aborted = false;
  /** BMCs with a read or flash under way. */
  private readonly busy = new Set<number>();
  /** BMCs that were being flashed when the RMC restarted: read again, never flashed again. */
  private readonly confirming = new Set<number>();

  constructor(bmcCount: number, target: FirmwareVersion, saved?: SavedFlash) {
    this.target = target;
    this.bmcs = saved?.bmcs.map((b) => ({ ...b, firmware: { ...b.firmware } }))
      ?? Array.from({ length: bmcCount }, () => ({ outcome: BmcOutcome.PENDING, reason: FailureReason.NONE, firmware: { major: 0, minor: 0 }, read: false }));
    if (saved) {
      this.schedule = saved.schedule;
      this.stage = saved.stage;
      this.paused = saved.paused;
      this.aborted = saved.aborted;
      this.bmcs.forEach((b, i) => { if (b.outcome === BmcOutcome.IN_PROGRESS) this.confirming.add(i); });
    }
  }

  get saved(): SavedFlash {
    const bmcs = this.bmcs.map((b) => ({ ...b, firmware: { ...b.firmware } }));
    return { target: this.target, schedule: this.schedule, stage: this.stage, paused: this.paused, aborted: this.aborted, bmcs };
  }

  get phase(): RackPhase {
    if (this.stage === FlashStage.SETTLED) return this.aborted ? RackPhase.ABORTED : RackPhase.DONE;
    if (this.paused) return RackPhase.PAUSED;
    if (this.stage === FlashStage.READING) return RackPhase.READING_VERSIONS;
    return this.stage === FlashStage.FLASHING ? RackPhase.FLASHING : RackPhase.VERIFIED;
  }

  get settled(): boolean {
    return this.stage === FlashStage.SETTLED;
  }

  /** Sets (or, before the flash time, moves) the schedule; false once the flash has begun. */
  setSchedule(flash: Flash): boolean {
    if (this.stage !== FlashStage.COUNTDOWN) return false;
    this.schedule = { ...flash };
    return true;
  }

  /** When the countdown ends, or null: no schedule, paused, or no longer counting down. */
  wakeAt(): number | null {
    return this.stage === FlashStage.COUNTDOWN && !this.paused && !this.aborted && this.schedule ? this.schedule.flashTimeMs : null;
  }

  /** The jobs that can start at `nowMs`: the countdown ends at the flash time; then reads, then flashes. */
  pump(nowMs: number): FlashJob[] {
    const due = this.wakeAt();
    if (due !== null && nowMs >= due) this.stage = FlashStage.READING;
    const jobs: FlashJob[] = [];
    for (const index of this.confirming) {
      if (this.busy.has(index)) continue;
      this.busy.add(index);
      jobs.push({ kind: 'read-version', index });
    }
    if (this.paused || this.stage === FlashStage.COUNTDOWN || this.stage === FlashStage.SETTLED) return jobs;
    const limit = this.schedule?.concurrency ?? 1;
    if (this.stage === FlashStage.READING) {
      for (let i = 0; i < this.bmcs.length && this.busy.size < limit; i++) {
        const b = this.bmcs[i];
        if (b.read || b.outcome !== BmcOutcome.PENDING || this.busy.has(i)) continue;
        this.busy.add(i);
        jobs.push({ kind: 'read-version', index: i });
      }
      if (this.busy.size > 0 || this.bmcs.some((b) => !b.read && b.outcome === BmcOutcome.PENDING)) return jobs;
      this.stage = FlashStage.FLASHING;
    }
    for (let i = 0; i < this.bmcs.length && this.busy.size < limit && !this.aborted; i++) {
      const b = this.bmcs[i];
      if (b.outcome !== BmcOutcome.PENDING || this.busy.has(i)) continue;
      b.outcome = BmcOutcome.IN_PROGRESS;
      this.busy.add(i);
      jobs.push({ kind: 'flash', index: i });
    }
    if (this.busy.size === 0 && !this.bmcs.some((b) => b.outcome === BmcOutcome.PENDING || b.outcome === BmcOutcome.IN_PROGRESS)) {
      this.stage = FlashStage.SETTLED;
    }
    return jobs;
  }

  /** A version read came back (at the flash time, or after a restart for a BMC that was being flashed). */
  versionRead(index: number, r: VersionRead): void {
    this.busy.delete(index);
    const b = this.bmcs[index];
    if (this.confirming.delete(index)) {
      if (r.ok) b.firmware = { ...r.firmware };
      this.fail(b, r.ok ? (atTarget(r.firmware, r.component, this.target) ? FailureReason.NONE : FailureReason.WRONG_VERSION) : r.reason, BmcOutcome.FLASHED);
      return;
    }
    b.read = true;
    if (!r.ok) return this.fail(b, r.reason);
    b.firmware = { ...r.firmware };
    if (atTarget(r.firmware, r.component, this.target)) b.outcome = BmcOutcome.SKIPPED;
    else if (this.aborted) this.fail(b, FailureReason.ABORTED);
  }

  /** A flash came back. */
  flashed(index: number, r: FlashResult): void {
    this.busy.delete(index);
    const b = this.bmcs[index];
    b.outcome = r.outcome;
    b.reason = r.outcome === BmcOutcome.FAILED ? r.reason : FailureReason.NONE;
    b.firmware = { ...r.firmware };
  }

  pause(): void {
    if (!this.settled) this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** Pending BMCs fail with reason ABORTED; those under way finish. */
  abort(): void {
    if (this.settled) return;
    this.aborted = true;
    this.paused = false;
    this.bmcs.forEach((b, i) => {
      if (b.outcome === BmcOutcome.PENDING && !this.busy.has(i)) this.fail(b, FailureReason.ABORTED);
    });
    if (this.stage === FlashStage.COUNTDOWN) this.stage = FlashStage.FLASHING;
  }

  /** Sets FAILED with `reason`, or `otherwise` when the reason is NONE. */
  private fail(b: BmcProgress, reason: FailureReason, otherwise: BmcOutcome = BmcOutcome.FAILED): void {
    b.outcome = reason === FailureReason.NONE ? otherwise : BmcOutcome.FAILED;
    b.reason = reason;
  }
}
