// REPORT LUNS — SPC-4, REPORT LUNS command: the CDB (12 bytes: opcode A0h, byte 2 SELECT REPORT, bytes 6-9
// ALLOCATION LENGTH) and the parameter data: LUN LIST LENGTH (4 bytes), 4 reserved, then one 8-byte LUN each.
// A target answers it for any LUN it is sent to, LUN 0 included when there is none (SPC-4).
import { requireBytes } from '../errors.js';
import { PROTO, checkCdbField, invalidField, readCdb } from './cdb.js';
import { LUN_FIELD_LENGTH, decodeLun, encodeLun } from './lun.js';

export const REPORT_LUNS_OPCODE = 0xa0;
const HEADER_LENGTH = 8;

/** SELECT REPORT (SPC-4): 00h all logical units except well-known ones, 02h all; 01h (well-known only) has none here. */
const SelectReport = { allButWellKnown: 0x00, wellKnownOnly: 0x01, all: 0x02 } as const;

export interface ReportLunsCommand {
  op: 'report-luns';
  selectReport: number;
  allocationLength: number;
}

export function encodeReportLuns(allocationLength: number): Buffer {
  checkCdbField('REPORT LUNS', 'ALLOCATION LENGTH', allocationLength, 0xffffffff);
  const cdb = Buffer.alloc(12);
  cdb[0] = REPORT_LUNS_OPCODE;
  cdb.writeUInt32BE(allocationLength, 6);
  return cdb;
}

export function decodeReportLuns(input: Uint8Array): ReportLunsCommand {
  const cdb = readCdb(input, 12, 'REPORT LUNS');
  const selectReport = cdb[2];
  if (selectReport > SelectReport.all) throw invalidField('REPORT LUNS', 'SELECT REPORT', 2, `0x${selectReport.toString(16)} is not supported`);
  return { op: 'report-luns', selectReport, allocationLength: cdb.readUInt32BE(6) };
}

/** The LUN list, whole (the caller cuts it to the allocation length); no well-known logical units here. */
export function reportLunsData(c: ReportLunsCommand, luns: readonly number[]): Buffer {
  const listed = c.selectReport === SelectReport.wellKnownOnly ? [] : [...luns].sort((a, b) => a - b);
  const out = Buffer.alloc(HEADER_LENGTH + listed.length * LUN_FIELD_LENGTH);
  out.writeUInt32BE(listed.length * LUN_FIELD_LENGTH, 0); // LUN LIST LENGTH
  listed.forEach((lun, i) => encodeLun(lun, out, HEADER_LENGTH + i * LUN_FIELD_LENGTH));
  return out;
}

/** The LUNs of REPORT LUNS data as a host reads them (as many whole entries as the data holds). */
export function decodeReportLunsData(input: Uint8Array): number[] {
  requireBytes(input, 0, HEADER_LENGTH, PROTO, 'REPORT LUNS data');
  const listLength = Buffer.from(input.buffer, input.byteOffset, input.byteLength).readUInt32BE(0);
  const end = Math.min(input.length, HEADER_LENGTH + listLength);
  const out: number[] = [];
  for (let at = HEADER_LENGTH; at + LUN_FIELD_LENGTH <= end; at += LUN_FIELD_LENGTH) out.push(decodeLun(input, at));
  return out;
}
