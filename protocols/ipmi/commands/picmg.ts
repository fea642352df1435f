// Group extension commands (netFn 2Ch) — IPMI 2.0 §5.1 Table 5-1: request and response data start with the
// defining body's code (00h PICMG, 03h VITA, DCh DCMI). PICMG 3.0 §3.1 Get PICMG Properties (00h; with code 03h the
// same command number is VITA 46.11 Get VSO Capabilities) and PICMG HPM.2 Get LAN Attach Capabilities (3Eh), the
// probes ipmitool sends every session to learn whether the BMC is a PICMG / HPM.2 device (C1h: it is not).
// Neither specification gives a privilege: User, as for Get Device ID.
import { DecodeError } from '../../errors.js';
import { NetFn } from '../message.js';
import { Privilege } from '../users.js';
import type { IpmiCommand } from './command.js';
import { PROTOCOL, requestLength, responseLength, u16At } from './command-data.js';

export const GroupExtension = { PICMG: 0x00, VITA: 0x03, DCMI: 0xdc } as const;
/** HPM.x identifier of HPM.2 (the request's second byte). */
export const HPM2 = 0x02;

/** Throws DecodeError ERR_GROUP unless `d` starts with the PICMG identifier (00h). */
export function expectPicmg(d: Uint8Array, what: string): void {
  if (d[0] !== GroupExtension.PICMG) throw new DecodeError(PROTOCOL, what, 0, `defining body 0x${d[0].toString(16)} is not PICMG`, 'ERR_GROUP');
}

/** A probe's request: the PICMG code, then for an HPM.x command its identifier; other bytes are ERR_GROUP. */
function probeRequest(name: string, hpm?: number): Pick<IpmiCommand<void, unknown>, 'encodeRequest' | 'decodeRequest'> {
  const bytes = hpm === undefined ? [GroupExtension.PICMG] : [GroupExtension.PICMG, hpm];
  return {
    encodeRequest: () => Uint8Array.from(bytes),
    decodeRequest(d) {
      requestLength(d, bytes.length, bytes.length, name);
      expectPicmg(d, `${name} request`);
      if (hpm !== undefined && d[1] !== hpm) throw new DecodeError(PROTOCOL, 'hpm.x identifier', 1, `0x${d[1].toString(16)} is not HPM.${hpm}`, 'ERR_GROUP');
    },
  };
}

export interface PicmgProperties {
  /** Byte 3: PICMG extension version, BCD: [3:0] major (2 = AdvancedTCA, 4 = AMC, 5 = MicroTCA), [7:4] minor. */
  extensionMajor: number;
  extensionMinor: number;
  /** Byte 4: the highest FRU device ID of the controller. */
  maxFruDeviceId: number;
  /** Byte 5: the FRU device ID of the controller itself (00h). */
  ipmcFruDeviceId: number;
}

export const GetPicmgProperties: IpmiCommand<void, PicmgProperties> = {
  name: 'Get PICMG Properties', netFn: NetFn.GROUP_EXTENSION, cmd: 0x00, privilege: Privilege.USER,
  ...probeRequest('Get PICMG Properties'),
  encodeResponse: (r) => Buffer.from([GroupExtension.PICMG, ((r.extensionMinor & 0x0f) << 4) | (r.extensionMajor & 0x0f), r.maxFruDeviceId, r.ipmcFruDeviceId]),
  decodeResponse(d) {
    responseLength(d, 4, 'Get PICMG Properties');
    expectPicmg(d, 'Get PICMG Properties response');
    return { extensionMajor: d[1] & 0x0f, extensionMinor: d[1] >> 4, maxFruDeviceId: d[2], ipmcFruDeviceId: d[3] };
  },
};

/** The LAN attach capabilities, in the order ipmitool's lib/ipmi_hpm2.c reads them. */
export interface LanAttachCapabilities {
  /** Byte 3: HPM.2 revision identifier (ipmitool accepts 02h only). */
  revision: number;
  /** Bytes 4:5: the LAN channels attached (channel n = bit n). */
  lanChannelMask: number;
  /** Byte 6: HPM.2 capabilities (SOL extension 01h, packet trace 02h, extended management 04h, version sensor 08h, dynamic sessions 10h). */
  capabilities: number;
  /** Bytes 7, 8: first OEM LAN configuration parameter of the HPM.2 set, and its revision. */
  lanParametersStart: number;
  lanParametersRevision: number;
  /** Bytes 9, 10: the same for SOL configuration parameters. */
  solParametersStart: number;
  solParametersRevision: number;
}

export const GetLanAttachCapabilities: IpmiCommand<void, LanAttachCapabilities> = {
  name: 'HPM.2 Get LAN Attach Capabilities', netFn: NetFn.GROUP_EXTENSION, cmd: 0x3e, privilege: Privilege.USER,
  ...probeRequest('HPM.2 Get LAN Attach Capabilities', HPM2),
  encodeResponse(r) {
    const out = Buffer.alloc(9);
    out[0] = GroupExtension.PICMG;
    out[1] = r.revision;
    out.writeUInt16LE(r.lanChannelMask, 2);
    out[4] = r.capabilities;
    out[5] = r.lanParametersStart;
    out[6] = r.lanParametersRevision;
    out[7] = r.solParametersStart;
    out[8] = r.solParametersRevision;
    return out;
  },
  decodeResponse(d) {
    responseLength(d, 9, 'HPM.2 Get LAN Attach Capabilities');
    expectPicmg(d, 'HPM.2 Get LAN Attach Capabilities response');
    return {
      revision: d[1], lanChannelMask: u16At(d, 2), capabilities: d[4],
      lanParametersStart: d[5], lanParametersRevision: d[6], solParametersStart: d[7], solParametersRevision: d[8],
    };
  },
};
