// The BMCs: listed in fleet order, one in detail, its host's console output, and actions (power, reboot).
//
//   GET  /bmcs?offset=0&limit=100     BMCs in fleet order: address, rack, power, sessions, faults; `total` BMCs. offset
//                                     and limit count BMC numbers, below `numbers`: a BMC removed at run time leaves a gap
//   POST /bmcs {"firstIp", "bmcs", "name"?, "template"?, ...}   add BMCs: a fleet file rack entry without rmc;
//              {"address": IP, ...}                            or one BMC (runtime-changes.ts)
//   DELETE /bmcs/IP                   the BMC stops answering and frees its address; its saved state is deleted
//   GET  /bmcs/IP                     one BMC: identity (GUID, MAC, firmware), state, counters (sol included)
//   GET  /bmcs/IP/console?after=P&limit=N   the host's serial console output after position P (default: all kept)
//   POST /bmcs/IP/reboot   {"ms": 5000}     BMC controller reboot: silent, sessions lost
//   POST /bmcs/IP/power-loss {"offMs": 3000}  the BMC loses power mid-flash: the step running is cut short, the active
//                                             firmware survives; silent for offMs, sessions lost, then it boots
//   POST /bmcs/IP/power    {"action": "on|off|cycle|reset|soft|diag"}
import { ControlError } from '../control-error.js';
import { BMC, type BmcRequest } from '../nodes/bmc-requests.js';
import type { FleetChanges, FleetControl, Route } from './route.js';

/** The most BMCs one GET /bmcs answers (its `limit`). */
export const MAX_BMC_LIST = 10_000;

/** Sends `request` to the shard running the BMC at `ip`. */
export function askBmc(fleet: FleetControl, ip: string, request: BmcRequest): Promise<unknown> {
  return fleet.shards.callFor(BMC, ip, request);
}

/** Sends `request` to every shard that is up. */
export function askAllBmcs(fleet: FleetControl, request: BmcRequest): Promise<unknown[]> {
  return fleet.shards.callAll(BMC, request);
}

/** Adding and removing BMCs and racks; 404 for a fleet that cannot (a test's stub). */
export function changesOf(fleet: FleetControl): FleetChanges {
  if (!fleet.changes) throw new ControlError(404, 'this fleet does not add or remove BMCs while it runs');
  return fleet.changes;
}

/** The `ms` of a {"ms": N} body. */
export function msBody(b: Record<string, unknown>): number {
  if (typeof b.ms !== 'number') throw new ControlError(400, 'body must be {"ms": N}');
  return b.ms;
}

export const bmcRoutes: readonly Route[] = [
  {
    method: 'GET', path: '/bmcs',
    async answer(req, fleet) {
      const offset = req.int('offset', 0, 0, Number.MAX_SAFE_INTEGER);
      const limit = req.int('limit', 100, 1, MAX_BMC_LIST);
      const parts = await fleet.shards.callRange(BMC, offset, limit, (o, n) => ({ op: 'list', offset: o, limit: n }) satisfies BmcRequest);
      return { total: fleet.shards.total, numbers: fleet.shards.numbers ?? fleet.shards.total, offset, bmcs: parts.flat() };
    },
  },
  {
    method: 'POST', path: '/bmcs',
    answer: async (req, fleet) => changesOf(fleet).addBmcs(await req.body()),
  },
  {
    method: 'DELETE', path: '/bmcs/:ip',
    answer: (req, fleet) => changesOf(fleet).removeBmc(req.params.ip),
  },
  {
    method: 'GET', path: '/bmcs/:ip',
    answer: (req, fleet) => askBmc(fleet, req.params.ip, { op: 'bmc', ip: req.params.ip }),
  },
  {
    method: 'GET', path: '/bmcs/:ip/console',
    answer(req, fleet) {
      const after = req.int('after', -1, -1, Number.MAX_SAFE_INTEGER);
      return askBmc(fleet, req.params.ip, { op: 'console', ip: req.params.ip, after, limit: req.int('limit', 500, 1, 5000) });
    },
  },
  {
    method: 'POST', path: '/bmcs/:ip/reboot',
    answer: async (req, fleet) => askBmc(fleet, req.params.ip, { op: 'reboot', ip: req.params.ip, ms: msBody(await req.body()) }),
  },
  {
    method: 'POST', path: '/bmcs/:ip/power-loss',
    async answer(req, fleet) {
      const b = await req.body();
      if (typeof b.offMs !== 'number') throw new ControlError(400, 'body must be {"offMs": N}');
      return askBmc(fleet, req.params.ip, { op: 'power-loss', ip: req.params.ip, offMs: b.offMs });
    },
  },
  {
    method: 'POST', path: '/bmcs/:ip/power',
    async answer(req, fleet) {
      const b = await req.body();
      if (typeof b.action !== 'string') throw new ControlError(400, 'body must be {"action": "on|off|cycle|reset|soft|diag"}');
      return askBmc(fleet, req.params.ip, { op: 'power', ip: req.params.ip, action: b.action });
    },
  },
];
