// What one BMC LAN channel needs to know to run sessions: users, keys, offered algorithms, limits.
import type { UserDirectory } from '../users.js';
import type { SessionTableLimits } from './session-table.js';

export interface BmcChannelConfig {
  /** The LAN channel number this endpoint serves (usually 1). */
  channel: number;
  /** The BMC's GUID, as sent in RAKP 2 and used in RAKP 2/4 HMACs. */
  guid: Buffer;
  users: UserDirectory;
  /** Cipher suites offered, in the order Get Channel Cipher Suites lists them. Suite 0 only when allowed below. */
  cipherSuites: readonly number[];
  /** Suite 0 (no authentication, integrity or confidentiality) is refused unless this is set. */
  allowCipherSuite0: boolean;
  /** IPMI v1.5 auth types enabled (AuthType values). Default is MD5 only. */
  v15AuthTypes: readonly number[];
  /** BMC key Kg for two-key logins; null means Kuid is used for the SIK (§13.31). */
  kg: Buffer | null;
  /** Channel privilege limit. */
  maxPrivilege: number;
  /** Bounds of the session table; what is left out takes its default (DEFAULT_SESSION_LIMITS). */
  limits: Partial<SessionTableLimits>;
  /** Source of randomness (session IDs, RAKP randoms, challenges, AES IVs); injectable for tests. */
  random: (bytes: number) => Buffer;
  /**
   * The time at which the session table answers reads that carry none (its size, which /bmcs and the sessions metric
   * show), so a session past its timeout is never counted; without it, every session held is.
   */
  clock?: () => number;
}

/** Why a datagram was dropped without an answer; the emulator counts these. */
export const DropReason = {
  MALFORMED: 'malformed',
  RMCP_ACK: 'rmcp-ack',
  UNSUPPORTED_CLASS: 'unsupported-class',
  UNSUPPORTED_PAYLOAD: 'unsupported-payload',
  UNKNOWN_SESSION: 'unknown-session',
  /** A packet in a session from an address or port other than the one that set the session up. */
  WRONG_PEER: 'wrong-peer',
  NOT_AUTHENTICATED: 'not-authenticated',
  ENCRYPTION_MISMATCH: 'encryption-mismatch',
  INTEGRITY: 'integrity',
  REPLAY: 'replay',
  SESSIONLESS_COMMAND: 'sessionless-command',
  AUTH_TYPE: 'auth-type',
  RAKP_ABORTED: 'rakp-aborted',
} as const;

export type DropReasonName = (typeof DropReason)[keyof typeof DropReason];
