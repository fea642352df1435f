// Set/Get LAN Configuration Parameters (netFn Transport 0Ch, cmds 01h/02h) — IPMI 2.0 §23.1, §23.2: the layout of
// config-parameters.ts with the LAN parameter table, Table 23-4 (the parameters `ipmitool lan print` reads and
// `lan set` writes). Addresses are MS byte first, other multi-byte numbers LS byte first.
import { formatMac, parseMac } from '../mac.js';
import { NetFn } from '../message.js';
import { Privilege } from '../users.js';
import { fixedText, padField, u16At } from './command-data.js';
import { getParametersCommand, parameterTable, setParametersCommand, type ParameterLengths } from './config-parameters.js';

/** Parameter selectors, Table 23-4. */
export const LanParameter = {
  SET_IN_PROGRESS: 0,
  AUTH_TYPE_SUPPORT: 1,
  AUTH_TYPE_ENABLES: 2,
  IP_ADDRESS: 3,
  IP_ADDRESS_SOURCE: 4,
  MAC_ADDRESS: 5,
  SUBNET_MASK: 6,
  IPV4_HEADER: 7,
  ARP_CONTROL: 10,
  GRATUITOUS_ARP_INTERVAL: 11,
  DEFAULT_GATEWAY: 12,
  DEFAULT_GATEWAY_MAC: 13,
  BACKUP_GATEWAY: 14,
  BACKUP_GATEWAY_MAC: 15,
  COMMUNITY_STRING: 16,
  VLAN_ID: 20,
  VLAN_PRIORITY: 21,
  CIPHER_SUITE_ENTRY_SUPPORT: 22,
  CIPHER_SUITE_ENTRIES: 23,
  CIPHER_SUITE_PRIVILEGES: 24,
  BAD_PASSWORD_THRESHOLD: 26,
} as const;

/** Parameter 4 [3:0]. */
export const IpAddressSource = { UNSPECIFIED: 0, STATIC: 1, DHCP: 2, BIOS: 3, OTHER: 4 } as const;

export const COMMUNITY_BYTES = 18;
/** Parameters 23 and 24 hold up to 16 cipher suite entries. */
export const CIPHER_SUITE_ENTRIES = 16;

/** The value of one parameter, in Table 23-4 field order. Masks are whole bytes: bit n set = v1.5 auth type n. */
export type LanParameterValue =
  | { parameter: 0; setInProgress: number } // [1:0], SetInProgress
  | { parameter: 1; authTypes: number }
  | { parameter: 2; callback: number; user: number; operator: number; administrator: number; oem: number }
  | { parameter: 3 | 6 | 12 | 14; address: string } // dotted quad
  | { parameter: 4; source: number } // IpAddressSource
  | { parameter: 5 | 13 | 15; mac: string } // aa:bb:cc:dd:ee:ff
  | { parameter: 7; ttl: number; flags: number; precedence: number; typeOfService: number }
  | { parameter: 10; arpResponses: boolean; gratuitousArps: boolean }
  | { parameter: 11; gratuitousArpInterval: number } // 500 ms units
  | { parameter: 16; community: string }
  | { parameter: 20; vlanEnabled: boolean; vlanId: number }
  | { parameter: 21; vlanPriority: number }
  | { parameter: 22; cipherSuiteEntries: number }
  | { parameter: 23; cipherSuites: number[] }
  | { parameter: 24; privileges: number[] } // maximum privilege per cipher suite entry, in parameter 23's order
  | { parameter: 26; generateEvent: boolean; threshold: number; resetInterval: number; lockoutInterval: number }; // 10 s units

/** Data bytes of each parameter. */
const LENGTHS: ParameterLengths = {
  0: 1, 1: 1, 2: 5, 3: 4, 4: 1, 5: 6, 6: 4, 7: 3, 10: 1, 11: 1, 12: 4, 13: 6, 14: 4, 15: 6, 16: 18, 20: 2, 21: 1, 22: 1,
  23: [1, 1 + CIPHER_SUITE_ENTRIES], 24: 9, 26: 6,
};

function ipv4(data: Uint8Array): string {
  return `${data[0]}.${data[1]}.${data[2]}.${data[3]}`;
}

function ipv4Bytes(text: string): Buffer {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw new RangeError(`not an IPv4 address: ${text}`);
  return Buffer.from(parts.map(Number));
}

/** `d` has the parameter's length (parameterTable checks it). */
function decodeLanParameter(parameter: number, d: Uint8Array): LanParameterValue {
  switch (parameter) {
    case 0: return { parameter, setInProgress: d[0] & 0x03 };
    case 1: return { parameter, authTypes: d[0] };
    case 2: return { parameter, callback: d[0], user: d[1], operator: d[2], administrator: d[3], oem: d[4] };
    case 3: case 6: case 12: case 14: return { parameter, address: ipv4(d) };
    case 4: return { parameter, source: d[0] & 0x0f };
    case 5: case 13: case 15: return { parameter, mac: formatMac(d) };
    case 7: return { parameter, ttl: d[0], flags: d[1] >> 5, precedence: d[2] >> 5, typeOfService: (d[2] >> 1) & 0x0f };
    case 10: return { parameter, arpResponses: (d[0] & 0x02) !== 0, gratuitousArps: (d[0] & 0x01) !== 0 };
    case 11: return { parameter, gratuitousArpInterval: d[0] };
    case 16: return { parameter, community: fixedText(d) };
    case 20: return { parameter, vlanEnabled: (d[1] & 0x80) !== 0, vlanId: d[0] | ((d[1] & 0x0f) << 8) }; // [7] enable, [3:0] ID [11:8]
    case 21: return { parameter, vlanPriority: d[0] & 0x07 };
    case 22: return { parameter, cipherSuiteEntries: d[0] & 0x1f };
    case 23: return { parameter, cipherSuites: [...d.subarray(1)] }; // byte 1 reserved
    case 24: { // byte 1 reserved; then entry 2n in [3:0], entry 2n+1 in [7:4]
      const privileges: number[] = [];
      for (let i = 0; i < CIPHER_SUITE_ENTRIES; i++) privileges.push((d[1 + (i >> 1)] >> ((i & 1) * 4)) & 0x0f);
      return { parameter, privileges };
    }
    default: return { parameter: 26, generateEvent: (d[0] & 0x01) !== 0, threshold: d[1], resetInterval: u16At(d, 2), lockoutInterval: u16At(d, 4) };
  }
}

function encodeLanParameter(v: LanParameterValue): Uint8Array {
  switch (v.parameter) {
    case 0: return Buffer.from([v.setInProgress & 0x03]);
    case 1: return Buffer.from([v.authTypes]);
    case 2: return Buffer.from([v.callback, v.user, v.operator, v.administrator, v.oem]);
    case 3: case 6: case 12: case 14: return ipv4Bytes(v.address);
    case 4: return Buffer.from([v.source & 0x0f]);
    case 5: case 13: case 15: return parseMac(v.mac);
    case 7: return Buffer.from([v.ttl, (v.flags & 0x07) << 5, ((v.precedence & 0x07) << 5) | ((v.typeOfService & 0x0f) << 1)]);
    case 10: return Buffer.from([(v.arpResponses ? 0x02 : 0) | (v.gratuitousArps ? 0x01 : 0)]);
    case 11: return Buffer.from([v.gratuitousArpInterval]);
    case 16: return padField(Buffer.from(v.community, 'latin1'), COMMUNITY_BYTES, 'community string');
    case 20: return Buffer.from([v.vlanId & 0xff, (v.vlanEnabled ? 0x80 : 0) | ((v.vlanId >> 8) & 0x0f)]);
    case 21: return Buffer.from([v.vlanPriority & 0x07]);
    case 22: return Buffer.from([v.cipherSuiteEntries & 0x1f]);
    case 23: {
      if (v.cipherSuites.length > CIPHER_SUITE_ENTRIES) throw new RangeError(`at most ${CIPHER_SUITE_ENTRIES} cipher suite entries`);
      return Buffer.from([0x00, ...v.cipherSuites]);
    }
    case 24: {
      const out = Buffer.alloc(1 + CIPHER_SUITE_ENTRIES / 2);
      for (let i = 0; i < CIPHER_SUITE_ENTRIES; i++) out[1 + (i >> 1)] |= ((v.privileges[i] ?? 0) & 0x0f) << ((i & 1) * 4);
      return out;
    }
    case 26: {
      const out = Buffer.alloc(6);
      out[0] = v.generateEvent ? 0x01 : 0x00;
      out[1] = v.threshold;
      out.writeUInt16LE(v.resetInterval, 2);
      out.writeUInt16LE(v.lockoutInterval, 4);
      return out;
    }
  }
}

export const LanParameters = parameterTable('LAN', LENGTHS, decodeLanParameter, encodeLanParameter);

export const SetLanConfigurationParameters = setParametersCommand({
  name: 'Set LAN Configuration Parameters', netFn: NetFn.TRANSPORT, cmd: 0x01, privilege: Privilege.ADMINISTRATOR,
});

export const GetLanConfigurationParameters = getParametersCommand({
  name: 'Get LAN Configuration Parameters', netFn: NetFn.TRANSPORT, cmd: 0x02, privilege: Privilege.OPERATOR,
}, LanParameters);
