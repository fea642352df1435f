// The manager API's boot-configuration routes (issue 15), beside provisioning's:
//
//   POST   /bootcfg/requests        {"host": BMC-IP, "size": "20G" | bytes, "role"?: R}: reserves the best-fitting free
//                                   disk and starts the boot. 201 the request; 409 ERR_NO_DISK (nothing fits, nothing
//                                   reserved) or ERR_HOST_BUSY (the host has a request: release it first)
//   GET    /bootcfg/requests        every request: host, step, disk, DD, the host's boot report, why it failed
//   GET    /bootcfg/requests/HOST   one (404 ERR_NO_REQUEST)
//   DELETE /bootcfg/requests/HOST   release: the host's DD goes and its disk is free (200, the request, releasing)
//   GET    /bootcfg/targets         every disk the iSNS inventory found: target, LUN, portal, size, state, holder
import { parseIpv4 } from '../../protocols/ipv4.js';
import type { BootRequest } from '../bootcfg/boot-machine.js';
import { parseSize } from '../bootcfg/boot-target.js';
import { NoSuchRequestError, type BootcfgService } from '../bootcfg/bootcfg-service.js';
import { HostBusyError, NoDiskFitsError } from '../store/bootcfg-store.js';
import { HttpError } from './http-guard.js';

export type RouteAnswer = { status: number; body: unknown };

/** The answer to a boot-configuration request, or null when the path is not one of these routes. */
export function bootcfgRoute(service: BootcfgService, method: string, parts: readonly string[], body: Record<string, unknown>): RouteAnswer | null {
  if (parts[0] !== 'bootcfg') return null;
  try {
    if (parts.length === 2 && parts[1] === 'targets' && method === 'GET') return { status: 200, body: { targets: service.disks() } };
    if (parts[1] !== 'requests' || parts.length > 3) return null;
    if (parts.length === 2 && method === 'GET') return { status: 200, body: { requests: service.requests().map(requestView) } };
    if (parts.length === 2 && method === 'POST') return { status: 201, body: requestView(service.request(requestFrom(body))) };
    if (parts.length === 3 && method === 'GET') return { status: 200, body: requestView(service.requestOf(parts[2])) };
    if (parts.length === 3 && method === 'DELETE') return { status: 200, body: requestView(service.release(parts[2])) };
    return null;
  } catch (err) {
    if (err instanceof NoDiskFitsError) return { status: 409, body: { error: err.message, code: 'ERR_NO_DISK' } };
    if (err instanceof HostBusyError) return { status: 409, body: { error: err.message, code: 'ERR_HOST_BUSY', request: requestView(err.request) } };
    if (err instanceof NoSuchRequestError) return { status: 404, body: { error: err.message, code: 'ERR_NO_REQUEST' } };
    throw err;
  }
}

function requestFrom(body: Record<string, unknown>): { host: string; sizeBytes: number; role: string | null } {
  const { host, size, role } = body;
  if (typeof host !== 'string') throw new HttpError(400, 'host: required, the IPv4 address of the host\'s BMC');
  try {
    parseIpv4(host);
  } catch {
    throw new HttpError(400, `host: not an IPv4 address: "${host}"`);
  }
  const sizeBytes = typeof size === 'number' ? (Number.isSafeInteger(size) && size > 0 ? size : null) : typeof size === 'string' ? parseSize(size) : null;
  if (sizeBytes === null) throw new HttpError(400, 'size: required, bytes or a size such as "20G" (10^9 bytes), "512M", "1T"');
  if (role !== undefined && role !== null && (typeof role !== 'string' || role === '')) throw new HttpError(400, 'role: a non-empty string when given');
  return { host, sizeBytes, role: (role as string | undefined) ?? null };
}

/** What the API shows of a request. */
export function requestView(r: BootRequest): Record<string, unknown> {
  return {
    host: r.host, role: r.role, sizeBytes: r.sizeBytes, initiator: r.initiator, step: r.step, since: r.stepSinceMs,
    target: r.disk?.target ?? null, lun: r.disk?.lun ?? null, portal: r.disk ? `${r.disk.portal.address}:${r.disk.portal.port}` : null,
    ddId: r.ddId, repicks: r.repicks, boot: r.report, failure: r.failure, startedAt: r.startedAtMs, endedAt: r.endedAtMs,
  };
}
