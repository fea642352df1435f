// SDR repository commands (netFn Storage 0Ah) — IPMI 2.0 §33.9 Get SDR Repository Info (20h, response Table 33-3),
// §33.11 Reserve SDR Repository (22h), §33.12 Get SDR (23h). The records themselves: protocols/ipmi/sdr-records.ts.
// Privileges per Appendix G.
import { NetFn } from '../message.js';
import { Privilege } from '../users.js';
import type { IpmiCommand } from './command.js';
import {
  decodeOperations, encodeOperations, recordReadCommand, reserveCommand, type RepositoryOperations,
} from './record-read.js';
import { noRequestData, responseLength, u16At, u32At } from './command-data.js';

/** Table 33-3 byte 15 [6:5]: the update modes the repository supports. */
export const SdrUpdateModes = { UNSPECIFIED: 0, NON_MODAL: 1, MODAL: 2, BOTH: 3 } as const;

export interface SdrRepositoryInfo extends RepositoryOperations {
  /** Byte 2: SDR version, 51h for IPMI 2.0 records. */
  version: number;
  /** Bytes 3:4. */
  recordCount: number;
  /** Bytes 5:6: free space in bytes (FFFFh unspecified). */
  freeSpace: number;
  /** Bytes 7:10, 11:14: seconds on the SEL clock. */
  lastAddition: number;
  lastErase: number;
  /** Byte 15 [6:5]: SdrUpdateModes. */
  updateModes: number;
}

const INFO_LENGTH = 14;

export const GetSdrRepositoryInfo: IpmiCommand<void, SdrRepositoryInfo> = {
  name: 'Get SDR Repository Info', netFn: NetFn.STORAGE, cmd: 0x20, privilege: Privilege.USER,
  ...noRequestData('Get SDR Repository Info'),
  encodeResponse(r) {
    const out = Buffer.alloc(INFO_LENGTH);
    out[0] = r.version;
    out.writeUInt16LE(r.recordCount, 1);
    out.writeUInt16LE(r.freeSpace, 3);
    out.writeUInt32LE(r.lastAddition, 5);
    out.writeUInt32LE(r.lastErase, 9);
    out[13] = encodeOperations(r) | ((r.updateModes & 0x03) << 5);
    return out;
  },
  decodeResponse(d) {
    responseLength(d, INFO_LENGTH, 'Get SDR Repository Info');
    return {
      version: d[0], recordCount: u16At(d, 1), freeSpace: u16At(d, 3), lastAddition: u32At(d, 5), lastErase: u32At(d, 9),
      updateModes: (d[13] >> 5) & 0x03, ...decodeOperations(d[13]),
    };
  },
};

export const ReserveSdrRepository = reserveCommand('Reserve SDR Repository', NetFn.STORAGE, 0x22, Privilege.USER);

/** A part of one record: the 5-byte header (§43.1) first, then the body from offset 5 in chunks. */
export const GetSdr = recordReadCommand('Get SDR', NetFn.STORAGE, 0x23, Privilege.USER);
