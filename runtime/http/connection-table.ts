// The open connections of an HTTP server, bounded per group (a BMC), per source address and in all, so that no
// client (or many) can grow them. A real BMC's web server bounds its own connections: OpenBMC bmcweb drops a new
// connection while 200 are open (http/http_connection.hpp, Connection::start). A fleet process serves thousands of
// BMCs, so it also bounds them together: when that table is full, the connection idle longest between requests
// makes room (its client reconnects, as it must after any server closes a kept-alive connection), else the oldest
// that has not yet sent a request; when every one is busy with a request, the new connection is refused.
// No sockets: the connections are keys, and the server (redfish-service.ts; connection-limits.ts for the control API
// and the manager) closes what this table names.

export interface ConnectionBounds {
  /** Open at once in the fleet process, every BMC of it together. */
  maxConnections: number;
  /** Open at once from one source address. */
  maxPerSource: number;
  /** Open at once to one BMC (bmcweb: 200). */
  maxPerBmc: number;
}

/** Where a connection stands: not yet requested, answered and waiting for the next request, or busy with one. */
type Stage = 'new' | 'idle' | 'busy';

interface Entry { bmc: string; source: string; stage: Stage }

/** Why a connection is refused: its BMC's or its source's share is taken, or every connection is busy with a request. */
export type Refusal = 'bmc' | 'source' | 'full';

export type Admission<C> = { admitted: true; evicted: C | null } | { admitted: false; reason: Refusal };

export class ConnectionTable<C> {
  private readonly bounds: ConnectionBounds;
  private readonly open = new Map<C, Entry>();
  /** Connections that have not sent a request yet, oldest first (a Set keeps insertion order). */
  private readonly fresh = new Set<C>();
  /** Connections answered and waiting for their next request, idle longest first. */
  private readonly idle = new Set<C>();
  private readonly perBmc = new Map<string, number>();
  private readonly perSource = new Map<string, number>();

  constructor(bounds: ConnectionBounds) {
    this.bounds = bounds;
  }

  /** Why a new connection to `bmc` from `source` would be refused; null when it would be admitted. */
  refusal(bmc: string, source: string): Refusal | null {
    if ((this.perBmc.get(bmc) ?? 0) >= this.bounds.maxPerBmc) return 'bmc';
    if ((this.perSource.get(source) ?? 0) >= this.bounds.maxPerSource) return 'source';
    if (this.open.size >= this.bounds.maxConnections && this.idle.size === 0 && this.fresh.size === 0) return 'full';
    return null;
  }

  /** A new connection to `bmc` from `source`: admitted (and the connection it displaced, to close), or refused. */
  admit(connection: C, bmc: string, source: string): Admission<C> {
    const refused = this.refusal(bmc, source);
    if (refused !== null) return { admitted: false, reason: refused };
    let evicted: C | null = null;
    if (this.open.size >= this.bounds.maxConnections) {
      evicted = first(this.idle) ?? first(this.fresh)!;
      this.closed(evicted); // its close comes later: the slot is free now
    }
    this.open.set(connection, { bmc, source, stage: 'new' });
    this.fresh.add(connection);
    this.perBmc.set(bmc, (this.perBmc.get(bmc) ?? 0) + 1);
    this.perSource.set(source, (this.perSource.get(source) ?? 0) + 1);
    return { admitted: true, evicted };
  }

  /** A request came in on the connection: busy until answered. */
  requested(connection: C): void {
    this.moveTo(connection, 'busy');
  }

  /** Its answer went out: idle from now until its next request. */
  answered(connection: C): void {
    this.moveTo(connection, 'idle');
  }

  /** The connection ended (any number of times: an evicted one is gone already). */
  closed(connection: C): void {
    const entry = this.open.get(connection);
    if (!entry) return;
    this.open.delete(connection);
    this.fresh.delete(connection);
    this.idle.delete(connection);
    countDown(this.perBmc, entry.bmc);
    countDown(this.perSource, entry.source);
  }

  /** The group (BMC) an open connection was made to; undefined once it closed or was displaced. */
  groupOf(connection: C): string | undefined {
    return this.open.get(connection)?.bmc;
  }

  get size(): number {
    return this.open.size;
  }

  /** How many entries each of its tables holds (all 0 once every connection closed). */
  get held(): { open: number; fresh: number; idle: number; bmcs: number; sources: number } {
    return { open: this.open.size, fresh: this.fresh.size, idle: this.idle.size, bmcs: this.perBmc.size, sources: this.perSource.size };
  }

  private moveTo(connection: C, stage: Stage): void {
    const entry = this.open.get(connection);
    if (!entry) return;
    if (entry.stage === 'new') this.fresh.delete(connection);
    if (entry.stage === 'idle') this.idle.delete(connection);
    entry.stage = stage;
    if (stage === 'idle') this.idle.add(connection); // to the end: idle the shortest
  }
}

function first<C>(set: Set<C>): C | null {
  for (const item of set) return item;
  return null;
}

function countDown(counts: Map<string, number>, key: string): void {
  const left = (counts.get(key) ?? 1) - 1;
  if (left === 0) counts.delete(key);
  else counts.set(key, left);
}
