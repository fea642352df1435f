// One JSON request to an HTTP API (the manager's, an emulated fleet's control API), with a bearer token when given
// and a timeout on the Clock. An API that cannot be reached, or does not answer in time, is an UnreachableError naming
// the URL and the cause (ECONNREFUSED, ...), which fetch's own "fetch failed" hides.
import type { Clock } from '../../runtime/clock.js';

export class UnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreachableError';
  }
}

export interface JsonRequest {
  method?: string;
  /** Sent as application/json. */
  body?: unknown;
  token?: string | null;
  clock: Clock;
  timeoutMs?: number;
}

export interface JsonAnswer { status: number; body: unknown }

export const DEFAULT_TIMEOUT_MS = 10_000;

export async function requestJson(url: string, r: JsonRequest): Promise<JsonAnswer> {
  const timeoutMs = r.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const abort = new AbortController();
  const timer = r.clock.setTimeout(() => abort.abort(), timeoutMs);
  const headers: Record<string, string> = {};
  if (r.token) headers.authorization = `Bearer ${r.token}`;
  if (r.body !== undefined) headers['content-type'] = 'application/json';
  try {
    const res = await fetch(url, { method: r.method ?? 'GET', headers, body: r.body === undefined ? undefined : JSON.stringify(r.body), signal: abort.signal });
    const text = await res.text();
    let body: unknown = null;
    try { body = JSON.parse(text); } catch { /* not JSON: null */ }
    return { status: res.status, body };
  } catch (err) {
    throw new UnreachableError(`${url}: ${abort.signal.aborted ? `no answer within ${timeoutMs} ms` : causeOf(err)}`);
  } finally {
    timer.cancel();
  }
}

/** The {"error": "..."} of an error answer, or "HTTP <status>". */
export function errorOf(answer: JsonAnswer): string {
  const e = (answer.body as { error?: unknown } | null)?.error;
  return typeof e === 'string' ? `${e} (HTTP ${answer.status})` : `HTTP ${answer.status}`;
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}
