// bmcfleet OEM commands "Console Heartbeat" and "Read Console History": netFn 2Eh (OEM/Group, IPMI 2.0 §5.1:
// request and response data start with the 3-byte IANA enterprise number, least significant byte first),
// commands 10h and 11h. Same family as Get Hardware Inventory (inventory.ts). All numbers little-endian.
//
// Positions are byte offsets in one console's output stream (0 = the first byte the console printed since the
// stream began); `streamId` names the stream, and changes whenever positions restart from 0 (e.g. the BMC lost
// its console history). Times are milliseconds on the BMC's clock. Positions and times are u64 on the wire and
// must stay below 2^53 (DecodeError code ERR_RANGE otherwise).
//
// Console Heartbeat, cmd 10h
//   Request  (15 bytes):  IANA(3) heartbeatSeq(u16) ackedPosition(u64) maxBytes(u16)
//   Response (51 + n):    IANA(3) heartbeatSeq(u16) receivedAt(u64) processedAt(u64) span
// Read Console History, cmd 11h
//   Request  (13 bytes):  IANA(3) fromPosition(u64) maxBytes(u16)
//   Response (41 + n):    IANA(3) processedAt(u64) span
// span (30 + n bytes):    streamId(u32) oldest(u64) head(u64) start(u64) length(u16) data(length = n)
//
//   heartbeatSeq   chosen by the watcher, echoed unchanged (it, not the IPMI rqSeq, matches replies)
//   ackedPosition  everything before it is safely in the watcher's log; the answer's data starts there
//   maxBytes       most data bytes wanted; the BMC caps it at its own limit (1024 here); 0 = no data
//                  (allowed for a heartbeat, CCh for Read Console History)
//   receivedAt     when the request datagram reached the BMC; processedAt: when it was answered. A busy BMC
//                  queues requests first-in first-out, so processedAt - receivedAt is the time spent queued
//   oldest         first position the BMC still holds; head: position after the last byte the console printed
//   start          position of data[0]: the requested position clamped into [oldest, head]; so start > the
//                  requested position means [requested, start) is gone from the BMC. oldest <= start and
//                  start + length <= head always hold (DecodeError code ERR_SPAN otherwise)
// Completion codes: C1h another IANA (not our command), C7h request length other than 15 / 13, CCh a position
// of 2^53 or more, or maxBytes 0 in Read Console History.
import { DecodeError } from '../../errors.js';
import type { IpmiCommand } from '../commands/command.js';
import { NetFn } from '../message.js';
import { Privilege } from '../users.js';
import { FieldReader, FieldWriter, OEM_PROTOCOL as PROTO, expectLength } from './fields.js';
import { BMCFLEET_IANA_BYTES, expectBmcfleetIana } from './iana.js';

export const ConsoleOemCommand = { CONSOLE_HEARTBEAT: 0x10, READ_CONSOLE_HISTORY: 0x11 } as const;

export const HEARTBEAT_REQUEST_LENGTH = 15;
export const HISTORY_REQUEST_LENGTH = 13;
/** Fixed bytes of each response before the data. */
export const HEARTBEAT_RESPONSE_HEADER = 51;
export const HISTORY_RESPONSE_HEADER = 41;
/** The most data bytes the emulated BMC puts in one answer. */
export const MAX_CONSOLE_BYTES = 1024;

export interface ConsoleHeartbeatRequest { heartbeatSeq: number; ackedPosition: number; maxBytes: number }
export interface ConsoleHistoryRequest { fromPosition: number; maxBytes: number }

/** A piece of a console's output and what the BMC holds of that console. */
export interface ConsoleSpan { streamId: number; oldest: number; head: number; start: number; data: Uint8Array }

export interface ConsoleHeartbeatResponse extends ConsoleSpan { heartbeatSeq: number; receivedAt: number; processedAt: number }
export interface ConsoleHistoryResponse extends ConsoleSpan { processedAt: number }

// ---- writing -------------------------------------------------------------------------------------------------

/** Writes IANA(3) first; `size` is the exact length. */
function writer(size: number): FieldWriter {
  return new FieldWriter(size).raw(BMCFLEET_IANA_BYTES);
}

function writeSpan(w: FieldWriter, s: ConsoleSpan): FieldWriter {
  if (s.oldest > s.start || s.start + s.data.length > s.head) {
    throw new RangeError(`span [${s.start}, +${s.data.length}) must lie within oldest ${s.oldest} .. head ${s.head}`);
  }
  return w.u32(s.streamId, 'streamId').u64(s.oldest, 'oldest').u64(s.head, 'head').u64(s.start, 'start')
    .u16(s.data.length, 'length').raw(s.data);
}

export function encodeHeartbeatRequest(r: ConsoleHeartbeatRequest): Buffer {
  return writer(HEARTBEAT_REQUEST_LENGTH).u16(r.heartbeatSeq, 'heartbeatSeq').u64(r.ackedPosition, 'ackedPosition')
    .u16(r.maxBytes, 'maxBytes').done();
}

export function encodeHistoryRequest(r: ConsoleHistoryRequest): Buffer {
  return writer(HISTORY_REQUEST_LENGTH).u64(r.fromPosition, 'fromPosition').u16(r.maxBytes, 'maxBytes').done();
}

export function encodeHeartbeatResponse(r: ConsoleHeartbeatResponse): Buffer {
  const w = writer(heartbeatResponseLength(r)).u16(r.heartbeatSeq, 'heartbeatSeq')
    .u64(r.receivedAt, 'receivedAt').u64(r.processedAt, 'processedAt');
  return writeSpan(w, r).done();
}

export function encodeHistoryResponse(r: ConsoleHistoryResponse): Buffer {
  return writeSpan(writer(historyResponseLength(r)).u64(r.processedAt, 'processedAt'), r).done();
}

export function heartbeatResponseLength(r: { data: Uint8Array }): number { return HEARTBEAT_RESPONSE_HEADER + r.data.length; }
export function historyResponseLength(r: { data: Uint8Array }): number { return HISTORY_RESPONSE_HEADER + r.data.length; }

// ---- reading -------------------------------------------------------------------------------------------------

function readSpan(r: FieldReader): ConsoleSpan {
  const at = r.offset;
  const streamId = r.u32('streamId');
  const oldest = r.u64('oldest');
  const head = r.u64('head');
  const start = r.u64('start');
  const data = r.raw(r.u16('length'), 'data');
  if (oldest > start || start + data.length > head) {
    throw new DecodeError(PROTO, 'span', at, `data [${start}, +${data.length}) outside oldest ${oldest} .. head ${head}`, 'ERR_SPAN');
  }
  return { streamId, oldest, head, start, data };
}

export function decodeHeartbeatRequest(data: Uint8Array): ConsoleHeartbeatRequest {
  expectBmcfleetIana(data);
  expectLength(data, HEARTBEAT_REQUEST_LENGTH);
  const r = new FieldReader(data, 3);
  return { heartbeatSeq: r.u16('heartbeatSeq'), ackedPosition: r.u64('ackedPosition'), maxBytes: r.u16('maxBytes') };
}

export function decodeHistoryRequest(data: Uint8Array): ConsoleHistoryRequest {
  expectBmcfleetIana(data);
  expectLength(data, HISTORY_REQUEST_LENGTH);
  const r = new FieldReader(data, 3);
  return { fromPosition: r.u64('fromPosition'), maxBytes: r.u16('maxBytes') };
}

/** The data is a view into `data`, not a copy. */
export function decodeHeartbeatResponse(data: Uint8Array): ConsoleHeartbeatResponse {
  expectBmcfleetIana(data);
  const r = new FieldReader(data, 3);
  const heartbeatSeq = r.u16('heartbeatSeq');
  const receivedAt = r.u64('receivedAt');
  const processedAt = r.u64('processedAt');
  const span = readSpan(r);
  r.end('response');
  return { heartbeatSeq, receivedAt, processedAt, ...span };
}

/** The data is a view into `data`, not a copy. */
export function decodeHistoryResponse(data: Uint8Array): ConsoleHistoryResponse {
  expectBmcfleetIana(data);
  const r = new FieldReader(data, 3);
  const processedAt = r.u64('processedAt');
  const span = readSpan(r);
  r.end('response');
  return { processedAt, ...span };
}

// ---- the commands as both sides use them ----------------------------------------------------------------------

export const ConsoleHeartbeat: IpmiCommand<ConsoleHeartbeatRequest, ConsoleHeartbeatResponse> = {
  name: 'bmcfleet Console Heartbeat', netFn: NetFn.OEM_GROUP, cmd: ConsoleOemCommand.CONSOLE_HEARTBEAT, privilege: Privilege.USER,
  encodeRequest: encodeHeartbeatRequest,
  decodeRequest: decodeHeartbeatRequest,
  encodeResponse: encodeHeartbeatResponse,
  decodeResponse: decodeHeartbeatResponse,
};

export const ReadConsoleHistory: IpmiCommand<ConsoleHistoryRequest, ConsoleHistoryResponse> = {
  name: 'bmcfleet Read Console History', netFn: NetFn.OEM_GROUP, cmd: ConsoleOemCommand.READ_CONSOLE_HISTORY, privilege: Privilege.USER,
  encodeRequest: encodeHistoryRequest,
  decodeRequest: decodeHistoryRequest,
  encodeResponse: encodeHistoryResponse,
  decodeResponse: decodeHistoryResponse,
};
