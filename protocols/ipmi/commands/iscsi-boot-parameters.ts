// bmcfleet's iSCSI boot parameters: System Boot Options OEM parameters (IPMI 2.0 §28.12/§28.13, Table 28-14:
// "96-127 OEM parameters"), the byte layout of README "bmcfleet OEM boot parameters: iSCSI boot". Three groups of four numbers from 100,
// each with room to grow; 96-99 stay free for other OEM uses, and every number not below answers 80h (parameter
// not supported). Strings span 16-byte blocks picked by the set selector, as parameter 7's mailbox does; numbers
// and addresses follow the LAN configuration parameters' habits (§23.2, Table 23-4: IP addresses MS byte first,
// port numbers LS byte first).
//
//   100 initiator IQN           data 1 block (0-15), data 2-17 the block's bytes   (string, NUL-terminated)
//   101 initiator IP config     data 1-4 address, 5-8 netmask, 9-12 gateway
//   102 iSNS server             data 1-4 address, data 5-6 TCP port (LS byte first); all zero: none
//   104 target IQN              as 100
//   105 target portal           data 1-4 address, data 5-6 TCP port (LS byte first)
//   106 target LUN              data 1-8 the SCSI LUN field as iSCSI carries it (SAM-5 §4.7, single level)
//   108 CHAP name               as 100
//   109 CHAP secret             as 100 for Set; Get answers data 1 (the block) and no bytes: it is write-only
import { DecodeError } from '../../errors.js';
import { formatIpv4, parseIpv4 } from '../../ipv4.js';
import { PROTOCOL, dataLength, putLe, responseLength, u16At } from './command-data.js';

export const IscsiBootParam = {
  INITIATOR_NAME: 100, INITIATOR_ADDRESS: 101, ISNS_SERVER: 102, TARGET_NAME: 104, TARGET_PORTAL: 105, TARGET_LUN: 106, CHAP_NAME: 108, CHAP_SECRET: 109,
} as const;

/** Bytes of a string parameter per block, and blocks per string: at most 255 bytes (an IQN is at most 223, RFC 3720 §3.2.6.1). */
export const ISCSI_STRING_BLOCK_BYTES = 16;
export const ISCSI_STRING_BLOCKS = 16;
export const ISCSI_STRING_MAX_BYTES = ISCSI_STRING_BLOCK_BYTES * ISCSI_STRING_BLOCKS - 1;

/** The typed value of each string parameter: one block, as Set sends it and Get answers it. */
interface StringBlock<K extends string> { kind: K; block: number; data: Uint8Array }

export type IscsiStringKind = 'iscsi-initiator-name' | 'iscsi-target-name' | 'iscsi-chap-name' | 'iscsi-chap-secret';

export type IscsiBootParameter =
  | StringBlock<'iscsi-initiator-name'> | StringBlock<'iscsi-target-name'> | StringBlock<'iscsi-chap-name'> | StringBlock<'iscsi-chap-secret'>
  | { kind: 'iscsi-initiator-address'; address: string; netmask: string; gateway: string }
  | { kind: 'iscsi-isns-server'; address: string; port: number }
  | { kind: 'iscsi-target-portal'; address: string; port: number }
  | { kind: 'iscsi-target-lun'; lun: number };

export const ISCSI_STRING_PARAMS: Record<IscsiStringKind, number> = {
  'iscsi-initiator-name': IscsiBootParam.INITIATOR_NAME, 'iscsi-target-name': IscsiBootParam.TARGET_NAME,
  'iscsi-chap-name': IscsiBootParam.CHAP_NAME, 'iscsi-chap-secret': IscsiBootParam.CHAP_SECRET,
};

/** Data bytes of the fixed-size parameters. */
export const ISCSI_FIXED_LENGTH = {
  [IscsiBootParam.INITIATOR_ADDRESS]: 12, [IscsiBootParam.ISNS_SERVER]: 6, [IscsiBootParam.TARGET_PORTAL]: 6, [IscsiBootParam.TARGET_LUN]: 8,
} as const;

export function encodeStringBlock(p: { block: number; data: Uint8Array }): Uint8Array {
  if (p.data.length > ISCSI_STRING_BLOCK_BYTES) throw new RangeError(`a block is at most ${ISCSI_STRING_BLOCK_BYTES} bytes, got ${p.data.length}`);
  const out = new Uint8Array(1 + p.data.length);
  out[0] = p.block;
  out.set(p.data, 1);
  return out;
}

/** A string block's data: a Set sends 1-17 bytes; a Get answer has at least the block (the secret's has nothing more). */
export function decodeStringBlock<K extends IscsiStringKind>(kind: K, d: Uint8Array, from: 'request' | 'response'): StringBlock<K> {
  const field = `boot option parameter ${ISCSI_STRING_PARAMS[kind]}`;
  if (from === 'request') dataLength(d, 1, 1 + ISCSI_STRING_BLOCK_BYTES, field);
  else responseLength(d, 1, field);
  return { kind, block: d[0], data: d.subarray(1, 1 + ISCSI_STRING_BLOCK_BYTES) };
}

const ipBytes = (ip: string) => {
  const n = parseIpv4(ip);
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
};
const ipAt = (d: Uint8Array, at: number) => formatIpv4(((d[at] << 24) | (d[at + 1] << 16) | (d[at + 2] << 8) | d[at + 3]) >>> 0);

export function encodeInitiatorAddress(p: { address: string; netmask: string; gateway: string }): Uint8Array {
  return Uint8Array.from([...ipBytes(p.address), ...ipBytes(p.netmask), ...ipBytes(p.gateway)]);
}

export function decodeInitiatorAddress(d: Uint8Array): Extract<IscsiBootParameter, { kind: 'iscsi-initiator-address' }> {
  return { kind: 'iscsi-initiator-address', address: ipAt(d, 0), netmask: ipAt(d, 4), gateway: ipAt(d, 8) };
}

export function encodeTargetPortal(p: { address: string; port: number }): Uint8Array {
  const out = new Uint8Array(6);
  out.set(ipBytes(p.address));
  putLe(out, 4, p.port, 2);
  return out;
}

export function decodeTargetPortal(d: Uint8Array): Extract<IscsiBootParameter, { kind: 'iscsi-target-portal' }> {
  return { kind: 'iscsi-target-portal', address: ipAt(d, 0), port: u16At(d, 4) };
}

/** 102 has the portal's layout (encodeTargetPortal writes it); six zero bytes say "no iSNS server". */
export function decodeIsnsServer(d: Uint8Array): Extract<IscsiBootParameter, { kind: 'iscsi-isns-server' }> {
  return { ...decodeTargetPortal(d), kind: 'iscsi-isns-server' };
}

/** The iSNS server 102 names, or null for all zeros (address 0.0.0.0 and port 0). */
export function isnsServerOf(p: { address: string; port: number }): { address: string; port: number } | null {
  return p.address === '0.0.0.0' && p.port === 0 ? null : { address: p.address, port: p.port };
}

/** The largest LUN one level of SAM addressing holds (flat space addressing, 14 bits). */
export const MAX_SINGLE_LEVEL_LUN = 0x3fff;

/** SAM-5 §4.7: LUNs below 256 in peripheral device addressing (00b), the others in flat space addressing (01b). */
export function encodeTargetLun(p: { lun: number }): Uint8Array {
  if (!Number.isInteger(p.lun) || p.lun < 0 || p.lun > MAX_SINGLE_LEVEL_LUN) throw new RangeError(`LUN ${p.lun} is not 0-${MAX_SINGLE_LEVEL_LUN}`);
  const out = new Uint8Array(8);
  out[0] = p.lun < 256 ? 0x00 : 0x40 | (p.lun >> 8);
  out[1] = p.lun & 0xff;
  return out;
}

/** The first level of an 8-byte LUN; other addressing methods than peripheral and flat are ERR_RANGE. */
export function decodeTargetLun(d: Uint8Array): Extract<IscsiBootParameter, { kind: 'iscsi-target-lun' }> {
  const method = d[0] >> 6;
  if (method === 0) return { kind: 'iscsi-target-lun', lun: d[1] }; // bus identifier d[0] [5:0] is 0 for one level
  if (method === 1) return { kind: 'iscsi-target-lun', lun: ((d[0] & 0x3f) << 8) | d[1] };
  throw new DecodeError(PROTOCOL, `boot option parameter ${IscsiBootParam.TARGET_LUN}`, 0, `LUN addressing method ${method} is not single level`, 'ERR_RANGE');
}

// ---------------------------------------------------------------- whole strings over blocks

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A string's blocks as Set writes them: its UTF-8 bytes and a terminating NUL, cut in 16-byte blocks. */
export function stringBlocks(value: string): { block: number; data: Uint8Array }[] {
  const bytes = encoder.encode(value);
  if (bytes.includes(0)) throw new RangeError('a boot parameter string cannot hold NUL');
  if (bytes.length > ISCSI_STRING_MAX_BYTES) throw new RangeError(`a boot parameter string is at most ${ISCSI_STRING_MAX_BYTES} bytes, got ${bytes.length}`);
  const padded = new Uint8Array(Math.ceil((bytes.length + 1) / ISCSI_STRING_BLOCK_BYTES) * ISCSI_STRING_BLOCK_BYTES);
  padded.set(bytes);
  const out: { block: number; data: Uint8Array }[] = [];
  for (let b = 0; b * ISCSI_STRING_BLOCK_BYTES < padded.length; b++) {
    out.push({ block: b, data: padded.subarray(b * ISCSI_STRING_BLOCK_BYTES, (b + 1) * ISCSI_STRING_BLOCK_BYTES) });
  }
  return out;
}

/**
 * Gathers a string from the blocks a reader gets in order (0, 1, ...): `add` answers whether another block is
 * needed. The string ends at its first NUL, at a block shorter than 16 bytes (the write-only secret's), or after
 * block 15.
 */
export class StringAssembler {
  private readonly parts: Uint8Array[] = [];
  private done = false;

  add(data: Uint8Array): boolean {
    if (this.done) return false;
    const nul = data.indexOf(0);
    this.parts.push(nul < 0 ? data : data.subarray(0, nul));
    this.done = nul >= 0 || data.length < ISCSI_STRING_BLOCK_BYTES || this.parts.length === ISCSI_STRING_BLOCKS;
    return !this.done;
  }

  get value(): string {
    return decoder.decode(Buffer.concat(this.parts));
  }
}

// ---------------------------------------------------------------- a whole configuration

/** Everything a host needs to boot from an iSCSI target. Strings are at most 255 UTF-8 bytes, without NUL. */
export interface IscsiBootConfig {
  initiatorName: string;
  initiator: { address: string; netmask: string; gateway: string };
  /** Parameter 102: the iSNS server the host asks before it logs in; null or left out: none (readers leave it out then). */
  isns?: { address: string; port: number } | null;
  targetName: string;
  portal: { address: string; port: number };
  lun: number;
  /** "" for no CHAP */
  chapName: string;
  chapSecret: string;
}

/** What the host's firmware reads to boot from iSCSI (all of it, the secret included); lun null: not single level. */
export type IscsiBootSettings = Omit<IscsiBootConfig, 'lun'> & { lun: number | null };

/** The parameters a Set System Boot Options writes for `c`, in order (strings block by block). RangeError for a bad value. */
export function iscsiBootWrites(c: IscsiBootConfig): IscsiBootParameter[] {
  const text = <K extends IscsiStringKind>(kind: K, value: string) => stringBlocks(value).map((b) => ({ kind, ...b }) as StringBlock<K>);
  return [
    ...text('iscsi-initiator-name', c.initiatorName),
    { kind: 'iscsi-initiator-address', ...c.initiator },
    { kind: 'iscsi-isns-server', ...(c.isns ?? { address: '0.0.0.0', port: 0 }) },
    ...text('iscsi-target-name', c.targetName),
    { kind: 'iscsi-target-portal', ...c.portal },
    { kind: 'iscsi-target-lun', lun: c.lun },
    ...text('iscsi-chap-name', c.chapName),
    ...text('iscsi-chap-secret', c.chapSecret),
  ];
}
