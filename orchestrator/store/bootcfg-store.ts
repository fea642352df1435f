// The boot-configuration flow's state (issue 15) on the manager's SQLite database (v7: boot_disks, boot_requests,
// sqlite-schema.ts). A disk is reserved for a host in the same transaction that picks it, so two requests racing
// for the last disk cannot both get it, whichever process (manager, CLI) they run in.
import type Database from 'better-sqlite3';
import { parseIpv4 } from '../../protocols/ipv4.js';
import { BootStep, type BootRequest, type DiskRef } from '../bootcfg/boot-machine.js';
import { DiskState, bestFit, diskKey, type BootDisk } from '../bootcfg/boot-target.js';
import { openDatabase } from './sqlite-schema.js';

/** The host has a request that is not released: it must be released before another. */
export class HostBusyError extends Error {
  readonly request: BootRequest;
  constructor(request: BootRequest) {
    super(`${request.host} already has a boot request (${request.step}${request.disk ? `, ${request.disk.target} LUN ${request.disk.lun}` : ''}): release it first`);
    this.name = 'HostBusyError';
    this.request = request;
  }
}

/** No free online disk is large enough: nothing was reserved. */
export class NoDiskFitsError extends Error {
  readonly sizeBytes: number;
  constructor(sizeBytes: number, disks: readonly BootDisk[]) {
    const free = disks.filter((d) => d.state === DiskState.ONLINE && d.assignedTo === null);
    const largest = Math.max(0, ...free.map((d) => d.sizeBytes ?? 0));
    super(free.length === 0
      ? `no free online disk (${disks.length} known, all given to hosts or not online): nothing reserved`
      : `no free online disk of at least ${sizeBytes} bytes (the largest free one has ${largest}): nothing reserved`);
    this.name = 'NoDiskFitsError';
    this.sizeBytes = sizeBytes;
  }
}

interface DiskRow {
  target: string; lun: number; portal_address: string; portal_port: number; size_bytes: number | null; size_from: string | null;
  state: string; seen_at_ms: number; assigned_to: string | null;
}

function diskOf(r: DiskRow): BootDisk {
  return {
    target: r.target, lun: r.lun, portal: { address: r.portal_address, port: r.portal_port }, sizeBytes: r.size_bytes,
    state: r.state as DiskState, sizeFrom: r.size_from as BootDisk['sizeFrom'], seenAtMs: r.seen_at_ms, assignedTo: r.assigned_to,
  };
}

export class SqliteBootcfgStore {
  private readonly db: Database.Database;

  /** Opens (creating when absent, migrating when older) the manager's database at `path`. */
  constructor(path: string) {
    this.db = openDatabase(path);
  }

  disks(): BootDisk[] {
    return (this.db.prepare('SELECT * FROM boot_disks ORDER BY target, lun').all() as DiskRow[]).map(diskOf);
  }

  disk(target: string, lun: number): BootDisk | null {
    const row = this.db.prepare('SELECT * FROM boot_disks WHERE target = ? AND lun = ?').get(target, lun) as DiskRow | undefined;
    return row ? diskOf(row) : null;
  }

  /**
   * Stores what the inventory read: each disk added or updated (who holds it is kept). With `complete` (a whole
   * inventory), disks of targets not in the list are marked gone; returns the keys of disks that became gone.
   */
  saveDisks(disks: readonly Omit<BootDisk, 'assignedTo'>[], complete: boolean): { target: string; lun: number }[] {
    const upsert = this.db.prepare(`INSERT INTO boot_disks (target, lun, portal_address, portal_port, size_bytes, size_from, state, seen_at_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (target, lun) DO UPDATE SET portal_address = excluded.portal_address,
      portal_port = excluded.portal_port, size_bytes = excluded.size_bytes, size_from = excluded.size_from, state = excluded.state,
      seen_at_ms = excluded.seen_at_ms`);
    return this.db.transaction(() => {
      for (const d of disks) upsert.run(d.target, d.lun, d.portal.address, d.portal.port, d.sizeBytes, d.sizeFrom, d.state, d.seenAtMs);
      if (!complete) return [];
      const seen = new Set(disks.map(diskKey));
      const lost = this.disks().filter((d) => d.state !== DiskState.GONE && !seen.has(diskKey(d)));
      for (const d of lost) this.setState(d.target, d.lun, DiskState.GONE);
      return lost.map(({ target, lun }) => ({ target, lun }));
    }).immediate();
  }

  /** Every LUN of `target` left the server; returns those that were not gone already. */
  targetGone(target: string): { target: string; lun: number }[] {
    return this.db.transaction(() => {
      const lost = this.disks().filter((d) => d.target === target && d.state !== DiskState.GONE);
      for (const d of lost) this.setState(d.target, d.lun, DiskState.GONE);
      return lost.map(({ lun }) => ({ target, lun }));
    }).immediate();
  }

  private setState(target: string, lun: number, state: DiskState): void {
    this.db.prepare('UPDATE boot_disks SET state = ? WHERE target = ? AND lun = ?').run(state, target, lun);
  }

  /**
   * Picks the best-fitting free disk, reserves it for `host` and stores the request `make` builds around it, in one
   * transaction. HostBusyError when the host has a request not yet released, NoDiskFitsError when nothing fits.
   */
  startRequest(host: string, sizeBytes: number, make: (disk: DiskRef) => BootRequest): BootRequest {
    return this.db.transaction(() => {
      const open = this.request(host);
      if (open !== null && open.step !== BootStep.RELEASED) throw new HostBusyError(open);
      const disks = this.disks();
      const disk = bestFit(disks, sizeBytes);
      if (disk === null) throw new NoDiskFitsError(sizeBytes, disks);
      this.assign(disk, host);
      const request = make({ target: disk.target, lun: disk.lun, portal: disk.portal });
      this.saveRequest(request);
      return request;
    }).immediate();
  }

  /** Picks and reserves another disk for `host`'s running request (its old one lost), or null when none fits. */
  repick(host: string, sizeBytes: number): DiskRef | null {
    return this.db.transaction(() => {
      this.free(host);
      const disk = bestFit(this.disks(), sizeBytes);
      if (disk === null) return null;
      this.assign(disk, host);
      return { target: disk.target, lun: disk.lun, portal: disk.portal };
    }).immediate();
  }

  private assign(disk: BootDisk, host: string): void {
    this.db.prepare('UPDATE boot_disks SET assigned_to = ? WHERE target = ? AND lun = ?').run(host, disk.target, disk.lun);
  }

  /** `host` holds no disk any more. */
  private free(host: string): void {
    this.db.prepare('UPDATE boot_disks SET assigned_to = NULL WHERE assigned_to = ?').run(host);
  }

  requests(): BootRequest[] {
    const rows = this.db.prepare('SELECT request FROM boot_requests').all() as { request: string }[];
    return rows.map((r) => JSON.parse(r.request) as BootRequest).sort((a, b) => parseIpv4(a.host) - parseIpv4(b.host));
  }

  request(host: string): BootRequest | null {
    const row = this.db.prepare('SELECT request FROM boot_requests WHERE host = ?').get(host) as { request: string } | undefined;
    return row ? JSON.parse(row.request) as BootRequest : null;
  }

  saveRequest(r: BootRequest): void {
    this.db.prepare(`INSERT INTO boot_requests (host, step, request) VALUES (?, ?, ?)
      ON CONFLICT (host) DO UPDATE SET step = excluded.step, request = excluded.request`).run(r.host, r.step, JSON.stringify(r));
  }

  /** The request is released: its disk is free again, in the same transaction. */
  saveReleased(r: BootRequest): void {
    this.db.transaction(() => {
      this.free(r.host);
      this.saveRequest(r);
    }).immediate();
  }

  close(): void {
    this.db.close();
  }
}
