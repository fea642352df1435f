// The layouts the SDR repository and the SEL share — IPMI 2.0 §33.11 Reserve SDR Repository / §31.4 Reserve SEL
// (response: reservation ID), §33.12 Get SDR / §31.5 Get SEL Entry (part of one record, with the next record's ID),
// and the operation support byte of §33.9 Get SDR Repository Info (Table 33-3) / §31.2 Get SEL Info (Table 31-2).
import type { IpmiCommand } from './command.js';
import { noRequestData, requestLength, responseLength, u16At, u16Bytes } from './command-data.js';

/** Record ID 0000h asks for the first record, FFFFh for the last; FFFFh as the next record ID means "no more". */
export const FIRST_RECORD = 0x0000;
export const LAST_RECORD = 0xffff;
/** Bytes to read FFh: the entire record. */
export const ENTIRE_RECORD = 0xff;

export interface RecordReadRequest {
  /** Bytes 1:2: the reservation; 0000h only when reading from offset 0. */
  reservationId: number;
  /** Bytes 3:4. */
  recordId: number;
  /** Byte 5: offset into the record. */
  offset: number;
  /** Byte 6: bytes to read, ENTIRE_RECORD for all. */
  count: number;
}

export interface RecordReadResponse {
  /** Bytes 2:3 (after the completion code): the ID of the record after this one, LAST_RECORD after the last. */
  nextRecordId: number;
  /** Bytes 4:N: the bytes read (a view into the response, not a copy). */
  data: Uint8Array;
}

/** Get SDR (§33.12) and Get SEL Entry (§31.5). */
export function recordReadCommand(name: string, netFn: number, cmd: number, privilege: number): IpmiCommand<RecordReadRequest, RecordReadResponse> {
  return {
    name, netFn, cmd, privilege,
    encodeRequest(r) {
      const out = Buffer.alloc(6);
      out.writeUInt16LE(r.reservationId, 0);
      out.writeUInt16LE(r.recordId, 2);
      out[4] = r.offset;
      out[5] = r.count;
      return out;
    },
    decodeRequest(d) {
      requestLength(d, 6, 6, name);
      return { reservationId: u16At(d, 0), recordId: u16At(d, 2), offset: d[4], count: d[5] };
    },
    encodeResponse(r) {
      const out = Buffer.alloc(2 + r.data.length);
      out.writeUInt16LE(r.nextRecordId, 0);
      out.set(r.data, 2);
      return out;
    },
    decodeResponse(d) {
      responseLength(d, 2, name);
      return { nextRecordId: u16At(d, 0), data: d.subarray(2) };
    },
  };
}

/**
 * A response that is one 16-bit ID, LS byte first: the reservation (Reserve SDR Repository, Reserve SEL), the record
 * added (Add SEL Entry, §31.6) or deleted (Delete SEL Entry, §31.8).
 */
export function idResponse(name: string): Pick<IpmiCommand<unknown, number>, 'encodeResponse' | 'decodeResponse'> {
  return {
    encodeResponse: (id) => u16Bytes(id),
    decodeResponse(d) {
      responseLength(d, 2, name);
      return u16At(d, 0);
    },
  };
}

/** Reserve SDR Repository (§33.11) and Reserve SEL (§31.4): no request data; the response is the reservation ID. */
export function reserveCommand(name: string, netFn: number, cmd: number, privilege: number): IpmiCommand<void, number> {
  return { name, netFn, cmd, privilege, ...noRequestData(name), ...idResponse(name) };
}

/** The operation support byte's bits both repositories have ([6:4] differ: SDR update modes, reserved in the SEL). */
export interface RepositoryOperations {
  /** [7]: records were dropped for lack of space. */
  overflow: boolean;
  /** [3] Delete SDR / Delete SEL Entry. */
  supportsDelete: boolean;
  /** [2] Partial Add SDR / Partial Add SEL Entry. */
  supportsPartialAdd: boolean;
  /** [1] Reserve SDR Repository / Reserve SEL. */
  supportsReserve: boolean;
  /** [0] Get SDR Repository / SEL Allocation Info. */
  supportsAllocationInfo: boolean;
}

export function encodeOperations(o: RepositoryOperations): number {
  return (o.overflow ? 0x80 : 0) | (o.supportsDelete ? 0x08 : 0) | (o.supportsPartialAdd ? 0x04 : 0) |
    (o.supportsReserve ? 0x02 : 0) | (o.supportsAllocationInfo ? 0x01 : 0);
}

export function decodeOperations(byte: number): RepositoryOperations {
  return {
    overflow: (byte & 0x80) !== 0, supportsDelete: (byte & 0x08) !== 0, supportsPartialAdd: (byte & 0x04) !== 0,
    supportsReserve: (byte & 0x02) !== 0, supportsAllocationInfo: (byte & 0x01) !== 0,
  };
}
