// RolloutStore on embedded SQLite (better-sqlite3, synchronous). WAL journal: a killed process loses at most the
// transaction it was in, never a committed one, and never leaves one half-applied. The schema version lives in
// PRAGMA user_version; a newer database than this code is refused rather than misread.
import Database from 'better-sqlite3';
import type { Readiness } from '../../protocols/rollout/prepare-reply.js';
import { ReplyScheme, type ReplySchemeParams } from '../../protocols/rollout/prepare.js';
import type { NewRollout, RmcRecord, RmcStep, RolloutRecord, RolloutStore, RoundPhase, RoundState } from './rollout-store.js';

export const SCHEMA_VERSION = 1;
const MAX_SEQUENCE = 0xffff_ffff;

const SCHEMA_V1 = `
  CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
  CREATE TABLE settings (name TEXT PRIMARY KEY, value REAL NOT NULL);
  CREATE TABLE rollouts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at_ms INTEGER NOT NULL,
    nonce BLOB NOT NULL,
    image_size INTEGER NOT NULL,
    image_sha256 BLOB NOT NULL,
    flash_time_ms INTEGER NOT NULL,
    reply_scheme INTEGER NOT NULL,
    scheme_parameter_us INTEGER NOT NULL,
    round_phase TEXT NOT NULL,
    round_attempt INTEGER NOT NULL,
    round_deadline_ms INTEGER
  );
  CREATE TABLE rollout_rmcs (
    rollout_id INTEGER NOT NULL REFERENCES rollouts(id),
    rmc_id INTEGER NOT NULL,
    address TEXT NOT NULL,
    rank INTEGER NOT NULL,
    step TEXT NOT NULL,
    polls INTEGER NOT NULL,
    readiness INTEGER,
    bmc_count INTEGER,
    rack_name TEXT,
    answered_at_ms INTEGER,
    PRIMARY KEY (rollout_id, rmc_id)
  );
  CREATE INDEX rollout_rmcs_by_rank ON rollout_rmcs (rollout_id, rank);
  INSERT INTO counters VALUES ('sequence', 0);
`;

interface RolloutRow {
  id: number; created_at_ms: number; nonce: Buffer; image_size: number; image_sha256: Buffer; flash_time_ms: number;
  reply_scheme: number; scheme_parameter_us: number; round_phase: string; round_attempt: number; round_deadline_ms: number | null;
}
interface RmcRow {
  rmc_id: number; address: string; rank: number; step: string; polls: number;
  readiness: number | null; bmc_count: number | null; rack_name: string | null; answered_at_ms: number | null;
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
    },
  };
}

export class SqliteRolloutStore implements RolloutStore {
  private readonly db: Database.Database;
  private readonly insertRollout: Database.Statement;
  private readonly insertRmc: Database.Statement;
  private readonly updateRound: Database.Statement;
  private readonly updateRmc: Database.Statement;

  /** Opens (creating when absent) the database file at `path`; ':memory:' for a throwaway one. */
  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a process crash loses nothing committed (only a power loss may lose the last commits).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    this.insertRollout = this.db.prepare(`INSERT INTO rollouts (created_at_ms, nonce, image_size, image_sha256, flash_time_ms,
      reply_scheme, scheme_parameter_us, round_phase, round_attempt, round_deadline_ms) VALUES (?, ?, ?, ?, ?, ?, ?, 'planned', 0, NULL)`);
    this.insertRmc = this.db.prepare(`INSERT INTO rollout_rmcs (rollout_id, rmc_id, address, rank, step, polls)
      VALUES (?, ?, ?, ?, 'silent', 0)`);
    this.updateRound = this.db.prepare('UPDATE rollouts SET round_phase = ?, round_attempt = ?, round_deadline_ms = ? WHERE id = ?');
    this.updateRmc = this.db.prepare(`UPDATE rollout_rmcs SET step = ?, polls = ?, readiness = ?, bmc_count = ?, rack_name = ?,
      answered_at_ms = ? WHERE rollout_id = ? AND rmc_id = ?`);
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw new Error(`the database is schema version ${version}, this bmcfleet knows up to ${SCHEMA_VERSION}`);
    if (version === 0) {
      this.db.transaction(() => {
        this.db.exec(SCHEMA_V1);
        this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    }
  }

  createRollout(r: NewRollout): number {
    return this.db.transaction(() => {
      const { lastInsertRowid } = this.insertRollout.run(r.createdAtMs, Buffer.from(r.nonce), r.imageSize, Buffer.from(r.imageSha256),
        r.flashTimeMs, r.reply.scheme, schemeParameterUs(r.reply));
      const id = Number(lastInsertRowid);
      if (id > MAX_SEQUENCE) throw new RangeError('rollout IDs are u32: the database ran out of them');
      r.targets.forEach((t, rank) => this.insertRmc.run(id, t.rmcId, t.address, rank));
      return id;
    }).immediate();
  }

  rollout(id: number): RolloutRecord | null {
    const row = this.db.prepare('SELECT * FROM rollouts WHERE id = ?').get(id) as RolloutRow | undefined;
    if (!row) return null;
    return {
      id: row.id, createdAtMs: row.created_at_ms, nonce: row.nonce, imageSize: row.image_size, imageSha256: row.image_sha256,
      flashTimeMs: row.flash_time_ms, reply: replyOf(row.reply_scheme, row.scheme_parameter_us),
      round: { phase: row.round_phase as RoundPhase, attempt: row.round_attempt, deadlineMs: row.round_deadline_ms },
    };
  }

  rmcs(rolloutId: number): RmcRecord[] {
    const rows = this.db.prepare('SELECT * FROM rollout_rmcs WHERE rollout_id = ? ORDER BY rank').all(rolloutId) as RmcRow[];
    return rows.map(rmcOf);
  }

  saveRoundStep(rolloutId: number, round: RoundState, changed: readonly RmcRecord[]): void {
    this.db.transaction(() => {
      if (this.updateRound.run(round.phase, round.attempt, round.deadlineMs, rolloutId).changes !== 1) throw new Error(`no rollout ${rolloutId}`);
      for (const m of changed) {
        const a = m.answer;
        const done = this.updateRmc.run(m.step, m.polls, a?.readiness ?? null, a?.bmcCount ?? null, a?.rackName ?? null, a?.atMs ?? null, rolloutId, m.rmcId);
        if (done.changes !== 1) throw new Error(`RMC ${m.rmcId} is not a target of rollout ${rolloutId}`);
      }
    }).immediate();
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
