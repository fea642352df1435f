// What the BMC's LAN channel is configured with — IPMI 2.0 §23.1 Table 23-4 (LAN Configuration Parameters; the
// values' codes, IpAddressSource and SetInProgress, are in protocols/ipmi/commands/), plus the IPv4 text helpers and
// the default MACs the model and the handlers share (MAC text: protocols/ipmi/mac.ts).
import { SetInProgress } from '../../protocols/ipmi/commands/config-parameters.js';
import { formatIpv4, parseIpv4 } from '../../runtime/ipv4.js';

/**
 * Writing parameter 0 of LAN (Table 23-4), SOL (Table 26-5) or boot options (Table 28-14): the value to store,
 * 'reserved' for 11b, or 'locked' (CC 81h, §23.1, §26.2, §28.12) when "set in progress" is asked for in any state
 * but "set complete" (so also after a "commit write" until someone writes "set complete", as ipmitool always does).
 */
export function writeSetInProgress(current: number, requested: number): number | 'reserved' | 'locked' {
  const value = requested & 0x03;
  if (value === 0x03) return 'reserved';
  if (value === SetInProgress.IN_PROGRESS && current !== SetInProgress.COMPLETE) return 'locked';
  return value;
}

export interface LanConfig {
  /** 0: set in progress. */
  setInProgress: number;
  /** 2: auth type enables for callback, user, operator, admin, OEM (one bit mask each). */
  authTypeEnables: Buffer;
  /** 3: IP address. */
  ip: string;
  /** 4: IP address source, IpAddressSource. */
  ipSource: number;
  /** 5: MAC address, 6 bytes. */
  mac: Buffer;
  /** 6: subnet mask. */
  netmask: string;
  /** 7: IPv4 header parameters: TTL, flags, precedence/type of service. */
  ipHeader: Buffer;
  /** 10: BMC-generated ARP control: [1] ARP responses, [0] gratuitous ARP. */
  arpControl: number;
  /** 11: gratuitous ARP interval in 500 ms units. */
  gratuitousArpInterval: number;
  /** 12, 13: default gateway. */
  gatewayIp: string;
  gatewayMac: Buffer;
  /** 14, 15: backup gateway. */
  backupGatewayIp: string;
  backupGatewayMac: Buffer;
  /** 16: community string (up to 18 bytes). */
  community: string;
  /** 20: 802.1q VLAN. */
  vlanEnabled: boolean;
  vlanId: number;
  /** 21: VLAN priority [2:0]. */
  vlanPriority: number;
  /** 24: maximum privilege per cipher suite entry (the order of parameter 23), 16 entries. */
  cipherSuitePrivileges: number[];
  /** 26: bad password threshold: event flag, threshold, reset interval (2), lockout interval (2). */
  badPasswordThreshold: Buffer;
}

/** Dotted-quad text to the 4 bytes LAN parameters carry; throws RangeError on anything else. */
export function ipv4Bytes(text: string): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(parseIpv4(text));
  return b;
}

/** 4 bytes of a LAN parameter as dotted-quad text. */
export function ipv4Text(bytes: Uint8Array): string {
  return formatIpv4(Buffer.from(bytes.buffer, bytes.byteOffset, 4).readUInt32BE(0));
}

/** A peer address as 4 bytes for Get Session Info; IPv4-mapped IPv6 is unwrapped, anything else is 0.0.0.0. */
export function peerIpv4Bytes(address: string): Buffer {
  const text = address.startsWith('::ffff:') ? address.slice(7) : address;
  try {
    return ipv4Bytes(text);
  } catch {
    return Buffer.alloc(4);
  }
}

/** A locally administered unicast MAC (02:00:a:b:c:d) made from the BMC's IPv4 address: distinct per IP. */
export function macFromIp(ip: string): Buffer {
  return Buffer.concat([Buffer.from([0x02, 0x00]), ipv4Bytes(ip)]);
}

/** The gateway a /24 around `ip` would have: .1, or .254 when the BMC itself is .1. */
export function gatewayFor(ip: string): string {
  const b = ipv4Bytes(ip);
  b[3] = b[3] === 1 ? 254 : 1;
  return ipv4Text(b);
}

/** The gateway's MAC, also locally administered but in a range (02:fe:...) no BMC MAC uses. */
export function gatewayMacFor(gatewayIp: string): Buffer {
  return Buffer.concat([Buffer.from([0x02, 0xfe]), ipv4Bytes(gatewayIp)]);
}
