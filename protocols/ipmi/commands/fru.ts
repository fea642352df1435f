// FRU inventory commands (netFn Storage 0Ah) — IPMI 2.0 §34.1 Get FRU Inventory Area Info (10h), §34.2 Read FRU Data
// (11h). What the bytes hold (common header, chassis, board and product areas): protocols/ipmi/fru-format.ts.
// Privileges per Appendix G.
import { NetFn } from '../message.js';
import { Privilege } from '../users.js';
import type { IpmiCommand } from './command.js';
import { requestLength, responseLength, u16At } from './command-data.js';

export interface FruAreaInfo {
  /** Bytes 2:3: inventory area size in bytes. */
  size: number;
  /** Byte 4 [0]: the device is read in words (16 bits), not bytes; offsets and counts are then in words. */
  accessByWords: boolean;
}

/** Request: FRU device ID (FFh reserved). */
export const GetFruInventoryAreaInfo: IpmiCommand<number, FruAreaInfo> = {
  name: 'Get FRU Inventory Area Info', netFn: NetFn.STORAGE, cmd: 0x10, privilege: Privilege.USER,
  encodeRequest: (fruId) => Buffer.from([fruId]),
  decodeRequest(d) {
    requestLength(d, 1, 1, 'Get FRU Inventory Area Info');
    return d[0];
  },
  encodeResponse(r) {
    const out = Buffer.alloc(3);
    out.writeUInt16LE(r.size, 0);
    out[2] = r.accessByWords ? 0x01 : 0x00;
    return out;
  },
  decodeResponse(d) {
    responseLength(d, 3, 'Get FRU Inventory Area Info');
    return { size: u16At(d, 0), accessByWords: (d[2] & 0x01) !== 0 };
  },
};

export interface ReadFruDataRequest {
  /** Byte 1. */
  fruId: number;
  /** Bytes 2:3: offset into the inventory area. */
  offset: number;
  /** Byte 4: bytes to read. */
  count: number;
}

export interface ReadFruDataResponse {
  /** Byte 2 is the count returned; bytes 3:N the data (a view into the response, not a copy). */
  data: Uint8Array;
}

export const ReadFruData: IpmiCommand<ReadFruDataRequest, ReadFruDataResponse> = {
  name: 'Read FRU Data', netFn: NetFn.STORAGE, cmd: 0x11, privilege: Privilege.USER,
  encodeRequest(r) {
    const out = Buffer.alloc(4);
    out[0] = r.fruId;
    out.writeUInt16LE(r.offset, 1);
    out[3] = r.count;
    return out;
  },
  decodeRequest(d) {
    requestLength(d, 4, 4, 'Read FRU Data');
    return { fruId: d[0], offset: u16At(d, 1), count: d[3] };
  },
  encodeResponse(r) {
    const out = Buffer.alloc(1 + r.data.length);
    out.writeUInt8(r.data.length, 0); // a RangeError past 255 bytes
    out.set(r.data, 1);
    return out;
  },
  decodeResponse(d) {
    responseLength(d, 1, 'Read FRU Data');
    responseLength(d, 1 + d[0], 'Read FRU Data');
    return { data: d.subarray(1, 1 + d[0]) };
  },
};
