// One Redfish request to one BMC, from method, path, headers and body to the answer (DSP0266 §8 "Service requests",
// §13 "Security details"): the route by path and method (404, 405 with Allow), the caller by X-Auth-Token or HTTP
// Basic (401), the privilege (403), the JSON body (400), then the resource's handler; a refusal in the Redfish error
// format. No sockets: redfish-service.ts carries the bytes.
import { DecodeError } from '../../protocols/errors.js';
import { RedfishError, errorBody } from '../../protocols/redfish/messages.js';
import { decodeBasicAuthorization, decodeJsonBody } from '../../protocols/redfish/request-body.js';
import type { BmcRedfish } from './bmc-redfish.js';
import { checkPassword, currentRole, hasPrivilege } from './roles.js';
import type { RedfishAnswer, Route, RouteContext } from './route.js';

export interface RedfishRequest {
  method: string;
  /** The request target: path and query. */
  url: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Uint8Array;
}

/** The realm a 401 names (RFC 7617 §2). */
const UNAUTHORIZED_HEADERS = Object.freeze({ 'WWW-Authenticate': 'Basic realm="Redfish"' });

/** A route and its place in the table: of the routes on one path, the first one for the method answers. */
interface Placed { route: Route; order: number }

/** One path segment of the table: the segments after it by name, a {placeholder} after it, the routes ending at it. */
interface SegmentNode { named: Map<string, SegmentNode>; placeholder: SegmentNode | null; routes: Placed[] }

const segmentNode = (): SegmentNode => ({ named: new Map(), placeholder: null, routes: [] });

/** The routes on one path, in table order, with the placeholders' segments each takes. */
type OnPath = Array<{ route: Route; params: string[] }>;

/** Routes matched by path, segment by segment (a {name} matches any one non-empty segment), then method. */
export class RouteTable {
  private readonly root = segmentNode();
  /** The routes on each path that names a route without placeholders, found once: most requests ask for one. */
  private readonly literal = new Map<string, OnPath>();

  constructor(routes: readonly Route[]) {
    routes.forEach((route, order) => {
      let node = this.root;
      for (const segment of route.path.split('/')) {
        if (/^\{[^}]+\}$/.test(segment)) node = node.placeholder ??= segmentNode();
        else node = node.named.get(segment) ?? node.named.set(segment, segmentNode()).get(segment)!;
      }
      node.routes.push({ route, order });
    });
    for (const { path } of routes) if (!path.includes('{') && !this.literal.has(path)) this.literal.set(path, this.onPath(path));
  }

  /** The route for `method` on `path` and its placeholders; throws RedfishError 404 or 405. */
  find(method: string, path: string): { route: Route; params: string[] } {
    const onPath = this.literal.get(path) ?? this.onPath(path);
    if (onPath.length === 0) throw new RedfishError(404, 'ResourceNotFound', [typeOf(path), path]);
    const found = onPath.find((r) => r.route.method === method);
    if (!found) throw new RedfishError(405, 'GeneralError', [], { Allow: onPath.map((r) => r.route.method).join(', ') });
    return found;
  }

  /** Every route on `path`, in table order, its placeholders percent-decoded (a malformed one: 404). */
  private onPath(path: string): OnPath {
    const found: Array<Placed & { params: string[] }> = [];
    collect(this.root, path.split('/'), 0, [], found);
    if (found.length > 1) found.sort((a, b) => a.order - b.order);
    return found.map(({ route, params }) => ({ route, params: params.map((segment) => decodedSegment(segment, path)) }));
  }
}

/** Every route whose path matches `segments` from `at` on, with the placeholders' segments (still percent-encoded). */
function collect(node: SegmentNode, segments: readonly string[], at: number, params: string[], out: Array<Placed & { params: string[] }>): void {
  if (at === segments.length) {
    for (const placed of node.routes) out.push({ ...placed, params: params.slice() });
    return;
  }
  const segment = segments[at];
  const named = node.named.get(segment);
  if (named) collect(named, segments, at + 1, params, out);
  if (node.placeholder && segment !== '') {
    params.push(segment);
    collect(node.placeholder, segments, at + 1, params, out);
    params.pop();
  }
}

/** The answer to `request`; a refusal is an error answer, anything else thrown is a bug and surfaces. */
export async function dispatch(table: RouteTable, target: BmcRedfish, request: RedfishRequest, now: number): Promise<RedfishAnswer> {
  try {
    const path = canonicalPath(request.url);
    const { route, params } = table.find(request.method, path);
    const user = route.privilege === null ? null : authenticate(target, request.headers, now);
    if (user !== null && route.privilege !== null && !hasPrivilege(user.role, route.privilege)) {
      throw new RedfishError(403, 'InsufficientPrivilege');
    }
    const body = route.rawBody ? null : decodeJsonBody(request.body);
    const ctx: RouteContext = { target, params, query: queryOf(request.url), body, raw: request.body, headers: request.headers, now, user };
    return await route.handle(ctx);
  } catch (err) {
    if (err instanceof RedfishError) return { status: err.status, body: errorBody(err.messageId, err.args), headers: { ...err.headers } };
    if (err instanceof DecodeError) {
      return err.field === 'body'
        ? { status: 400, body: errorBody('MalformedJSON') }
        : { status: 401, body: errorBody('NoValidSession'), headers: { ...UNAUTHORIZED_HEADERS } };
    }
    throw err;
  }
}

/** The path without query or fragment, one trailing slash dropped (/redfish/v1/ is /redfish/v1). */
export function canonicalPath(url: string): string {
  let end = url.length;
  const query = url.indexOf('?');
  if (query >= 0) end = query;
  const fragment = url.indexOf('#');
  if (fragment >= 0 && fragment < end) end = fragment;
  if (end > 1 && url.charCodeAt(end - 1) === 0x2f) end--; // '/'
  return end === url.length ? url : url.slice(0, end);
}

/** The query of a request target (RFC 3986 §3.4): after the first ?, before any #. */
function queryOf(url: string): string {
  const mark = url.indexOf('?');
  return mark < 0 ? '' : url.slice(mark + 1).split('#')[0];
}

/** A path segment's percent-decoding (RFC 3986 §2.1); a malformed one names no resource here. */
function decodedSegment(segment: string, path: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new RedfishError(404, 'ResourceNotFound', [typeOf(path), path]);
  }
}

function typeOf(path: string): string {
  const segments = path.split('/').filter(Boolean);
  return segments.length >= 2 ? segments[segments.length - 2] : 'Resource';
}

/** The caller, by session token or HTTP Basic; throws 401. A Basic login counts toward the lockout like a session login. */
function authenticate(target: BmcRedfish, headers: RouteContext['headers'], now: number): NonNullable<RouteContext['user']> {
  const token = headers['x-auth-token'];
  if (typeof token === 'string') {
    const session = target.sessions.use(token, now);
    if (!session) throw new RedfishError(401, 'NoValidSession', [], { ...UNAUTHORIZED_HEADERS });
    // the user's role as the table has it now, as bmcweb reads it on each request: a change over IPMI or Redfish
    // (demoted, disabled, renamed, deleted) applies to its open sessions at once
    const role = currentRole(target.bmc.model.users, session.userName);
    if (role === null) {
      target.sessions.close(session);
      throw new RedfishError(401, 'NoValidSession', [], { ...UNAUTHORIZED_HEADERS });
    }
    return { name: session.userName, role, session };
  }
  const basic = decodeBasicAuthorization(typeof headers.authorization === 'string' ? headers.authorization : undefined);
  if (basic === null) throw new RedfishError(401, 'NoValidSession', [], { ...UNAUTHORIZED_HEADERS });
  const login = logIn(target, basic.userName, basic.password, now);
  return { name: login.userName, role: login.role, session: null };
}

/** Checks a password with the lockout: throws 401 for a wrong one or a locked user. */
export function logIn(target: BmcRedfish, userName: string, password: string, now: number): { userName: string; role: NonNullable<RouteContext['user']>['role'] } {
  if (target.lockout.isLocked(userName, now)) throw new RedfishError(401, 'NoValidSession', [], { ...UNAUTHORIZED_HEADERS });
  const check = checkPassword(target.bmc.model.users, userName, password);
  if (!check.ok) {
    if (check.known) target.lockout.failed(userName, now);
    throw new RedfishError(401, 'NoValidSession', [], { ...UNAUTHORIZED_HEADERS });
  }
  target.lockout.succeeded(userName);
  return check;
}
