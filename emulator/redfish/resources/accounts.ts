// The AccountService (AccountService.v1_10_0, ManagerAccount.v1_7_0, Role.v1_3_0): the BMC's IPMI users as Redfish
// accounts with their roles (roles.ts maps them), and the lockout settings the service applies. Accounts are written
// on the same user table (account-change.ts): PATCH with If-Match, POST into a free slot of the fixed 16, DELETE.
import { RedfishError } from '../../../protocols/redfish/messages.js';
import { USER_SLOTS, type BmcUser } from '../../bmc/user-table.js';
import { applyAccountChange, checkMayChange, createAccount, deleteAccount, readAccountChange } from '../account-change.js';
import type { BmcRedfish } from '../bmc-redfish.js';
import { checkIfMatch, etagOf } from '../etag.js';
import { ROLES, RedfishPrivilege, roleOf, type RoleId } from '../roles.js';
import { collection, link, NO_CONTENT, ok, okKept, type RedfishAnswer, type Route, type RouteContext } from '../route.js';

const SERVICE = '/redfish/v1/AccountService';
const ACCOUNTS = `${SERVICE}/Accounts`;

/** The account a path's {id} names: slots 2-16 with a user (slot 1 is IPMI's null user); 404 otherwise. */
function accountAt(ctx: RouteContext): BmcUser {
  const id = ctx.params[0];
  const user = /^\d+$/.test(id) && Number(id) >= 2 ? ctx.target.bmc.model.users.byId(Number(id)) : undefined;
  if (!user || user.name === '') throw new RedfishError(404, 'ResourceNotFound', ['ManagerAccount', id]);
  return user;
}

/** The account with its ETag (a PATCH's If-Match is checked against it). */
function accountAnswer(target: BmcRedfish, user: BmcUser, now: number, status = 200): RedfishAnswer {
  const role = roleOf(user.privilegeLimit);
  const json = JSON.stringify({
    '@odata.id': `${ACCOUNTS}/${user.id}`, '@odata.type': '#ManagerAccount.v1_7_0.ManagerAccount', Id: String(user.id),
    Name: 'User Account', UserName: user.name, Enabled: user.enabled, Locked: target.lockout.isLocked(user.name, now),
    RoleId: role ?? 'NoAccess', Password: null, AccountTypes: ['Redfish', 'IPMI'],
    Links: role === null ? {} : { Role: link(`${SERVICE}/Roles/${role}`) },
  });
  return { ...okKept(json, { ETag: etagOf(json) }), status };
}

/** The names of the properties a body sets (none when it is not an object: readAccountChange refuses it then). */
function keysOf(body: unknown): string[] {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : [];
}

export const accountRoutes: readonly Route[] = [
  {
    method: 'GET', path: SERVICE, privilege: RedfishPrivilege.Login,
    handle: ({ target }) => ok({
      '@odata.id': SERVICE, '@odata.type': '#AccountService.v1_10_0.AccountService', Id: 'AccountService', Name: 'Account Service',
      ServiceEnabled: true, Status: { State: 'Enabled', Health: 'OK' },
      AccountLockoutThreshold: target.config.lockoutThreshold, AccountLockoutDuration: target.config.lockoutSeconds,
      AccountLockoutCounterResetAfter: target.config.lockoutSeconds, AccountLockoutCounterResetEnabled: false,
      MinPasswordLength: 1, MaxPasswordLength: 20,
      Accounts: link(`${SERVICE}/Accounts`), Roles: link(`${SERVICE}/Roles`),
    }),
  },
  {
    method: 'GET', path: ACCOUNTS, privilege: RedfishPrivilege.ConfigureUsers,
    handle: ({ target }) => {
      const ids: string[] = [];
      for (let id = 2; id <= USER_SLOTS; id++) if (target.bmc.model.users.byId(id)?.name) ids.push(`${ACCOUNTS}/${id}`);
      return ok(collection(ACCOUNTS, 'ManagerAccountCollection', 'Accounts', ids));
    },
  },
  {
    method: 'POST', path: ACCOUNTS, privilege: RedfishPrivilege.ConfigureUsers,
    handle: (ctx) => {
      const user = ctx.target.bmc.model.users.byId(createAccount(ctx.target, ctx.body, ctx.now))!;
      const answer = accountAnswer(ctx.target, user, ctx.now, 201);
      return { ...answer, headers: { ...answer.headers, Location: `${ACCOUNTS}/${user.id}` } };
    },
  },
  {
    // ConfigureSelf: an account holder reads its own account; another's needs ConfigureUsers (checkMayChange)
    method: 'GET', path: `${ACCOUNTS}/{id}`, privilege: RedfishPrivilege.ConfigureSelf,
    handle: (ctx) => {
      const user = accountAt(ctx);
      checkMayChange(ctx, user.name, []);
      return accountAnswer(ctx.target, user, ctx.now);
    },
  },
  {
    method: 'PATCH', path: `${ACCOUNTS}/{id}`, privilege: RedfishPrivilege.ConfigureSelf,
    handle: (ctx) => {
      const user = accountAt(ctx);
      checkMayChange(ctx, user.name, keysOf(ctx.body));
      checkIfMatch(ctx, accountAnswer(ctx.target, user, ctx.now).headers!.ETag);
      applyAccountChange(ctx.target, user.id, readAccountChange(ctx.body, ctx.target.bmc.model.users, user.id), ctx.now);
      return accountAnswer(ctx.target, user, ctx.now);
    },
  },
  {
    method: 'DELETE', path: `${ACCOUNTS}/{id}`, privilege: RedfishPrivilege.ConfigureUsers,
    handle: (ctx) => {
      deleteAccount(ctx.target, accountAt(ctx).id, ctx.now);
      return NO_CONTENT;
    },
  },
  {
    method: 'GET', path: `${SERVICE}/Roles`, privilege: RedfishPrivilege.Login,
    handle: () => ok(collection(`${SERVICE}/Roles`, 'RoleCollection', 'Roles', Object.keys(ROLES).map((r) => `${SERVICE}/Roles/${r}`))),
  },
  {
    method: 'GET', path: `${SERVICE}/Roles/{id}`, privilege: RedfishPrivilege.Login,
    handle: ({ params }) => {
      if (!Object.hasOwn(ROLES, params[0])) throw new RedfishError(404, 'ResourceNotFound', ['Role', params[0]]); // not `in`: constructor is no role
      const id = params[0] as RoleId;
      return ok({
        '@odata.id': `${SERVICE}/Roles/${id}`, '@odata.type': '#Role.v1_3_0.Role', Id: id, Name: `${id} role`, RoleId: id,
        IsPredefined: true, AssignedPrivileges: [...ROLES[id]],
      });
    },
  },
];
