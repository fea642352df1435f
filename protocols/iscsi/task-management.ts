// Task Management Function Request and Response — RFC 7143 §11.5 and §11.6.
//   Request: byte 0 . | I | 02h; byte 1 1 | Function; bytes 8-15 LUN; 16-19 Initiator Task Tag;
//            20-23 Referenced Task Tag; 24-27 CmdSN; 28-31 ExpStatSN; 32-35 RefCmdSN; 36-39 ExpDataSN
//   Response: byte 0 22h; byte 1 80h; byte 2 Response; 16-19 Initiator Task Tag; 24-27 StatSN;
//            28-31 ExpCmdSN; 32-35 MaxCmdSN
import { Opcode, allocPdu, readBhs } from './bhs.js';

/** Function (§11.5.1). */
export const TaskFunction = {
  abortTask: 1, abortTaskSet: 2, clearAca: 3, clearTaskSet: 4, logicalUnitReset: 5, targetWarmReset: 6, targetColdReset: 7, taskReassign: 8,
} as const;

/** Response (§11.6.1). */
export const TaskResponse = {
  complete: 0, taskDoesNotExist: 1, lunDoesNotExist: 2, taskStillAllegiant: 3, reassignmentNotSupported: 4,
  notSupported: 5, authorizationFailed: 6, rejected: 255,
} as const;

export interface TaskManagementRequestPdu {
  kind: 'task-management-request';
  immediate: boolean;
  function: number;
  lun: Buffer;
  initiatorTaskTag: number;
  referencedTaskTag: number;
  cmdSn: number;
  expStatSn: number;
}

export interface TaskManagementResponsePdu {
  kind: 'task-management-response';
  response: number;
  initiatorTaskTag: number;
  statSn: number;
  expCmdSn: number;
  maxCmdSn: number;
}

export function encodeTaskManagementRequest(p: Omit<TaskManagementRequestPdu, 'kind'>): Buffer {
  const out = allocPdu(Opcode.taskManagementRequest, p.immediate, 0x80 | (p.function & 0x7f), p.initiatorTaskTag, Buffer.alloc(0));
  p.lun.copy(out, 8, 0, 8);
  out.writeUInt32BE(p.referencedTaskTag >>> 0, 20);
  out.writeUInt32BE(p.cmdSn >>> 0, 24);
  out.writeUInt32BE(p.expStatSn >>> 0, 28);
  return out;
}

export function decodeTaskManagementRequest(header: Buffer): TaskManagementRequestPdu {
  const bhs = readBhs(header);
  return {
    kind: 'task-management-request', immediate: bhs.immediate, function: header[1] & 0x7f, lun: Buffer.from(header.subarray(8, 16)),
    initiatorTaskTag: bhs.initiatorTaskTag, referencedTaskTag: header.readUInt32BE(20), cmdSn: header.readUInt32BE(24),
    expStatSn: header.readUInt32BE(28),
  };
}

export function encodeTaskManagementResponse(p: Omit<TaskManagementResponsePdu, 'kind'>): Buffer {
  const out = allocPdu(Opcode.taskManagementResponse, false, 0x80, p.initiatorTaskTag, Buffer.alloc(0));
  out[2] = p.response;
  out.writeUInt32BE(p.statSn >>> 0, 24);
  out.writeUInt32BE(p.expCmdSn >>> 0, 28);
  out.writeUInt32BE(p.maxCmdSn >>> 0, 32);
  return out;
}

export function decodeTaskManagementResponse(header: Buffer): TaskManagementResponsePdu {
  const bhs = readBhs(header);
  return {
    kind: 'task-management-response', response: header[2], initiatorTaskTag: bhs.initiatorTaskTag,
    statSn: header.readUInt32BE(24), expCmdSn: header.readUInt32BE(28), maxCmdSn: header.readUInt32BE(32),
  };
}
