// One BMC-side session record: RMCP+ (IPMI 2.0 §13.14-13.32) or IPMI v1.5 (§6.12).
import type { CipherSuite } from '../cipher-suites.js';
import type { ReplayWindow } from '../replay-window.js';
import type { Peer } from '../../peer.js';

export type SessionState =
  | 'open-requested' // Open Session Response sent, waiting for RAKP 1
  | 'rakp2-sent' // waiting for RAKP 3
  | 'challenged' // v1.5: Get Session Challenge answered, waiting for Activate Session
  | 'active';

export interface BmcSession {
  state: SessionState;
  protocol: 'v1.5' | 'v2.0';
  /** Our ID: the session ID the console puts in packets to us. */
  bmcId: number;
  /** The console's ID: what we put in packets to it (RMCP+ only; v1.5 uses bmcId both ways). */
  consoleId: number;
  handle: number;
  /** The console's address and port: its packets come from there (ipmitool keeps one socket per session). */
  remoteAddress: string;
  remotePort: number;
  /** Active: the last packet that passed the session's checks. Half-open: when setup began (a resent RAKP 1 leaves it). */
  lastActivity: number;
  /** Maximum privilege requested at open (RMCP+) or activation (v1.5). */
  maxPrivilege: number;
  /** Current operating privilege. */
  privilege: number;
  userId: number;
  username: Buffer;
  password: Buffer;

  // RMCP+ only
  suite?: CipherSuite;
  role?: number;
  consoleRandom?: Buffer;
  bmcRandom?: Buffer;
  k1?: Buffer;
  k2?: Buffer;
  outboundSeq: number;
  inbound?: ReplayWindow;

  // v1.5 only
  authType?: number;
  challenge?: Buffer;
}

/** Is `peer` the address and port the session was set up from? */
export function isSessionPeer(session: BmcSession, peer: Peer): boolean {
  return session.remotePort === peer.port && session.remoteAddress === peer.address;
}
