// GET /metrics: the fleet's Prometheus metrics (emulator/fleet/metrics.ts), in the text format.
import { TextAnswer, type Route } from './route.js';

export const metricsRoutes: readonly Route[] = [
  {
    method: 'GET', path: '/metrics',
    answer: async (_req, fleet) => new TextAnswer(await fleet.metrics.metrics(), fleet.metrics.contentType),
  },
];
