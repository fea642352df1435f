// Application commands (netFn 06h) for the user table — IPMI 2.0 §22.26 Set User Access, §22.27 Get User
// Access, §22.28 Set User Name, §22.29 Get User Name, §22.30 Set User Password. LAN channel only. The bytes
// are in protocols/ipmi/commands/users.ts.
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import {
  GetUserAccess, GetUserName, PasswordOperation, SetUserAccess, SetUserName, SetUserPassword, SetUserPasswordCC, UserEnableStatus,
} from '../../../protocols/ipmi/commands/users.js';
import { Privilege } from '../../../protocols/ipmi/users.js';
import { FIXED_NAME_USERS, USER_SLOTS } from '../user-table.js';
import { handler, refuse } from './define.js';
import type { CommandSpec } from './types.js';

const INVALID_DATA_FIELD = refuse(CompletionCode.INVALID_DATA_FIELD);

/** User IDs run 1..USER_SLOTS; 0 is reserved. */
function validUserId(id: number): boolean {
  return id >= 1 && id <= USER_SLOTS;
}

function validUserPrivilege(p: number): boolean {
  return (p >= Privilege.CALLBACK && p <= Privilege.OEM) || p === Privilege.NO_ACCESS;
}

export const userCommands: readonly CommandSpec[] = [
  handler(GetUserAccess, (req, ctx) => {
    const users = ctx.model.users;
    const user = validUserId(req.userId) ? users.byId(req.userId) : undefined;
    if (ctx.model.resolveChannel(req.channel) === null || !user) return INVALID_DATA_FIELD;
    return {
      maxUsers: USER_SLOTS,
      enableStatus: user.enabled ? UserEnableStatus.ENABLED : UserEnableStatus.DISABLED,
      enabledCount: users.enabledCount(),
      fixedNameCount: FIXED_NAME_USERS,
      callbackOnly: user.callbackOnly, linkAuth: user.linkAuth, ipmiMessaging: user.ipmiMessaging, privilegeLimit: user.privilegeLimit,
    };
  }),
  handler(SetUserAccess, (req, ctx) => {
    const model = ctx.model;
    if (model.resolveChannel(req.channel) === null || !validUserId(req.userId) || !validUserPrivilege(req.privilegeLimit)) {
      return INVALID_DATA_FIELD;
    }
    model.users.setAccess(req.userId, {
      privilegeLimit: req.privilegeLimit,
      ...req.access,
      ...(req.sessionLimit === undefined ? {} : { sessionLimit: req.sessionLimit }),
    });
    model.emit({ kind: 'user', userId: req.userId, field: 'access' }, ctx.now);
  }),
  handler(GetUserName, (req, ctx) => {
    const user = validUserId(req.userId) ? ctx.model.users.byId(req.userId) : undefined;
    if (!user) return INVALID_DATA_FIELD;
    return { name: user.name };
  }),
  handler(SetUserName, (req, ctx) => {
    // user 0, fixed-name user 1, or a name another user already has
    if (!validUserId(req.userId) || ctx.model.users.setName(req.userId, req.name) !== 'ok') return INVALID_DATA_FIELD;
    ctx.model.emit({ kind: 'user', userId: req.userId, field: 'name' }, ctx.now);
  }),
  // the codec gives set and test their password field
  handler(SetUserPassword, (req, ctx) => {
    const { users } = ctx.model;
    const id = req.userId;
    if (!validUserId(id)) return INVALID_DATA_FIELD;
    switch (req.operation) {
      case PasswordOperation.DISABLE_USER:
      case PasswordOperation.ENABLE_USER:
        users.setEnabled(id, req.operation === PasswordOperation.ENABLE_USER);
        ctx.model.emit({ kind: 'user', userId: id, field: 'enabled' }, ctx.now);
        return;
      case PasswordOperation.SET_PASSWORD:
        users.setPassword(id, req.password!);
        ctx.model.emit({ kind: 'user', userId: id, field: 'password' }, ctx.now);
        return;
      default: {
        const result = users.testPassword(id, req.password!);
        if (result === 'wrong-size') return refuse(SetUserPasswordCC.TEST_FAILED_WRONG_SIZE);
        return result === 'match' ? undefined : refuse(SetUserPasswordCC.TEST_FAILED);
      }
    }
  }),
];
