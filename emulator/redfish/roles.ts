// Redfish roles of the IPMI users (DSP0266 §13.4 "Authorization", the Redfish standard roles and privileges):
// the same user table as IPMI, each user's LAN channel privilege limit (IPMI 2.0 §6.8) giving the role.
//   Administrator (and OEM)  -> Administrator: Login, ConfigureManager, ConfigureUsers, ConfigureComponents, ConfigureSelf
//   Operator                 -> Operator: Login, ConfigureComponents, ConfigureSelf
//   User                     -> ReadOnly: Login, ConfigureSelf
//   Callback, No Access      -> no Redfish login
import { timingSafeEqual } from 'node:crypto';
import { Privilege } from '../../protocols/ipmi/users.js';
import type { UserTable } from '../bmc/user-table.js';

export const RedfishPrivilege = {
  Login: 'Login',
  ConfigureManager: 'ConfigureManager',
  ConfigureUsers: 'ConfigureUsers',
  ConfigureComponents: 'ConfigureComponents',
  ConfigureSelf: 'ConfigureSelf',
} as const;
export type RedfishPrivilege = typeof RedfishPrivilege[keyof typeof RedfishPrivilege];

export const ROLES = {
  Administrator: ['Login', 'ConfigureManager', 'ConfigureUsers', 'ConfigureComponents', 'ConfigureSelf'],
  Operator: ['Login', 'ConfigureComponents', 'ConfigureSelf'],
  ReadOnly: ['Login', 'ConfigureSelf'],
} as const satisfies Record<string, readonly RedfishPrivilege[]>;
export type RoleId = keyof typeof ROLES;

/** The Redfish role of an IPMI privilege limit, or null for one that may not log in. */
export function roleOf(privilegeLimit: number): RoleId | null {
  switch (privilegeLimit) {
    case Privilege.ADMINISTRATOR: case Privilege.OEM: return 'Administrator';
    case Privilege.OPERATOR: return 'Operator';
    case Privilege.USER: return 'ReadOnly';
    default: return null;
  }
}

/** The IPMI privilege limit each role a client may give an account sets (roleOf's inverse); NoAccess: no login at all. */
export const ROLE_PRIVILEGE_LIMITS = {
  Administrator: Privilege.ADMINISTRATOR,
  Operator: Privilege.OPERATOR,
  ReadOnly: Privilege.USER,
  NoAccess: Privilege.NO_ACCESS,
} as const satisfies Record<RoleId | 'NoAccess', number>;

export function hasPrivilege(role: RoleId, privilege: RedfishPrivilege): boolean {
  return (ROLES[role] as readonly string[]).includes(privilege);
}

export type PasswordCheck = { ok: true; userName: string; role: RoleId } | { ok: false; known: boolean };

/** The role `userName` has now: null when no enabled user of that name may log in (renamed, disabled, demoted, deleted). */
export function currentRole(users: UserTable, userName: string): RoleId | null {
  const user = userName === '' ? undefined : users.byName(userName);
  return user?.enabled ? roleOf(user.privilegeLimit) : null;
}

/** Checks a user name and password against the BMC's user table; `known`: the name is an enabled user's (for lockout). */
export function checkPassword(users: UserTable, userName: string, password: string): PasswordCheck {
  const user = userName === '' ? undefined : users.byName(userName);
  if (!user || !user.enabled) return { ok: false, known: false };
  const role = roleOf(user.privilegeLimit);
  const given = Buffer.from(password, 'utf8');
  const same = given.length === user.password.length && timingSafeEqual(given, user.password);
  return same && role !== null ? { ok: true, userName, role } : { ok: false, known: true };
}
