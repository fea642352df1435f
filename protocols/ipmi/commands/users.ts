// User and session-info commands (netFn 06h) both sides encode and decode — IPMI 2.0 §22.20 Get Session Info
// (Table 22-21), §22.26 Set User Access (Table 22-28), §22.27 Get User Access (Table 22-29), §22.28 Set User
// Name, §22.29 Get User Name, §22.30 Set User Password (Table 22-32). Byte numbers in comments are the spec's
// (the completion code is response byte 1).
import { NetFn } from '../message.js';
import { Privilege } from '../users.js';
import type { IpmiCommand } from './command.js';
import {
  fixedText, noResponseData, padField, putLe, requestLength, responseLength, u16At, u32At,
} from './command-data.js';

export const UserCommand = {
  GET_SESSION_INFO: 0x3d,
  SET_USER_ACCESS: 0x43,
  GET_USER_ACCESS: 0x44,
  SET_USER_NAME: 0x45,
  GET_USER_NAME: 0x46,
  SET_USER_PASSWORD: 0x47,
} as const;

/** Set User Password byte 2 [1:0]. */
export const PasswordOperation = { DISABLE_USER: 0, ENABLE_USER: 1, SET_PASSWORD: 2, TEST_PASSWORD: 3 } as const;

/** Set User Password completion codes (§22.30). */
export const SetUserPasswordCC = { TEST_FAILED: 0x80, TEST_FAILED_WRONG_SIZE: 0x81 } as const;

/** Get User Access byte 3 [7:6]: whether Set User Password last enabled or disabled the user. */
export const UserEnableStatus = { UNSPECIFIED: 0, ENABLED: 1, DISABLED: 2 } as const;

/** User names are 16 bytes, NUL padded (§22.28). */
export const USER_NAME_BYTES = 16;

export interface UserAccessRequest {
  /** [3:0]; 0Eh = this channel */
  channel: number;
  /** [5:0]; 1 is the null user */
  userId: number;
}

/** Get User Access response (Table 22-29). */
export interface UserAccess {
  /** byte 2 [5:0] */
  maxUsers: number;
  /** byte 3 [7:6], UserEnableStatus */
  enableStatus: number;
  /** byte 3 [5:0] */
  enabledCount: number;
  /** byte 4 [5:0] */
  fixedNameCount: number;
  /** byte 5 [6]: user access only during a callback connection */
  callbackOnly: boolean;
  /** [5] */
  linkAuth: boolean;
  /** [4] */
  ipmiMessaging: boolean;
  /** [3:0]: privilege limit on the channel, Privilege (0Fh = no access) */
  privilegeLimit: number;
}

/** Set User Access request (Table 22-28). */
export interface SetUserAccessRequest {
  /** byte 1 [3:0] */
  channel: number;
  /** byte 2 [5:0] */
  userId: number;
  /** byte 3 [3:0] */
  privilegeLimit: number;
  /** byte 1 [6:4], written only when given (byte 1 [7] set); absent: left as they are */
  access?: { callbackOnly: boolean; linkAuth: boolean; ipmiMessaging: boolean };
  /** byte 4 [3:0], optional: simultaneous sessions for this user, 0 = the channel's limit */
  sessionLimit?: number;
}

export interface UserNameRequest { userId: number }
export interface UserName { name: string }
export interface SetUserNameRequest { userId: number; name: string }

/** Set User Password request (Table 22-32). */
export interface SetUserPasswordRequest {
  /** byte 1 [5:0] */
  userId: number;
  /** byte 2 [1:0], PasswordOperation */
  operation: number;
  /** byte 1 [7]: the 20-byte (IPMI v2.0) password field instead of 16 */
  size: 16 | 20;
  /**
   * The password field: sent NUL padded to `size` bytes; decoded as the whole field. Set and test need it;
   * enable and disable may leave it out (ipmitool sends it zeroed).
   */
  password?: Uint8Array;
}

/** Get Session Info byte 1: which session. */
export type SessionSelector =
  | { by: 'current' }
  /** Nth active session, from 1 */
  | { by: 'index'; index: number }
  | { by: 'handle'; handle: number }
  | { by: 'id'; sessionId: number };

/** Get Session Info response (Table 22-21). */
export interface SessionInfo {
  /** byte 2: 0 when there is no such session (then only bytes 2-4 are sent) */
  handle: number;
  /** byte 3 [5:0]: session slots on the channel */
  slots: number;
  /** byte 4 [5:0] */
  activeCount: number;
  session?: ActiveSessionInfo;
}

export interface ActiveSessionInfo {
  /** byte 5 [5:0] */
  userId: number;
  /** byte 6 [3:0], Privilege */
  privilege: number;
  /** byte 7 [7:4] on a LAN channel: 0h IPMI v1.5, 1h IPMI v2.0 (RMCP+); 'reserved' for 2h-Fh, which a BMC may still send */
  protocol: 'v1.5' | 'v2.0' | 'reserved';
  /** byte 7 [7:4] as sent when protocol is 'reserved' (decoding sets it, encoding sends it; absent: Fh) */
  protocolBits?: number;
  /** byte 7 [3:0] */
  channel: number;
  /** bytes 8-19 of an 802.3 LAN channel: the remote console */
  lan?: { ip: Uint8Array; mac: Uint8Array; port: number };
}

/** Byte 7 [7:4] of Get Session Info, by value. */
const SESSION_PROTOCOLS: readonly ('v1.5' | 'v2.0')[] = ['v1.5', 'v2.0'];

function protocolBits(s: ActiveSessionInfo): number {
  return s.protocol === 'reserved' ? (s.protocolBits ?? 0x0f) & 0x0f : SESSION_PROTOCOLS.indexOf(s.protocol);
}

const SESSION_BY_HANDLE = 0xfe;
const SESSION_BY_ID = 0xff;
const INFO_HEAD_BYTES = 3;
const SESSION_BYTES = 3;
const LAN_BYTES = 12;

export const GetUserAccess: IpmiCommand<UserAccessRequest, UserAccess> = {
  name: 'Get User Access', netFn: NetFn.APP, cmd: UserCommand.GET_USER_ACCESS, privilege: Privilege.OPERATOR,
  encodeRequest: (r) => Uint8Array.of(r.channel & 0x0f, r.userId & 0x3f),
  decodeRequest(d) {
    requestLength(d, 2, 2, 'Get User Access');
    return { channel: d[0] & 0x0f, userId: d[1] & 0x3f };
  },
  encodeResponse: (r) => Uint8Array.of(
    r.maxUsers & 0x3f,
    ((r.enableStatus & 0x03) << 6) | (r.enabledCount & 0x3f),
    r.fixedNameCount & 0x3f,
    (r.callbackOnly ? 0x40 : 0) | (r.linkAuth ? 0x20 : 0) | (r.ipmiMessaging ? 0x10 : 0) | (r.privilegeLimit & 0x0f),
  ),
  decodeResponse(d) {
    responseLength(d, 4, 'Get User Access');
    return {
      maxUsers: d[0] & 0x3f, enableStatus: d[1] >> 6, enabledCount: d[1] & 0x3f, fixedNameCount: d[2] & 0x3f,
      callbackOnly: (d[3] & 0x40) !== 0, linkAuth: (d[3] & 0x20) !== 0, ipmiMessaging: (d[3] & 0x10) !== 0, privilegeLimit: d[3] & 0x0f,
    };
  },
};

const CHANGE_ACCESS_BITS = 0x80;

export const SetUserAccess: IpmiCommand<SetUserAccessRequest, void> = {
  name: 'Set User Access', netFn: NetFn.APP, cmd: UserCommand.SET_USER_ACCESS, privilege: Privilege.ADMINISTRATOR,
  encodeRequest(r) {
    const a = r.access;
    const flags = a ? CHANGE_ACCESS_BITS | (a.callbackOnly ? 0x40 : 0) | (a.linkAuth ? 0x20 : 0) | (a.ipmiMessaging ? 0x10 : 0) : 0;
    const head = [flags | (r.channel & 0x0f), r.userId & 0x3f, r.privilegeLimit & 0x0f];
    return Uint8Array.from(r.sessionLimit === undefined ? head : [...head, r.sessionLimit & 0x0f]);
  },
  decodeRequest(d) {
    requestLength(d, 3, 4, 'Set User Access');
    const r: SetUserAccessRequest = { channel: d[0] & 0x0f, userId: d[1] & 0x3f, privilegeLimit: d[2] & 0x0f };
    if (d[0] & CHANGE_ACCESS_BITS) {
      r.access = { callbackOnly: (d[0] & 0x40) !== 0, linkAuth: (d[0] & 0x20) !== 0, ipmiMessaging: (d[0] & 0x10) !== 0 };
    }
    if (d.length === 4) r.sessionLimit = d[3] & 0x0f;
    return r;
  },
  ...noResponseData(),
};

export const GetUserName: IpmiCommand<UserNameRequest, UserName> = {
  name: 'Get User Name', netFn: NetFn.APP, cmd: UserCommand.GET_USER_NAME, privilege: Privilege.OPERATOR,
  encodeRequest: (r) => Uint8Array.of(r.userId & 0x3f),
  decodeRequest(d) {
    requestLength(d, 1, 1, 'Get User Name');
    return { userId: d[0] & 0x3f };
  },
  encodeResponse: (r) => padField(Buffer.from(r.name, 'latin1'), USER_NAME_BYTES, 'user name'),
  decodeResponse(d) {
    responseLength(d, USER_NAME_BYTES, 'Get User Name');
    return { name: fixedText(d.subarray(0, USER_NAME_BYTES)) };
  },
};

export const SetUserName: IpmiCommand<SetUserNameRequest, void> = {
  name: 'Set User Name', netFn: NetFn.APP, cmd: UserCommand.SET_USER_NAME, privilege: Privilege.ADMINISTRATOR,
  encodeRequest(r) {
    const out = new Uint8Array(1 + USER_NAME_BYTES);
    out[0] = r.userId & 0x3f;
    out.set(padField(Buffer.from(r.name, 'latin1'), USER_NAME_BYTES, 'user name'), 1);
    return out;
  },
  decodeRequest(d) {
    requestLength(d, 1 + USER_NAME_BYTES, 1 + USER_NAME_BYTES, 'Set User Name');
    return { userId: d[0] & 0x3f, name: fixedText(d.subarray(1)) };
  },
  ...noResponseData(),
};

const TWENTY_BYTE_FORM = 0x80;

function sendsPassword(operation: number): boolean {
  return operation === PasswordOperation.SET_PASSWORD || operation === PasswordOperation.TEST_PASSWORD;
}

export const SetUserPassword: IpmiCommand<SetUserPasswordRequest, void> = {
  name: 'Set User Password', netFn: NetFn.APP, cmd: UserCommand.SET_USER_PASSWORD, privilege: Privilege.ADMINISTRATOR,
  encodeRequest(r) {
    const head = [(r.size === 20 ? TWENTY_BYTE_FORM : 0) | (r.userId & 0x3f), r.operation & 0x03];
    if (r.password === undefined) {
      if (sendsPassword(r.operation)) throw new RangeError('Set User Password: set and test need the password');
      return Uint8Array.from(head);
    }
    const out = new Uint8Array(2 + r.size);
    out.set(head);
    out.set(padField(r.password, r.size, 'password'), 2);
    return out;
  },
  decodeRequest(d) {
    requestLength(d, 2, 22, 'Set User Password');
    const size = d[0] & TWENTY_BYTE_FORM ? 20 : 16;
    const r: SetUserPasswordRequest = { userId: d[0] & 0x3f, operation: d[1] & 0x03, size };
    if (d.length === 2 + size) r.password = d.subarray(2);
    // without the password field only enable and disable make sense (ipmitool also sends a zeroed one)
    else if (d.length !== 2 || sendsPassword(r.operation)) requestLength(d, 2 + size, 2 + size, 'Set User Password');
    return r;
  },
  ...noResponseData(),
};

export const GetSessionInfo: IpmiCommand<SessionSelector, SessionInfo> = {
  name: 'Get Session Info', netFn: NetFn.APP, cmd: UserCommand.GET_SESSION_INFO, privilege: Privilege.USER,
  encodeRequest(r) {
    switch (r.by) {
      case 'current': return Uint8Array.of(0);
      case 'index':
        if (r.index < 1 || r.index >= SESSION_BY_HANDLE) throw new RangeError(`session index ${r.index} is not 1..${SESSION_BY_HANDLE - 1}`);
        return Uint8Array.of(r.index);
      case 'handle': return Uint8Array.of(SESSION_BY_HANDLE, r.handle & 0xff);
      case 'id': {
        const out = new Uint8Array(5);
        out[0] = SESSION_BY_ID;
        putLe(out, 1, r.sessionId >>> 0, 4);
        return out;
      }
    }
  },
  decodeRequest(d) {
    requestLength(d, 1, 5, 'Get Session Info');
    switch (d[0]) {
      case 0:
        requestLength(d, 1, 1, 'Get Session Info');
        return { by: 'current' };
      case SESSION_BY_HANDLE:
        requestLength(d, 2, 2, 'Get Session Info');
        return { by: 'handle', handle: d[1] };
      case SESSION_BY_ID:
        requestLength(d, 5, 5, 'Get Session Info');
        return { by: 'id', sessionId: u32At(d, 1) };
      default:
        requestLength(d, 1, 1, 'Get Session Info');
        return { by: 'index', index: d[0] };
    }
  },
  encodeResponse(r) {
    const s = r.session;
    const out = new Uint8Array(INFO_HEAD_BYTES + (s ? SESSION_BYTES + (s.lan ? LAN_BYTES : 0) : 0));
    out[0] = r.handle;
    out[1] = r.slots & 0x3f;
    out[2] = r.activeCount & 0x3f;
    if (!s) return out;
    out[3] = s.userId & 0x3f;
    out[4] = s.privilege & 0x0f;
    out[5] = (protocolBits(s) << 4) | (s.channel & 0x0f);
    if (!s.lan) return out;
    out.set(s.lan.ip.subarray(0, 4), 6); // MS byte first
    out.set(s.lan.mac.subarray(0, 6), 10);
    putLe(out, 16, s.lan.port & 0xffff, 2);
    return out;
  },
  decodeResponse(d) {
    responseLength(d, INFO_HEAD_BYTES, 'Get Session Info');
    const r: SessionInfo = { handle: d[0], slots: d[1] & 0x3f, activeCount: d[2] & 0x3f };
    if (d.length < INFO_HEAD_BYTES + SESSION_BYTES) return r;
    const bits = d[5] >> 4;
    const s: ActiveSessionInfo = { userId: d[3] & 0x3f, privilege: d[4] & 0x0f, protocol: SESSION_PROTOCOLS[bits] ?? 'reserved', channel: d[5] & 0x0f };
    if (s.protocol === 'reserved') s.protocolBits = bits;
    if (d.length >= INFO_HEAD_BYTES + SESSION_BYTES + LAN_BYTES) s.lan = { ip: d.subarray(6, 10), mac: d.subarray(10, 16), port: u16At(d, 16) };
    r.session = s;
    return r;
  },
};

