// The control API's bounds on its connections (README "The control API"; how they apply: runtime/http/connection-limits.ts).
import type { ConnectionLimits } from '../../../runtime/http/connection-limits.js';

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = Object.freeze({
  maxConnections: 128,
  maxConnectionsPerSource: 16,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
});
