// Session-management commands (netFn App) both sides encode and decode — IPMI 2.0 §22.13 (Get Channel
// Authentication Capabilities), §22.15 (Get Channel Cipher Suites), §22.16 (Get Session Challenge),
// §22.17 (Activate Session), §22.18 (Set Session Privilege Level), §22.19 (Close Session).
import { DecodeError, requireBytes } from '../../errors.js';
import { PROTOCOL, fixedText, u32At } from './command-data.js';

export const SessionCommand = {
  GET_CHANNEL_AUTH_CAPABILITIES: 0x38,
  GET_SESSION_CHALLENGE: 0x39,
  ACTIVATE_SESSION: 0x3a,
  SET_SESSION_PRIVILEGE_LEVEL: 0x3b,
  CLOSE_SESSION: 0x3c,
  GET_CHANNEL_CIPHER_SUITES: 0x54,
} as const;

/** Channel number 0Eh means "the channel this request arrived on" (§6.3). */
export const CURRENT_CHANNEL = 0x0e;

// --- Get Channel Authentication Capabilities (§22.13)
export interface AuthCapsRequest { extended: boolean; channel: number; privilege: number }

export function decodeAuthCapsRequest(d: Uint8Array): AuthCapsRequest {
  requireBytes(d, 0, 2, PROTOCOL, 'get channel auth caps request');
  return { extended: (d[0] & 0x80) !== 0, channel: d[0] & 0x0f, privilege: d[1] & 0x0f };
}

export function encodeAuthCapsRequest(r: AuthCapsRequest): Buffer {
  return Buffer.from([(r.extended ? 0x80 : 0) | (r.channel & 0x0f), r.privilege & 0x0f]);
}

export interface AuthCapsResponse {
  channel: number;
  /** Bit mask of enabled v1.5 auth types: bit n set = auth type n (0 none, 1 MD2, 2 MD5, 4 straight, 5 OEM). */
  authTypes: number;
  /** The BMC reports IPMI v2.0 extended capabilities (byte 2 bit 7, and byte 4). */
  extended: boolean;
  kgNonZero: boolean;
  perMessageAuthDisabled: boolean;
  userLevelAuthDisabled: boolean;
  nonNullUsers: boolean;
  nullUsers: boolean;
  anonymousLogin: boolean;
  supportsV15: boolean;
  supportsV20: boolean;
  oemId: number;
  oemAux: number;
}

export function encodeAuthCapsResponse(r: AuthCapsResponse): Buffer {
  const out = Buffer.alloc(8);
  out[0] = r.channel;
  out[1] = (r.extended ? 0x80 : 0) | (r.authTypes & 0x37);
  out[2] = (r.kgNonZero ? 0x20 : 0) | (r.perMessageAuthDisabled ? 0x10 : 0) | (r.userLevelAuthDisabled ? 0x08 : 0) |
    (r.nonNullUsers ? 0x04 : 0) | (r.nullUsers ? 0x02 : 0) | (r.anonymousLogin ? 0x01 : 0);
  out[3] = r.extended ? (r.supportsV20 ? 0x02 : 0) | (r.supportsV15 ? 0x01 : 0) : 0;
  out[4] = r.oemId & 0xff;
  out[5] = (r.oemId >> 8) & 0xff;
  out[6] = (r.oemId >> 16) & 0xff;
  out[7] = r.oemAux;
  return out;
}

export function decodeAuthCapsResponse(d: Uint8Array): AuthCapsResponse {
  requireBytes(d, 0, 8, PROTOCOL, 'get channel auth caps response');
  const extended = (d[1] & 0x80) !== 0;
  return {
    channel: d[0], authTypes: d[1] & 0x37, extended,
    kgNonZero: (d[2] & 0x20) !== 0, perMessageAuthDisabled: (d[2] & 0x10) !== 0, userLevelAuthDisabled: (d[2] & 0x08) !== 0,
    nonNullUsers: (d[2] & 0x04) !== 0, nullUsers: (d[2] & 0x02) !== 0, anonymousLogin: (d[2] & 0x01) !== 0,
    supportsV15: extended && (d[3] & 0x01) !== 0, supportsV20: extended && (d[3] & 0x02) !== 0,
    oemId: d[4] | (d[5] << 8) | (d[6] << 16), oemAux: d[7],
  };
}

// --- Get Channel Cipher Suites (§22.15)
export interface CipherSuitesRequest { channel: number; payloadType: number; listBySuite: boolean; index: number }

export function decodeCipherSuitesRequest(d: Uint8Array): CipherSuitesRequest {
  requireBytes(d, 0, 3, PROTOCOL, 'get channel cipher suites request');
  return { channel: d[0] & 0x0f, payloadType: d[1] & 0x3f, listBySuite: (d[2] & 0x80) !== 0, index: d[2] & 0x3f };
}

export function encodeCipherSuitesRequest(r: CipherSuitesRequest): Buffer {
  return Buffer.from([r.channel & 0x0f, r.payloadType & 0x3f, (r.listBySuite ? 0x80 : 0) | (r.index & 0x3f)]);
}

/** Up to 16 bytes of record data per response; a shorter chunk ends the list. */
export const CIPHER_SUITE_CHUNK = 16;

// --- Get Session Challenge (§22.16)
export interface SessionChallengeRequest { authType: number; username: string }

export function decodeSessionChallengeRequest(d: Uint8Array): SessionChallengeRequest {
  requireBytes(d, 0, 17, PROTOCOL, 'get session challenge request');
  return { authType: d[0] & 0x0f, username: fixedText(d.subarray(1, 17)) };
}

export function encodeSessionChallengeRequest(r: SessionChallengeRequest): Buffer {
  const out = Buffer.alloc(17);
  out[0] = r.authType;
  out.write(r.username.slice(0, 16), 1, 'latin1');
  return out;
}

export interface SessionChallengeResponse { tempSessionId: number; challenge: Uint8Array }

export function encodeSessionChallengeResponse(r: SessionChallengeResponse): Buffer {
  const out = Buffer.alloc(20);
  out.writeUInt32LE(r.tempSessionId >>> 0, 0);
  out.set(r.challenge.subarray(0, 16), 4);
  return out;
}

export function decodeSessionChallengeResponse(d: Uint8Array): SessionChallengeResponse {
  requireBytes(d, 0, 20, PROTOCOL, 'get session challenge response');
  return { tempSessionId: u32At(d, 0), challenge: d.subarray(4, 20) };
}

// --- Activate Session (§22.17)
export interface ActivateSessionRequest { authType: number; maxPrivilege: number; challenge: Uint8Array; initialOutboundSeq: number }

export function decodeActivateSessionRequest(d: Uint8Array): ActivateSessionRequest {
  requireBytes(d, 0, 22, PROTOCOL, 'activate session request');
  return { authType: d[0] & 0x0f, maxPrivilege: d[1] & 0x0f, challenge: d.subarray(2, 18), initialOutboundSeq: u32At(d, 18) };
}

export function encodeActivateSessionRequest(r: ActivateSessionRequest): Buffer {
  const out = Buffer.alloc(22);
  out[0] = r.authType;
  out[1] = r.maxPrivilege;
  out.set(r.challenge.subarray(0, 16), 2);
  out.writeUInt32LE(r.initialOutboundSeq >>> 0, 18);
  return out;
}

export interface ActivateSessionResponse { authType: number; sessionId: number; initialInboundSeq: number; maxPrivilege: number }

export function encodeActivateSessionResponse(r: ActivateSessionResponse): Buffer {
  const out = Buffer.alloc(10);
  out[0] = r.authType;
  out.writeUInt32LE(r.sessionId >>> 0, 1);
  out.writeUInt32LE(r.initialInboundSeq >>> 0, 5);
  out[9] = r.maxPrivilege;
  return out;
}

export function decodeActivateSessionResponse(d: Uint8Array): ActivateSessionResponse {
  requireBytes(d, 0, 10, PROTOCOL, 'activate session response');
  return { authType: d[0] & 0x0f, sessionId: u32At(d, 1), initialInboundSeq: u32At(d, 5), maxPrivilege: d[9] & 0x0f };
}

/** Activate Session completion codes (§22.17). */
export const ActivateSessionCC = {
  NO_SESSION_SLOT: 0x81,
  NO_SLOT_FOR_USER: 0x82,
  NO_SLOT_AT_PRIVILEGE: 0x83,
  SEQUENCE_OUT_OF_RANGE: 0x84,
  INVALID_SESSION_ID: 0x85,
  PRIVILEGE_EXCEEDS_LIMIT: 0x86,
} as const;

/** Set Session Privilege Level completion codes (§22.18). */
export const SetPrivilegeCC = { NOT_AVAILABLE_FOR_USER: 0x80, EXCEEDS_LIMIT: 0x81, CANNOT_DISABLE_USER_LEVEL_AUTH: 0x82 } as const;

/** Close Session completion codes (§22.19). */
export const CloseSessionCC = { INVALID_SESSION_ID: 0x87, INVALID_SESSION_HANDLE: 0x88 } as const;

/** Get Session Challenge completion codes (§22.16). */
export const SessionChallengeCC = { INVALID_USER_NAME: 0x81, NULL_USER_NAME_DISABLED: 0x82 } as const;

export function decodeCloseSessionRequest(d: Uint8Array): { sessionId: number; handle: number | null } {
  requireBytes(d, 0, 4, PROTOCOL, 'close session request');
  const sessionId = u32At(d, 0);
  if (sessionId === 0 && d.length < 5) throw new DecodeError(PROTOCOL, 'sessionHandle', 4, 'session ID 0 needs a handle', 'ERR_TRUNCATED');
  return { sessionId, handle: sessionId === 0 ? d[4] : null };
}

export function encodeCloseSessionRequest(sessionId: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(sessionId >>> 0, 0);
  return out;
}
