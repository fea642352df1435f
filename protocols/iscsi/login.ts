// Login Request and Login Response — RFC 7143 §11.12 and §11.13, the stages of §6.3 and the status codes of
// §11.13.5. The data segment is text (text.ts).
//
// Login Request (§11.12):                       Login Response (§11.13):
//   byte 0  . | 1 | 03h  (always immediate)       byte 0  . | . | 23h
//   byte 1  T | C | . . | CSG | NSG               byte 1  T | C | . . | CSG | NSG
//   byte 2  Version-max, byte 3 Version-min       byte 2  Version-max, byte 3 Version-active
//   bytes 8-13 ISID, 14-15 TSIH                    bytes 8-13 ISID, 14-15 TSIH
//   bytes 16-19 Initiator Task Tag                 bytes 16-19 Initiator Task Tag
//   bytes 20-21 CID                                bytes 24-27 StatSN
//   bytes 24-27 CmdSN                              bytes 28-31 ExpCmdSN, 32-35 MaxCmdSN
//   bytes 28-31 ExpStatSN                          byte 36 Status-Class, byte 37 Status-Detail
import { Opcode, allocPdu, badField, readBhs } from './bhs.js';

/** CSG and NSG (§11.12.3): the login stages. 2 is reserved. */
export const LoginStage = { security: 0, operational: 1, fullFeature: 3 } as const;
export type LoginStage = (typeof LoginStage)[keyof typeof LoginStage];

/** The one version RFC 7143 defines (§11.12.4). */
export const ISCSI_VERSION = 0x00;

/** Status-Class and Status-Detail (§11.13.5), as (class << 8) | detail. */
export const LoginStatus = {
  success: 0x0000,
  /** The target is elsewhere for now (TargetAddress in the data). */
  targetMovedTemporarily: 0x0101,
  initiatorError: 0x0200,
  authenticationFailure: 0x0201,
  /** The initiator is not allowed to log in to this target. */
  authorizationFailure: 0x0202,
  notFound: 0x0203,
  targetRemoved: 0x0204,
  unsupportedVersion: 0x0205,
  tooManyConnections: 0x0206,
  missingParameter: 0x0207,
  cantIncludeInSession: 0x0208,
  sessionTypeNotSupported: 0x0209,
  sessionDoesNotExist: 0x020a,
  invalidDuringLogin: 0x020b,
  targetError: 0x0300,
  serviceUnavailable: 0x0301,
  outOfResources: 0x0302,
} as const;

const STATUS_NAMES: Record<number, string> = Object.fromEntries(Object.entries({
  success: 'success', targetMovedTemporarily: 'target moved temporarily', initiatorError: 'initiator error',
  authenticationFailure: 'authentication failure', authorizationFailure: 'authorization failure (initiator not authorized)',
  notFound: 'target not found', targetRemoved: 'target removed', unsupportedVersion: 'unsupported version',
  tooManyConnections: 'too many connections', missingParameter: 'missing parameter', cantIncludeInSession: 'cannot include in session',
  sessionTypeNotSupported: 'session type not supported', sessionDoesNotExist: 'session does not exist',
  invalidDuringLogin: 'invalid request during login', targetError: 'target error', serviceUnavailable: 'service unavailable',
  outOfResources: 'out of resources',
} satisfies Record<keyof typeof LoginStatus, string>).map(([k, v]) => [LoginStatus[k as keyof typeof LoginStatus], v]));

/** "authorization failure (initiator not authorized) (02/02)". */
export function describeLoginStatus(status: number): string {
  const codes = `${(status >> 8).toString(16).padStart(2, '0')}/${(status & 0xff).toString(16).padStart(2, '0')}`;
  return `${STATUS_NAMES[status] ?? 'unknown status'} (${codes})`;
}

interface LoginCommon {
  /** T: the sender is ready to move to `nextStage`. */
  transit: boolean;
  /** C: the text continues in the next PDU. */
  continue: boolean;
  currentStage: number;
  nextStage: number;
  /** ISID, 6 bytes (§11.12.5). */
  isid: Buffer;
  tsih: number;
  initiatorTaskTag: number;
  data: Buffer;
}

export interface LoginRequest extends LoginCommon {
  kind: 'login-request';
  versionMax: number;
  versionMin: number;
  cid: number;
  cmdSn: number;
  expStatSn: number;
}

export interface LoginResponse extends LoginCommon {
  kind: 'login-response';
  versionMax: number;
  versionActive: number;
  statSn: number;
  expCmdSn: number;
  maxCmdSn: number;
  /** (Status-Class << 8) | Status-Detail. */
  status: number;
}

const ISID_LENGTH = 6;

function stageFlags(p: LoginCommon): number {
  return (p.transit ? 0x80 : 0) | (p.continue ? 0x40 : 0) | ((p.currentStage & 3) << 2) | (p.nextStage & 3);
}

/** Byte 1 of either PDU: T and C together is a protocol error (§11.12.2), as is a reserved stage (§11.12.3). */
function readStageFlags(header: Buffer): Pick<LoginCommon, 'transit' | 'continue' | 'currentStage' | 'nextStage'> {
  const transit = (header[1] & 0x80) !== 0;
  const cont = (header[1] & 0x40) !== 0;
  if (transit && cont) throw badField('Login T/C', 1, 'T and C are both set');
  const currentStage = (header[1] >> 2) & 3;
  const nextStage = header[1] & 3;
  if (currentStage === 2) throw badField('Login CSG', 1, 'stage 2 is reserved');
  if (transit && nextStage === 2) throw badField('Login NSG', 1, 'stage 2 is reserved');
  return { transit, continue: cont, currentStage, nextStage };
}

function checkIsid(isid: Buffer): void {
  if (isid.length !== ISID_LENGTH) throw new RangeError(`ISID must be ${ISID_LENGTH} bytes, got ${isid.length}`);
}

export function encodeLoginRequest(p: Omit<LoginRequest, 'kind'>): Buffer {
  checkIsid(p.isid);
  const out = allocPdu(Opcode.loginRequest, true, stageFlags(p), p.initiatorTaskTag, p.data);
  out[2] = p.versionMax;
  out[3] = p.versionMin;
  p.isid.copy(out, 8);
  out.writeUInt16BE(p.tsih, 14);
  out.writeUInt16BE(p.cid, 20);
  out.writeUInt32BE(p.cmdSn >>> 0, 24);
  out.writeUInt32BE(p.expStatSn >>> 0, 28);
  return out;
}

export function decodeLoginRequest(header: Buffer, data: Buffer): LoginRequest {
  const bhs = readBhs(header);
  return {
    kind: 'login-request', ...readStageFlags(header),
    versionMax: header[2], versionMin: header[3],
    isid: Buffer.from(header.subarray(8, 8 + ISID_LENGTH)), tsih: header.readUInt16BE(14),
    initiatorTaskTag: bhs.initiatorTaskTag, cid: header.readUInt16BE(20),
    cmdSn: header.readUInt32BE(24), expStatSn: header.readUInt32BE(28), data,
  };
}

export function encodeLoginResponse(p: Omit<LoginResponse, 'kind'>): Buffer {
  checkIsid(p.isid);
  const out = allocPdu(Opcode.loginResponse, false, stageFlags(p), p.initiatorTaskTag, p.data);
  out[2] = p.versionMax;
  out[3] = p.versionActive;
  p.isid.copy(out, 8);
  out.writeUInt16BE(p.tsih, 14);
  out.writeUInt32BE(p.statSn >>> 0, 24);
  out.writeUInt32BE(p.expCmdSn >>> 0, 28);
  out.writeUInt32BE(p.maxCmdSn >>> 0, 32);
  out[36] = p.status >> 8; // Status-Class
  out[37] = p.status & 0xff; // Status-Detail
  return out;
}

export function decodeLoginResponse(header: Buffer, data: Buffer): LoginResponse {
  const bhs = readBhs(header);
  return {
    kind: 'login-response', ...readStageFlags(header),
    versionMax: header[2], versionActive: header[3],
    isid: Buffer.from(header.subarray(8, 8 + ISID_LENGTH)), tsih: header.readUInt16BE(14),
    initiatorTaskTag: bhs.initiatorTaskTag,
    statSn: header.readUInt32BE(24), expCmdSn: header.readUInt32BE(28), maxCmdSn: header.readUInt32BE(32),
    status: (header[36] << 8) | header[37], data,
  };
}
