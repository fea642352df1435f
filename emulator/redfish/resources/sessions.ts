// The SessionService (DSP0266 §13.3.4; SessionService.v1_1_8, Session.v1_3_0): POST to Sessions with UserName and
// Password opens a session, answered 201 with X-Auth-Token and Location; DELETE of the session ends it.
import { RedfishError } from '../../../protocols/redfish/messages.js';
import { logIn } from '../dispatch.js';
import { RedfishPrivilege, hasPrivilege } from '../roles.js';
import { collection, link, NO_CONTENT, ok, type RouteContext, type Route } from '../route.js';
import type { RedfishSession } from '../session-table.js';

const SESSIONS = '/redfish/v1/SessionService/Sessions';

function sessionBody(s: RedfishSession): object {
  return {
    '@odata.id': `${SESSIONS}/${s.id}`, '@odata.type': '#Session.v1_3_0.Session', Id: s.id, Name: `Session ${s.id}`,
    UserName: s.userName,
  };
}

/** A string property of a JSON object body, or 400 naming it. */
export function stringProperty(body: unknown, name: string): string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new RedfishError(400, 'PropertyMissing', [name]);
  const value = (body as Record<string, unknown>)[name];
  if (value === undefined) throw new RedfishError(400, 'PropertyMissing', [name]);
  if (typeof value !== 'string') throw new RedfishError(400, 'PropertyValueTypeError', [JSON.stringify(value), name]);
  return value;
}

/** The session named in the path if the caller may see it (their own; any, with ConfigureManager), else 404. */
function visibleSession(ctx: RouteContext): RedfishSession {
  const s = ctx.target.sessions.byId(ctx.params[0], ctx.now);
  const user = ctx.user!;
  if (!s || (s.userName !== user.name && !hasPrivilege(user.role, RedfishPrivilege.ConfigureManager))) {
    throw new RedfishError(404, 'ResourceNotFound', ['Session', ctx.params[0]]);
  }
  return s;
}

export const sessionRoutes: readonly Route[] = [
  {
    method: 'GET', path: '/redfish/v1/SessionService', privilege: RedfishPrivilege.Login,
    handle: ({ target }) => ok({
      '@odata.id': '/redfish/v1/SessionService', '@odata.type': '#SessionService.v1_1_8.SessionService', Id: 'SessionService',
      Name: 'Session Service', ServiceEnabled: true, SessionTimeout: target.config.sessionTimeoutSeconds,
      Status: { State: 'Enabled', Health: 'OK' }, Sessions: link(SESSIONS),
    }),
  },
  {
    method: 'GET', path: SESSIONS, privilege: RedfishPrivilege.Login,
    handle: ({ target, now, user }) => {
      const seeAll = hasPrivilege(user!.role, RedfishPrivilege.ConfigureManager);
      const ids = target.sessions.list(now).filter((s) => seeAll || s.userName === user!.name).map((s) => `${SESSIONS}/${s.id}`);
      return ok(collection(SESSIONS, 'SessionCollection', 'Session Collection', ids));
    },
  },
  {
    method: 'POST', path: SESSIONS, privilege: null,
    handle: ({ target, body, now }) => {
      const login = logIn(target, stringProperty(body, 'UserName'), stringProperty(body, 'Password'), now);
      const session = target.sessions.open(login.userName, now);
      if (!session) throw new RedfishError(503, 'SessionLimitExceeded');
      const location = `${SESSIONS}/${session.id}`;
      return { status: 201, body: sessionBody(session), headers: { 'X-Auth-Token': session.token, Location: location } };
    },
  },
  { method: 'GET', path: `${SESSIONS}/{id}`, privilege: RedfishPrivilege.Login, handle: (ctx) => ok(sessionBody(visibleSession(ctx))) },
  {
    method: 'DELETE', path: `${SESSIONS}/{id}`, privilege: RedfishPrivilege.Login,
    handle: (ctx) => {
      ctx.target.sessions.close(visibleSession(ctx));
      return NO_CONTENT;
    },
  },
];
