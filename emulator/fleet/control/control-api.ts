// The fleet's control API: HTTP + JSON on a local address, and Prometheus /metrics, answered from a routing table
// (route.ts): the fleet's own routes below, then each node kind's (README "The control API" lists them all). Every
// request passes the guard first (request-guard.ts: no web page may use it; the token when one is set), and slow or
// idle clients are bounded (connection-limits.ts).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ControlError } from '../control-error.js';
import { formatHostPort } from '../../../runtime/host-port.js';
import { logSink, type LogSink } from '../../../runtime/log.js';
import { limitConnections, serverTimeouts, type ConnectionLimits } from '../../../runtime/http/connection-limits.js';
import { DEFAULT_CONNECTION_LIMITS } from './connection-limits.js';
import { counterRoutes } from './counters.js';
import { metricsRoutes } from './metrics.js';
import { RequestGuard } from './request-guard.js';
import { ControlRequest, RouteTable, TextAnswer, type FleetControl, type Route } from './route.js';
import { rackRoutes } from './racks.js';
import { shardRoutes } from './shards.js';
import { targetRoutes } from './targets.js';

/** Routes of the fleet as a whole, whatever its node kinds. */
export const FLEET_ROUTES: readonly Route[] = [...shardRoutes, ...counterRoutes, ...metricsRoutes, ...targetRoutes, ...rackRoutes];

export interface ControlApi { url: string; close(): Promise<void> }

export interface ControlApiOptions {
  /** Every request must show it (Authorization: Bearer TOKEN); none asked for when null or absent. */
  token?: string | null;
  /** DEFAULT_CONNECTION_LIMITS where not given. */
  limits?: Partial<ConnectionLimits>;
  /** Each request and its status (debug), and the error behind a 500 (a bug: error). Default: the process's log. */
  log?: LogSink;
}

/** Serves `routes` on host:port (port 0: a free one, shown in `url`). */
export function startControlApi(fleet: FleetControl, routes: readonly Route[], host: string, port: number, options: ControlApiOptions = {}): Promise<ControlApi> {
  const table = new RouteTable(routes);
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits };
  const log = options.log ?? logSink();
  let guard: RequestGuard | null = null;
  const server = createServer(serverTimeouts(limits), (message, res) => {
    const answered = (status: number, result: unknown) => {
      log(`control API: ${message.method} ${message.url} ${status}`, 'debug');
      reply(res, status, result);
    };
    answer(table, guard!, message, fleet).then(
      (result) => answered(200, result),
      (err: Error) => {
        if (!(err instanceof ControlError)) log(`control API: ${message.method} ${message.url}: ${err.stack ?? err.message}`, 'error');
        answered(err instanceof ControlError ? err.status : 500, { error: err.message });
      },
    );
  });
  limitConnections(server, limits);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      const bound = typeof addr === 'object' && addr ? addr.port : port;
      guard = new RequestGuard({ host, port: bound, token: options.token ?? null });
      resolve({
        url: `http://${formatHostPort(host, bound)}`,
        close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}

async function answer(table: RouteTable, guard: RequestGuard, message: IncomingMessage, fleet: FleetControl): Promise<unknown> {
  guard.check(message.headers);
  const req = new ControlRequest(message);
  const found = table.match(req.method, req.parts);
  if (!found) throw new ControlError(404, `no such endpoint: ${req.method} ${req.url.pathname}; the endpoints are: ${table.list().join(', ')}`);
  req.params = found.params;
  return found.route.answer(req, fleet);
}

function reply(res: ServerResponse, status: number, answer: unknown): void {
  if (answer instanceof TextAnswer) {
    res.writeHead(status, { 'content-type': answer.contentType });
    res.end(answer.text);
    return;
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (status === 401) headers['www-authenticate'] = 'Bearer'; // RFC 6750 §3
  res.writeHead(status, headers);
  res.end(`${JSON.stringify(answer, null, 1)}\n`);
}
