// Application commands (netFn 06h) for the device, its channel and sessions — IPMI 2.0 §20 (Get Device ID 20.1,
// resets 20.2/20.3, self test 20.4, device GUID 20.8), §22.14 (Get System GUID), §22.20 (Get Session Info),
// §22.22-22.24 (channel access and info). User commands are in app-users.ts.
import { requireBytes } from '../../../protocols/errors.js';
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../../protocols/ipmi/message.js';
import { Privilege } from '../../../protocols/ipmi/users.js';
import { SetInProgress, peerIpv4Bytes } from '../lan-config.js';
import { AccessMode, type BmcModel, type ChannelAccess } from '../model.js';
import { expectLength, fail, ok } from './request-data.js';
import type { CommandSpec, SessionView } from './types.js';

export const AppCommand = {
  GET_DEVICE_ID: 0x01,
  COLD_RESET: 0x02,
  WARM_RESET: 0x03,
  GET_SELF_TEST_RESULTS: 0x04,
  GET_DEVICE_GUID: 0x08,
  GET_SYSTEM_GUID: 0x37,
  GET_SESSION_INFO: 0x3d,
  SET_CHANNEL_ACCESS: 0x40,
  GET_CHANNEL_ACCESS: 0x41,
  GET_CHANNEL_INFO: 0x42,
} as const;

/** Get Channel Info (§22.24) constants: Table 6-3 medium, Table 6-2 protocol, IPMI Forum IANA 7154. */
const MEDIUM_802_3_LAN = 0x04;
const PROTOCOL_IPMB_1_0 = 0x01;
const MULTI_SESSION = 0x80;
const IPMI_FORUM_IANA = 7154;

/** Self test "no error" (§20.4). */
const SELF_TEST_PASSED = Buffer.from([0x55, 0x00]);

function bcd(n: number): number {
  return ((Math.floor(n / 10) % 10) << 4) | (n % 10);
}

/** Get Device ID response, §20.1 Table 20-2. */
function deviceId(model: BmcModel): Buffer {
  const d = model.device;
  const out = Buffer.alloc(15);
  out[0] = d.deviceId;
  out[1] = (d.providesDeviceSdrs ? 0x80 : 0) | (d.deviceRevision & 0x0f);
  out[2] = d.firmwareMajor & 0x7f; // bit 7 = 0: device available
  out[3] = bcd(d.firmwareMinor);
  out[4] = d.ipmiVersion;
  out[5] = d.additionalSupport;
  out.writeUIntLE(d.manufacturerId & 0x0fffff, 6, 3);
  out.writeUInt16LE(d.productId & 0xffff, 9);
  out.set(d.auxFirmware.subarray(0, 4), 11);
  return out;
}

function bmcReset(model: BmcModel, cold: boolean): CommandSpec['handle'] {
  return (req, ctx) => {
    expectLength(req.data, 0, 0, cold ? 'cold reset' : 'warm reset');
    model.bootOptions.resetSetInProgress();
    model.lan.setInProgress = SetInProgress.COMPLETE;
    model.emit({ kind: 'bmc-reset', cold }, ctx.now);
    return ok();
  };
}

/** Get Session Info request selector (§22.20): 00h current, N = Nth active, FEh by handle, FFh by session ID. */
function findSession(data: Uint8Array, current: SessionView, active: SessionView[]): SessionView | undefined {
  const selector = data[0];
  if (selector === 0xfe) {
    expectLength(data, 2, 2, 'session handle');
    return active.find((s) => s.handle === data[1]);
  }
  if (selector === 0xff) {
    expectLength(data, 5, 5, 'session id');
    const id = Buffer.from(data.subarray(1, 5)).readUInt32LE(0);
    return active.find((s) => s.id >>> 0 === id);
  }
  expectLength(data, 1, 1, 'session index');
  return selector === 0 ? current : active[selector - 1];
}

/** §22.20 Table 22-21: handle, slots, active; then, for a session, the 802.3 LAN channel fields. */
function sessionInfo(session: SessionView | undefined, capacity: number, activeCount: number): Buffer {
  const head = Buffer.from([session?.handle ?? 0, Math.min(capacity, 63), Math.min(activeCount, 63)]);
  if (!session) return head; // "no session at this index": only the first three bytes
  const body = Buffer.alloc(15);
  body[0] = session.userId & 0x3f;
  body[1] = session.privilege & 0x0f;
  body[2] = ((session.protocol === 'v2.0' ? 1 : 0) << 4) | (session.channel & 0x0f);
  peerIpv4Bytes(session.remoteAddress).copy(body, 3); // remote console IP, MS byte first
  // bytes 7-12: remote console MAC, which a UDP socket does not reveal: left 0
  body.writeUInt16LE(session.remotePort & 0xffff, 13); // remote console port, LS byte first
  return Buffer.concat([head, body]);
}

/** Get/Set Channel Access byte 2 [7:6] (get) and bytes 2, 3 [7:6] (set): 01b non-volatile, 10b volatile. */
function accessCopy(model: BmcModel, bits: number): ChannelAccess | null | undefined {
  switch (bits >> 6) {
    case 0: return null; // set: "don't change"
    case 1: return model.channelAccess.nonVolatile;
    case 2: return model.channelAccess.volatile;
    default: return undefined; // reserved
  }
}

function validPrivilege(p: number): boolean {
  return p >= Privilege.CALLBACK && p <= Privilege.OEM;
}

export function appCommands(model: BmcModel): CommandSpec[] {
  const N = NetFn.APP;
  return [
    {
      netFn: N, cmd: AppCommand.GET_DEVICE_ID, name: 'Get Device ID', privilege: Privilege.USER,
      handle: (req) => {
        expectLength(req.data, 0, 0, 'get device id');
        return ok(deviceId(model));
      },
    },
    { netFn: N, cmd: AppCommand.COLD_RESET, name: 'Cold Reset', privilege: Privilege.ADMINISTRATOR, handle: bmcReset(model, true) },
    { netFn: N, cmd: AppCommand.WARM_RESET, name: 'Warm Reset', privilege: Privilege.ADMINISTRATOR, handle: bmcReset(model, false) },
    {
      netFn: N, cmd: AppCommand.GET_SELF_TEST_RESULTS, name: 'Get Self Test Results', privilege: Privilege.USER,
      handle: (req) => {
        expectLength(req.data, 0, 0, 'get self test results');
        return ok(SELF_TEST_PASSED);
      },
    },
    {
      netFn: N, cmd: AppCommand.GET_DEVICE_GUID, name: 'Get Device GUID', privilege: Privilege.USER,
      handle: (req) => {
        expectLength(req.data, 0, 0, 'get device guid');
        return ok(model.deviceGuid);
      },
    },
    {
      // Appendix G lists it as unprotected; inside a session any level may ask.
      netFn: N, cmd: AppCommand.GET_SYSTEM_GUID, name: 'Get System GUID', privilege: Privilege.CALLBACK,
      handle: (req) => {
        expectLength(req.data, 0, 0, 'get system guid');
        return ok(model.guid);
      },
    },
    {
      netFn: N, cmd: AppCommand.GET_SESSION_INFO, name: 'Get Session Info', privilege: Privilege.USER,
      handle: (req, ctx) => {
        requireBytes(req.data, 0, 1, 'ipmi', 'session index');
        const active = ctx.sessions.list();
        return ok(sessionInfo(findSession(req.data, ctx.session, active), ctx.sessions.capacity, active.length));
      },
    },
    {
      // §22.24 Table 22-28
      netFn: N, cmd: AppCommand.GET_CHANNEL_INFO, name: 'Get Channel Info', privilege: Privilege.USER,
      handle: (req, ctx) => {
        expectLength(req.data, 1, 1, 'channel number');
        const channel = model.resolveChannel(req.data[0]);
        if (channel === null) return fail(CompletionCode.INVALID_DATA_FIELD);
        const out = Buffer.alloc(9);
        out[0] = channel;
        out[1] = MEDIUM_802_3_LAN;
        out[2] = PROTOCOL_IPMB_1_0;
        out[3] = MULTI_SESSION | Math.min(ctx.sessions.list().length, 0x3f);
        out.writeUIntLE(IPMI_FORUM_IANA, 4, 3);
        // bytes 8-9: auxiliary channel info, none for LAN
        return ok(out);
      },
    },
    {
      // §22.23 Table 22-27
      netFn: N, cmd: AppCommand.GET_CHANNEL_ACCESS, name: 'Get Channel Access', privilege: Privilege.USER,
      handle: (req) => {
        expectLength(req.data, 2, 2, 'get channel access');
        const access = accessCopy(model, req.data[1]);
        if (model.resolveChannel(req.data[0]) === null || !access) return fail(CompletionCode.INVALID_DATA_FIELD);
        return ok(Buffer.from([
          (access.alertingDisabled ? 0x20 : 0) | (access.perMessageAuthDisabled ? 0x10 : 0) |
            (access.userLevelAuthDisabled ? 0x08 : 0) | (access.accessMode & 0x07),
          access.privilegeLimit & 0x0f,
        ]));
      },
    },
    {
      // §22.22 Table 22-26
      netFn: N, cmd: AppCommand.SET_CHANNEL_ACCESS, name: 'Set Channel Access', privilege: Privilege.ADMINISTRATOR,
      handle: (req, ctx) => {
        expectLength(req.data, 3, 3, 'set channel access');
        const [channelField, accessByte, privByte] = req.data;
        const accessTarget = accessCopy(model, accessByte);
        const privTarget = accessCopy(model, privByte);
        if (model.resolveChannel(channelField) === null || accessTarget === undefined || privTarget === undefined ||
          (accessTarget && (accessByte & 0x07) > AccessMode.SHARED) || (privTarget && !validPrivilege(privByte & 0x0f))) {
          return fail(CompletionCode.INVALID_DATA_FIELD);
        }
        if (accessTarget) {
          accessTarget.alertingDisabled = (accessByte & 0x20) !== 0;
          accessTarget.perMessageAuthDisabled = (accessByte & 0x10) !== 0;
          accessTarget.userLevelAuthDisabled = (accessByte & 0x08) !== 0;
          accessTarget.accessMode = accessByte & 0x07;
        }
        if (privTarget) privTarget.privilegeLimit = privByte & 0x0f;
        model.emit({ kind: 'channel-access' }, ctx.now);
        return ok();
      },
    },
  ];
}
