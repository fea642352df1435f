// Changing the BMC's users over Redfish (DSP0266 "Account service"; ManagerAccount.v1_7_0 UserName, Password, RoleId,
// Enabled, Locked) on the same user table IPMI's Set User Name, Set User Password and Set User Access change (IPMI 2.0
// §22.26-22.30): a password set here opens the next RMCP+ session at once, and one set over IPMI logs in here. As
// OpenBMC bmcweb does (redfish-core/lib/account_service.hpp): without ConfigureUsers, an account holder may change
// only its own password; a name or password the table cannot hold is PropertyValueFormatError, an unknown role
// PropertyValueNotInList, a name another account has ResourceAlreadyExists. Every property is checked before any is
// written, so a refused request changes nothing.
import { RedfishError } from '../../protocols/redfish/messages.js';
import { MAX_PASSWORD_BYTES, USER_NAME_BYTES, passwordForm, type UserTable } from '../bmc/user-table.js';
import type { BmcRedfish } from './bmc-redfish.js';
import { ROLE_PRIVILEGE_LIMITS, RedfishPrivilege, hasPrivilege } from './roles.js';
import type { RouteContext } from './route.js';

/** What a PATCH or POST asks to change, checked: the password padded as IPMI 2.0 stores it (16 or 20 bytes). */
export interface AccountChange {
  userName?: string;
  password?: Buffer;
  privilegeLimit?: number;
  enabled?: boolean;
  /** Locked: false, the lockout ended. */
  unlock?: boolean;
}

/** The properties a client may write, in ManagerAccount's order. */
const WRITABLE = ['UserName', 'Password', 'RoleId', 'Enabled', 'Locked'] as const;
/** The account's other properties: PropertyNotWritable (anything else is PropertyUnknown). */
const READ_ONLY = ['@odata.id', '@odata.type', '@odata.context', '@odata.etag', 'Id', 'Name', 'Description', 'AccountTypes', 'Links'];
/** What an account without ConfigureUsers may change of its own (bmcweb: ConfigureSelf). */
const SELF_WRITABLE = ['Password'];
/** IPMI user names are at most 16 bytes (IPMI 2.0 §22.28); printable ASCII without ':' (HTTP Basic splits there, RFC 7617 §2). */
const USER_NAME = new RegExp(`^[\\x21-\\x39\\x3b-\\x7e]{1,${USER_NAME_BYTES}}$`);
/** A password is never echoed in an error. */
const HIDDEN = '[hidden]';

/** The body as an object of properties; 400 otherwise. */
function properties(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new RedfishError(400, 'MalformedJSON');
  return body as Record<string, unknown>;
}

/**
 * May the caller change these properties of the account named `accountName`? An account holder with ConfigureUsers
 * may change any account; one without, only its own password (403 otherwise), as bmcweb allows.
 */
export function checkMayChange(ctx: RouteContext, accountName: string, keys: readonly string[]): void {
  const user = ctx.user!;
  if (hasPrivilege(user.role, RedfishPrivilege.ConfigureUsers)) return;
  if (user.name !== accountName || keys.some((k) => !SELF_WRITABLE.includes(k))) throw new RedfishError(403, 'InsufficientPrivilege');
}

/** The change a PATCH (id: the account's slot) or POST (id: null) body asks for; throws 400 naming the first bad property. */
export function readAccountChange(body: unknown, users: UserTable, id: number | null): AccountChange {
  const given = properties(body);
  for (const key of Object.keys(given)) {
    if ((WRITABLE as readonly string[]).includes(key)) continue;
    throw new RedfishError(400, READ_ONLY.includes(key) ? 'PropertyNotWritable' : 'PropertyUnknown', [key]);
  }
  const change: AccountChange = {};
  const { UserName: name, Password: password, RoleId: role, Enabled: enabled, Locked: locked } = given;
  if (name !== undefined) {
    if (typeof name !== 'string') throw new RedfishError(400, 'PropertyValueTypeError', [JSON.stringify(name), 'UserName']);
    if (!USER_NAME.test(name)) throw new RedfishError(400, 'PropertyValueFormatError', [name, 'UserName']);
    const holder = users.byName(name);
    if (holder && holder.id !== id) throw new RedfishError(400, 'ResourceAlreadyExists', ['ManagerAccount', 'UserName', name]);
    change.userName = name;
  }
  if (password !== undefined) {
    if (typeof password !== 'string') throw new RedfishError(400, 'PropertyValueTypeError', [HIDDEN, 'Password']);
    const bytes = Buffer.from(password, 'utf8');
    // IPMI keeps a password NUL-padded (§22.30): a NUL in it, or more than 20 bytes, cannot be stored
    if (bytes.length === 0 || bytes.length > MAX_PASSWORD_BYTES || bytes.includes(0)) throw new RedfishError(400, 'PropertyValueFormatError', [HIDDEN, 'Password']);
    change.password = Buffer.alloc(passwordForm(bytes.length)); // the 16- or 20-byte form, as Set User Password sends it
    bytes.copy(change.password);
  }
  if (role !== undefined) {
    if (typeof role !== 'string' || !Object.hasOwn(ROLE_PRIVILEGE_LIMITS, role)) throw new RedfishError(400, 'PropertyValueNotInList', [String(role), 'RoleId']);
    change.privilegeLimit = ROLE_PRIVILEGE_LIMITS[role as keyof typeof ROLE_PRIVILEGE_LIMITS];
  }
  if (enabled !== undefined) {
    if (typeof enabled !== 'boolean') throw new RedfishError(400, 'PropertyValueTypeError', [JSON.stringify(enabled), 'Enabled']);
    change.enabled = enabled;
  }
  if (locked !== undefined) {
    if (typeof locked !== 'boolean') throw new RedfishError(400, 'PropertyValueTypeError', [JSON.stringify(locked), 'Locked']);
    // a service locks an account itself, after bad passwords; a client may only end that (DSP2046 ManagerAccount Locked)
    if (locked) throw new RedfishError(400, 'PropertyValueNotInList', ['true', 'Locked']);
    change.unlock = true;
  }
  return change;
}

/**
 * Writes a checked change to the account in slot `id`; the model hears each field changed as it does from IPMI's
 * user commands (its state store, the SEL), and the fleet is told (its state directory).
 */
export function applyAccountChange(target: BmcRedfish, id: number, change: AccountChange, now: number): void {
  const model = target.bmc.model;
  const before = model.users.byId(id)!.name;
  const changed = (field: 'name' | 'password' | 'enabled' | 'access') => model.emit({ kind: 'user', userId: id, field }, now);
  if (change.userName !== undefined) {
    model.users.setName(id, change.userName);
    changed('name');
  }
  if (change.password !== undefined) {
    model.users.setPassword(id, change.password);
    changed('password');
  }
  if (change.privilegeLimit !== undefined) {
    model.users.setAccess(id, { privilegeLimit: change.privilegeLimit });
    changed('access');
  }
  if (change.enabled !== undefined) {
    model.users.setEnabled(id, change.enabled);
    changed('enabled');
  }
  if (change.unlock) target.lockout.unlock(before);
  target.changed();
}

/** Empties the account's slot (DELETE): its sessions end with it, since their user is gone (dispatch.ts). */
export function deleteAccount(target: BmcRedfish, id: number, now: number): void {
  const model = target.bmc.model;
  target.lockout.unlock(model.users.byId(id)!.name);
  model.users.clearSlot(id);
  for (const field of ['name', 'password', 'enabled', 'access'] as const) model.emit({ kind: 'user', userId: id, field }, now);
  target.changed();
}

/**
 * A new account in the first free slot (POST to Accounts: UserName, Password and RoleId required, Enabled true unless
 * given), with IPMI messaging on, as Set User Access would give it for LAN logins; its slot number. The table's 16
 * slots are fixed, as a real BMC's: when every one is taken, 400 CreateLimitReachedForResource.
 */
export function createAccount(target: BmcRedfish, body: unknown, now: number): number {
  const given = properties(body);
  for (const key of ['UserName', 'Password', 'RoleId']) if (given[key] === undefined) throw new RedfishError(400, 'PropertyMissing', [key]);
  const users = target.bmc.model.users;
  const change = readAccountChange(given, users, null);
  const free = users.freeSlot();
  if (free === null) throw new RedfishError(400, 'CreateLimitReachedForResource');
  users.setAccess(free, { ipmiMessaging: true });
  applyAccountChange(target, free, { enabled: true, ...change }, now);
  return free;
}
