// The manager API's provisioning routes (issue 14, steps 4-5), beside the rollouts' (manager-api.ts):
//
//   POST /provision/runs     {"role": R, "count": K}: picks K hosts by the policy and starts installing them
//                            201 {role, image, hosts, notPicked}; 409 when fewer than K fit (nothing started)
//   GET  /provision/hosts    every host found, with its install: step, the agent's phase and percent, why it failed
import { UnknownRoleError } from '../provisioning/policy-match.js';
import { NotEnoughHostsError, type ProvisionService } from '../provisioning/provision-service.js';
import { DocumentError } from '../../runtime/document/issues.js';
import type { HostRecord } from '../store/host-records.js';
import { HttpError } from './http-guard.js';

export type RouteAnswer = { status: number; body: unknown };

/** The answer to a provisioning request, or null when the path is not one of these routes. */
export function provisionRoute(service: ProvisionService, method: string, parts: readonly string[], body: Record<string, unknown>): RouteAnswer | null {
  if (parts[0] !== 'provision' || parts.length !== 2) return null;
  if (method === 'POST' && parts[1] === 'runs') return startRun(service, body);
  if (method === 'GET' && parts[1] === 'hosts') return { status: 200, body: { hosts: service.hosts().map(hostView) } };
  return null;
}

function startRun(service: ProvisionService, body: Record<string, unknown>): RouteAnswer {
  const { role, count } = body;
  if (typeof role !== 'string' || role === '') throw new HttpError(400, 'role: required, a role of the policy');
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 100_000) throw new HttpError(400, 'count: required, a whole number from 1 to 100000');
  try {
    const run = service.run(role, count);
    return { status: 201, body: { role: run.role, image: run.image, hosts: run.hosts, notPicked: run.plan.notPicked } };
  } catch (err) {
    if (err instanceof UnknownRoleError) throw new HttpError(400, `role: ${err.message}`);
    if (err instanceof DocumentError) throw new HttpError(400, `the manager's policy file is wrong: ${err.message}`);
    if (err instanceof NotEnoughHostsError) return { status: 409, body: { error: err.message, picked: err.plan.picked.map((h) => h.address), notPicked: err.plan.notPicked } };
    throw err;
  }
}

/** What the API shows of a host. */
export function hostView(h: HostRecord): Record<string, unknown> {
  const i = h.install;
  return {
    address: h.address, stage: h.stage, product: h.hardware ? `${h.hardware.vendor} ${h.hardware.product}`.trim() : null,
    install: i === null ? null : {
      role: i.role, image: i.image, step: i.step, since: i.stepSinceMs, phase: i.progress?.phase ?? null, percent: i.progress?.percent ?? null,
      message: i.progress?.message ?? null, failure: i.failure, startedAt: i.startedAtMs, endedAt: i.endedAtMs,
    },
  };
}
