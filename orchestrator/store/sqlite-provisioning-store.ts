// ProvisioningStore on the manager's SQLite database (the v4 `hosts` table and v5's install, sqlite-schema.ts): one row per host,
// the BMC's identity in columns, its authentication capabilities and hardware as JSON (each read and shown whole).
import type Database from 'better-sqlite3';
import { parseIpv4 } from '../../protocols/ipv4.js';
import type { AuthCapabilities, HostHardware, HostRecord, HostStage, HostStep } from './host-records.js';
import type { InstallState } from '../provisioning/install-machine.js';
import type { ProvisioningStore } from './provisioning-store.js';
import { openDatabase } from './sqlite-schema.js';

interface HostRow {
  address: string; port: number; stage: string; stage_since_ms: number; first_seen_ms: number; last_seen_ms: number;
  auth_caps: string | null; guid: string | null; device_id: number | null; device_revision: number | null; firmware: string | null;
  ipmi_version: string | null; manufacturer_id: number | null; product_id: number | null; identified_at_ms: number | null;
  hardware: string | null; inventoried_at_ms: number | null; failure_step: string | null; failure_cause: string | null;
  failure: string | null; failed_at_ms: number | null; install: string | null;
}

const COLUMNS = `address, port, stage, stage_since_ms, first_seen_ms, last_seen_ms, auth_caps, guid, device_id, device_revision,
  firmware, ipmi_version, manufacturer_id, product_id, identified_at_ms, hardware, inventoried_at_ms, failure_step, failure_cause,
  failure, failed_at_ms, install`;

function hostOf(r: HostRow): HostRecord {
  return {
    address: r.address, port: r.port, stage: r.stage as HostStage, stageSinceMs: r.stage_since_ms,
    firstSeenMs: r.first_seen_ms, lastSeenMs: r.last_seen_ms,
    authCaps: r.auth_caps === null ? null : JSON.parse(r.auth_caps) as AuthCapabilities,
    identity: r.guid === null ? null : {
      guid: r.guid, deviceId: r.device_id ?? 0, deviceRevision: r.device_revision ?? 0, firmware: r.firmware ?? '',
      ipmiVersion: r.ipmi_version ?? '', manufacturerId: r.manufacturer_id ?? 0, productId: r.product_id ?? 0,
    },
    identifiedAtMs: r.identified_at_ms,
    hardware: r.hardware === null ? null : JSON.parse(r.hardware) as HostHardware,
    inventoriedAtMs: r.inventoried_at_ms,
    failure: r.failure_step === null ? null : {
      step: r.failure_step as HostStep, cause: r.failure_cause ?? '', message: r.failure ?? '', atMs: r.failed_at_ms ?? 0,
    },
    install: r.install === null ? null : JSON.parse(r.install) as InstallState,
  };
}

/** The row's values in COLUMNS order. */
function rowOf(h: HostRecord): unknown[] {
  const id = h.identity;
  const f = h.failure;
  return [h.address, h.port, h.stage, h.stageSinceMs, h.firstSeenMs, h.lastSeenMs, h.authCaps && JSON.stringify(h.authCaps),
    id?.guid ?? null, id?.deviceId ?? null, id?.deviceRevision ?? null, id?.firmware ?? null, id?.ipmiVersion ?? null,
    id?.manufacturerId ?? null, id?.productId ?? null, h.identifiedAtMs, h.hardware && JSON.stringify(h.hardware), h.inventoriedAtMs,
    f?.step ?? null, f?.cause ?? null, f?.message ?? null, f?.atMs ?? null, h.install && JSON.stringify(h.install)];
}

export class SqliteProvisioningStore implements ProvisioningStore {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;

  /** Opens (creating when absent, migrating when older) the manager's database at `path`. */
  constructor(path: string) {
    this.db = openDatabase(path);
    const names = COLUMNS.split(',').map((c) => c.trim());
    this.upsert = this.db.prepare(`INSERT INTO hosts (${COLUMNS}) VALUES (${names.map(() => '?').join(', ')})
      ON CONFLICT (address) DO UPDATE SET ${names.slice(1).map((c) => `${c} = excluded.${c}`).join(', ')}`);
  }

  hosts(): HostRecord[] {
    const rows = this.db.prepare(`SELECT ${COLUMNS} FROM hosts`).all() as HostRow[];
    return rows.map(hostOf).sort((a, b) => parseIpv4(a.address) - parseIpv4(b.address));
  }

  host(address: string): HostRecord | null {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM hosts WHERE address = ?`).get(address) as HostRow | undefined;
    return row ? hostOf(row) : null;
  }

  saveHosts(hosts: readonly HostRecord[]): void {
    this.db.transaction(() => {
      for (const h of hosts) this.upsert.run(...rowOf(h));
    }).immediate();
  }

  close(): void {
    this.db.close();
  }
}
