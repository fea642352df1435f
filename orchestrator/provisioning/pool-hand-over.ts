// Step 5 of provisioning (issue 14): a finished host is handed to the pool, by a pool file and a webhook, each safe to
// repeat, since a manager killed between the two (or a webhook that fails) does it again: the file holds one entry per
// host (replaced, never doubled) and the webhook's POST carries an Idempotency-Key the receiver can drop repeats by.
// A failure throws, and the install runner tries again later: an installed host is never lost on the way.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { HostRecord } from '../store/host-records.js';

export interface PoolEntry {
  bmc: string;
  role: string;
  image: string;
  installedAtMs: number;
  serial: string | null;
  macs: string[];
}

export interface PoolOptions {
  /** A JSON file of every host handed over: {"hosts": [PoolEntry...]}; null: none. */
  file: string | null;
  /** Where each host is POSTed as JSON; null: none. */
  webhook: string | null;
  webhookTimeoutMs?: number;
  /** Sent as "Authorization: Bearer TOKEN" when set. */
  webhookToken?: string | null;
}

export function poolEntry(host: HostRecord): PoolEntry {
  const install = host.install;
  if (install === null) throw new Error(`${host.address}: not installed`);
  return {
    bmc: host.address, role: install.role, image: install.image, installedAtMs: install.stepSinceMs,
    serial: host.hardware?.serial ?? null, macs: host.hardware?.nics.map((n) => n.mac) ?? [],
  };
}

/** Adds (or replaces) the host's entry in the pool file; written to a temporary file and renamed, never half-written. */
export function writePoolEntry(file: string, entry: PoolEntry): void {
  const hosts: PoolEntry[] = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { hosts: PoolEntry[] }).hosts : [];
  const next = [...hosts.filter((h) => h.bmc !== entry.bmc), entry];
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ hosts: next }, null, 2)}\n`);
  renameSync(tmp, file);
}

/** POSTs the entry; throws unless the receiver answers 2xx. */
export async function postPoolEntry(url: string, entry: PoolEntry, o: { timeoutMs?: number; token?: string | null } = {}): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': `${entry.bmc}@${entry.installedAtMs}`,
        ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      },
      body: JSON.stringify({ event: 'host-installed', host: entry }),
      signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
    });
  } catch (err) {
    throw new Error(`webhook ${url}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
  }
  await res.arrayBuffer();
  if (res.status < 200 || res.status > 299) throw new Error(`webhook ${url}: answered ${res.status}`);
}

/** The hand-over the install runner calls: the pool file, then the webhook. */
export function poolHandOver(o: PoolOptions): (host: HostRecord) => Promise<void> {
  return async (host) => {
    const entry = poolEntry(host);
    if (o.file !== null) writePoolEntry(o.file, entry);
    if (o.webhook !== null) await postPoolEntry(o.webhook, entry, { timeoutMs: o.webhookTimeoutMs, token: o.webhookToken });
  };
}
