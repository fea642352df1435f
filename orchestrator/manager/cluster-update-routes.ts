// The manager API's cluster-update routes (issue 14), beside the rollouts' and provisioning's:
//
//   POST /cluster-updates              {"cluster": CLUSTER FILE TEXT, "update": DESCRIPTOR TEXT}: 201, the update
//   GET  /cluster-updates              every update's ID and status
//   GET  /cluster-updates/ID           one update: status, progress, each host's state and reason
//   POST /cluster-updates/ID/pause|abort, /resume {"retryFailed": true|false}
//   POST /cluster-updates/alerts       {"descriptor": "http(s) URL", "description": "..."}: a pushed alert; the manager
//                                      fetches the descriptor and decides for each cluster (202), or 200 when known
//   GET  /cluster-updates/arrivals     every update that arrived, with what was decided of it per cluster
//
// The files' text is checked here, every mistake with its line (400), so the CLI and any other client get the same
// answer; a host already in a live update is refused (409).
import { readClusterText } from '../cluster-update/cluster-file.js';
import { ClusterUpdateError, type ClusterUpdates } from '../cluster-update/cluster-updates.js';
import { readDescriptorText } from '../cluster-update/update-descriptor.js';
import type { UpdateArrivals } from '../cluster-update/update-arrivals.js';
import { fetchDescriptor } from '../cluster-update/update-feed.js';
import { imageSumProblem } from '../cluster-update/image-sum.js';
import { DocumentError } from '../../runtime/document/issues.js';
import type { Checked } from '../../runtime/document/yaml-document.js';
import { HttpError } from './http-guard.js';
import type { RouteAnswer } from './provision-routes.js';

export async function clusterUpdateRoute(
  updates: ClusterUpdates, arrivals: UpdateArrivals | null, method: string, parts: readonly string[], body: Record<string, unknown>,
): Promise<RouteAnswer | null> {
  if (parts[0] !== 'cluster-updates') return null;
  if (parts.length === 2 && parts[1] === 'arrivals' && method === 'GET') return { status: 200, body: { arrivals: arrivals?.list() ?? [] } };
  if (parts.length === 2 && parts[1] === 'alerts' && method === 'POST') {
    if (arrivals === null) throw new HttpError(404, 'this manager takes no update alerts');
    return alert(arrivals, body);
  }
  try {
    if (parts.length === 1 && method === 'POST') {
      const cluster = document('cluster', body.cluster, readClusterText);
      const update = document('update', body.update, readDescriptorText);
      return { status: 201, body: updates.start(cluster, update) };
    }
    if (parts.length === 1 && method === 'GET') return { status: 200, body: { updates: updates.list() } };
    const id = parts.length >= 2 ? updateId(parts[1]) : null;
    if (id === null) return null;
    if (parts.length === 2 && method === 'GET') return { status: 200, body: updates.view(id) };
    if (parts.length === 3 && method === 'POST') {
      if (parts[2] === 'pause') return { status: 200, body: updates.pause(id) };
      if (parts[2] === 'abort') return { status: 200, body: updates.abort(id) };
      if (parts[2] === 'resume') return { status: 200, body: updates.resume(id, body.retryFailed === true) };
    }
    return null;
  } catch (err) {
    if (err instanceof ClusterUpdateError) throw new HttpError(err.status, err.message);
    throw err;
  }
}

async function alert(arrivals: UpdateArrivals, body: Record<string, unknown>): Promise<RouteAnswer> {
  const { descriptor, description } = body;
  // a URL only: a path would have the manager read its own files for whoever can call its API
  if (typeof descriptor !== 'string' || !/^https?:\/\//i.test(descriptor)) throw new HttpError(400, 'descriptor: required, the http(s) URL of the update\'s descriptor');
  if (description !== undefined && (typeof description !== 'string' || description.length > 1000)) throw new HttpError(400, 'description: text of at most 1000 characters');
  let entry;
  try {
    entry = await fetchDescriptor(descriptor);
  } catch (err) {
    throw new HttpError(400, (err as Error).message);
  }
  if (entry.checked.value === null) throw new HttpError(400, new DocumentError(descriptor, entry.checked.issues).message);
  if (!arrivals.known(entry.checked.value)) {
    const problem = await imageSumProblem(entry.checked.value, descriptor);
    if (problem !== null) throw new HttpError(400, problem);
  }
  const arrival = arrivals.receive(entry.checked.value, `alert: ${descriptor}`, description ?? '');
  return arrival === null
    ? { status: 200, body: { arrival: null, note: `${entry.checked.value.name} ${entry.checked.value.version} arrived before: nothing done again` } }
    : { status: 202, body: { arrival } };
}

/** A field holding a document's text, checked; a 400 listing every mistake (field:LINE:COLUMN: ...). */
function document<T>(field: string, text: unknown, read: (text: string) => Checked<T>): T {
  if (typeof text !== 'string' || text === '') throw new HttpError(400, `${field}: required, the file's text`);
  const checked = read(text);
  if (checked.value === null) throw new HttpError(400, new DocumentError(field, checked.issues).message);
  return checked.value;
}

function updateId(text: string): number {
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1) throw new HttpError(400, `a cluster update ID is a whole number from 1, not "${text}"`);
  return Number(text);
}
