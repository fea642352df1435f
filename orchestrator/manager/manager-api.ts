// The manager's HTTP API (JSON), what `bmcfleet manager serve` runs and `bmcfleet rollout` talks to:
//
//   POST /rollouts                      start one (body: rollout-request.ts)         201, the rollout's status
//   GET  /rollouts                      every rollout's status, oldest first
//   GET  /rollouts/ID                   one rollout: its state and each rack's progress
//   POST /rollouts/ID/pause|resume|abort                                             the rollout's status after
//     (resume may carry {"flashTime": TIME}: a new flash time, sent to the RMCs before their Resume)
//   GET  /rollouts/ID/report            every BMC: flashed, skipped, or failed with a reason
//   GET  /rmcs                          the RMCs this manager governs, and the running rollout each is in
//   POST /provision/runs, GET /provision/hosts   provisioning (provision-routes.ts)
//   /cluster-updates...                 cluster updates (cluster-update-routes.ts)
//   /bootcfg/requests, /bootcfg/targets iSCSI boot configuration (bootcfg-routes.ts)
//
// Errors are {"error": "...", "code": "ERR_..."} (the engine's codes, rollout-errors.ts) with 400 (bad input: image,
// flash time, plan, field, unknown rack), 404 (no such rollout or endpoint), 409 (racks already in a running rollout,
// with its rolloutId; or a rollout whose status forbids the action), 413 (body too large), or the guard's 401, 403,
// 415 (see http-guard.ts). Anything else is a bug: 500, and `onError` hears of it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { formatHostPort } from '../../runtime/host-port.js';
import { processLogger } from '../../runtime/log.js';
import { RmcsBusyError, RolloutRequestError } from '../rollout/rollout-errors.js';
import type { RolloutRmc } from '../rollout/rollout-plan.js';
import type { RolloutService } from '../rollout/rollout-service.js';
import { LIVE_STATUSES } from '../store/run-records.js';
import { DEFAULT_CONNECTION_LIMITS, HttpError, RequestGuard, limitConnections, serverTimeouts, type ConnectionLimits } from './http-guard.js';
import { SelectorError } from './rack-selector.js';
import { RequestFieldError, resumeFlashTimeFrom, startRequestFrom } from './rollout-request.js';
import type { ProvisionService } from '../provisioning/provision-service.js';
import { provisionRoute } from './provision-routes.js';
import type { ClusterUpdates } from '../cluster-update/cluster-updates.js';
import { clusterUpdateRoute } from './cluster-update-routes.js';
import type { UpdateArrivals } from '../cluster-update/update-arrivals.js';
import type { BootcfgService } from '../bootcfg/bootcfg-service.js';
import { bootcfgRoute } from './bootcfg-routes.js';

/** The body of any request but POST /rollouts. */
const MAX_SMALL_BODY = 64 * 1024;
/** POST /rollouts: room for the fields beside the image. */
const MAX_FIELDS_BYTES = 4096;
/** The largest image POST /rollouts takes by default: 64 MiB of firmware and its HPM.1 header and actions. */
export const DEFAULT_MAX_IMAGE_BYTES = 65 * 1024 * 1024;

export interface ManagerApiOptions {
  host: string;
  /** 0: a free one, shown in `url`. */
  port: number;
  /** Every request must show it (Authorization: Bearer TOKEN); null: none asked for. */
  token: string | null;
  limits?: Partial<ConnectionLimits>;
  maxImageBytes?: number;
  /** Told of every error that is not a refused request (a bug); default: the process's log, at error. */
  onError?: (err: Error) => void;
  /** Provisioning's and cluster updates' routes; left out, they answer 404. */
  provision?: ProvisionService;
  clusterUpdates?: ClusterUpdates;
  /** Where pushed update alerts go; left out, POST /cluster-updates/alerts answers 404. */
  updateArrivals?: UpdateArrivals;
  /** iSCSI boot configuration's routes; left out, they answer 404. */
  bootcfg?: BootcfgService;
}

export interface ManagerApi { url: string; close(): Promise<void> }

export function startManagerApi(service: RolloutService, inventory: readonly RolloutRmc[], o: ManagerApiOptions): Promise<ManagerApi> {
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...o.limits };
  const maxRolloutBody = Math.ceil((o.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES) / 3) * 4 + MAX_FIELDS_BYTES;
  const onError = o.onError ?? ((err: Error) => processLogger().error({ err }, `manager API: ${err.message}`));
  let guard: RequestGuard | null = null;
  const server = createServer(serverTimeouts(limits), (req, res) => {
    answer(req).then(
      ({ status, body }) => reply(res, status, body),
      (err: Error) => {
        const status = statusOf(err);
        if (status === 500) onError(err);
        reply(res, status, errorBody(err, status, service));
      },
    );
  });
  limitConnections(server, limits);

  async function answer(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    guard!.check(req.headers);
    const method = req.method ?? 'GET';
    const parts = new URL(req.url ?? '/', 'http://manager').pathname.split('/').filter(Boolean);
    if (parts[0] === 'rollouts' && parts.length === 1 && method === 'POST') {
      const request = startRequestFrom(await bodyOf(req, maxRolloutBody), inventory);
      const id = service.start(request);
      return { status: 201, body: service.status(id) };
    }
    const body = await bodyOf(req, MAX_SMALL_BODY); // read (and bounded) whatever comes, so the connection can serve the next request
    const routed = (o.provision ? provisionRoute(o.provision, method, parts, body) : null)
      ?? (o.bootcfg ? bootcfgRoute(o.bootcfg, method, parts, body) : null)
      ?? (o.clusterUpdates ? await clusterUpdateRoute(o.clusterUpdates, o.updateArrivals ?? null, method, parts, body) : null);
    if (routed) return routed;
    if (method === 'GET' && parts.length === 1 && parts[0] === 'rmcs') return { status: 200, body: { rmcs: governed() } };
    if (method === 'GET' && parts.length === 1 && parts[0] === 'rollouts') return { status: 200, body: { rollouts: service.list() } };
    if (parts[0] === 'rollouts' && parts.length >= 2 && parts.length <= 3) {
      const id = rolloutId(parts[1]);
      const action = parts[2];
      if (method === 'GET' && action === undefined) return { status: 200, body: service.status(id) };
      if (method === 'GET' && action === 'report') return { status: 200, body: service.report(id) };
      if (method === 'POST' && action === 'resume') {
        service.resume(id, resumeFlashTimeFrom(body));
        return { status: 200, body: service.status(id) };
      }
      if (method === 'POST' && (action === 'pause' || action === 'abort')) {
        service[action](id);
        return { status: 200, body: service.status(id) };
      }
    }
    throw new HttpError(404, `no such endpoint: ${method} /${parts.join('/')} (see GET /rollouts, /rollouts/ID, /rollouts/ID/report, /rmcs, /provision/hosts, /cluster-updates, /cluster-updates/ID; POST /rollouts, /rollouts/ID/pause|resume|abort, /provision/runs, /cluster-updates, /cluster-updates/ID/pause|resume|abort, /bootcfg/requests; GET /bootcfg/requests, /bootcfg/targets; DELETE /bootcfg/requests/HOST)`);
  }

  /** The inventory, with the running rollout each RMC is in (null when none). */
  function governed(): { id: number; ip: string; rack: string; rollout: number | null }[] {
    const runningIn = liveRolloutOf(service);
    return inventory.map((r) => ({ id: r.rmcId, ip: r.address, rack: r.rackName, rollout: runningIn.get(r.rmcId) ?? null }));
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      const addr = server.address();
      const bound = typeof addr === 'object' && addr ? addr.port : o.port;
      guard = new RequestGuard(o.host, bound, o.token);
      resolve({
        url: `http://${formatHostPort(o.host, bound)}`,
        close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}

function rolloutId(text: string): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) < 1 || Number(text) > 0xffff_ffff) throw new HttpError(400, `a rollout ID is a whole number from 1 to ${0xffff_ffff}, not "${text}"`);
  return Number(text);
}

/** The body as a JSON object ({} when empty); HttpError 413 past `max` bytes, 400 when not a JSON object. */
async function bodyOf(req: IncomingMessage, max: number): Promise<Record<string, unknown>> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) throw new HttpError(413, `body larger than ${max} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new HttpError(413, `body larger than ${max} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'body must be a JSON object');
  return v as Record<string, unknown>;
}

/** Each RMC in a live rollout (running, paused, aborting): that rollout's ID. */
function liveRolloutOf(service: RolloutService): Map<number, number> {
  const runningIn = new Map<number, number>();
  for (const r of service.list()) {
    if (!LIVE_STATUSES.includes(r.status)) continue;
    for (const m of service.status(r.rolloutId).rmcs) runningIn.set(m.rmcId, r.rolloutId);
  }
  return runningIn;
}

/** The answer for each of the engine's refusals (rollout-errors.ts). */
const STATUS_OF_CODE: Record<string, number> = {
  ERR_IMAGE: 400, ERR_FLASH_TIME: 400, ERR_PLAN: 400, ERR_NO_ROLLOUT: 404, ERR_RMCS_BUSY: 409, ERR_STATE: 409,
};

function statusOf(err: Error): number {
  if (err instanceof HttpError) return err.status;
  if (err instanceof RolloutRequestError) return STATUS_OF_CODE[err.code] ?? 500;
  if (err instanceof SelectorError || err instanceof RequestFieldError) return 400;
  return 500;
}

function errorBody(err: Error, status: number, service: RolloutService): Record<string, unknown> {
  if (status === 500) return { error: 'internal error (logged by the manager)' };
  const body: Record<string, unknown> = { error: err.message };
  if (err instanceof RolloutRequestError) body.code = err.code;
  if (err instanceof RmcsBusyError) {
    const rolloutId = liveRolloutOf(service).get(err.rmcIds[0]) ?? null;
    Object.assign(body, { error: rolloutId === null ? err.message : `${err.message}: rollout ${rolloutId}`, rolloutId, rmcIds: err.rmcIds });
  }
  return body;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (status === 401) headers['www-authenticate'] = 'Bearer'; // RFC 6750 §3
  if (status === 413) headers.connection = 'close'; // the rest of the body is not read
  res.writeHead(status, headers);
  res.end(`${JSON.stringify(body)}\n`);
}
