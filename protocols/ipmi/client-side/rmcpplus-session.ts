// Remote-console side of an RMCP+ session as a sans-I/O state machine — IPMI 2.0 §13.15-13.32.
// The caller sends what it returns and feeds back what arrives; retries and timers live outside.
import { DecodeError } from '../../errors.js';
import { ConfidentialityAlgorithm, IntegrityAlgorithm, suiteById, type CipherSuite } from '../cipher-suites.js';
import { BMC_SLAVE_ADDRESS, REMOTE_CONSOLE_SWID, decodeResponse, encodeRequest, type IpmiResponse } from '../message.js';
import {
  RakpStatus, decodeOpenSessionResponse, decodeRakp2, decodeRakp4, encodeOpenSessionRequest, encodeRakp1, encodeRakp3, rakpStatusName,
} from '../rakp.js';
import {
  aesDecryptPayload, aesEncryptPayload, authCodesEqual, deriveK1, deriveK2, integrityAuthCode, integrityAuthCodeLength,
  rakp2AuthCode, rakp3AuthCode, rakp4Icv, sessionIntegrityKey, type RakpValues,
} from '../rmcpplus-crypto.js';
import { ReplayWindow } from '../replay-window.js';
import { PayloadType, decodeSessionV20, encodeSessionV20 } from '../session-v20.js';
import { Privilege } from '../users.js';

export interface ClientSessionOptions {
  username: string;
  password: string | Buffer;
  /** BMC key for two-key logins; omit for Kuid. */
  kg?: Buffer | null;
  /** Requested maximum privilege (default ADMINISTRATOR). */
  privilege?: number;
  cipherSuite?: number;
  random: (bytes: number) => Buffer;
}

/** A session-establishment failure, with the RMCP+ status (or a local reason) that caused it. */
export class SessionError extends Error {
  readonly status: number | null;
  readonly code: string;
  constructor(code: string, message: string, status: number | null = null) {
    super(message);
    this.name = 'SessionError';
    this.code = code;
    this.status = status;
  }
}

export type ClientState = 'idle' | 'open-sent' | 'rakp1-sent' | 'rakp3-sent' | 'active' | 'failed';

export type HandshakeStep =
  | { kind: 'send'; datagram: Buffer }
  | { kind: 'established' }
  | { kind: 'ignored' };

export class RmcpPlusClientSession {
  state: ClientState = 'idle';
  readonly suite: CipherSuite;
  readonly consoleId: number;
  bmcId = 0;
  private readonly opts: ClientSessionOptions;
  private readonly password: Buffer;
  private readonly username: Buffer;
  private readonly role: number;
  private readonly consoleRandom: Buffer;
  private bmcRandom: Buffer = Buffer.alloc(0);
  private bmcGuid: Buffer = Buffer.alloc(0);
  private sik: Buffer = Buffer.alloc(0);
  private k1: Buffer = Buffer.alloc(0);
  private k2: Buffer = Buffer.alloc(0);
  private outboundSeq = 0;
  private readonly inbound = new ReplayWindow(0);
  private messageTag = 0;
  private abortDatagram: Buffer | null = null;

  constructor(opts: ClientSessionOptions) {
    this.opts = opts;
    const suite = suiteById(opts.cipherSuite ?? 17);
    if (!suite) throw new RangeError(`unknown cipher suite ${opts.cipherSuite}`);
    this.suite = suite;
    this.password = Buffer.from(opts.password);
    this.username = Buffer.from(opts.username, 'latin1');
    if (this.username.length > 16) throw new RangeError('user name longer than 16 bytes');
    if (this.password.length > 20) throw new RangeError('password longer than 20 bytes');
    this.role = 0x10 | (opts.privilege ?? Privilege.ADMINISTRATOR); // name-only lookup (§13.20)
    this.consoleId = opts.random(4).readUInt32LE(0) || 1;
    this.consoleRandom = opts.random(16);
  }

  /** The Open Session Request that starts the handshake. */
  open(): Buffer {
    this.state = 'open-sent';
    return this.handshakePacket(PayloadType.OPEN_SESSION_REQUEST, encodeOpenSessionRequest({
      messageTag: this.messageTag, requestedPrivilege: 0, consoleSessionId: this.consoleId,
      auth: this.suite.auth, integrity: this.suite.integrity, confidentiality: this.suite.confidentiality,
    }));
  }

  /** Feeds a handshake datagram. Throws SessionError when the BMC refuses or a check fails. */
  handshake(datagram: Uint8Array): HandshakeStep {
    const pkt = decodeSessionV20(datagram);
    if (pkt.sessionId !== 0) return { kind: 'ignored' };
    if (this.state === 'open-sent' && pkt.payloadType === PayloadType.OPEN_SESSION_RESPONSE) {
      const r = decodeOpenSessionResponse(pkt.payload);
      if (r.consoleSessionId !== this.consoleId && r.status === RakpStatus.NO_ERRORS) return { kind: 'ignored' };
      this.check(r.status, 'open session response');
      // The BMC must have taken exactly the algorithms proposed (§13.18), or the two sides would disagree on the keys' use.
      const s = this.suite;
      if (r.auth !== s.auth || r.integrity !== s.integrity || r.confidentiality !== s.confidentiality) {
        this.state = 'failed';
        throw new SessionError('ERR_ALGORITHMS', `open session response: the BMC chose algorithms ${r.auth}/${r.integrity}/${r.confidentiality}, not suite ${s.id}'s ${s.auth}/${s.integrity}/${s.confidentiality}`);
      }
      this.bmcId = r.bmcSessionId;
      this.state = 'rakp1-sent';
      return { kind: 'send', datagram: this.handshakePacket(PayloadType.RAKP1, encodeRakp1({
        messageTag: this.messageTag, bmcSessionId: this.bmcId, consoleRandom: this.consoleRandom, role: this.role, username: this.username,
      })) };
    }
    if (this.state === 'rakp1-sent' && pkt.payloadType === PayloadType.RAKP2) {
      const r = decodeRakp2(pkt.payload);
      this.check(r.status, 'RAKP 2');
      this.bmcRandom = Buffer.from(r.bmcRandom);
      this.bmcGuid = Buffer.from(r.bmcGuid);
      const values = this.values();
      if (!authCodesEqual(rakp2AuthCode(this.suite.auth, this.password, values), r.authCode)) {
        this.state = 'failed';
        // The BMC holds a session slot for this login until it times out: a RAKP 3 with an error status (§13.22;
        // §13.24 Table 13-15) tells it to let the slot go now, so failed logins do not lock out the next ones.
        this.abortDatagram = this.handshakePacket(PayloadType.RAKP3, encodeRakp3({
          messageTag: this.messageTag, status: RakpStatus.INVALID_INTEGRITY_CHECK_VALUE, bmcSessionId: this.bmcId, authCode: Buffer.alloc(0),
        }));
        throw new SessionError('ERR_RAKP2_HMAC', 'RAKP 2 HMAC is invalid: wrong password (or BMC key)');
      }
      this.sik = sessionIntegrityKey(this.suite.auth, this.opts.kg ?? this.password, values);
      this.k1 = deriveK1(this.suite.auth, this.sik);
      this.k2 = deriveK2(this.suite.auth, this.sik);
      this.state = 'rakp3-sent';
      return { kind: 'send', datagram: this.handshakePacket(PayloadType.RAKP3, encodeRakp3({
        messageTag: this.messageTag, status: RakpStatus.NO_ERRORS, bmcSessionId: this.bmcId,
        authCode: rakp3AuthCode(this.suite.auth, this.password, values),
      })) };
    }
    if (this.state === 'rakp3-sent' && pkt.payloadType === PayloadType.RAKP4) {
      const r = decodeRakp4(pkt.payload);
      this.check(r.status, 'RAKP 4');
      if (!authCodesEqual(rakp4Icv(this.suite.auth, this.sik, this.values()), r.icv)) {
        this.state = 'failed';
        throw new SessionError('ERR_RAKP4_ICV', 'RAKP 4 integrity check value is invalid');
      }
      this.state = 'active';
      return { kind: 'established' };
    }
    return { kind: 'ignored' };
  }

  /**
   * After a handshake() that threw because RAKP 2's HMAC did not check out (a wrong password), the RAKP 3 with an
   * error status to send so that the BMC frees the session it set aside; null otherwise. Given out once.
   */
  takeAbort(): Buffer | null {
    const datagram = this.abortDatagram;
    this.abortDatagram = null;
    return datagram;
  }

  /** An IPMI request inside the session, encrypted and signed as negotiated. */
  request(netFn: number, cmd: number, data: Uint8Array, rqSeq: number): Buffer {
    if (this.state !== 'active') throw new Error(`session is ${this.state}, not active`);
    const message = encodeRequest({ rsAddr: BMC_SLAVE_ADDRESS, netFn, rsLun: 0, rqAddr: REMOTE_CONSOLE_SWID, rqSeq, rqLun: 0, cmd, data });
    const encrypted = this.suite.confidentiality === ConfidentialityAlgorithm.AES_CBC_128;
    const payload = encrypted ? aesEncryptPayload(this.k2, this.opts.random(16), message) : message;
    const authenticated = this.suite.integrity !== IntegrityAlgorithm.NONE;
    this.outboundSeq = (this.outboundSeq + 1) >>> 0 || 1;
    return encodeSessionV20(
      { payloadType: PayloadType.IPMI, encrypted, authenticated, sessionId: this.bmcId, sequence: this.outboundSeq, payload },
      integrityAuthCodeLength(this.suite.integrity),
      authenticated ? (d) => integrityAuthCode(this.suite.integrity, this.k1, this.password, d) : undefined,
    );
  }

  /** Verifies and decrypts a datagram from the BMC. Returns null for packets that are not ours or fail checks. */
  response(datagram: Uint8Array): IpmiResponse | null {
    let pkt;
    try {
      pkt = decodeSessionV20(datagram);
    } catch (err) {
      if (err instanceof DecodeError) return null;
      throw err;
    }
    if (this.state !== 'active') return null; // no keys yet: nothing can be verified (§13.28)
    if (pkt.sessionId !== this.consoleId || pkt.payloadType !== PayloadType.IPMI) return null;
    // Encryption must be what the suite negotiated, both ways (§13.29): no downgrade to plaintext.
    if (pkt.encrypted !== (this.suite.confidentiality !== ConfidentialityAlgorithm.NONE)) return null;
    if (this.suite.integrity !== IntegrityAlgorithm.NONE) {
      if (!pkt.authenticated) return null;
      const expected = integrityAuthCode(this.suite.integrity, this.k1, this.password, pkt.integrityData);
      if (!authCodesEqual(expected, pkt.authCode)) return null;
    }
    if (!this.inbound.check(pkt.sequence)) return null;
    try {
      const plain = pkt.encrypted ? aesDecryptPayload(this.k2, pkt.payload) : pkt.payload;
      const res = decodeResponse(plain);
      this.inbound.accept(pkt.sequence);
      return res;
    } catch (err) {
      if (err instanceof DecodeError) return null;
      throw err;
    }
  }

  private check(status: number, what: string): void {
    if (status !== RakpStatus.NO_ERRORS) {
      this.state = 'failed';
      throw new SessionError('ERR_RAKP_STATUS', `${what}: ${rakpStatusName(status)}`, status);
    }
  }

  private values(): RakpValues {
    return {
      consoleSessionId: this.consoleId, bmcSessionId: this.bmcId, consoleRandom: this.consoleRandom, bmcRandom: this.bmcRandom,
      bmcGuid: this.bmcGuid, role: this.role, username: this.username,
    };
  }

  private handshakePacket(payloadType: number, payload: Buffer): Buffer {
    return encodeSessionV20({ payloadType, encrypted: false, authenticated: false, sessionId: 0, sequence: 0, payload });
  }
}
