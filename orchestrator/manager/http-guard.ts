// Who may use the manager's HTTP API, and how many at once: the rules of every local HTTP API here (runtime/http/:
// no web page may drive a rollout, the token when one is set, a limit on connections in all and per source address
// with timeouts on each stage of a request), with the manager's numbers and refused with an HttpError.
import { RequestGuard as HttpRequestGuard } from '../../runtime/http/request-guard.js';
import type { ConnectionLimits } from '../../runtime/http/connection-limits.js';

// manager-api.ts takes the limits from here, beside the manager's own numbers.
export { limitConnections, serverTimeouts, type ConnectionLimits } from '../../runtime/http/connection-limits.js';

/** A request refused or failed, with the HTTP status to answer. */
export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
  }
}

export class RequestGuard extends HttpRequestGuard {
  constructor(host: string, port: number, token: string | null) {
    super({ host, port, token }, { errorClass: HttpError, tokenHint: 'the manager\'s --token-file' });
  }
}

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = Object.freeze({
  maxConnections: 64,
  maxConnectionsPerSource: 16,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  idleTimeoutMs: 30_000,
});
