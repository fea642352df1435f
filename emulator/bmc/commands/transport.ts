// Transport commands (netFn 0Ch) — IPMI 2.0 §23.1 Set LAN Configuration Parameters, §23.2 Get LAN
// Configuration Parameters; parameter layouts from Table 23-4. Values live in the model's LanConfig.
import { requireBytes } from '../../../protocols/errors.js';
import { SUPPORTED_V15_AUTH_TYPES } from '../../../protocols/ipmi/auth-v15.js';
import { CompletionCode, ConfigParameterCC } from '../../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../../protocols/ipmi/message.js';
import { Privilege } from '../../../protocols/ipmi/users.js';
import { IpSource, ipv4Bytes, ipv4Text, writeSetInProgress } from '../lan-config.js';
import type { BmcModel } from '../model.js';
import { expectLength, fail, ok, paddedText, unpaddedText } from './request-data.js';
import type { CommandSpec } from './types.js';

export const TransportCommand = { SET_LAN_CONFIG: 0x01, GET_LAN_CONFIG: 0x02 } as const;

/** Set/Get LAN Configuration Parameters completion codes (§23.1, §23.2). */
export const LanConfigCC = ConfigParameterCC;

/** Parameter revision: present revision 1, oldest compatible revision 1. */
const PARAMETER_REVISION = 0x11;
const COMMUNITY_BYTES = 18;
const CIPHER_SUITE_ENTRIES = 16;
const MAX_VLAN_ID = 4094;

/** Returned by a setter: true = stored, or the completion code to answer with. */
type SetOutcome = true | number;

interface LanParameter {
  get(model: BmcModel): Buffer;
  /** Absent for read-only parameters. */
  set?: { length: number; apply(model: BmcModel, data: Uint8Array): SetOutcome };
}

function bitMask(types: readonly number[]): number {
  return types.reduce((mask, t) => mask | (1 << t), 0);
}

const SUPPORTED_AUTH_MASK = bitMask(SUPPORTED_V15_AUTH_TYPES);

function ipParameter(read: (m: BmcModel) => string, write: (m: BmcModel, ip: string) => void): LanParameter {
  return { get: (m) => ipv4Bytes(read(m)), set: { length: 4, apply: (m, d) => { write(m, ipv4Text(d)); return true; } } };
}

function macParameter(read: (m: BmcModel) => Buffer, write: (m: BmcModel, mac: Buffer) => void): LanParameter {
  return { get: (m) => Buffer.from(read(m)), set: { length: 6, apply: (m, d) => { write(m, Buffer.from(d)); return true; } } };
}

function byteParameter(read: (m: BmcModel) => number, write: (m: BmcModel, v: number) => SetOutcome): LanParameter {
  return { get: (m) => Buffer.from([read(m)]), set: { length: 1, apply: (m, d) => write(m, d[0]) } };
}

function bytesParameter(read: (m: BmcModel) => Buffer, length: number): LanParameter {
  return { get: (m) => Buffer.from(read(m)), set: { length, apply: (m, d) => { read(m).set(d); return true; } } };
}

/** Table 23-4, by parameter number: what `ipmitool lan print` reads, and what `lan set` writes. */
const PARAMETERS: Record<number, LanParameter> = {
  0: byteParameter((m) => m.lan.setInProgress, (m, v) => {
    const next = writeSetInProgress(m.lan.setInProgress, v);
    if (next === 'reserved') return CompletionCode.INVALID_DATA_FIELD;
    if (next === 'locked') return LanConfigCC.SET_IN_PROGRESS_ACTIVE;
    m.lan.setInProgress = next;
    return true;
  }),
  1: { get: () => Buffer.from([SUPPORTED_AUTH_MASK]) }, // authentication type support
  2: { // authentication type enables: callback, user, operator, admin, OEM
    get: (m) => Buffer.from(m.lan.authTypeEnables),
    set: {
      length: 5,
      apply: (m, d) => {
        if (d.some((b) => (b & ~SUPPORTED_AUTH_MASK) !== 0)) return CompletionCode.INVALID_DATA_FIELD;
        m.lan.authTypeEnables.set(d);
        const union = d[0] | d[1] | d[2] | d[3];
        m.v15AuthTypes = SUPPORTED_V15_AUTH_TYPES.filter((t) => union & (1 << t));
        return true;
      },
    },
  },
  3: ipParameter((m) => m.lan.ip, (m, ip) => { m.lan.ip = ip; }),
  4: byteParameter((m) => m.lan.ipSource, (m, v) => {
    if ((v & 0x0f) > IpSource.OTHER) return CompletionCode.INVALID_DATA_FIELD;
    m.lan.ipSource = v & 0x0f;
    return true;
  }),
  5: macParameter((m) => m.lan.mac, (m, mac) => { m.lan.mac = mac; }),
  6: ipParameter((m) => m.lan.netmask, (m, ip) => { m.lan.netmask = ip; }),
  7: bytesParameter((m) => m.lan.ipHeader, 3), // TTL, flags, precedence/TOS
  10: byteParameter((m) => m.lan.arpControl, (m, v) => { m.lan.arpControl = v & 0x03; return true; }),
  11: byteParameter((m) => m.lan.gratuitousArpInterval, (m, v) => { m.lan.gratuitousArpInterval = v; return true; }),
  12: ipParameter((m) => m.lan.gatewayIp, (m, ip) => { m.lan.gatewayIp = ip; }),
  13: macParameter((m) => m.lan.gatewayMac, (m, mac) => { m.lan.gatewayMac = mac; }),
  14: ipParameter((m) => m.lan.backupGatewayIp, (m, ip) => { m.lan.backupGatewayIp = ip; }),
  15: macParameter((m) => m.lan.backupGatewayMac, (m, mac) => { m.lan.backupGatewayMac = mac; }),
  16: { // community string, 18 bytes NUL padded
    get: (m) => paddedText(m.lan.community, COMMUNITY_BYTES),
    set: { length: COMMUNITY_BYTES, apply: (m, d) => { m.lan.community = unpaddedText(d); return true; } },
  },
  20: { // 802.1q VLAN ID: ID [7:0]; [7] enable, [3:0] ID [11:8]
    get: (m) => Buffer.from([m.lan.vlanId & 0xff, (m.lan.vlanEnabled ? 0x80 : 0) | ((m.lan.vlanId >> 8) & 0x0f)]),
    set: {
      length: 2,
      apply: (m, d) => {
        const id = d[0] | ((d[1] & 0x0f) << 8);
        const enabled = (d[1] & 0x80) !== 0;
        if (enabled && (id === 0 || id > MAX_VLAN_ID)) return CompletionCode.INVALID_DATA_FIELD;
        m.lan.vlanEnabled = enabled;
        m.lan.vlanId = id;
        return true;
      },
    },
  },
  21: byteParameter((m) => m.lan.vlanPriority, (m, v) => { m.lan.vlanPriority = v & 0x07; return true; }),
  22: { get: (m) => Buffer.from([Math.min(m.cipherSuites.length, CIPHER_SUITE_ENTRIES)]) }, // cipher suite entry count
  23: { get: (m) => Buffer.from([0x00, ...m.cipherSuites.slice(0, CIPHER_SUITE_ENTRIES)]) }, // reserved, suite IDs
  24: { // reserved, then a max privilege nibble per cipher suite entry: entry 2n in [3:0], 2n+1 in [7:4]
    get: (m) => {
      const out = Buffer.alloc(9);
      for (let i = 0; i < CIPHER_SUITE_ENTRIES; i++) out[1 + (i >> 1)] |= (m.lan.cipherSuitePrivileges[i] & 0x0f) << ((i & 1) * 4);
      return out;
    },
    set: {
      length: 9,
      apply: (m, d) => {
        for (let i = 0; i < CIPHER_SUITE_ENTRIES; i++) m.lan.cipherSuitePrivileges[i] = (d[1 + (i >> 1)] >> ((i & 1) * 4)) & 0x0f;
        return true;
      },
    },
  },
  26: bytesParameter((m) => m.lan.badPasswordThreshold, 6), // event flag, threshold, reset and lockout intervals
};

export function transportCommands(model: BmcModel): CommandSpec[] {
  const N = NetFn.TRANSPORT;
  return [
    {
      // request: [7] revision only + channel, parameter, set selector, block selector; response: revision, data
      netFn: N, cmd: TransportCommand.GET_LAN_CONFIG, name: 'Get LAN Configuration Parameters', privilege: Privilege.OPERATOR,
      handle: (req) => {
        expectLength(req.data, 4, 4, 'get lan configuration parameters');
        if (model.resolveChannel(req.data[0]) === null) return fail(CompletionCode.INVALID_DATA_FIELD);
        const parameter = PARAMETERS[req.data[1]];
        if (!parameter) return fail(LanConfigCC.PARAMETER_NOT_SUPPORTED);
        if (req.data[0] & 0x80) return ok(Buffer.from([PARAMETER_REVISION]));
        return ok(Buffer.concat([Buffer.from([PARAMETER_REVISION]), parameter.get(model)]));
      },
    },
    {
      // request: channel, parameter, data
      netFn: N, cmd: TransportCommand.SET_LAN_CONFIG, name: 'Set LAN Configuration Parameters', privilege: Privilege.ADMINISTRATOR,
      handle: (req, ctx) => {
        requireBytes(req.data, 0, 3, 'ipmi', 'set lan configuration parameters');
        if (model.resolveChannel(req.data[0]) === null) return fail(CompletionCode.INVALID_DATA_FIELD);
        const number = req.data[1];
        const parameter = PARAMETERS[number];
        if (!parameter) return fail(LanConfigCC.PARAMETER_NOT_SUPPORTED);
        if (!parameter.set) return fail(LanConfigCC.READ_ONLY);
        const data = req.data.subarray(2);
        expectLength(data, parameter.set.length, parameter.set.length, `lan parameter ${number}`);
        const outcome = parameter.set.apply(model, data);
        if (outcome !== true) return fail(outcome);
        model.emit({ kind: 'lan', parameter: number }, ctx.now);
        return ok();
      },
    },
  ];
}
