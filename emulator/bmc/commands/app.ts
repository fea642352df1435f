// Application commands (netFn 06h) for the device, its channel and sessions — IPMI 2.0 §20 (Get Device ID 20.1,
// resets 20.2/20.3, self test 20.4, device GUID 20.8), §22.14 (Get System GUID), §22.20 (Get Session Info),
// §22.22-22.24 (channel access and info). The bytes are in protocols/ipmi/commands/; user commands are in
// app-users.ts.
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import {
  AccessMode, AccessTarget, ChannelMedium, ChannelProtocol, GetChannelAccess, GetChannelInfo, IPMI_FORUM_IANA, NO_AUX_INFO,
  SessionSupport, SetChannelAccess,
} from '../../../protocols/ipmi/commands/channel.js';
import {
  ColdReset, GetDeviceGuid, GetDeviceId, GetSelfTestResults, GetSystemGuid, SelfTestResult, WarmReset,
} from '../../../protocols/ipmi/commands/device.js';
import { GetSessionInfo, type SessionInfo, type SessionSelector } from '../../../protocols/ipmi/commands/users.js';
import { Privilege } from '../../../protocols/ipmi/users.js';
import { SetInProgress } from '../../../protocols/ipmi/commands/config-parameters.js';
import { peerIpv4Bytes } from '../lan-config.js';
import type { BmcModel, ChannelAccess } from '../model.js';
import { handler, refuse } from './define.js';
import type { CommandContext, CommandSpec, SessionView } from './types.js';

const SELF_TEST_PASSED = { result: SelfTestResult.NO_ERROR, detail: 0 } as const;

/** A UDP socket does not reveal the remote console's MAC: Get Session Info sends zeros. */
const UNKNOWN_MAC = new Uint8Array(6);

const INVALID_DATA_FIELD = refuse(CompletionCode.INVALID_DATA_FIELD);

function findSession(selector: SessionSelector, current: SessionView, active: SessionView[]): SessionView | undefined {
  switch (selector.by) {
    case 'current': return current;
    case 'index': return active[selector.index - 1];
    case 'handle': return active.find((s) => s.handle === selector.handle);
    case 'id': return active.find((s) => s.id >>> 0 === selector.sessionId);
  }
}

/** Table 22-21 for `session` (an 802.3 LAN session), or the first three bytes alone when there is none. */
function sessionInfo(session: SessionView | undefined, capacity: number, activeCount: number): SessionInfo {
  const head = { handle: session?.handle ?? 0, slots: Math.min(capacity, 63), activeCount: Math.min(activeCount, 63) };
  if (!session) return head;
  return {
    ...head,
    session: {
      userId: session.userId, privilege: session.privilege, protocol: session.protocol, channel: session.channel,
      lan: { ip: peerIpv4Bytes(session.remoteAddress), mac: UNKNOWN_MAC, port: session.remotePort },
    },
  };
}

/** The copy of the channel access settings an AccessTarget names: null for NONE ("don't change"), undefined if reserved. */
function accessCopy(model: BmcModel, target: number): ChannelAccess | null | undefined {
  switch (target) {
    case AccessTarget.NONE: return null;
    case AccessTarget.NON_VOLATILE: return model.channelAccess.nonVolatile;
    case AccessTarget.VOLATILE: return model.channelAccess.volatile;
    default: return undefined;
  }
}

function validPrivilege(p: number): boolean {
  return p >= Privilege.CALLBACK && p <= Privilege.OEM;
}

/** Cold Reset and Warm Reset (§20.2, §20.3): configuration writes left in progress are ended. */
function bmcReset(cold: boolean) {
  return (_req: void, ctx: CommandContext): void => {
    const model = ctx.model;
    model.bootOptions.resetSetInProgress();
    model.lan.setInProgress = SetInProgress.COMPLETE;
    model.emit({ kind: 'bmc-reset', cold }, ctx.now);
  };
}

export const appCommands: readonly CommandSpec[] = [
  handler(GetDeviceId, (_req, ctx) => {
    const d = ctx.model.device;
    return {
      deviceId: d.deviceId, providesDeviceSdrs: d.providesDeviceSdrs, deviceRevision: d.deviceRevision,
      updateInProgress: false, firmwareMajor: d.firmwareMajor, firmwareMinor: d.firmwareMinor,
      ipmiMajor: d.ipmiVersion & 0x0f, ipmiMinor: d.ipmiVersion >> 4, additionalSupport: d.additionalSupport,
      manufacturerId: d.manufacturerId, productId: d.productId, auxFirmware: d.auxFirmware,
    };
  }),
  handler(ColdReset, bmcReset(true)),
  handler(WarmReset, bmcReset(false)),
  handler(GetSelfTestResults, () => SELF_TEST_PASSED),
  handler(GetDeviceGuid, (_req, ctx) => ({ guid: ctx.model.deviceGuid })),
  handler(GetSystemGuid, (_req, ctx) => ({ guid: ctx.model.guid })),
  handler(GetSessionInfo, (selector, ctx) => {
    const active = ctx.sessions.list();
    return sessionInfo(findSession(selector, ctx.session, active), ctx.sessions.capacity, active.length);
  }),
  handler(GetChannelInfo, (req, ctx) => {
    const channel = ctx.model.resolveChannel(req.channel);
    if (channel === null) return INVALID_DATA_FIELD;
    return {
      channel, medium: ChannelMedium.LAN_802_3, protocol: ChannelProtocol.IPMB_1_0,
      sessionSupport: SessionSupport.MULTI_SESSION, activeSessions: Math.min(ctx.sessions.list().length, 0x3f),
      vendorId: IPMI_FORUM_IANA, auxInfo: NO_AUX_INFO,
    };
  }),
  handler(GetChannelAccess, (req, ctx) => {
    const access = accessCopy(ctx.model, req.target);
    if (ctx.model.resolveChannel(req.channel) === null || !access) return INVALID_DATA_FIELD;
    return access;
  }),
  handler(SetChannelAccess, (req, ctx) => {
    const model = ctx.model;
    const accessTarget = accessCopy(model, req.accessTarget);
    const privilegeTarget = accessCopy(model, req.privilegeTarget);
    if (model.resolveChannel(req.channel) === null || accessTarget === undefined || privilegeTarget === undefined ||
      (accessTarget && req.accessMode > AccessMode.SHARED) || (privilegeTarget && !validPrivilege(req.privilegeLimit))) {
      return INVALID_DATA_FIELD;
    }
    if (accessTarget) {
      accessTarget.alertingDisabled = req.alertingDisabled;
      accessTarget.perMessageAuthDisabled = req.perMessageAuthDisabled;
      accessTarget.userLevelAuthDisabled = req.userLevelAuthDisabled;
      accessTarget.accessMode = req.accessMode;
    }
    if (privilegeTarget) privilegeTarget.privilegeLimit = req.privilegeLimit;
    model.emit({ kind: 'channel-access' }, ctx.now);
  }),
];
