// BMC side of RMCP+ session establishment — IPMI 2.0 §13.17-13.23 (Open Session, RAKP 1-4), §13.31-13.32 (keys).
import { suiteByAlgorithms } from '../cipher-suites.js';
import {
  RakpStatus, decodeOpenSessionRequest, decodeRakp1, decodeRakp3,
  encodeOpenSessionResponse, encodeRakp2, encodeRakp4,
} from '../rakp.js';
import {
  authCodesEqual, deriveK1, deriveK2, rakp2AuthCode, rakp3AuthCode, rakp4Icv, sessionIntegrityKey, type RakpValues,
} from '../rmcpplus-crypto.js';
import { ReplayWindow } from '../replay-window.js';
import { PayloadType, encodeSessionV20 } from '../session-v20.js';
import { Privilege, mayLogIn } from '../users.js';
import type { BmcChannelConfig } from './channel-config.js';
import { isSessionPeer, type BmcSession, type SessionState } from './session.js';
import type { Peer } from '../../peer.js';
import type { SessionTable } from './session-table.js';

/** An unauthenticated, sessionless RMCP+ packet carrying a handshake payload. */
function handshakePacket(payloadType: number, payload: Buffer): Buffer {
  return encodeSessionV20({ payloadType, encrypted: false, authenticated: false, sessionId: 0, sequence: 0, payload });
}

export function openSession(cfg: BmcChannelConfig, sessions: SessionTable, payload: Uint8Array, peer: Peer, now: number): Buffer {
  const req = decodeOpenSessionRequest(payload);
  const fail = (status: number) => handshakePacket(PayloadType.OPEN_SESSION_RESPONSE, encodeOpenSessionResponse({
    messageTag: req.messageTag, status, maxPrivilege: 0, consoleSessionId: req.consoleSessionId, bmcSessionId: 0,
    auth: 0, integrity: 0, confidentiality: 0,
  }));
  const suite = suiteByAlgorithms(req.auth, req.integrity, req.confidentiality);
  const offered = suite && cfg.cipherSuites.includes(suite.id) && (suite.id !== 0 || cfg.allowCipherSuite0);
  if (!suite || !offered) return fail(RakpStatus.NO_CIPHER_SUITE_MATCH);
  if (req.requestedPrivilege > Privilege.OEM) return fail(RakpStatus.INVALID_ROLE);
  const maxPrivilege = Math.min(req.requestedPrivilege || cfg.maxPrivilege, cfg.maxPrivilege);
  const session = sessions.add({
    state: 'open-requested', protocol: 'v2.0', consoleId: req.consoleSessionId, remoteAddress: peer.address,
    remotePort: peer.port, lastActivity: now, maxPrivilege, privilege: 0, userId: 0, username: Buffer.alloc(0),
    password: Buffer.alloc(0), suite, outboundSeq: 0,
  }, now);
  if (!session) return fail(RakpStatus.INSUFFICIENT_RESOURCES);
  return handshakePacket(PayloadType.OPEN_SESSION_RESPONSE, encodeOpenSessionResponse({
    messageTag: req.messageTag, status: RakpStatus.NO_ERRORS, maxPrivilege, consoleSessionId: req.consoleSessionId,
    bmcSessionId: session.bmcId, auth: suite.auth, integrity: suite.integrity, confidentiality: suite.confidentiality,
  }));
}

function rakpValues(cfg: BmcChannelConfig, s: BmcSession): RakpValues {
  return {
    consoleSessionId: s.consoleId, bmcSessionId: s.bmcId, consoleRandom: s.consoleRandom!, bmcRandom: s.bmcRandom!,
    bmcGuid: cfg.guid, role: s.role!, username: s.username,
  };
}

/** A half-open RMCP+ session in one of `states`, not expired; one that another peer set up is unknown to this one. */
function handshakeSession(sessions: SessionTable, bmcId: number, peer: Peer, now: number, states: readonly SessionState[]): BmcSession | undefined {
  const session = sessions.lookup(bmcId, now);
  if (!session || session.protocol !== 'v2.0' || !states.includes(session.state) || !isSessionPeer(session, peer)) return undefined;
  return session;
}

const RAKP1_STATES: readonly SessionState[] = ['open-requested', 'rakp2-sent'];
const RAKP3_STATES: readonly SessionState[] = ['rakp2-sent'];

/** RAKP 1 may be resent (RAKP 2 lost): each gets a fresh RAKP 2, but the setup deadline stays where Open Session put it. */
export function rakp1(cfg: BmcChannelConfig, sessions: SessionTable, payload: Uint8Array, peer: Peer, now: number): Buffer {
  const r1 = decodeRakp1(payload);
  const session = handshakeSession(sessions, r1.bmcSessionId, peer, now, RAKP1_STATES);
  const fail = (status: number, consoleSessionId: number) => handshakePacket(PayloadType.RAKP2, encodeRakp2({
    messageTag: r1.messageTag, status, consoleSessionId, bmcRandom: Buffer.alloc(0), bmcGuid: Buffer.alloc(0), authCode: Buffer.alloc(0),
  }));
  if (!session) return fail(RakpStatus.INVALID_SESSION_ID, 0);
  const abort = (status: number) => {
    sessions.remove(session.bmcId);
    return fail(status, session.consoleId);
  };
  const requested = r1.role & 0x0f;
  if (requested < Privilege.CALLBACK || requested > Privilege.OEM) return abort(RakpStatus.INVALID_ROLE);
  const user = cfg.users.byName(Buffer.from(r1.username).toString('latin1'));
  if (!mayLogIn(user)) return abort(RakpStatus.UNAUTHORIZED_NAME);
  if (requested > user.privilegeLimit || requested > session.maxPrivilege) return abort(RakpStatus.UNAUTHORIZED_ROLE);
  session.state = 'rakp2-sent';
  session.role = r1.role;
  session.maxPrivilege = requested;
  session.consoleRandom = Buffer.from(r1.consoleRandom);
  session.bmcRandom = cfg.random(16);
  session.username = Buffer.from(r1.username);
  session.userId = user.id;
  session.password = user.password;
  const authCode = rakp2AuthCode(session.suite!.auth, user.password, rakpValues(cfg, session));
  return handshakePacket(PayloadType.RAKP2, encodeRakp2({
    messageTag: r1.messageTag, status: RakpStatus.NO_ERRORS, consoleSessionId: session.consoleId,
    bmcRandom: session.bmcRandom, bmcGuid: cfg.guid, authCode,
  }));
}

/** Returns the RAKP 4 packet, or null when the console aborted (RAKP 3 with an error status: no answer). */
export function rakp3(cfg: BmcChannelConfig, sessions: SessionTable, payload: Uint8Array, peer: Peer, now: number): Buffer | null {
  const r3 = decodeRakp3(payload);
  const session = handshakeSession(sessions, r3.bmcSessionId, peer, now, RAKP3_STATES);
  const reply = (status: number, consoleSessionId: number, icv: Buffer = Buffer.alloc(0)) =>
    handshakePacket(PayloadType.RAKP4, encodeRakp4({ messageTag: r3.messageTag, status, consoleSessionId, icv }));
  if (!session) return reply(RakpStatus.INVALID_SESSION_ID, 0);
  if (r3.status !== RakpStatus.NO_ERRORS) {
    sessions.remove(session.bmcId);
    return null;
  }
  const suite = session.suite!;
  const values = rakpValues(cfg, session);
  if (!authCodesEqual(rakp3AuthCode(suite.auth, session.password, values), r3.authCode)) {
    sessions.remove(session.bmcId);
    return reply(RakpStatus.INVALID_INTEGRITY_CHECK_VALUE, session.consoleId);
  }
  const sik = sessionIntegrityKey(suite.auth, cfg.kg ?? session.password, values);
  session.k1 = deriveK1(suite.auth, sik);
  session.k2 = deriveK2(suite.auth, sik);
  session.state = 'active';
  session.privilege = Math.min(Privilege.USER, session.maxPrivilege);
  session.inbound = new ReplayWindow(0);
  session.outboundSeq = 0;
  session.lastActivity = now;
  return reply(RakpStatus.NO_ERRORS, session.consoleId, rakp4Icv(suite.auth, sik, values));
}
