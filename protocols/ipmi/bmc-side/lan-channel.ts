// The BMC's LAN channel as a sans-I/O state machine: datagram in, answer or dispatched request out.
// RMCP (ASF 2.0 §3.2), IPMI v1.5 sessions (IPMI 2.0 §6.12, §13.6) and RMCP+ sessions (§13.14-13.32), which carry
// IPMI messages and, for a session that owns an active SOL instance, the SOL payload (type 01h, §15.9, §24.1).
import { DecodeError, requireBytes } from '../../errors.js';
import { AsfMessageType, decodeAsf, encodePresencePong } from '../../rmcp/asf.js';
import { RMCP_HEADER_LENGTH, RmcpClass, decodeRmcpHeader } from '../../rmcp/header.js';
import { authCodeV15 } from '../auth-v15.js';
import { ConfidentialityAlgorithm, IntegrityAlgorithm } from '../cipher-suites.js';
import { SessionCommand } from '../commands/session-setup.js';
import { decodeRequest, encodeResponse, responseTo, type IpmiRequest, type IpmiResponse } from '../message.js';
import { aesDecryptPayload, aesEncryptPayload, authCodesEqual, integrityAuthCode, integrityAuthCodeLength } from '../rmcpplus-crypto.js';
import { AuthType, decodeSessionV15, encodeSessionV15 } from '../session-v15.js';
import { PayloadType, decodeSessionV20, encodeSessionV20 } from '../session-v20.js';
import { DropReason, type BmcChannelConfig, type DropReasonName } from './channel-config.js';
import { activateSession, closeSession, isInSessionCommand, setSessionPrivilege } from './in-session-commands.js';
import { openSession, rakp1, rakp3 } from './rmcpplus-handshake.js';
import { isSessionPeer, type BmcSession } from './session.js';
import { SessionTable } from './session-table.js';
import { answerSessionless, isSessionlessCommand, type CommandAnswer } from './sessionless-commands.js';

import type { Peer } from '../../peer.js';

export type ChannelOutput =
  | { kind: 'reply'; datagram: Buffer }
  | { kind: 'request'; session: BmcSession; request: IpmiRequest }
  | { kind: 'drop'; reason: DropReasonName; error?: DecodeError };

/** A SOL payload (authenticated, decrypted, in sequence) for the SOL instance `session` owns. A view: copy to keep. */
export interface SolInput { kind: 'sol'; session: BmcSession; payload: Uint8Array }

export class BmcLanChannel {
  readonly config: BmcChannelConfig;
  readonly sessions: SessionTable;
  /**
   * Does this session own an active SOL payload instance? SOL packets of sessions that do not are dropped as an
   * unsupported payload (§24.1: a payload flows only once activated). The emulator points it at its SOL state.
   */
  hasSolInstance: (session: BmcSession) => boolean = () => false;

  constructor(config: BmcChannelConfig) {
    this.config = config;
    this.sessions = new SessionTable(config.limits, () => config.random(4).readUInt32LE(0), config.clock);
  }

  /** Handles one datagram. Never throws for bad input: malformed packets come back as drops. SOL is not carried. */
  receive(datagram: Uint8Array, peer: Peer, now: number): ChannelOutput {
    return this.receiveAny(datagram, peer, now, false) as ChannelOutput;
  }

  /** As receive(), and SOL payloads of sessions that own an active SOL instance (hasSolInstance) come out too. */
  receiveWithSol(datagram: Uint8Array, peer: Peer, now: number): ChannelOutput | SolInput {
    return this.receiveAny(datagram, peer, now, true);
  }

  private receiveAny(datagram: Uint8Array, peer: Peer, now: number, carrySol: boolean): ChannelOutput | SolInput {
    try {
      const rmcp = decodeRmcpHeader(datagram);
      if (rmcp.ack) return drop(DropReason.RMCP_ACK);
      if (rmcp.messageClass === RmcpClass.ASF) return this.receiveAsf(datagram);
      if (rmcp.messageClass !== RmcpClass.IPMI) return drop(DropReason.UNSUPPORTED_CLASS);
      requireBytes(datagram, RMCP_HEADER_LENGTH, 1, 'ipmi', 'authType');
      return (datagram[RMCP_HEADER_LENGTH] & 0x0f) === AuthType.RMCP_PLUS
        ? this.receiveV20(datagram, peer, now, carrySol)
        : this.receiveV15(datagram, peer, now);
    } catch (err) {
      if (err instanceof DecodeError) return { kind: 'drop', reason: DropReason.MALFORMED, error: err };
      throw err;
    }
  }

  /** Wraps the answer to a dispatched request in its session (encrypting and signing as negotiated). */
  respond(session: BmcSession, response: IpmiResponse): Buffer {
    const message = encodeResponse(response);
    if (session.protocol === 'v2.0') return this.wrapV20(session, message, PayloadType.IPMI);
    return this.wrapV15(session, message);
  }

  /** Wraps a SOL payload (§15.9) for the console of RMCP+ session `session`, sharing its outbound sequence. */
  wrapSol(session: BmcSession, payload: Uint8Array): Buffer {
    if (session.protocol !== 'v2.0') throw new Error('SOL runs only in RMCP+ sessions');
    return this.wrapV20(session, payload, PayloadType.SOL);
  }

  private receiveAsf(datagram: Uint8Array): ChannelOutput {
    const msg = decodeAsf(datagram);
    if (msg.messageType !== AsfMessageType.PRESENCE_PING) return drop(DropReason.UNSUPPORTED_PAYLOAD);
    return { kind: 'reply', datagram: encodePresencePong(msg) };
  }

  private receiveV20(datagram: Uint8Array, peer: Peer, now: number, carrySol: boolean): ChannelOutput | SolInput {
    const pkt = decodeSessionV20(datagram);
    if (pkt.sessionId === 0) {
      switch (pkt.payloadType) {
        case PayloadType.OPEN_SESSION_REQUEST: return reply(openSession(this.config, this.sessions, pkt.payload, peer, now));
        case PayloadType.RAKP1: return reply(rakp1(this.config, this.sessions, pkt.payload, peer, now));
        case PayloadType.RAKP3: {
          const out = rakp3(this.config, this.sessions, pkt.payload, peer, now);
          return out ? reply(out) : drop(DropReason.RAKP_ABORTED);
        }
        case PayloadType.IPMI: {
          const req = decodeRequest(pkt.payload);
          if (!isSessionlessCommand(req)) return drop(DropReason.SESSIONLESS_COMMAND);
          const answer = answerSessionless(this.config, this.sessions, req, peer, now);
          return reply(encodeSessionV20({ payloadType: PayloadType.IPMI, encrypted: false, authenticated: false, sessionId: 0, sequence: 0,
            payload: encodeResponse(responseTo(req, answer.cc, answer.data)) }));
        }
        default: return drop(DropReason.UNSUPPORTED_PAYLOAD);
      }
    }
    const session = this.sessions.lookup(pkt.sessionId, now);
    if (!session || session.state !== 'active' || session.protocol !== 'v2.0') return drop(DropReason.UNKNOWN_SESSION);
    // A session belongs to the socket that set it up: ipmitool and FreeIPMI keep one per session, and Get Session
    // Info (§22.20) reports that address and port as the session's console.
    if (!isSessionPeer(session, peer)) return drop(DropReason.WRONG_PEER);
    const suite = session.suite!;
    // Integrity first: nothing about the session changes for a packet that fails it (§13.28.4).
    if (suite.integrity !== IntegrityAlgorithm.NONE) {
      if (!pkt.authenticated) return drop(DropReason.NOT_AUTHENTICATED);
      const expected = integrityAuthCode(suite.integrity, session.k1!, session.password, pkt.integrityData);
      if (!authCodesEqual(expected, pkt.authCode)) return drop(DropReason.INTEGRITY);
    }
    // Encryption must be what the suite negotiated (§13.29): no plaintext in an AES session, no AES outside one.
    if (pkt.encrypted !== (suite.confidentiality !== ConfidentialityAlgorithm.NONE)) return drop(DropReason.ENCRYPTION_MISMATCH);
    if (!session.inbound!.check(pkt.sequence)) return drop(DropReason.REPLAY);
    const sol = carrySol && pkt.payloadType === PayloadType.SOL && this.hasSolInstance(session);
    if (pkt.payloadType !== PayloadType.IPMI && !sol) return drop(DropReason.UNSUPPORTED_PAYLOAD);
    const plain = pkt.encrypted ? aesDecryptPayload(session.k2!, pkt.payload) : pkt.payload;
    // One session sequence space for every payload type (§13.14): SOL and IPMI share the replay window.
    if (sol) {
      session.inbound!.accept(pkt.sequence);
      session.lastActivity = now;
      return { kind: 'sol', session, payload: plain };
    }
    const req = decodeRequest(plain);
    session.inbound!.accept(pkt.sequence);
    session.lastActivity = now;
    return this.inSession(session, req, peer, now);
  }

  private receiveV15(datagram: Uint8Array, peer: Peer, now: number): ChannelOutput {
    const pkt = decodeSessionV15(datagram);
    if (pkt.sessionId === 0) {
      if (pkt.authType !== AuthType.NONE) return drop(DropReason.AUTH_TYPE);
      const req = decodeRequest(pkt.message);
      if (!isSessionlessCommand(req)) return drop(DropReason.SESSIONLESS_COMMAND);
      const answer = answerSessionless(this.config, this.sessions, req, peer, now);
      return reply(encodeSessionV15({ authType: AuthType.NONE, sequence: 0, sessionId: 0, authCode: null,
        message: encodeResponse(responseTo(req, answer.cc, answer.data)) }));
    }
    const session = this.sessions.lookup(pkt.sessionId, now);
    if (!session || session.protocol !== 'v1.5') return drop(DropReason.UNKNOWN_SESSION);
    if (!isSessionPeer(session, peer)) return drop(DropReason.WRONG_PEER);
    if (pkt.authType !== session.authType) return drop(DropReason.AUTH_TYPE);
    if (pkt.authType !== AuthType.NONE) {
      const expected = authCodeV15(pkt.authType, session.password, pkt.sessionId, pkt.sequence, pkt.message);
      if (!authCodesEqual(expected, pkt.authCode!)) return drop(DropReason.INTEGRITY);
    }
    const req = decodeRequest(pkt.message);
    if (session.state === 'challenged') {
      if (req.netFn !== 0x06 || req.cmd !== SessionCommand.ACTIVATE_SESSION) return drop(DropReason.UNKNOWN_SESSION);
      const answer = activateSession(this.config, session, req, now);
      if (answer.cc !== 0) this.sessions.remove(session.bmcId);
      // The activation answer goes out under the temporary session ID with the console's initial outbound sequence.
      return reply(this.wrapV15(session, encodeResponse(responseTo(req, answer.cc, answer.data)), answer.cc === 0 ? undefined : 0));
    }
    if (!session.inbound!.accept(pkt.sequence)) return drop(DropReason.REPLAY);
    session.lastActivity = now;
    return this.inSession(session, req, peer, now);
  }

  private inSession(session: BmcSession, req: IpmiRequest, peer: Peer, now: number): ChannelOutput {
    if (isSessionlessCommand(req)) return this.answer(session, req, answerSessionless(this.config, this.sessions, req, peer, now));
    if (!isInSessionCommand(req)) return { kind: 'request', session, request: req };
    if (req.cmd === SessionCommand.SET_SESSION_PRIVILEGE_LEVEL) return this.answer(session, req, setSessionPrivilege(this.config, session, req));
    const { answer, close } = closeSession(this.sessions, session, req);
    const out = this.answer(session, req, answer);
    if (close) this.sessions.remove(close.bmcId);
    return out;
  }

  private answer(session: BmcSession, req: IpmiRequest, answer: CommandAnswer): ChannelOutput {
    return reply(this.respond(session, responseTo(req, answer.cc, answer.data)));
  }

  private wrapV20(session: BmcSession, message: Uint8Array, payloadType: number): Buffer {
    const suite = session.suite!;
    const encrypted = suite.confidentiality === ConfidentialityAlgorithm.AES_CBC_128;
    const payload = encrypted ? aesEncryptPayload(session.k2!, this.config.random(16), message) : message;
    session.outboundSeq = (session.outboundSeq + 1) >>> 0 || 1;
    const authenticated = suite.integrity !== IntegrityAlgorithm.NONE;
    return encodeSessionV20(
      { payloadType, encrypted, authenticated, sessionId: session.consoleId, sequence: session.outboundSeq, payload },
      integrityAuthCodeLength(suite.integrity),
      authenticated ? (data) => integrityAuthCode(suite.integrity, session.k1!, session.password, data) : undefined,
    );
  }

  private wrapV15(session: BmcSession, message: Buffer, sequence?: number): Buffer {
    const seq = sequence ?? session.outboundSeq;
    if (sequence === undefined) session.outboundSeq = (session.outboundSeq + 1) >>> 0;
    const authType = session.authType!;
    const authCode = authType === AuthType.NONE ? null : authCodeV15(authType, session.password, session.bmcId, seq, message);
    return encodeSessionV15({ authType, sequence: seq, sessionId: session.bmcId, authCode, message });
  }
}

function reply(datagram: Buffer): ChannelOutput {
  return { kind: 'reply', datagram };
}

function drop(reason: DropReasonName): ChannelOutput {
  return { kind: 'drop', reason };
}
