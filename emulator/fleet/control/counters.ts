// GET /counters: per-shard totals: BMCs, open sessions, datagrams, requests by command, drops by reason, sol.
import { askAllBmcs } from './bmcs.js';
import type { Route } from './route.js';

export const counterRoutes: readonly Route[] = [
  { method: 'GET', path: '/counters', answer: (_req, fleet) => askAllBmcs(fleet, { op: 'counters' }) },
];
