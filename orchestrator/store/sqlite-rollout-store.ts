// RolloutStore on embedded SQLite (better-sqlite3, synchronous). WAL journal: a killed process loses at most the
// transaction it was in, never a committed one, and never leaves one half-applied. The schema and its migrations
// are in sqlite-schema.ts (version in PRAGMA user_version; a newer database than this code is refused, not misread).
import type Database from 'better-sqlite3';
import type { Readiness } from '../../protocols/rollout/prepare-reply.js';
import { ReplyScheme, type ReplySchemeParams } from '../../protocols/rollout/prepare.js';
import { RoundPhase, type NewRollout, type RmcRecord, RmcStep, type RolloutRecord, type RolloutStore, type RoundState } from './rollout-store.js';
import { LIVE_STATUSES, RmcStage, RolloutStatus, type BmcRecord, type RmcRun, type RolloutPlan, type RunRecord, type RunStep } from './run-records.js';
import { openDatabase } from './sqlite-schema.js';
import {
  BMC_UPSERT_SQL, RUN_RMC_COLUMNS, RUN_UPDATE_SQL, bmcOf, bmcParams, runOf, runParams, type BmcRow, type RunRmcRow,
} from './sqlite-run-rows.js';

export { SCHEMA_VERSION } from './sqlite-schema.js';
const MAX_SEQUENCE = 0xffff_ffff;
/** SQLite's default wal_autocheckpoint. */
const WAL_AUTOCHECKPOINT_PAGES = 1000;
const ROLLOUT_COLUMNS = `id, created_at_ms, nonce, image_size, image_sha256, flash_time_ms, reply_scheme, scheme_parameter_us,
  round_phase, round_attempt, round_deadline_ms`;
const RMC_COLUMNS = 'rmc_id, address, rank, step, polls, readiness, bmc_count, rack_name, rack_manufacturer_id, rack_product_id, answered_at_ms';

interface RolloutRow {
  id: number; created_at_ms: number; nonce: Buffer; image_size: number; image_sha256: Buffer; flash_time_ms: number;
  reply_scheme: number; scheme_parameter_us: number; round_phase: string; round_attempt: number; round_deadline_ms: number | null;
}
interface RmcRow {
  rmc_id: number; address: string; rank: number; step: string; polls: number;
  readiness: number | null; bmc_count: number | null; rack_name: string | null;
  rack_manufacturer_id: number | null; rack_product_id: number | null; answered_at_ms: number | null;
}

function schemeParameterUs(reply: ReplySchemeParams): number {
  return reply.scheme === ReplyScheme.WINDOW ? reply.windowUs : reply.scheme === ReplyScheme.RANK_SLOTS ? reply.slotUs : 0;
}

function replyOf(scheme: number, parameterUs: number): ReplySchemeParams {
  switch (scheme) {
    case ReplyScheme.IMMEDIATE: case ReplyScheme.OCTET_SUM: return { scheme };
    case ReplyScheme.WINDOW: return { scheme, windowUs: parameterUs };
    case ReplyScheme.RANK_SLOTS: return { scheme, slotUs: parameterUs };
    default: throw new Error(`stored rollout has unknown reply scheme ${scheme}`);
  }
}

function rmcOf(row: RmcRow): RmcRecord {
  return {
    rmcId: row.rmc_id, address: row.address, rank: row.rank, step: row.step as RmcStep, polls: row.polls,
    answer: row.readiness === null ? null : {
      readiness: row.readiness as Readiness, bmcCount: row.bmc_count ?? 0, rackName: row.rack_name ?? '', atMs: row.answered_at_ms ?? 0,
      ...(row.rack_manufacturer_id === null ? {} : { rackProduct: { manufacturerId: row.rack_manufacturer_id, productId: row.rack_product_id ?? 0 } }),
    },
  };
}

export class SqliteRolloutStore implements RolloutStore {
  private readonly db: Database.Database;
  private readonly insertRollout: Database.Statement;
  private readonly insertRmc: Database.Statement;
  private readonly updateRound: Database.Statement;
  private readonly updateRmc: Database.Statement;
  private readonly insertAnswer: Database.Statement;
  private readonly foldAnswers: Database.Statement;
  private readonly dropAnswers: Database.Statement;
  private readonly updateRun: Database.Statement;
  private readonly upsertBmc: Database.Statement;
  /** Rollouts whose prepare round is collecting or polling: the WAL is not checkpointed while any is. */
  private readonly roundsUnderWay = new Set<number>();

  /** Opens (creating when absent) the database file at `path`; ':memory:' for a throwaway one. */
  constructor(path: string) {
    this.db = openDatabase(path);
    this.insertRollout = this.db.prepare(`INSERT INTO rollouts (created_at_ms, nonce, image_size, image_sha256, flash_time_ms,
      reply_scheme, scheme_parameter_us, round_phase, round_attempt, round_deadline_ms) VALUES (?, ?, ?, ?, ?, ?, ?, 'planned', 0, NULL)`);
    this.insertRmc = this.db.prepare(`INSERT INTO rollout_rmcs (rollout_id, rmc_id, address, rank, step, polls)
      VALUES (?, ?, ?, ?, 'silent', 0)`);
    this.updateRound = this.db.prepare('UPDATE rollouts SET round_phase = ?, round_attempt = ?, round_deadline_ms = ? WHERE id = ?');
    this.updateRmc = this.db.prepare(`UPDATE rollout_rmcs SET step = ?, polls = ?, readiness = ?, bmc_count = ?, rack_name = ?,
      rack_manufacturer_id = ?, rack_product_id = ?, answered_at_ms = ? WHERE rollout_id = ? AND rmc_id = ?`);
    // only a target's answer: a lookup (a read) where the update it replaces wrote
    this.insertAnswer = this.db.prepare(`INSERT INTO rollout_answers (rollout_id, rmc_id, polls, readiness, bmc_count, rack_name,
      rack_manufacturer_id, rack_product_id, answered_at_ms) SELECT rollout_id, rmc_id, ?, ?, ?, ?, ?, ?, ? FROM rollout_rmcs
      WHERE rollout_id = ? AND rmc_id = ?`);
    this.foldAnswers = this.db.prepare(`UPDATE rollout_rmcs SET step = ?, polls = a.polls, readiness = a.readiness, bmc_count = a.bmc_count,
      rack_name = a.rack_name, rack_manufacturer_id = a.rack_manufacturer_id, rack_product_id = a.rack_product_id, answered_at_ms = a.answered_at_ms
      FROM rollout_answers a WHERE a.rollout_id = ? AND rollout_rmcs.rollout_id = a.rollout_id AND rollout_rmcs.rmc_id = a.rmc_id`);
    this.dropAnswers = this.db.prepare('DELETE FROM rollout_answers WHERE rollout_id = ?');
    this.updateRun = this.db.prepare(RUN_UPDATE_SQL);
    this.upsertBmc = this.db.prepare(BMC_UPSERT_SQL);
  }

  createRollout(r: NewRollout): number {
    return this.db.transaction(() => this.insertRolloutRows(r)).immediate();
  }

  startRollout(r: NewRollout, plan: RolloutPlan): number {
    if (plan.rackNames.length !== r.targets.length) throw new RangeError(`${r.targets.length} targets, ${plan.rackNames.length} rack names`);
    return this.db.transaction(() => {
      const id = this.insertRolloutRows(r);
      this.db.prepare('UPDATE rollouts SET status = ?, concurrency = ?, bmc_timeout_ms = ?, manifest = ?, image = ? WHERE id = ?')
        .run(RolloutStatus.RUNNING, plan.concurrency, plan.bmcTimeoutMs, Buffer.from(plan.manifest), Buffer.from(plan.image), id);
      const named = this.db.prepare('UPDATE rollout_rmcs SET planned_rack_name = ?, stage = ? WHERE rollout_id = ? AND rmc_id = ?');
      r.targets.forEach((t, rank) => named.run(plan.rackNames[rank], RmcStage.PREPARING, id, t.rmcId));
      return id;
    }).immediate();
  }

  private insertRolloutRows(r: NewRollout): number {
    const { lastInsertRowid } = this.insertRollout.run(r.createdAtMs, Buffer.from(r.nonce), r.imageSize, Buffer.from(r.imageSha256),
      r.flashTimeMs, r.reply.scheme, schemeParameterUs(r.reply));
    const id = Number(lastInsertRowid);
    if (id > MAX_SEQUENCE) throw new RangeError('rollout IDs are u32: the database ran out of them');
    r.targets.forEach((t, rank) => this.insertRmc.run(id, t.rmcId, t.address, rank));
    return id;
  }

  run(rolloutId: number): RunRecord | null {
    const row = this.db.prepare(`SELECT status, flash_time_ms, concurrency, bmc_timeout_ms, manifest, image FROM rollouts
      WHERE id = ? AND status IS NOT NULL`).get(rolloutId) as
      { status: string; flash_time_ms: number; concurrency: number; bmc_timeout_ms: number; manifest: Buffer; image: Buffer } | undefined;
    if (!row) return null;
    return {
      rolloutId, status: row.status as RolloutStatus, flashTimeMs: row.flash_time_ms, concurrency: row.concurrency,
      bmcTimeoutMs: row.bmc_timeout_ms, manifest: row.manifest, image: row.image,
    };
  }

  runs(): { rolloutId: number; status: RolloutStatus }[] {
    const rows = this.db.prepare('SELECT id, status FROM rollouts WHERE status IS NOT NULL ORDER BY id').all() as { id: number; status: string }[];
    return rows.map((r) => ({ rolloutId: r.id, status: r.status as RolloutStatus }));
  }

  rmcRuns(rolloutId: number): RmcRun[] {
    const rows = this.db.prepare(`SELECT ${RUN_RMC_COLUMNS} FROM rollout_rmcs WHERE rollout_id = ? ORDER BY rank`).all(rolloutId) as RunRmcRow[];
    return rows.map(runOf);
  }

  bmcs(rolloutId: number): BmcRecord[] {
    const rows = this.db.prepare(`SELECT b.* FROM rollout_bmcs b JOIN rollout_rmcs m ON m.rollout_id = b.rollout_id AND m.rmc_id = b.rmc_id
      WHERE b.rollout_id = ? ORDER BY m.rank, b.rack_index`).all(rolloutId) as BmcRow[];
    return rows.map(bmcOf);
  }

  saveRunStep(rolloutId: number, step: RunStep): void {
    this.db.transaction(() => {
      if (step.status !== undefined) {
        const done = this.db.prepare('UPDATE rollouts SET status = ? WHERE id = ? AND status IS NOT NULL').run(step.status, rolloutId);
        if (done.changes !== 1) throw new Error(`no started rollout ${rolloutId}`);
      }
      if (step.flashTimeMs !== undefined) {
        const moved = this.db.prepare('UPDATE rollouts SET flash_time_ms = ? WHERE id = ? AND status IS NOT NULL').run(step.flashTimeMs, rolloutId);
        if (moved.changes !== 1) throw new Error(`no started rollout ${rolloutId}`);
      }
      for (const m of step.rmcs ?? []) {
        if (this.updateRun.run(...runParams(m), rolloutId, m.rmcId).changes !== 1) throw new Error(`RMC ${m.rmcId} is not a target of rollout ${rolloutId}`);
      }
      for (const b of step.bmcs ?? []) this.upsertBmc.run(...bmcParams(rolloutId, b));
    }).immediate();
  }

  heldRmcs(rmcIds: readonly number[]): number[] {
    if (rmcIds.length === 0) return [];
    const held = this.db.prepare(`SELECT DISTINCT m.rmc_id FROM rollout_rmcs m JOIN rollouts r ON r.id = m.rollout_id
      WHERE r.status IN (${LIVE_STATUSES.map(() => '?').join(', ')})`).all(...LIVE_STATUSES) as { rmc_id: number }[];
    const ids = new Set(held.map((h) => h.rmc_id));
    return rmcIds.filter((id) => ids.has(id));
  }

  rollout(id: number): RolloutRecord | null {
    const row = this.db.prepare(`SELECT ${ROLLOUT_COLUMNS} FROM rollouts WHERE id = ?`).get(id) as RolloutRow | undefined;
    if (!row) return null;
    return {
      id: row.id, createdAtMs: row.created_at_ms, nonce: row.nonce, imageSize: row.image_size, imageSha256: row.image_sha256,
      flashTimeMs: row.flash_time_ms, reply: replyOf(row.reply_scheme, row.scheme_parameter_us),
      round: { phase: row.round_phase as RoundPhase, attempt: row.round_attempt, deadlineMs: row.round_deadline_ms },
    };
  }

  rmcs(rolloutId: number): RmcRecord[] {
    const rows = this.db.prepare(`SELECT ${RMC_COLUMNS} FROM rollout_rmcs WHERE rollout_id = ? ORDER BY rank`).all(rolloutId) as RmcRow[];
    // the answers of a round still under way (saveRoundStep) over what rollout_rmcs holds
    const answers = this.db.prepare(`SELECT rmc_id, polls, readiness, bmc_count, rack_name, rack_manufacturer_id, rack_product_id, answered_at_ms
      FROM rollout_answers WHERE rollout_id = ?`).all(rolloutId) as Omit<RmcRow, 'address' | 'rank' | 'step'>[];
    const answered = new Map(answers.map((a) => [a.rmc_id, a]));
    return rows.map((row) => {
      const a = answered.get(row.rmc_id);
      return rmcOf(a ? { ...row, ...a, step: RmcStep.ANSWERED } : row);
    });
  }

  /**
   * While the round is under way, an RMC's answer is appended to rollout_answers (in the order the replies came, so a
   * transaction writes a few pages, where updating rollout_rmcs in place, in the random RMC order a spreading scheme
   * brings, wrote one per reply); the round's last step folds them into rollout_rmcs in one pass. rmcs() reads both.
   */
  saveRoundStep(rolloutId: number, round: RoundState, changed: readonly RmcRecord[]): void {
    const underWay = round.phase !== RoundPhase.DONE;
    this.db.transaction(() => {
      if (this.updateRound.run(round.phase, round.attempt, round.deadlineMs, rolloutId).changes !== 1) throw new Error(`no rollout ${rolloutId}`);
      for (const m of changed) {
        const a = m.answer;
        const done = underWay && m.step === RmcStep.ANSWERED && a
          ? this.insertAnswer.run(m.polls, a.readiness, a.bmcCount, a.rackName, a.rackProduct?.manufacturerId ?? null,
            a.rackProduct?.productId ?? null, a.atMs, rolloutId, m.rmcId)
          : this.updateRmc.run(m.step, m.polls, a?.readiness ?? null, a?.bmcCount ?? null, a?.rackName ?? null,
            a?.rackProduct?.manufacturerId ?? null, a?.rackProduct?.productId ?? null, a?.atMs ?? null, rolloutId, m.rmcId);
        if (done.changes !== 1) throw new Error(`RMC ${m.rmcId} is not a target of rollout ${rolloutId}`);
      }
      if (!underWay) {
        this.foldAnswers.run(RmcStep.ANSWERED, rolloutId);
        this.dropAnswers.run(rolloutId);
      }
    }).immediate();
    this.deferCheckpointsDuring(rolloutId, underWay);
  }

  /**
   * A round's replies come thousands a second into a receive buffer that holds about 10 ms of them, and SQLite's
   * automatic WAL checkpoint (every 1,000 pages, with an fsync) stalls this thread about that long: none while a round
   * runs, one when the last ends. Nothing committed is less safe: the WAL is synced as before and replayed on open.
   */
  private deferCheckpointsDuring(rolloutId: number, underWay: boolean): void {
    const before = this.roundsUnderWay.size;
    if (underWay) this.roundsUnderWay.add(rolloutId);
    else this.roundsUnderWay.delete(rolloutId);
    if (before === 0 && this.roundsUnderWay.size > 0) this.db.pragma('wal_autocheckpoint = 0');
    if (before > 0 && this.roundsUnderWay.size === 0) {
      this.db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      this.db.pragma('wal_checkpoint(PASSIVE)');
    }
  }

  reserveSequences(count: number): number {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`reserve at least one sequence number, not ${count}`);
    return this.db.transaction(() => {
      const { value } = this.db.prepare("SELECT value FROM counters WHERE name = 'sequence'").get() as { value: number };
      if (value + count > MAX_SEQUENCE) throw new RangeError('the command sequence counter would pass 2^32 - 1');
      this.db.prepare("UPDATE counters SET value = ? WHERE name = 'sequence'").run(value + count);
      return value + 1;
    }).immediate();
  }

  setting(name: string): number | null {
    const row = this.db.prepare('SELECT value FROM settings WHERE name = ?').get(name) as { value: number } | undefined;
    return row ? row.value : null;
  }

  setSetting(name: string, value: number): void {
    this.db.prepare('INSERT INTO settings VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value').run(name, value);
  }

  close(): void {
    this.db.close();
  }
}
