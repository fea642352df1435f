// The manager's SQLite schema and its migrations, one per version (PRAGMA user_version holds the version).
// v1: rollouts, their RMCs' prepare-round state, the sequence counter, settings.
// v2: the exchange after the prepare round: a rollout's status, schedule, image and signed manifest; per RMC its
//     transfer, verification, flash and report state; per BMC its result. A v1 rollout (a prepare round alone)
//     gets a NULL status: it is not a run, and holds no RMC.
// v3: the manufacturer and product IDs an RMC's Prepare Reply gives for its BMCs (NULL in an answer kept before).
// v4: provisioning (issue 14): the hosts found behind BMCs, their stage in the flow, their BMC's identity and
//     authentication capabilities, their hardware (JSON: read and shown whole, never queried inside) and the last
//     step's failure.
// v5: a host's installation (issue 14, step 4: orchestrator/provisioning/install-machine.ts), as JSON read and written
//     whole with the host; NULL for a host never installed.
// v6: cluster updates (issue 14): each update's cluster file, descriptor, status and wave progress (JSON), and each
//     host's state in it with the reason it was skipped or failed; each update that arrived (feed or alert) with
//     what the manager decided of it per cluster.
// v7: iSCSI boot configuration (issue 15): the boot disks the iSNS inventory found (one row per target LUN: portal,
//     size, state, the host it is given to) and each host's boot request (JSON: orchestrator/bootcfg/boot-machine.ts).
// v8: the Prepare Replies of a prepare round still under way, appended as they come (sqlite-rollout-store.ts
//     saveRoundStep): a scheme that spreads the replies brings them in random RMC order, and updating rollout_rmcs in
//     place then rewrote a page per reply; they are folded into rollout_rmcs, in one pass, when the round ends.
import Database from 'better-sqlite3';

export const SCHEMA_VERSION = 8;

const V1 = `
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

const V2 = `
  ALTER TABLE rollouts ADD COLUMN status TEXT;
  ALTER TABLE rollouts ADD COLUMN concurrency INTEGER;
  ALTER TABLE rollouts ADD COLUMN bmc_timeout_ms INTEGER;
  ALTER TABLE rollouts ADD COLUMN manifest BLOB;
  ALTER TABLE rollouts ADD COLUMN image BLOB;
  CREATE INDEX rollouts_by_status ON rollouts (status);
  ALTER TABLE rollout_rmcs ADD COLUMN planned_rack_name TEXT;
  ALTER TABLE rollout_rmcs ADD COLUMN stage TEXT;
  ALTER TABLE rollout_rmcs ADD COLUMN transfer_attempt INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollout_rmcs ADD COLUMN broken_transfers INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollout_rmcs ADD COLUMN acked_offset INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollout_rmcs ADD COLUMN verify_result INTEGER;
  ALTER TABLE rollout_rmcs ADD COLUMN next_retry_ms INTEGER;
  ALTER TABLE rollout_rmcs ADD COLUMN flash_acked INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollout_rmcs ADD COLUMN report_complete INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollout_rmcs ADD COLUMN control TEXT;
  ALTER TABLE rollout_rmcs ADD COLUMN rack_phase INTEGER;
  ALTER TABLE rollout_rmcs ADD COLUMN rack_bmc_count INTEGER;
  ALTER TABLE rollout_rmcs ADD COLUMN rack_flashed INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollout_rmcs ADD COLUMN rack_skipped INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollout_rmcs ADD COLUMN rack_failed INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollout_rmcs ADD COLUMN bytes_sent INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollout_rmcs ADD COLUMN failure TEXT;
  CREATE TABLE rollout_bmcs (
    rollout_id INTEGER NOT NULL,
    rmc_id INTEGER NOT NULL,
    rack_index INTEGER NOT NULL,
    address TEXT NOT NULL,
    outcome INTEGER NOT NULL,
    reason INTEGER NOT NULL,
    firmware_major INTEGER NOT NULL,
    firmware_minor INTEGER NOT NULL,
    reported INTEGER NOT NULL,
    PRIMARY KEY (rollout_id, rmc_id, rack_index),
    FOREIGN KEY (rollout_id, rmc_id) REFERENCES rollout_rmcs (rollout_id, rmc_id)
  );
`;

const V3 = `
  ALTER TABLE rollout_rmcs ADD COLUMN rack_manufacturer_id INTEGER;
  ALTER TABLE rollout_rmcs ADD COLUMN rack_product_id INTEGER;
`;

const V4 = `
  CREATE TABLE hosts (
    address TEXT PRIMARY KEY,
    port INTEGER NOT NULL,
    stage TEXT NOT NULL,
    stage_since_ms INTEGER NOT NULL,
    first_seen_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    auth_caps TEXT,
    guid TEXT,
    device_id INTEGER,
    device_revision INTEGER,
    firmware TEXT,
    ipmi_version TEXT,
    manufacturer_id INTEGER,
    product_id INTEGER,
    identified_at_ms INTEGER,
    hardware TEXT,
    inventoried_at_ms INTEGER,
    failure_step TEXT,
    failure_cause TEXT,
    failure TEXT,
    failed_at_ms INTEGER
  );
  CREATE INDEX hosts_by_stage ON hosts (stage);
  CREATE INDEX hosts_by_guid ON hosts (guid);
`;

const V5 = `
  ALTER TABLE hosts ADD COLUMN install TEXT;
`;

const V6 = `
  CREATE TABLE cluster_updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at_ms INTEGER NOT NULL,
    cluster TEXT NOT NULL,
    descriptor TEXT NOT NULL,
    status TEXT NOT NULL,
    progress TEXT NOT NULL
  );
  CREATE TABLE cluster_update_hosts (
    update_id INTEGER NOT NULL REFERENCES cluster_updates(id),
    bmc TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    PRIMARY KEY (update_id, bmc)
  );
  CREATE TABLE update_arrivals (
    key TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL,
    description TEXT NOT NULL,
    descriptor TEXT NOT NULL,
    decisions TEXT NOT NULL
  );
`;

const V7 = `
  CREATE TABLE boot_disks (
    target TEXT NOT NULL,
    lun INTEGER NOT NULL,
    portal_address TEXT NOT NULL,
    portal_port INTEGER NOT NULL,
    size_bytes INTEGER,
    size_from TEXT,
    state TEXT NOT NULL,
    seen_at_ms INTEGER NOT NULL,
    assigned_to TEXT,
    PRIMARY KEY (target, lun)
  );
  CREATE INDEX boot_disks_by_holder ON boot_disks (assigned_to);
  CREATE TABLE boot_requests (
    host TEXT PRIMARY KEY,
    step TEXT NOT NULL,
    request TEXT NOT NULL
  );
`;

const V8 = `
  CREATE TABLE rollout_answers (
    rollout_id INTEGER NOT NULL,
    rmc_id INTEGER NOT NULL,
    polls INTEGER NOT NULL,
    readiness INTEGER NOT NULL,
    bmc_count INTEGER NOT NULL,
    rack_name TEXT NOT NULL,
    rack_manufacturer_id INTEGER,
    rack_product_id INTEGER,
    answered_at_ms INTEGER NOT NULL
  );
  CREATE INDEX rollout_answers_by_rollout ON rollout_answers (rollout_id);
`;

/** MIGRATIONS[v] takes a database at version v to v + 1. */
const MIGRATIONS = [V1, V2, V3, V4, V5, V6, V7, V8];

/**
 * Opens (creating when absent) the manager's database at `path` (':memory:' for a throwaway one) at SCHEMA_VERSION.
 * WAL journal: a killed process loses at most the transaction it was in, never a committed one, and a reader (another
 * process: the CLI beside `manager serve`) never waits for a writer.
 */
export function openDatabase(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a process crash loses nothing committed (only a power loss may lose the last commits).
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

/** Brings the database to SCHEMA_VERSION, each migration in its own transaction; refuses a newer one. */
export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) throw new Error(`the database is schema version ${version}, this bmcfleet knows up to ${SCHEMA_VERSION}`);
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

/** The schema up to `version` alone, as a bmcfleet of that version left it: for migration tests. */
export function createVersion(db: Database.Database, version: number): void {
  if (version < 1 || version > SCHEMA_VERSION) throw new RangeError(`no schema version ${version}`);
  db.transaction(() => {
    for (const v of MIGRATIONS.slice(0, version)) db.exec(v);
    db.pragma(`user_version = ${version}`);
  }).immediate();
}
