// Channel commands (netFn 06h) both sides encode and decode — IPMI 2.0 §22.22 Set Channel Access (Table 22-26),
// §22.23 Get Channel Access (Table 22-27), §22.24 Get Channel Info (Table 22-28), with the channel medium and
// protocol numbers of §6.5 (Tables 6-3, 6-2). Byte numbers in comments are the spec's (the completion code is
// response byte 1).
import { NetFn } from '../message.js';
import { Privilege } from '../users.js';
import type { IpmiCommand } from './command.js';
import { noResponseData, putLe, requestLength, responseLength, u24At } from './command-data.js';

export const ChannelCommand = {
  SET_CHANNEL_ACCESS: 0x40,
  GET_CHANNEL_ACCESS: 0x41,
  GET_CHANNEL_INFO: 0x42,
} as const;

/** Channel medium type (Table 6-3). */
export const ChannelMedium = {
  IPMB: 0x01,
  ICMB_1_0: 0x02,
  ICMB_0_9: 0x03,
  LAN_802_3: 0x04,
  ASYNC_SERIAL: 0x05,
  OTHER_LAN: 0x06,
  PCI_SMBUS: 0x07,
  SMBUS_1_X: 0x08,
  SMBUS_2_0: 0x09,
  USB_1_X: 0x0a,
  USB_2_X: 0x0b,
  SYSTEM_INTERFACE: 0x0c,
} as const;

/** Channel protocol type (Table 6-2). */
export const ChannelProtocol = {
  IPMB_1_0: 0x01,
  ICMB_1_0: 0x02,
  IPMI_SMBUS: 0x04,
  KCS: 0x05,
  SMIC: 0x06,
  BT_1_0: 0x07,
  BT_1_5: 0x08,
  TMODE: 0x09,
} as const;

/** Get Channel Info byte 5 [7:6]. */
export const SessionSupport = { SESSIONLESS: 0, SINGLE_SESSION: 1, MULTI_SESSION: 2, SESSION_BASED: 3 } as const;

/** Get/Set Channel Access access mode [2:0] (Table 22-26). */
export const AccessMode = { DISABLED: 0, PRE_BOOT_ONLY: 1, ALWAYS_AVAILABLE: 2, SHARED: 3 } as const;

/**
 * Which copy of the settings a request reads or writes: Get byte 2 [7:6]; Set bytes 2 and 3 [7:6], where NONE
 * means "leave as is". 11b is reserved (and so is 00b in Get): kept as sent, for the BMC to refuse with CCh.
 */
export const AccessTarget = { NONE: 0, NON_VOLATILE: 1, VOLATILE: 2 } as const;

/** The IPMI Forum's IANA number, the vendor of a channel whose protocol the spec defines (§22.24). */
export const IPMI_FORUM_IANA = 7154;

/** Channel Info aux bytes of a channel that has none (every channel but the system interface). */
export const NO_AUX_INFO: Uint8Array = new Uint8Array(2);

export interface ChannelInfoRequest {
  /** [3:0]; 0Eh = the channel this request came in on */
  channel: number;
}

/** Get Channel Info response (Table 22-28). */
export interface ChannelInfo {
  /** byte 2 [3:0]: the actual channel number, never 0Eh */
  channel: number;
  /** byte 3 [6:0], ChannelMedium */
  medium: number;
  /** byte 4 [4:0], ChannelProtocol */
  protocol: number;
  /** byte 5 [7:6], SessionSupport */
  sessionSupport: number;
  /** byte 5 [5:0] */
  activeSessions: number;
  /** bytes 6-8, LS byte first */
  vendorId: number;
  /** bytes 9-10: for the system interface, its interrupts; else reserved */
  auxInfo: Uint8Array;
}

export interface ChannelAccessRequest {
  channel: number;
  /** AccessTarget: NON_VOLATILE or VOLATILE */
  target: number;
}

/** Get Channel Access response (Table 22-27), and what Set Channel Access writes. */
export interface ChannelAccessSettings {
  /** [5]: PEF alerting disabled */
  alertingDisabled: boolean;
  /** [4] */
  perMessageAuthDisabled: boolean;
  /** [3] */
  userLevelAuthDisabled: boolean;
  /** [2:0], AccessMode */
  accessMode: number;
  /** next byte [3:0]: channel privilege level limit */
  privilegeLimit: number;
}

/** Set Channel Access request (Table 22-26). */
export interface SetChannelAccessRequest extends ChannelAccessSettings {
  channel: number;
  /** byte 2 [7:6], AccessTarget: where the alerting, authentication and access mode bits go */
  accessTarget: number;
  /** byte 3 [7:6], AccessTarget: where the privilege limit goes */
  privilegeTarget: number;
}

const INFO_BYTES = 9;

export const GetChannelInfo: IpmiCommand<ChannelInfoRequest, ChannelInfo> = {
  name: 'Get Channel Info', netFn: NetFn.APP, cmd: ChannelCommand.GET_CHANNEL_INFO, privilege: Privilege.USER,
  encodeRequest: (r) => Uint8Array.of(r.channel & 0x0f),
  decodeRequest(d) {
    requestLength(d, 1, 1, 'Get Channel Info');
    return { channel: d[0] & 0x0f };
  },
  encodeResponse(r) {
    const out = new Uint8Array(INFO_BYTES);
    out[0] = r.channel & 0x0f;
    out[1] = r.medium & 0x7f;
    out[2] = r.protocol & 0x1f;
    out[3] = ((r.sessionSupport & 0x03) << 6) | (r.activeSessions & 0x3f);
    putLe(out, 4, r.vendorId & 0xffffff, 3);
    out.set(r.auxInfo.subarray(0, 2), 7);
    return out;
  },
  decodeResponse(d) {
    responseLength(d, INFO_BYTES, 'Get Channel Info');
    return {
      channel: d[0] & 0x0f, medium: d[1] & 0x7f, protocol: d[2] & 0x1f, sessionSupport: d[3] >> 6, activeSessions: d[3] & 0x3f,
      vendorId: u24At(d, 4), auxInfo: d.subarray(7, 9),
    };
  },
};

function accessByte(s: ChannelAccessSettings): number {
  return (s.alertingDisabled ? 0x20 : 0) | (s.perMessageAuthDisabled ? 0x10 : 0) | (s.userLevelAuthDisabled ? 0x08 : 0) |
    (s.accessMode & 0x07);
}

export const GetChannelAccess: IpmiCommand<ChannelAccessRequest, ChannelAccessSettings> = {
  name: 'Get Channel Access', netFn: NetFn.APP, cmd: ChannelCommand.GET_CHANNEL_ACCESS, privilege: Privilege.USER,
  encodeRequest: (r) => Uint8Array.of(r.channel & 0x0f, (r.target & 0x03) << 6),
  decodeRequest(d) {
    requestLength(d, 2, 2, 'Get Channel Access');
    return { channel: d[0] & 0x0f, target: d[1] >> 6 };
  },
  encodeResponse: (r) => Uint8Array.of(accessByte(r), r.privilegeLimit & 0x0f),
  decodeResponse(d) {
    responseLength(d, 2, 'Get Channel Access');
    return {
      alertingDisabled: (d[0] & 0x20) !== 0, perMessageAuthDisabled: (d[0] & 0x10) !== 0, userLevelAuthDisabled: (d[0] & 0x08) !== 0,
      accessMode: d[0] & 0x07, privilegeLimit: d[1] & 0x0f,
    };
  },
};

export const SetChannelAccess: IpmiCommand<SetChannelAccessRequest, void> = {
  name: 'Set Channel Access', netFn: NetFn.APP, cmd: ChannelCommand.SET_CHANNEL_ACCESS, privilege: Privilege.ADMINISTRATOR,
  encodeRequest: (r) => Uint8Array.of(
    r.channel & 0x0f,
    ((r.accessTarget & 0x03) << 6) | accessByte(r),
    ((r.privilegeTarget & 0x03) << 6) | (r.privilegeLimit & 0x0f),
  ),
  decodeRequest(d) {
    requestLength(d, 3, 3, 'Set Channel Access');
    return {
      channel: d[0] & 0x0f,
      accessTarget: d[1] >> 6,
      alertingDisabled: (d[1] & 0x20) !== 0, perMessageAuthDisabled: (d[1] & 0x10) !== 0, userLevelAuthDisabled: (d[1] & 0x08) !== 0,
      accessMode: d[1] & 0x07,
      privilegeTarget: d[2] >> 6,
      privilegeLimit: d[2] & 0x0f,
    };
  },
  ...noResponseData(),
};
