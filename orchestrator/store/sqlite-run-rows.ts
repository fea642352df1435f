// Rows of the v2 tables (sqlite-schema.ts) to the engine's records (run-records.ts) and back: SQLite has no
// booleans (0 / 1) and keeps enums as their values.
import type { BmcOutcome, FailureReason, RackPhase } from '../../protocols/rollout/rack-status.js';
import type { VerifyOutcome } from '../../protocols/rollout/verify-result.js';
import type { BmcRecord, ControlCommand, RmcRun, RmcStage } from './run-records.js';

export const RUN_RMC_COLUMNS = `rmc_id, planned_rack_name, stage, transfer_attempt, broken_transfers, acked_offset, verify_result,
  next_retry_ms, flash_acked, report_complete, control, rack_phase, rack_bmc_count, rack_flashed, rack_skipped, rack_failed,
  bytes_sent, failure`;

export interface RunRmcRow {
  rmc_id: number; planned_rack_name: string | null; stage: string | null; transfer_attempt: number; broken_transfers: number;
  acked_offset: number; verify_result: number | null; next_retry_ms: number | null; flash_acked: number; report_complete: number;
  control: string | null; rack_phase: number | null; rack_bmc_count: number | null; rack_flashed: number; rack_skipped: number;
  rack_failed: number; bytes_sent: number; failure: string | null;
}

export interface BmcRow {
  rmc_id: number; rack_index: number; address: string; outcome: number; reason: number; firmware_major: number;
  firmware_minor: number; reported: number;
}

export function runOf(row: RunRmcRow): RmcRun {
  return {
    rmcId: row.rmc_id, rackName: row.planned_rack_name ?? '', stage: (row.stage ?? 'preparing') as RmcStage,
    attempt: row.transfer_attempt, brokenTransfers: row.broken_transfers, ackedOffset: row.acked_offset,
    verifyResult: row.verify_result as VerifyOutcome | null, nextRetryMs: row.next_retry_ms,
    flashAcked: row.flash_acked === 1, reportComplete: row.report_complete === 1, control: row.control as ControlCommand | null,
    rack: row.rack_phase === null ? null : {
      phase: row.rack_phase as RackPhase, bmcCount: row.rack_bmc_count ?? 0, flashed: row.rack_flashed, skipped: row.rack_skipped, failed: row.rack_failed,
    },
    bytesSent: row.bytes_sent, failure: row.failure,
  };
}

/** The UPDATE's parameters for `m`, in the order of runUpdateSql. */
export function runParams(m: RmcRun): unknown[] {
  const r = m.rack;
  return [m.stage, m.attempt, m.brokenTransfers, m.ackedOffset, m.verifyResult, m.nextRetryMs, m.flashAcked ? 1 : 0,
    m.reportComplete ? 1 : 0, m.control, r?.phase ?? null, r?.bmcCount ?? null, r?.flashed ?? 0, r?.skipped ?? 0, r?.failed ?? 0,
    m.bytesSent, m.failure];
}

export const RUN_UPDATE_SQL = `UPDATE rollout_rmcs SET stage = ?, transfer_attempt = ?, broken_transfers = ?, acked_offset = ?,
  verify_result = ?, next_retry_ms = ?, flash_acked = ?, report_complete = ?, control = ?, rack_phase = ?, rack_bmc_count = ?,
  rack_flashed = ?, rack_skipped = ?, rack_failed = ?, bytes_sent = ?, failure = ? WHERE rollout_id = ? AND rmc_id = ?`;

export function bmcOf(row: BmcRow): BmcRecord {
  return {
    rmcId: row.rmc_id, rackIndex: row.rack_index, address: row.address, outcome: row.outcome as BmcOutcome,
    reason: row.reason as FailureReason, firmware: { major: row.firmware_major, minor: row.firmware_minor }, reported: row.reported === 1,
  };
}

export const BMC_UPSERT_SQL = `INSERT INTO rollout_bmcs (rollout_id, rmc_id, rack_index, address, outcome, reason, firmware_major,
  firmware_minor, reported) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (rollout_id, rmc_id, rack_index) DO UPDATE SET
  address = excluded.address, outcome = excluded.outcome, reason = excluded.reason, firmware_major = excluded.firmware_major,
  firmware_minor = excluded.firmware_minor, reported = excluded.reported`;

export function bmcParams(rolloutId: number, b: BmcRecord): unknown[] {
  return [rolloutId, b.rmcId, b.rackIndex, b.address, b.outcome, b.reason, b.firmware.major, b.firmware.minor, b.reported ? 1 : 0];
}
