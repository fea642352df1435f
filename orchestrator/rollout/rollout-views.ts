// What RolloutManager shows of a rollout, read from the store (so it is the same before and after a restart):
// status (phase, each RMC's step, BMC counts, bytes sent), the list of rollouts, and the report (every BMC:
// flashed, skipped, or failed with a reason; a rack whose RMC took no part or failed, with why).
import { BmcOutcome, FailureReason } from '../../protocols/rollout/rack-status.js';
import type { RolloutStore } from '../store/rollout-store.js';
import { RmcStage, type RmcRun, type RolloutStatus } from '../store/run-records.js';

/** Where the rollout as a whole stands. */
export type RolloutPhase = 'preparing' | 'transferring' | 'flashing' | 'finished';

export interface RmcStatus {
  rmcId: number;
  rackName: string;
  address: string;
  stage: RmcStage;
  /** The Image Offer's attempt (1 + failed verifications). */
  attempt: number;
  /** Bytes the RMC holds, as last saved. */
  ackedOffset: number;
  /** The rack's phase from its last Progress or Rack Report (README: 1 prepared ... 8 aborted), or null. */
  rackPhase: number | null;
  bmcCount: number;
  /** Of bmcCount, as the RMC's last Progress or Rack Report gave them. */
  flashed: number;
  skipped: number;
  failed: number;
  failure: string | null;
}

export interface BmcCounts { flashed: number; skipped: number; failed: number; pending: number }

export interface RolloutStatusView {
  rolloutId: number;
  status: RolloutStatus;
  phase: RolloutPhase;
  createdAtMs: number;
  flashTimeMs: number;
  imageSize: number;
  rmcs: RmcStatus[];
  bmcs: BmcCounts;
  /** Image bytes sent to the RMCs (resends included). */
  bytesSent: number;
}

export interface RolloutSummary { rolloutId: number; status: RolloutStatus; createdAtMs: number; flashTimeMs: number; rmcCount: number }

export type BmcResult = 'flashed' | 'skipped' | 'failed' | 'pending' | 'in-progress';

export interface ReportBmc { rackIndex: number; address: string; result: BmcResult; reason: string | null; firmware: string }

export interface ReportRack {
  rmcId: number;
  rackName: string;
  address: string;
  stage: RmcStage;
  /** Why the rack's RMC took no part, or failed (its BMCs then are not listed: the manager never learnt them). */
  failure: string | null;
  bmcs: ReportBmc[];
}

export interface RolloutReport { rolloutId: number; status: RolloutStatus; racks: ReportRack[] }

const RESULTS: Record<number, BmcResult> = {
  [BmcOutcome.PENDING]: 'pending', [BmcOutcome.IN_PROGRESS]: 'in-progress', [BmcOutcome.FLASHED]: 'flashed',
  [BmcOutcome.SKIPPED]: 'skipped', [BmcOutcome.FAILED]: 'failed',
};
const REASONS: Record<number, string> = {
  [FailureReason.UNREACHABLE]: 'unreachable', [FailureReason.LOGIN_FAILED]: 'login failed', [FailureReason.UPGRADE_REFUSED]: 'upgrade refused',
  [FailureReason.TIMED_OUT]: 'timed out', [FailureReason.ROLLED_BACK]: 'rolled back', [FailureReason.WRONG_VERSION]: 'wrong version after the reboot',
  [FailureReason.ABORTED]: 'aborted',
};

function phaseOf(runs: readonly RmcRun[]): RolloutPhase {
  if (runs.some((m) => m.stage === RmcStage.PREPARING)) return 'preparing';
  if (runs.some((m) => m.stage === RmcStage.QUEUED || m.stage === RmcStage.TRANSFERRING)) return 'transferring';
  if (runs.some((m) => m.stage === RmcStage.VERIFIED || m.stage === RmcStage.FLASHING)) return 'flashing';
  return 'finished';
}

/** null when the store has no started rollout `id`. */
export function statusView(store: RolloutStore, id: number, liveBytesSent?: number): RolloutStatusView | null {
  const run = store.run(id);
  const rollout = store.rollout(id);
  if (!run || !rollout) return null;
  const records = store.rmcs(id);
  const runs = store.rmcRuns(id);
  const bmcs: BmcCounts = { flashed: 0, skipped: 0, failed: 0, pending: 0 };
  const rmcs = runs.map((m, i): RmcStatus => {
    const bmcCount = m.rack?.bmcCount ?? records[i].answer?.bmcCount ?? 0;
    const rack = m.rack ?? { flashed: 0, skipped: 0, failed: 0 };
    const given = m.stage === RmcStage.FAILED || m.stage === RmcStage.LEFT_OUT;
    bmcs.flashed += rack.flashed;
    bmcs.skipped += rack.skipped;
    // the BMCs of a rack whose RMC failed or took no part are not flashed: they count as failed
    const failed = given ? bmcCount - rack.flashed - rack.skipped : rack.failed;
    bmcs.failed += failed;
    bmcs.pending += bmcCount - rack.flashed - rack.skipped - failed;
    return {
      rmcId: m.rmcId, rackName: m.rackName, address: records[i].address, stage: m.stage, attempt: m.attempt, ackedOffset: m.ackedOffset,
      rackPhase: m.rack?.phase ?? null, bmcCount, flashed: rack.flashed, skipped: rack.skipped, failed, failure: m.failure,
    };
  });
  return {
    rolloutId: id, status: run.status, phase: phaseOf(runs), createdAtMs: rollout.createdAtMs, flashTimeMs: run.flashTimeMs,
    imageSize: rollout.imageSize, rmcs, bmcs, bytesSent: liveBytesSent ?? runs.reduce((n, m) => n + m.bytesSent, 0),
  };
}

export function listView(store: RolloutStore): RolloutSummary[] {
  return store.runs().map(({ rolloutId, status }) => {
    const rollout = store.rollout(rolloutId)!;
    return { rolloutId, status, createdAtMs: rollout.createdAtMs, flashTimeMs: rollout.flashTimeMs, rmcCount: store.rmcs(rolloutId).length };
  });
}

export function reportView(store: RolloutStore, id: number): RolloutReport | null {
  const run = store.run(id);
  if (!run) return null;
  const records = store.rmcs(id);
  const byRmc = new Map<number, ReportBmc[]>();
  for (const b of store.bmcs(id)) {
    const list = byRmc.get(b.rmcId) ?? [];
    list.push({
      rackIndex: b.rackIndex, address: b.address, result: RESULTS[b.outcome], reason: REASONS[b.reason] ?? null,
      firmware: `${b.firmware.major}.${String(b.firmware.minor).padStart(2, '0')}`,
    });
    byRmc.set(b.rmcId, list);
  }
  const racks = store.rmcRuns(id).map((m, i): ReportRack => ({
    rmcId: m.rmcId, rackName: m.rackName, address: records[i].address, stage: m.stage, failure: m.failure, bmcs: byRmc.get(m.rmcId) ?? [],
  }));
  return { rolloutId: id, status: run.status, racks };
}
