// Cluster updates (issue 14) behind a small interface, in the manager's database (schema v6): each update's cluster
// file, descriptor, status and wave progress, and each host's state in it. Each method is one atomic step.
import type Database from 'better-sqlite3';
import type { ClusterFile } from '../cluster-update/cluster-file.js';
import type { UpdateDescriptor } from '../cluster-update/update-descriptor.js';
import type { HostUpdate, WaveProgress } from '../cluster-update/wave-planner.js';
import { openDatabase } from './sqlite-schema.js';

export const UpdateStatus = { RUNNING: 'running', PAUSED: 'paused', ABORTING: 'aborting', ABORTED: 'aborted', DONE: 'done' } as const;
export type UpdateStatus = typeof UpdateStatus[keyof typeof UpdateStatus];
export const LIVE_UPDATE_STATUSES: readonly UpdateStatus[] = [UpdateStatus.RUNNING, UpdateStatus.PAUSED, UpdateStatus.ABORTING];

export interface UpdateHostRecord { bmc: string; state: HostUpdate; reason: string | null }

export interface ClusterUpdateRecord {
  id: number;
  createdAtMs: number;
  cluster: ClusterFile;
  descriptor: UpdateDescriptor;
  status: UpdateStatus;
  progress: WaveProgress;
  hosts: UpdateHostRecord[];
}

/** What the manager decided of an arrived update for one cluster. */
export interface ArrivalDecision { cluster: string; applies: number; skipped: number; started: number | null; note: string }

export interface ArrivalRecord {
  /** name@version:sha256: the same update arriving again is the same arrival. */
  key: string;
  source: string;
  receivedAtMs: number;
  description: string;
  descriptor: UpdateDescriptor;
  decisions: ArrivalDecision[];
}

export class SqliteClusterUpdateStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = openDatabase(path);
  }

  /** A new update with every host's first state (pending, or skipped with why), all at once. */
  create(u: Omit<ClusterUpdateRecord, 'id'>): number {
    return this.db.transaction(() => {
      const id = Number(this.db.prepare('INSERT INTO cluster_updates (created_at_ms, cluster, descriptor, status, progress) VALUES (?, ?, ?, ?, ?)')
        .run(u.createdAtMs, JSON.stringify(u.cluster), JSON.stringify(u.descriptor), u.status, JSON.stringify(u.progress)).lastInsertRowid);
      this.putHosts(id, u.hosts);
      return id;
    }).immediate();
  }

  update(id: number): ClusterUpdateRecord | null {
    const row = this.db.prepare('SELECT * FROM cluster_updates WHERE id = ?').get(id) as
      { id: number; created_at_ms: number; cluster: string; descriptor: string; status: string; progress: string } | undefined;
    if (!row) return null;
    const hosts = (this.db.prepare('SELECT bmc, state, reason FROM cluster_update_hosts WHERE update_id = ? ORDER BY rowid').all(id) as
      { bmc: string; state: string; reason: string | null }[]).map((h) => ({ bmc: h.bmc, state: h.state as HostUpdate, reason: h.reason }));
    return {
      id: row.id, createdAtMs: row.created_at_ms, cluster: JSON.parse(row.cluster) as ClusterFile, descriptor: JSON.parse(row.descriptor) as UpdateDescriptor,
      status: row.status as UpdateStatus, progress: JSON.parse(row.progress) as WaveProgress, hosts,
    };
  }

  /** Every update's ID and status, oldest first. */
  updates(): { id: number; status: UpdateStatus }[] {
    return this.db.prepare('SELECT id, status FROM cluster_updates ORDER BY id').all() as { id: number; status: UpdateStatus }[];
  }

  /** One step: the status and progress, and the hosts that changed. */
  save(id: number, step: { status: UpdateStatus; progress: WaveProgress; hosts: readonly UpdateHostRecord[] }): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE cluster_updates SET status = ?, progress = ? WHERE id = ?').run(step.status, JSON.stringify(step.progress), id);
      this.putHosts(id, step.hosts);
    }).immediate();
  }

  /** Records an arrival; false (nothing written) when one with its key is recorded already. */
  addArrival(a: ArrivalRecord): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO update_arrivals (key, source, received_at_ms, description, descriptor, decisions) VALUES (?, ?, ?, ?, ?, ?)')
      .run(a.key, a.source, a.receivedAtMs, a.description, JSON.stringify(a.descriptor), JSON.stringify(a.decisions)).changes === 1;
  }

  hasArrival(key: string): boolean {
    return this.db.prepare('SELECT 1 FROM update_arrivals WHERE key = ?').get(key) !== undefined;
  }

  arrivals(): ArrivalRecord[] {
    return (this.db.prepare('SELECT * FROM update_arrivals ORDER BY received_at_ms, key').all() as
      { key: string; source: string; received_at_ms: number; description: string; descriptor: string; decisions: string }[]).map((r) => ({
      key: r.key, source: r.source, receivedAtMs: r.received_at_ms, description: r.description,
      descriptor: JSON.parse(r.descriptor) as UpdateDescriptor, decisions: JSON.parse(r.decisions) as ArrivalDecision[],
    }));
  }

  close(): void {
    this.db.close();
  }

  private putHosts(id: number, hosts: readonly UpdateHostRecord[]): void {
    const put = this.db.prepare(`INSERT INTO cluster_update_hosts (update_id, bmc, state, reason) VALUES (?, ?, ?, ?)
      ON CONFLICT (update_id, bmc) DO UPDATE SET state = excluded.state, reason = excluded.reason`);
    for (const h of hosts) put.run(id, h.bmc, h.state, h.reason);
  }
}
