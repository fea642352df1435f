// Session commands the session layer itself answers inside a session: Activate Session (§22.17, v1.5),
// Set Session Privilege Level (§22.18) and Close Session (§22.19).
import { CompletionCode } from '../completion-codes.js';
import {
  ActivateSessionCC, CloseSessionCC, SessionCommand, SetPrivilegeCC,
  decodeActivateSessionRequest, decodeCloseSessionRequest, encodeActivateSessionResponse,
} from '../commands/session-setup.js';
import { authCodesEqual } from '../rmcpplus-crypto.js';
import { ReplayWindow } from '../replay-window.js';
import { NetFn, type IpmiRequest } from '../message.js';
import { Privilege, mayLogIn } from '../users.js';
import type { BmcChannelConfig } from './channel-config.js';
import type { BmcSession } from './session.js';
import type { SessionTable } from './session-table.js';
import type { CommandAnswer } from './sessionless-commands.js';

export function isInSessionCommand(req: IpmiRequest): boolean {
  return req.netFn === NetFn.APP && (req.cmd === SessionCommand.SET_SESSION_PRIVILEGE_LEVEL || req.cmd === SessionCommand.CLOSE_SESSION);
}

export function activateSession(cfg: BmcChannelConfig, session: BmcSession, req: IpmiRequest, now: number): CommandAnswer {
  const r = decodeActivateSessionRequest(req.data);
  if (r.authType !== session.authType || !authCodesEqual(r.challenge, session.challenge!)) {
    return { cc: ActivateSessionCC.INVALID_SESSION_ID };
  }
  const user = cfg.users.byId(session.userId);
  if (!mayLogIn(user)) return { cc: ActivateSessionCC.NO_SLOT_FOR_USER };
  if (r.maxPrivilege < Privilege.CALLBACK || r.maxPrivilege > Math.min(user.privilegeLimit, cfg.maxPrivilege)) {
    return { cc: ActivateSessionCC.PRIVILEGE_EXCEEDS_LIMIT };
  }
  if (r.initialOutboundSeq === 0) return { cc: ActivateSessionCC.SEQUENCE_OUT_OF_RANGE };
  const initialInbound = (cfg.random(4).readUInt32LE(0) | 1) >>> 0;
  session.state = 'active';
  session.maxPrivilege = r.maxPrivilege;
  session.privilege = Math.min(Privilege.USER, r.maxPrivilege);
  session.outboundSeq = r.initialOutboundSeq;
  session.inbound = new ReplayWindow((initialInbound - 1) >>> 0, 8, 8);
  session.challenge = undefined;
  session.lastActivity = now;
  return {
    cc: CompletionCode.OK,
    data: encodeActivateSessionResponse({ authType: session.authType!, sessionId: session.bmcId, initialInboundSeq: initialInbound, maxPrivilege: r.maxPrivilege }),
  };
}

export function setSessionPrivilege(cfg: BmcChannelConfig, session: BmcSession, req: IpmiRequest): CommandAnswer {
  if (req.data.length < 1) return { cc: CompletionCode.REQUEST_DATA_LENGTH_INVALID };
  const level = req.data[0] & 0x0f;
  if (level === 0) return { cc: CompletionCode.OK, data: Buffer.from([session.privilege]) };
  if (level < Privilege.USER || level > Privilege.OEM) return { cc: CompletionCode.INVALID_DATA_FIELD };
  const user = cfg.users.byId(session.userId);
  if (!user || level > user.privilegeLimit || level > cfg.maxPrivilege) return { cc: SetPrivilegeCC.EXCEEDS_LIMIT };
  if (level > session.maxPrivilege) return { cc: SetPrivilegeCC.NOT_AVAILABLE_FOR_USER };
  session.privilege = level;
  return { cc: CompletionCode.OK, data: Buffer.from([level]) };
}

/** Returns the answer and the session to remove once the answer has been sent in the caller's session. */
export function closeSession(sessions: SessionTable, session: BmcSession, req: IpmiRequest): { answer: CommandAnswer; close?: BmcSession } {
  const r = decodeCloseSessionRequest(req.data);
  const target = r.sessionId !== 0 ? sessions.get(r.sessionId) : sessions.byHandle(r.handle!);
  if (!target || target.state !== 'active') {
    return { answer: { cc: r.sessionId !== 0 ? CloseSessionCC.INVALID_SESSION_ID : CloseSessionCC.INVALID_SESSION_HANDLE } };
  }
  if (target !== session && session.privilege < Privilege.ADMINISTRATOR) return { answer: { cc: CompletionCode.INSUFFICIENT_PRIVILEGE } };
  return { answer: { cc: CompletionCode.OK }, close: target };
}
