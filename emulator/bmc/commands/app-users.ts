// Application commands (netFn 06h) for the user table — IPMI 2.0 §22.26 Set User Access, §22.27 Get User
// Access, §22.28 Set User Name, §22.29 Get User Name, §22.30 Set User Password. LAN channel only.
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../../protocols/ipmi/message.js';
import { Privilege } from '../../../protocols/ipmi/users.js';
import type { BmcModel } from '../model.js';
import { FIXED_NAME_USERS, USER_NAME_BYTES, USER_SLOTS } from '../user-table.js';
import { expectLength, fail, ok, paddedText, unpaddedText } from './request-data.js';
import type { CommandSpec } from './types.js';

export const UserCommand = {
  SET_USER_ACCESS: 0x43,
  GET_USER_ACCESS: 0x44,
  SET_USER_NAME: 0x45,
  GET_USER_NAME: 0x46,
  SET_USER_PASSWORD: 0x47,
} as const;

/** Set User Password data 2 [1:0]. */
export const PasswordOperation = { DISABLE_USER: 0, ENABLE_USER: 1, SET_PASSWORD: 2, TEST_PASSWORD: 3 } as const;

/** Set User Password completion codes (§22.30). */
export const PasswordCC = { TEST_FAILED: 0x80, TEST_FAILED_WRONG_SIZE: 0x81 } as const;

const ENABLED_BY_PASSWORD_CMD = 0x40;
const DISABLED_BY_PASSWORD_CMD = 0x80;

/** User ID field [5:0]; 0 is reserved. */
function userIdOf(byte: number): number | null {
  const id = byte & 0x3f;
  return id >= 1 && id <= USER_SLOTS ? id : null;
}

function validUserPrivilege(p: number): boolean {
  return (p >= Privilege.CALLBACK && p <= Privilege.OEM) || p === Privilege.NO_ACCESS;
}

export function userCommands(model: BmcModel): CommandSpec[] {
  const N = NetFn.APP;
  const users = model.users;
  return [
    {
      // Table 22-29: channel, user ID -> max IDs, enabled count + this user's status, fixed names, access bits
      netFn: N, cmd: UserCommand.GET_USER_ACCESS, name: 'Get User Access', privilege: Privilege.OPERATOR,
      handle: (req) => {
        expectLength(req.data, 2, 2, 'get user access');
        const id = userIdOf(req.data[1]);
        const user = id === null ? undefined : users.byId(id);
        if (model.resolveChannel(req.data[0]) === null || !user) return fail(CompletionCode.INVALID_DATA_FIELD);
        return ok(Buffer.from([
          USER_SLOTS,
          (user.enabled ? ENABLED_BY_PASSWORD_CMD : DISABLED_BY_PASSWORD_CMD) | users.enabledCount(),
          FIXED_NAME_USERS,
          (user.callbackOnly ? 0x40 : 0) | (user.linkAuth ? 0x20 : 0) | (user.ipmiMessaging ? 0x10 : 0) |
            (user.privilegeLimit & 0x0f),
        ]));
      },
    },
    {
      // Table 22-28: [7] change bits 6:4, [6] callback only, [5] link auth, [4] IPMI messaging, [3:0] channel;
      // user ID; privilege limit; optional session limit
      netFn: N, cmd: UserCommand.SET_USER_ACCESS, name: 'Set User Access', privilege: Privilege.ADMINISTRATOR,
      handle: (req, ctx) => {
        expectLength(req.data, 3, 4, 'set user access');
        const [flags, idByte, privByte] = req.data;
        const id = userIdOf(idByte);
        const privilegeLimit = privByte & 0x0f;
        if (model.resolveChannel(flags) === null || id === null || !validUserPrivilege(privilegeLimit)) {
          return fail(CompletionCode.INVALID_DATA_FIELD);
        }
        const changeBits = (flags & 0x80) !== 0;
        users.setAccess(id, {
          privilegeLimit,
          ...(changeBits ? { callbackOnly: (flags & 0x40) !== 0, linkAuth: (flags & 0x20) !== 0, ipmiMessaging: (flags & 0x10) !== 0 } : {}),
          ...(req.data.length === 4 ? { sessionLimit: req.data[3] & 0x0f } : {}),
        });
        model.emit({ kind: 'user', userId: id, field: 'access' }, ctx.now);
        return ok();
      },
    },
    {
      netFn: N, cmd: UserCommand.GET_USER_NAME, name: 'Get User Name', privilege: Privilege.OPERATOR,
      handle: (req) => {
        expectLength(req.data, 1, 1, 'get user name');
        const id = userIdOf(req.data[0]);
        const user = id === null ? undefined : users.byId(id);
        if (!user) return fail(CompletionCode.INVALID_DATA_FIELD);
        return ok(paddedText(user.name, USER_NAME_BYTES));
      },
    },
    {
      // user ID, then the name as 16 bytes, NUL padded
      netFn: N, cmd: UserCommand.SET_USER_NAME, name: 'Set User Name', privilege: Privilege.ADMINISTRATOR,
      handle: (req, ctx) => {
        expectLength(req.data, 1 + USER_NAME_BYTES, 1 + USER_NAME_BYTES, 'set user name');
        const id = userIdOf(req.data[0]);
        if (id === null) return fail(CompletionCode.INVALID_DATA_FIELD);
        // fixed-name user 1, or a name another user already has
        if (users.setName(id, unpaddedText(req.data.subarray(1))) !== 'ok') return fail(CompletionCode.INVALID_DATA_FIELD);
        model.emit({ kind: 'user', userId: id, field: 'name' }, ctx.now);
        return ok();
      },
    },
    {
      // [7] 20-byte form, [5:0] user ID; [1:0] operation; 16 or 20 password bytes for set and test
      netFn: N, cmd: UserCommand.SET_USER_PASSWORD, name: 'Set User Password', privilege: Privilege.ADMINISTRATOR,
      handle: (req, ctx) => {
        const size = req.data[0] & 0x80 ? 20 : 16;
        const operation = req.data[1] & 0x03;
        const withPassword = operation === PasswordOperation.SET_PASSWORD || operation === PasswordOperation.TEST_PASSWORD;
        // ipmitool also sends the (zero) password field with enable/disable; both forms are accepted.
        if (req.data.length !== 2 + size && (withPassword || req.data.length !== 2)) {
          expectLength(req.data, 2 + size, 2 + size, 'set user password');
        }
        const id = userIdOf(req.data[0]);
        if (id === null) return fail(CompletionCode.INVALID_DATA_FIELD);
        const password = req.data.subarray(2);
        switch (operation) {
          case PasswordOperation.DISABLE_USER:
          case PasswordOperation.ENABLE_USER:
            users.setEnabled(id, operation === PasswordOperation.ENABLE_USER);
            model.emit({ kind: 'user', userId: id, field: 'enabled' }, ctx.now);
            return ok();
          case PasswordOperation.SET_PASSWORD:
            users.setPassword(id, password);
            model.emit({ kind: 'user', userId: id, field: 'password' }, ctx.now);
            return ok();
          default: {
            const result = users.testPassword(id, password);
            if (result === 'wrong-size') return fail(PasswordCC.TEST_FAILED_WRONG_SIZE);
            return result === 'match' ? ok() : fail(PasswordCC.TEST_FAILED);
          }
        }
      },
    },
  ];
}
