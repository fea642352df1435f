// GET /shards: the shard processes: pid, BMC range, state (starting, ready, restarting), restarts, seconds until the
// next start while restarting, and how the last process ended.
import type { Route } from './route.js';

export const shardRoutes: readonly Route[] = [
  { method: 'GET', path: '/shards', answer: (_req, fleet) => fleet.shards.status() },
];
