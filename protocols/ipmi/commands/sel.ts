// System Event Log commands (netFn Storage 0Ah) — IPMI 2.0 §31.2 Get SEL Info (40h, response Table 31-2), §31.4
// Reserve SEL (42h), §31.5 Get SEL Entry (43h), §31.6 Add SEL Entry (44h), §31.8 Delete SEL Entry (46h), §31.9 Clear
// SEL (47h), §31.10 Get SEL Time (48h), §31.11 Set SEL Time (49h). The 16-byte records: protocols/ipmi/sel-record.ts.
// Privileges per Appendix G.
import { NetFn } from '../message.js';
import { SEL_RECORD_LENGTH, decode as decodeSelRecord, encode as encodeSelRecord, type SelRecord } from '../sel-record.js';
import { Privilege } from '../users.js';
import type { IpmiCommand } from './command.js';
import {
  decodeOperations, encodeOperations, idResponse, recordReadCommand, reserveCommand, type RepositoryOperations,
} from './record-read.js';
import { noRequestData, noResponseData, requestLength, responseLength, u16At, u32At, u32Bytes } from './command-data.js';

/** Timestamp FFFFFFFFh: no addition or erase yet (Table 31-2). */
export const NO_TIMESTAMP = 0xffffffff;

export interface SelInfo extends RepositoryOperations {
  /** Byte 2: SEL version, 51h for IPMI 2.0. */
  version: number;
  /** Bytes 3:4. */
  entries: number;
  /** Bytes 5:6: free space in bytes. */
  freeSpace: number;
  /** Bytes 7:10, 11:14: seconds on the SEL clock, NO_TIMESTAMP for never. */
  lastAddition: number;
  lastErase: number;
}

const INFO_LENGTH = 14;

export const GetSelInfo: IpmiCommand<void, SelInfo> = {
  name: 'Get SEL Info', netFn: NetFn.STORAGE, cmd: 0x40, privilege: Privilege.USER,
  ...noRequestData('Get SEL Info'),
  encodeResponse(r) {
    const out = Buffer.alloc(INFO_LENGTH);
    out[0] = r.version;
    out.writeUInt16LE(r.entries, 1);
    out.writeUInt16LE(r.freeSpace, 3);
    out.writeUInt32LE(r.lastAddition, 5);
    out.writeUInt32LE(r.lastErase, 9);
    out[13] = encodeOperations(r);
    return out;
  },
  decodeResponse(d) {
    responseLength(d, INFO_LENGTH, 'Get SEL Info');
    return {
      version: d[0], entries: u16At(d, 1), freeSpace: u16At(d, 3), lastAddition: u32At(d, 5), lastErase: u32At(d, 9),
      ...decodeOperations(d[13]),
    };
  },
};

export const ReserveSel = reserveCommand('Reserve SEL', NetFn.STORAGE, 0x42, Privilege.USER);

export const GetSelEntry = recordReadCommand('Get SEL Entry', NetFn.STORAGE, 0x43, Privilege.USER);

/** Request: the whole record (the BMC assigns its ID, and the timestamp of a timestamped type); response: the ID. */
export const AddSelEntry: IpmiCommand<SelRecord, number> = {
  name: 'Add SEL Entry', netFn: NetFn.STORAGE, cmd: 0x44, privilege: Privilege.OPERATOR,
  encodeRequest: (record) => encodeSelRecord(record),
  decodeRequest(d) {
    requestLength(d, SEL_RECORD_LENGTH, SEL_RECORD_LENGTH, 'Add SEL Entry');
    return decodeSelRecord(d); // a reserved record type is DecodeError ERR_UNSUPPORTED
  },
  ...idResponse('Add SEL Entry'),
};

export interface DeleteSelEntryRequest {
  /** Bytes 1:2. */
  reservationId: number;
  /** Bytes 3:4: the record, or FIRST_RECORD / LAST_RECORD. */
  recordId: number;
}

/** Response: the ID of the record deleted. */
export const DeleteSelEntry: IpmiCommand<DeleteSelEntryRequest, number> = {
  name: 'Delete SEL Entry', netFn: NetFn.STORAGE, cmd: 0x46, privilege: Privilege.OPERATOR,
  encodeRequest(r) {
    const out = Buffer.alloc(4);
    out.writeUInt16LE(r.reservationId, 0);
    out.writeUInt16LE(r.recordId, 2);
    return out;
  },
  decodeRequest(d) {
    requestLength(d, 4, 4, 'Delete SEL Entry');
    return { reservationId: u16At(d, 0), recordId: u16At(d, 2) };
  },
  ...idResponse('Delete SEL Entry'),
};

/** Clear SEL byte 6. */
export const ClearSelAction = { GET_STATUS: 0x00, INITIATE: 0xaa } as const;
/** Clear SEL bytes 3:5, 'C' 'L' 'R': the caller means it. */
const CLR = [0x43, 0x4c, 0x52] as const;

export interface ClearSelRequest {
  /** Bytes 1:2. */
  reservationId: number;
  /** Bytes 3:5 are 'CLR'. */
  confirmed: boolean;
  /** Byte 6: ClearSelAction. */
  action: number;
}

export interface ClearSelResponse {
  /** Byte 2 [3:0]: 1h erasure completed, 0h in progress. */
  completed: boolean;
}

export const ClearSel: IpmiCommand<ClearSelRequest, ClearSelResponse> = {
  name: 'Clear SEL', netFn: NetFn.STORAGE, cmd: 0x47, privilege: Privilege.OPERATOR,
  encodeRequest(r) {
    const out = Buffer.alloc(6);
    out.writeUInt16LE(r.reservationId, 0);
    if (r.confirmed) out.set(CLR, 2);
    out[5] = r.action;
    return out;
  },
  decodeRequest(d) {
    requestLength(d, 6, 6, 'Clear SEL');
    return { reservationId: u16At(d, 0), confirmed: d[2] === CLR[0] && d[3] === CLR[1] && d[4] === CLR[2], action: d[5] };
  },
  encodeResponse: (r) => Buffer.from([r.completed ? 0x01 : 0x00]),
  decodeResponse(d) {
    responseLength(d, 1, 'Clear SEL');
    return { completed: (d[0] & 0x0f) === 0x01 };
  },
};

/** Response: seconds since 1970-01-01 UTC on the SEL clock (below 20000000h: seconds since the BMC started). */
export const GetSelTime: IpmiCommand<void, number> = {
  name: 'Get SEL Time', netFn: NetFn.STORAGE, cmd: 0x48, privilege: Privilege.USER,
  ...noRequestData('Get SEL Time'),
  encodeResponse: (seconds) => u32Bytes(seconds),
  decodeResponse(d) {
    responseLength(d, 4, 'Get SEL Time');
    return u32At(d, 0);
  },
};

export const SetSelTime: IpmiCommand<number, void> = {
  name: 'Set SEL Time', netFn: NetFn.STORAGE, cmd: 0x49, privilege: Privilege.OPERATOR,
  encodeRequest: (seconds) => u32Bytes(seconds),
  decodeRequest(d) {
    requestLength(d, 4, 4, 'Set SEL Time');
    return u32At(d, 0);
  },
  ...noResponseData(),
};
