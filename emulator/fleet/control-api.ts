// The fleet's control API: HTTP + JSON on a local address, and Prometheus /metrics.
//
//   GET  /shards                      shard processes: pid, BMC range, state, restarts
//   GET  /bmcs?offset=0&limit=100     BMCs in fleet order: address, rack, power, sessions, faults
//   GET  /bmcs/IP                     one BMC: identity (GUID, MAC, firmware), state, counters (sol included)
//   GET  /bmcs/IP/console?after=P&limit=N   the host's serial console output after position P (default: all kept)
//   PUT  /bmcs/IP/faults   {lossPercent, latencyMs, busyStallMs, busyEveryMs, slowCommands}  (merged)
//   PUT  /faults           same body, every BMC
//   POST /bmcs/IP/stall    {"ms": 1500}     busy now: requests queue, then are answered in order
//   POST /stall            {"ms": 1500}     every BMC
//   POST /bmcs/IP/reboot   {"ms": 5000}     BMC controller reboot: silent, sessions lost
//   POST /bmcs/IP/power    {"action": "on|off|cycle|reset|soft|diag"}
//   GET  /targets                     emulated iSCSI targets: IQN, portal, LUNs, iSNS entity
//   POST /targets          {"name", "firstIp", "count"?, "port"?, "luns"?}  (as in the fleet file) add targets
//   DELETE /targets/IQN               deregister and remove a target
//   PUT  /targets/IQN/luns/N  {"state": "online|offline|busy|unknown"}  degrade or restore a LUN
//   GET  /counters                    per-shard totals: BMCs, sessions, datagrams, requests by command, drops by reason, sol
//   GET  /metrics                     Prometheus text format
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { ControlError } from './control-error.js';
import type { Supervisor } from './supervisor.js';
import { FleetFileError, faultsEntry, targetEntry } from './fleet-config.js';
import type { TargetFleet } from './target-fleet.js';
import { formatHostPort } from '../../runtime/host-port.js';

const MAX_BODY = 64 * 1024;
const MAX_LIST = 10_000;

export interface ControlApi { server: Server; url: string; close(): Promise<void> }

export function startControlApi(supervisor: Supervisor, metrics: Registry, host: string, port: number, targets: TargetFleet | null = null): Promise<ControlApi> {
  const server = createServer((req, res) => {
    route(supervisor, metrics, targets, req).then(
      (answer) => reply(res, 200, answer),
      (err: Error) => reply(res, err instanceof ControlError ? err.status : 500, { error: err.message }),
    );
  });
  server.maxConnections = 64;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      const bound = typeof addr === 'object' && addr ? addr.port : port;
      resolve({
        server, url: `http://${formatHostPort(host, bound)}`,
        close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}

type Answer = unknown | { text: string; contentType: string };

async function route(sup: Supervisor, metrics: Registry, targets: TargetFleet | null, req: IncomingMessage): Promise<Answer> {
  const url = new URL(req.url ?? '/', 'http://control');
  const parts = url.pathname.split('/').filter(Boolean);
  const method = req.method ?? 'GET';
  const is = (m: string, ...path: string[]) => method === m && parts.length === path.length && path.every((p, i) => p === '*' || p === parts[i]);

  if (is('GET', 'metrics')) return { text: await metrics.metrics(), contentType: metrics.contentType };
  if (is('GET', 'shards')) return sup.status();
  if (is('GET', 'counters')) return sup.callAll({ op: 'counters' });
  if (is('GET', 'bmcs')) {
    const offset = intParam(url, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = intParam(url, 'limit', 100, 1, MAX_LIST);
    return { total: sup.total, offset, bmcs: await sup.list(offset, limit) };
  }
  if (is('GET', 'bmcs', '*')) return sup.callFor(parts[1], { op: 'bmc', ip: parts[1] });
  if (is('GET', 'bmcs', '*', 'console')) {
    const after = intParam(url, 'after', -1, -1, Number.MAX_SAFE_INTEGER);
    return sup.callFor(parts[1], { op: 'console', ip: parts[1], after, limit: intParam(url, 'limit', 500, 1, 5000) });
  }
  if (is('PUT', 'faults')) return sup.callAll({ op: 'faults', ip: null, change: faultBody(await body(req)) });
  if (is('PUT', 'bmcs', '*', 'faults')) return sup.callFor(parts[1], { op: 'faults', ip: parts[1], change: faultBody(await body(req)) });
  if (is('POST', 'stall')) return sup.callAll({ op: 'stall', ip: null, ms: msBody(await body(req)) });
  if (is('POST', 'bmcs', '*', 'stall')) return sup.callFor(parts[1], { op: 'stall', ip: parts[1], ms: msBody(await body(req)) });
  if (is('POST', 'bmcs', '*', 'reboot')) return sup.callFor(parts[1], { op: 'reboot', ip: parts[1], ms: msBody(await body(req)) });
  if (is('POST', 'bmcs', '*', 'power')) {
    const b = await body(req);
    if (typeof b.action !== 'string') throw new ControlError(400, 'body must be {"action": "on|off|cycle|reset|soft|diag"}');
    return sup.callFor(parts[1], { op: 'power', ip: parts[1], action: b.action });
  }
  if (parts[0] === 'targets') return routeTargets(targets, method, parts, req);
  throw new ControlError(404, `no such endpoint: ${method} ${url.pathname} (see GET /shards, /bmcs, /bmcs/IP, /counters, /metrics)`);
}

async function routeTargets(targets: TargetFleet | null, method: string, parts: string[], req: IncomingMessage): Promise<Answer> {
  if (!targets) throw new ControlError(404, 'this fleet has no iSNS server and no targets (isns: and targets: in the fleet file)');
  if (method === 'GET' && parts.length === 1) return targets.list();
  if (method === 'POST' && parts.length === 1) {
    const b = await body(req);
    const specs = fleetFileChecked(() => targetEntry(b, 'POST /targets'));
    const added = [];
    for (const spec of specs) added.push(await targets.add(spec));
    return added;
  }
  if (method === 'DELETE' && parts.length === 2) {
    await targets.remove(parts[1]);
    return { removed: parts[1] };
  }
  if (method === 'PUT' && parts.length === 4 && parts[2] === 'luns') {
    const b = await body(req);
    const lun = Number(parts[3]);
    if (!Number.isInteger(lun) || typeof b.state !== 'string') throw new ControlError(400, 'PUT /targets/IQN/luns/N with {"state": "online|offline|busy|unknown"}');
    return targets.setLunState(parts[1], lun, b.state as never);
  }
  throw new ControlError(404, `no such endpoint: ${method} /${parts.join('/')}`);
}

function reply(res: ServerResponse, status: number, answer: Answer): void {
  if (answer && typeof answer === 'object' && 'text' in answer && 'contentType' in answer) {
    res.writeHead(status, { 'content-type': String(answer.contentType) });
    res.end(String(answer.text));
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(answer, null, 1)}\n`);
}

function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ControlError(400, `${name} must be a whole number from ${min} to ${max}`);
  return n;
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ControlError(413, `body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let v: unknown;
  try {
    v = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new ControlError(400, 'body is not JSON');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ControlError(400, 'body must be a JSON object');
  return v as Record<string, unknown>;
}

/** The fleet file's fault checks; a bad body is a 400 naming the field. */
function faultBody(b: Record<string, unknown>): ReturnType<typeof faultsEntry> {
  return fleetFileChecked(() => faultsEntry(b, 'faults'));
}

function fleetFileChecked<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof FleetFileError) throw new ControlError(400, err.message);
    throw err;
  }
}

function msBody(b: Record<string, unknown>): number {
  if (typeof b.ms !== 'number') throw new ControlError(400, 'body must be {"ms": N}');
  return b.ms;
}
