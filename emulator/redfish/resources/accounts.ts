// The AccountService (AccountService.v1_10_0, ManagerAccount.v1_7_0, Role.v1_3_0), read only: the BMC's IPMI users as
// Redfish accounts with their roles (roles.ts maps them), and the lockout settings the service applies.
import { RedfishError } from '../../../protocols/redfish/messages.js';
import { USER_SLOTS } from '../../bmc/user-table.js';
import { ROLES, RedfishPrivilege, roleOf, type RoleId } from '../roles.js';
import { collection, link, ok, type Route } from '../route.js';

const SERVICE = '/redfish/v1/AccountService';

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
    method: 'GET', path: `${SERVICE}/Accounts`, privilege: RedfishPrivilege.ConfigureUsers,
    handle: ({ target }) => {
      const ids: string[] = [];
      for (let id = 2; id <= USER_SLOTS; id++) if (target.bmc.model.users.byId(id)?.name) ids.push(`${SERVICE}/Accounts/${id}`);
      return ok(collection(`${SERVICE}/Accounts`, 'ManagerAccountCollection', 'Accounts', ids));
    },
  },
  {
    method: 'GET', path: `${SERVICE}/Accounts/{id}`, privilege: RedfishPrivilege.ConfigureUsers,
    handle: ({ target, params, now }) => {
      const user = /^\d+$/.test(params[0]) && Number(params[0]) >= 2 ? target.bmc.model.users.byId(Number(params[0])) : undefined;
      if (!user || user.name === '') throw new RedfishError(404, 'ResourceNotFound', ['ManagerAccount', params[0]]);
      const role = roleOf(user.privilegeLimit);
      return ok({
        '@odata.id': `${SERVICE}/Accounts/${user.id}`, '@odata.type': '#ManagerAccount.v1_7_0.ManagerAccount', Id: String(user.id),
        Name: 'User Account', UserName: user.name, Enabled: user.enabled, Locked: target.lockout.isLocked(user.name, now),
        RoleId: role ?? 'NoAccess', Password: null, AccountTypes: ['Redfish', 'IPMI'],
        Links: role === null ? {} : { Role: link(`${SERVICE}/Roles/${role}`) },
      });
    },
  },
  {
    method: 'GET', path: `${SERVICE}/Roles`, privilege: RedfishPrivilege.Login,
    handle: () => ok(collection(`${SERVICE}/Roles`, 'RoleCollection', 'Roles', Object.keys(ROLES).map((r) => `${SERVICE}/Roles/${r}`))),
  },
  {
    method: 'GET', path: `${SERVICE}/Roles/{id}`, privilege: RedfishPrivilege.Login,
    handle: ({ params }) => {
      if (!(params[0] in ROLES)) throw new RedfishError(404, 'ResourceNotFound', ['Role', params[0]]);
      const id = params[0] as RoleId;
      return ok({
        '@odata.id': `${SERVICE}/Roles/${id}`, '@odata.type': '#Role.v1_3_0.Role', Id: id, Name: `${id} role`, RoleId: id,
        IsPredefined: true, AssignedPrivileges: [...ROLES[id]],
      });
    },
  },
];
