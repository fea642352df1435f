// Any iSCSI PDU — RFC 7143 §11: one framed PDU (framer.ts) decoded by its opcode into the family's value
// (a file per family in this folder). Opcodes this side does not take (R2T, Async Message, SNACK) and reserved
// ones raise a DecodeError with code IscsiError.opcode; the target answers those with a Reject (§11.17.1).
import { DecodeError } from '../errors.js';
import { BHS_LENGTH, IscsiError, Opcode, PROTO, readBhs } from './bhs.js';
import { decodeDataIn, decodeDataOut, encodeDataIn, encodeDataOut, type DataInPdu, type DataOutPdu } from './data.js';
import { decodeLoginRequest, decodeLoginResponse, encodeLoginRequest, encodeLoginResponse, type LoginRequest, type LoginResponse } from './login.js';
import { decodeLogoutRequest, decodeLogoutResponse, encodeLogoutRequest, encodeLogoutResponse, type LogoutRequestPdu, type LogoutResponsePdu } from './logout.js';
import { decodeNopIn, decodeNopOut, encodeNopIn, encodeNopOut, type NopInPdu, type NopOutPdu } from './nop.js';
import { decodeReject, encodeReject, type RejectPdu } from './reject.js';
import { decodeScsiCommand, decodeScsiResponse, encodeScsiCommand, encodeScsiResponse, type ScsiCommandPdu, type ScsiResponsePdu } from './scsi-command.js';
import {
  decodeTaskManagementRequest, decodeTaskManagementResponse, encodeTaskManagementRequest, encodeTaskManagementResponse, type TaskManagementRequestPdu, type TaskManagementResponsePdu,
} from './task-management.js';
import { decodeTextRequest, decodeTextResponse, encodeTextRequest, encodeTextResponse, type TextRequest, type TextResponse } from './text-pdu.js';

/** What an initiator sends. */
export type InitiatorPdu = NopOutPdu | ScsiCommandPdu | TaskManagementRequestPdu | LoginRequest | TextRequest | DataOutPdu | LogoutRequestPdu;
/** What a target sends. */
export type TargetPdu = NopInPdu | ScsiResponsePdu | TaskManagementResponsePdu | LoginResponse | TextResponse | DataInPdu | LogoutResponsePdu | RejectPdu;
export type IscsiPdu = InitiatorPdu | TargetPdu;

/** One PDU as the framer cut it: the BHS, the AHS (empty when none) and the data segment without its padding. */
export interface Frame {
  header: Buffer;
  ahs: Buffer;
  data: Buffer;
}

/** Splits one whole PDU (BHS, AHS, padded data) into its parts; fewer bytes than the header announces is malformed. */
export function splitPdu(pdu: Buffer): Frame {
  const bhs = readBhs(pdu);
  const ahsEnd = BHS_LENGTH + bhs.totalAhsLength * 4;
  const dataEnd = ahsEnd + bhs.dataSegmentLength;
  if (pdu.length < dataEnd) {
    throw new DecodeError(PROTO, 'DataSegment', pdu.length, `needs ${dataEnd} byte(s), ${pdu.length} held`, IscsiError.truncated);
  }
  return { header: pdu.subarray(0, BHS_LENGTH), ahs: pdu.subarray(BHS_LENGTH, ahsEnd), data: pdu.subarray(ahsEnd, dataEnd) };
}

function unsupported(opcode: number, by: string): DecodeError {
  return new DecodeError(PROTO, 'opcode', 0, `opcode 0x${opcode.toString(16).padStart(2, '0')} is not ${by}`, IscsiError.opcode);
}

/** A PDU an initiator sent, as a target reads it. */
export function decodeInitiatorPdu(frame: Frame): InitiatorPdu {
  const { header, data } = frame;
  const opcode = header[0] & 0x3f;
  switch (opcode) {
    case Opcode.nopOut: return decodeNopOut(header, data);
    case Opcode.scsiCommand: return decodeScsiCommand(header, data);
    case Opcode.taskManagementRequest: return decodeTaskManagementRequest(header);
    case Opcode.loginRequest: return decodeLoginRequest(header, data);
    case Opcode.textRequest: return decodeTextRequest(header, data);
    case Opcode.dataOut: return decodeDataOut(header, data);
    case Opcode.logoutRequest: return decodeLogoutRequest(header);
    default: throw unsupported(opcode, 'an initiator opcode this target takes');
  }
}

/** A PDU a target sent, as an initiator reads it. */
export function decodeTargetPdu(frame: Frame): TargetPdu {
  const { header, data } = frame;
  const opcode = header[0] & 0x3f;
  switch (opcode) {
    case Opcode.nopIn: return decodeNopIn(header, data);
    case Opcode.scsiResponse: return decodeScsiResponse(header, data);
    case Opcode.taskManagementResponse: return decodeTaskManagementResponse(header);
    case Opcode.loginResponse: return decodeLoginResponse(header, data);
    case Opcode.textResponse: return decodeTextResponse(header, data);
    case Opcode.dataIn: return decodeDataIn(header, data);
    case Opcode.logoutResponse: return decodeLogoutResponse(header);
    case Opcode.reject: return decodeReject(header, data);
    default: throw unsupported(opcode, 'a target opcode this initiator takes');
  }
}

/** Any PDU's bytes, by its family's encoder: the inverse of the two decoders above. */
export function encodePdu(p: IscsiPdu): Buffer {
  switch (p.kind) {
    case 'login-request': return encodeLoginRequest(p);
    case 'login-response': return encodeLoginResponse(p);
    case 'text-request': return encodeTextRequest(p);
    case 'text-response': return encodeTextResponse(p);
    case 'logout-request': return encodeLogoutRequest(p);
    case 'logout-response': return encodeLogoutResponse(p);
    case 'scsi-command': return encodeScsiCommand(p);
    case 'scsi-response': return encodeScsiResponse(p);
    case 'data-in': return encodeDataIn(p);
    case 'data-out': return encodeDataOut(p);
    case 'nop-out': return encodeNopOut(p);
    case 'nop-in': return encodeNopIn(p);
    case 'task-management-request': return encodeTaskManagementRequest(p);
    case 'task-management-response': return encodeTaskManagementResponse(p);
    case 'reject': return encodeReject(p);
  }
}
