// Fuzzes one BmcLanChannel with well over 100,000 datagrams: random bytes, mutated real captures
// (ipmitool vs ipmi_sim), mutated sessionless requests and handshakes, and mutated or re-signed packets of
// live in-memory RMCP+ sessions (suites 3 and 17, made with RmcpPlusClientSession) and of a live IPMI 1.5
// MD5 session, so the fuzzer gets past session lookup, the integrity check, the replay window and AES.
//
// Asserted throughout: receive() never throws; each output is a valid reply (one our decoders read back),
// a request from an active session in the table, or a drop with a known reason (a DecodeError exactly
// when "malformed"); the session table never exceeds its limit; every genuine BMC answer to a live session
// is accepted by its client; RmcpPlusClientSession.handshake() throws only SessionError/DecodeError and
// response() never throws. At the end, an admin session established before the fuzzing (and never sent a
// packet during it) must be unchanged and still work. Drop reasons and other counts go to t.comment.
//
// Regression cases for the bugs this fuzzer found are at the end: B2, RmcpPlusClientSession.response() used
// the empty K1/K2 before the handshake finished; B3, it accepted plaintext in a session that negotiated AES.
import t from 'tap';
import { DecodeError } from '../../protocols/errors.js';
import { AsfMessageType, decodeAsf, decodePresencePong } from '../../protocols/rmcp/asf.js';
import { RmcpClass, decodeRmcpHeader } from '../../protocols/rmcp/header.js';
import { DropReason } from '../../protocols/ipmi/bmc-side/channel-config.js';
import type { BmcLanChannel, ChannelOutput } from '../../protocols/ipmi/bmc-side/lan-channel.js';
import type { BmcSession } from '../../protocols/ipmi/bmc-side/session.js';
import { isInSessionCommand } from '../../protocols/ipmi/bmc-side/in-session-commands.js';
import { isSessionlessCommand } from '../../protocols/ipmi/bmc-side/sessionless-commands.js';
import { RmcpPlusClientSession, SessionError } from '../../protocols/ipmi/client-side/rmcpplus-session.js';
import { sessionlessRequest, sessionlessResponse } from '../../protocols/ipmi/client-side/sessionless.js';
import { authCodeV15 } from '../../protocols/ipmi/auth-v15.js';
import { CIPHER_SUITES, ConfidentialityAlgorithm } from '../../protocols/ipmi/cipher-suites.js';
import {
  SessionCommand, decodeActivateSessionResponse, decodeSessionChallengeResponse, encodeActivateSessionRequest,
  encodeCloseSessionRequest, encodeSessionChallengeRequest,
} from '../../protocols/ipmi/commands/session-setup.js';
import {
  BMC_SLAVE_ADDRESS, NetFn, REMOTE_CONSOLE_SWID, checksum, decodeRequest, decodeResponse, encodeRequest, encodeResponse, responseTo,
  type IpmiResponse,
} from '../../protocols/ipmi/message.js';
import {
  RakpStatus, decodeOpenSessionResponse, decodeRakp2, decodeRakp4, encodeRakp1, encodeRakp3,
} from '../../protocols/ipmi/rakp.js';
import { aesEncryptPayload, integrityAuthCode, integrityAuthCodeLength } from '../../protocols/ipmi/rmcpplus-crypto.js';
import { AuthType, decodeSessionV15, encodeSessionV15 } from '../../protocols/ipmi/session-v15.js';
import { PayloadType, decodeSessionV20, encodeSessionV20 } from '../../protocols/ipmi/session-v20.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import type { Peer } from '../../protocols/peer.js';
import { PEER, testChannel } from '../helpers/channel.js';
import { loadFrames } from '../helpers/vectors.js';
import {
  FailureLog, Histogram, Rng, decodeErrorProblem, fuzzIterations, fuzzSeed, hex, mutate, randomBuffer, seedHex, type MutationContext,
} from './fuzz-helpers.js';

const SEED = fuzzSeed();
const DATAGRAMS = fuzzIterations(120_000);
/** Explicit limits: idle timeout well above the run's simulated time (1 ms per datagram), short setup timeout. */
const LIMITS = { maxSessions: 8, idleTimeoutMs: 600_000, setupTimeoutMs: 1_000 };
const GET_DEVICE_ID = 0x01;

const captured = loadFrames('ipmi/ipmitool-vs-ipmi_sim.json');
const pings = loadFrames('ipmi/asf-ping-pong.json');
const allFrames = [...captured, ...pings].map((f) => f.bytes);
const bmcFrames = [...captured, ...pings].filter((f) => f.from === 'bmc').map((f) => f.bytes);
const DROP_REASONS: ReadonlySet<string> = new Set(Object.values(DropReason));
/** Sources that never hold a session's keys or password: nothing they send may get into a session. */
const KEYLESS_SOURCES: ReadonlySet<string> = new Set(['random', 'captured', 'sessionless', 'handshake', 'janitor']);

/** Throws unless a BMC reply is something our own decoders read back as the answer it should be. */
function checkReply(d: Buffer): void {
  const h = decodeRmcpHeader(d);
  if (h.ack) throw new Error('reply is an RMCP ACK');
  if (h.messageClass === RmcpClass.ASF) {
    const a = decodeAsf(d);
    if (a.messageType !== AsfMessageType.PRESENCE_PONG) throw new Error(`ASF reply of type 0x${a.messageType.toString(16)}`);
    decodePresencePong(a);
    return;
  }
  if (h.messageClass !== RmcpClass.IPMI) throw new Error(`reply of RMCP class ${h.messageClass}`);
  if ((d[4] & 0x0f) === AuthType.RMCP_PLUS) {
    const s = decodeSessionV20(d);
    if (s.sessionId === 0) {
      switch (s.payloadType) {
        case PayloadType.OPEN_SESSION_RESPONSE: decodeOpenSessionResponse(s.payload); break;
        case PayloadType.RAKP2: decodeRakp2(s.payload); break;
        case PayloadType.RAKP4: decodeRakp4(s.payload); break;
        case PayloadType.IPMI: decodeResponse(s.payload); break;
        default: throw new Error(`sessionless reply of payload type 0x${s.payloadType.toString(16)}`);
      }
    }
    return;
  }
  const s = decodeSessionV15(d);
  decodeResponse(s.message);
}

function errorText(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string };
  return `${e?.name ?? typeof err}${e?.code ? ` [${e.code}]` : ''}: ${e?.message ?? String(err)}`;
}

/** An RMCP+ session the fuzzer keeps alive and sends (mutated, re-signed) traffic in. */
interface Live {
  label: string;
  suite: number;
  username: string;
  password: string;
  privilege: number;
  client: RmcpPlusClientSession | null;
  /** Client sequence numbers used since the BMC last confirmed one (its window looks 32 ahead). */
  consumed: number;
  /** Forged BMC-to-client packets since the client last accepted one (its window also looks 32 ahead). */
  forged: number;
  /** A Close Session was sent in this session, so it may legitimately be gone. */
  closeRisk: boolean;
  lastAttempt: number;
  established: number;
}

/** The IPMI 1.5 session: the fuzzer plays the console (there is no v1.5 client class), with MD5 auth codes. */
interface V15Live {
  id: number;
  password: Buffer;
  /** Next sequence number we send; the BMC's v1.5 window only looks 8 ahead. */
  seq: number;
  consumed: number;
  closeRisk: boolean;
  lastAttempt: number;
  established: number;
}

class Harness {
  readonly rng: Rng;
  readonly bmc: BmcLanChannel;
  readonly log: FailureLog;
  readonly clientRandom: (n: number) => Buffer;
  now = 0;
  count = 0;
  maxTableSize = 0;
  readonly outcomes = new Histogram();
  readonly bySource = new Histogram();
  readonly malformed = new Histogram();
  readonly clientOutcomes = new Histogram();
  readonly events = new Histogram();
  readonly lives: Live[];
  v15: V15Live = { id: 0, password: Buffer.from('viewpass'), seq: 0, consumed: 0, closeRisk: false, lastAttempt: -1e9, established: 0 };
  sentinel: RmcpPlusClientSession | null = null;
  sentinelSession: BmcSession | null = null;
  /** While false, any traffic in the sentinel session is a failure. */
  sentinelMayTalk = true;
  private readonly halfOpen = new Set<number>();
  private current = 'setup';

  constructor(seed: number) {
    const root = new Rng(seed);
    this.rng = root.fork('generator');
    this.log = new FailureLog(seed);
    this.bmc = testChannel({ random: root.fork('bmc random').randomSource(), limits: LIMITS });
    this.clientRandom = root.fork('client random').randomSource();
    const live = (suite: number): Live => ({
      label: `suite ${suite}`, suite, username: 'viewer', password: 'viewpass', privilege: Privilege.USER, client: null,
      consumed: 0, forged: 0, closeRisk: false, lastAttempt: -1e9, established: 0,
    });
    // Live fuzzing sessions log in as "viewer" (privilege limit User): whatever the fuzzer makes them send,
    // they cannot raise privilege to Administrator and so cannot close the sentinel's admin session.
    this.lives = [live(3), live(17)];
  }

  fail(problem: string, input: Uint8Array, target = this.current, note?: string): void {
    this.log.add({ target, problem, input: hex(input), iteration: this.count, note });
  }

  /** For generated packets whose fate is known in advance: the BMC must drop them for exactly this reason. */
  expectDrop(out: ChannelOutput | null, reason: string, d: Buffer, what: string): void {
    if (!out) return; // already reported by feed()
    const got = out.kind === 'drop' ? out.reason : out.kind;
    this.events.add(`oracle: ${what} -> ${reason}`);
    if (got !== reason) this.fail(`${what}: expected drop "${reason}", got ${got === 'reply' || got === 'request' ? got : `drop "${got}"`}`, d, 'oracle');
  }

  // ------------------------------------------------------------ the BMC

  /** One datagram into the channel (from the console's socket unless `peer` says otherwise), with every per-datagram check. */
  feed(datagram: Buffer, source = this.current, peer: Peer = PEER): ChannelOutput | null {
    this.now += 1;
    this.count++;
    let out: ChannelOutput;
    try {
      out = this.bmc.receive(datagram, peer, this.now);
    } catch (err) {
      this.fail(`receive() threw ${errorText(err)}`, datagram, `receive [${source}]`);
      return null;
    }
    const size = this.bmc.sessions.size;
    this.maxTableSize = Math.max(this.maxTableSize, size);
    if (size > LIMITS.maxSessions) this.fail(`session table holds ${size} > ${LIMITS.maxSessions}`, datagram, `receive [${source}]`);
    const problem = this.outputProblem(out);
    if (problem) {
      this.fail(problem, datagram, `receive [${source}]`);
      return null;
    }
    const key = out.kind === 'drop' ? `drop: ${out.reason}` : out.kind;
    this.outcomes.add(key);
    this.bySource.add(`${source.padEnd(22)} ${key}`);
    if (out.kind === 'drop' && out.error) this.malformed.add(`${out.error.code} ${out.error.protocol}/${out.error.field}`);
    if (out.kind === 'reply') this.noteReply(out.datagram);
    if (KEYLESS_SOURCES.has(source) && this.inSessionOutput(out)) {
      this.fail(`a packet made without any session key got ${out.kind === 'request' ? 'a request through' : 'an in-session answer'}`, datagram,
        `receive [${source}]`);
    }
    if (!this.sentinelMayTalk && this.sentinel && this.touchesSentinel(out)) {
      this.fail('traffic in the sentinel session, which sent nothing', datagram, `receive [${source}]`);
    }
    return out;
  }

  private outputProblem(out: unknown): string | null {
    if (out === null || typeof out !== 'object') return `receive() returned ${String(out)}`;
    const o = out as ChannelOutput;
    switch (o.kind) {
      case 'reply':
        if (!Buffer.isBuffer(o.datagram)) return 'reply without a Buffer';
        try {
          checkReply(o.datagram);
        } catch (err) {
          return `reply ${hex(o.datagram)} does not decode: ${errorText(err)}`;
        }
        return null;
      case 'request': {
        const s = o.session;
        if (!s || this.bmc.sessions.get(s.bmcId) !== s) return 'request from a session that is not in the table';
        if (s.state !== 'active') return `request from a session in state ${s.state}`;
        const r = o.request;
        const inRange = (v: number, max: number) => Number.isInteger(v) && v >= 0 && v <= max;
        if (!inRange(r.netFn, 0x3f) || !inRange(r.cmd, 0xff) || !inRange(r.rqSeq, 0x3f) || !inRange(r.rsLun, 3) || !inRange(r.rqLun, 3) ||
          !inRange(r.rsAddr, 0xff) || !inRange(r.rqAddr, 0xff) || !(r.data instanceof Uint8Array)) return `request with bad fields ${JSON.stringify(r)}`;
        if (isSessionlessCommand(r) || isInSessionCommand(r)) return `request 0x${r.cmd.toString(16)} the channel should have answered itself`;
        return null;
      }
      case 'drop':
        if (!DROP_REASONS.has(o.reason)) return `drop with unknown reason ${String(o.reason)}`;
        if ((o.reason === DropReason.MALFORMED) !== (o.error instanceof DecodeError)) {
          return `drop "${o.reason}" with error ${o.error === undefined ? 'undefined' : errorText(o.error)}`;
        }
        return o.error ? decodeErrorProblem(o.error) : null;
      default:
        return `unknown output kind ${String((o as { kind?: unknown }).kind)}`;
    }
  }

  /** A request, or a reply inside a session (not a sessionless or handshake answer, which carry session ID 0). */
  private inSessionOutput(out: ChannelOutput): boolean {
    if (out.kind === 'request') return true;
    if (out.kind !== 'reply' || (out.datagram[3] & 0x1f) !== RmcpClass.IPMI) return false;
    const d = out.datagram;
    return (d[4] & 0x0f) === AuthType.RMCP_PLUS ? d.readUInt32LE(10) !== 0 : d.readUInt32LE(9) !== 0;
  }

  private touchesSentinel(out: ChannelOutput): boolean {
    if (out.kind === 'request') return out.session === this.sentinelSession;
    if (out.kind !== 'reply' || (out.datagram[4] & 0x0f) !== AuthType.RMCP_PLUS) return false;
    return out.datagram.length >= 14 && out.datagram.readUInt32LE(10) === this.sentinel!.consoleId;
  }

  /** Remembers half-open RMCP+ sessions any datagram created, so the janitor can abort them. */
  private noteReply(d: Buffer): void {
    if ((d[4] & 0x0f) !== AuthType.RMCP_PLUS) return;
    const s = decodeSessionV20(d);
    if (s.sessionId !== 0 || s.payloadType !== PayloadType.OPEN_SESSION_RESPONSE) return;
    const r = decodeOpenSessionResponse(s.payload);
    if (r.status === RakpStatus.NO_ERRORS) this.halfOpen.add(r.bmcSessionId);
  }

  private protectedIds(): Set<number> {
    const ids = new Set<number>([this.v15.id]);
    if (this.sentinel) ids.add(this.sentinel.bmcId);
    for (const l of this.lives) if (l.client) ids.add(l.client.bmcId);
    return ids;
  }

  /**
   * Aborts half-open RMCP+ sessions through the protocol (RAKP 1 with an invalid role makes the BMC drop
   * the session, §13.20), so they do not hold the table full until their setup timeout.
   */
  janitor(force = false): void {
    if (!force && this.bmc.sessions.size < LIMITS.maxSessions - 1 && this.count % 64 !== 0) return;
    const keep = this.protectedIds();
    for (const id of [...this.halfOpen]) {
      this.halfOpen.delete(id);
      const s = this.bmc.sessions.get(id);
      if (!s || keep.has(id) || s.protocol !== 'v2.0' || s.state === 'active') continue;
      this.feed(this.rakp1Abort(id), 'janitor');
      if (this.bmc.sessions.get(id)) this.fail(`RAKP 1 with role 0 did not drop half-open session 0x${id.toString(16)}`, Buffer.alloc(0), 'janitor');
      this.events.add('janitor: half-open session aborted');
    }
  }

  private rakp1Abort(bmcSessionId: number): Buffer {
    return encodeSessionV20({ payloadType: PayloadType.RAKP1, encrypted: false, authenticated: false, sessionId: 0, sequence: 0,
      payload: encodeRakp1({ messageTag: 0, bmcSessionId, consoleRandom: Buffer.alloc(16), role: 0, username: Buffer.alloc(0) }) });
  }

  // ------------------------------------------------------------ clients

  /** Runs a clean handshake for `c` through feed(); false when the BMC refuses (e.g. table full). */
  establish(c: RmcpPlusClientSession, source: string): boolean {
    let out = c.open();
    for (let i = 0; i < 3; i++) {
      const r = this.feed(out, source);
      if (!r || r.kind !== 'reply') return false;
      try {
        const step = c.handshake(r.datagram);
        if (step.kind === 'established') return true;
        if (step.kind !== 'send') return false;
        out = step.datagram;
      } catch (err) {
        if (err instanceof SessionError || err instanceof DecodeError) return false;
        this.fail(`handshake() threw ${errorText(err)}`, r.datagram, `${source} handshake`);
        return false;
      }
    }
    return false;
  }

  newClient(suite: number, username: string, password: string, privilege: number): RmcpPlusClientSession {
    return new RmcpPlusClientSession({ username, password, cipherSuite: suite, privilege, random: this.clientRandom });
  }

  /** Feeds a datagram to a client's response(); it must never throw. */
  clientResponse(c: RmcpPlusClientSession, d: Buffer, target: string): IpmiResponse | null | 'threw' {
    try {
      const r = c.response(d);
      this.clientOutcomes.add(`${target}: ${r ? 'response' : 'null'}`);
      return r;
    } catch (err) {
      this.fail(`response() threw ${errorText(err)}`, d, `client.response() in state ${c.state}`);
      return 'threw';
    }
  }

  liveSession(l: Live): BmcSession | undefined {
    if (!l.client) return undefined;
    const s = this.bmc.sessions.get(l.client.bmcId);
    return s && s.state === 'active' && s.protocol === 'v2.0' ? s : undefined;
  }

  /** Makes sure the live session exists; re-establishes it (not too often) when it was closed. */
  ensureLive(l: Live): boolean {
    if (l.client && this.liveSession(l)) return true;
    if (l.client) {
      if (!l.closeRisk) this.fail(`${l.label} session vanished without a Close Session`, Buffer.alloc(0), 'live');
      this.events.add(`${l.label}: session closed by its own fuzzed Close Session`);
      l.client = null;
    }
    if (this.now - l.lastAttempt < 100) return false;
    l.lastAttempt = this.now;
    this.janitor(true);
    const c = this.newClient(l.suite, l.username, l.password, l.privilege);
    if (!this.establish(c, 'live setup')) {
      this.events.add(`${l.label}: (re)establish refused`);
      return false;
    }
    l.client = c;
    l.consumed = 0;
    l.forged = 0;
    l.closeRisk = false;
    l.established++;
    return true;
  }

  /** A clean request in the live session; the BMC must pass it on and the client must accept the answer. */
  keepAlive(l: Live): boolean {
    const c = l.client!;
    const rqSeq = this.rng.int(64);
    const pkt = c.request(NetFn.APP, GET_DEVICE_ID, Buffer.alloc(0), rqSeq);
    const out = this.feed(pkt, 'keepalive');
    const s = this.liveSession(l);
    if (!out || out.kind !== 'request' || out.session !== s) {
      if (!s && l.closeRisk) return false;
      this.fail(`${l.label}: a clean request came out as ${out ? (out.kind === 'drop' ? `drop ${out.reason}` : out.kind) : 'nothing'}`, pkt, 'keepalive');
      l.client = null;
      return false;
    }
    l.consumed = 0;
    return true;
  }

  /** Takes a fresh sequence number from the client (it will never use it again) for a packet we sign ourselves. */
  takeSeq(l: Live): number {
    if (l.consumed >= 20) this.keepAlive(l);
    l.consumed++;
    return decodeSessionV20(l.client!.request(NetFn.APP, GET_DEVICE_ID, Buffer.alloc(0), 0)).sequence;
  }

  /**
   * Routes a BMC output: requests from live sessions get a response through respond(), and every genuine
   * answer in a live session must be accepted by its client (then a few mutations of it are fed too).
   */
  route(out: ChannelOutput | null, reqInput: Buffer): void {
    if (!out || out.kind === 'drop') return;
    let reply: Buffer;
    let expect: { rqSeq: number; cmd: number } | null = null;
    if (out.kind === 'request') {
      const cc = this.rng.bool(0.8) ? 0 : this.rng.int(256);
      const data = this.rng.bytes(this.rng.bool(0.9) ? this.rng.int(24) : this.rng.int(200));
      try {
        reply = this.bmc.respond(out.session, responseTo(out.request, cc, data));
      } catch (err) {
        this.fail(`respond() threw ${errorText(err)}`, reqInput, 'respond');
        return;
      }
      expect = { rqSeq: out.request.rqSeq, cmd: out.request.cmd };
    } else {
      reply = out.datagram;
    }
    if ((reply[4] & 0x0f) !== AuthType.RMCP_PLUS) {
      this.checkV15Reply(reply, expect);
      return;
    }
    const consoleId = reply.length >= 14 ? reply.readUInt32LE(10) : 0;
    const l = consoleId === 0 ? undefined : this.lives.find((x) => x.client && x.client.consoleId === consoleId);
    if (!l) return;
    const c = l.client!;
    const r = this.clientResponse(c, reply, `${l.label} genuine`);
    if (r === null) this.fail(`${l.label}: client rejected a genuine BMC answer`, reply, 'client genuine');
    else if (r !== 'threw' && expect && (r.rqSeq !== expect.rqSeq || r.cmd !== expect.cmd)) {
      this.fail(`${l.label}: answer for rqSeq ${r.rqSeq} cmd ${r.cmd}, expected ${expect.rqSeq}/${expect.cmd}`, reply, 'client genuine');
    }
    if (r) l.forged = 0;
    const n = this.rng.int(3);
    for (let i = 0; i < n; i++) {
      const m = mutate(this.rng, reply, { corpus: bmcFrames, sessionIds: [c.consoleId] }, 3, { retargetSession: 1 }).bytes;
      this.clientResponse(c, m, `${l.label} mutated genuine`);
    }
  }

  private checkV15Reply(reply: Buffer, expect: { rqSeq: number; cmd: number } | null): void {
    if (this.v15.id === 0) return;
    let s;
    try {
      s = decodeSessionV15(reply);
    } catch {
      return;
    }
    if (s.sessionId !== this.v15.id) return;
    const code = authCodeV15(AuthType.MD5, this.v15.password, s.sessionId, s.sequence, s.message);
    if (!s.authCode || !code.equals(Buffer.from(s.authCode))) this.fail('v1.5 answer with a wrong MD5 auth code', reply, 'v1.5 genuine');
    try {
      const r = decodeResponse(s.message);
      if (expect && (r.rqSeq !== expect.rqSeq || r.cmd !== expect.cmd)) this.fail('v1.5 answer to the wrong request', reply, 'v1.5 genuine');
    } catch (err) {
      this.fail(`v1.5 answer does not decode: ${errorText(err)}`, reply, 'v1.5 genuine');
    }
  }

  // ------------------------------------------------------------ generators

  /** A request message with fields and data the session layer cares about, well-formed. */
  requestMessage(l: { closeRisk: boolean } | null, ownId: number, handle: number): Buffer {
    const rng = this.rng;
    const cmd = rng.pick([GET_DEVICE_ID, 0x38, 0x39, 0x3a, 0x3b, 0x3b, 0x3c, 0x54, rng.int(256), rng.int(256)]);
    const netFn = rng.bool(0.8) ? NetFn.APP : rng.pick([NetFn.CHASSIS, NetFn.SENSOR_EVENT, NetFn.STORAGE, NetFn.TRANSPORT, NetFn.GROUP_EXTENSION, rng.int(64)]);
    let data: Buffer;
    switch (rng.int(4)) {
      case 0: data = randomBuffer(rng, 40); break;
      case 1: data = Buffer.alloc(0); break;
      default:
        switch (cmd) {
          case 0x3b: data = Buffer.from([rng.pick([0, 1, 2, 3, 4, 5, 6, 0x0f, rng.int(256)])]); break;
          case 0x3c: data = rng.pick([
            Buffer.from([ownId & 0xff, (ownId >>> 8) & 0xff, (ownId >>> 16) & 0xff, ownId >>> 24]),
            Buffer.from([0, 0, 0, 0, rng.pick([handle, 1, 2, 3, 0, 0xff])]), Buffer.from([0, 0, 0, 0]), rng.bytes(4)]); break;
          case 0x38: data = Buffer.from([rng.pick([0x0e, 0x8e, 0x01, 0x81, rng.int(256)]), rng.int(7)]); break;
          case 0x54: data = Buffer.from([rng.pick([0x0e, 0x01, rng.int(256)]), rng.pick([0, 1, rng.int(256)]), rng.int(256)]); break;
          case 0x39: data = encodeSessionChallengeRequest({ authType: rng.pick([0, 1, 2, 4, 5]), username: rng.pick(['admin', 'viewer', '', 'x']) }); break;
          case 0x3a: data = encodeActivateSessionRequest({ authType: rng.int(6), maxPrivilege: rng.int(6), challenge: rng.bytes(16), initialOutboundSeq: rng.u32() }); break;
          default: data = randomBuffer(rng, 40);
        }
    }
    if (netFn === NetFn.APP && cmd === SessionCommand.CLOSE_SESSION && l) l.closeRisk = true;
    return encodeRequest({ rsAddr: rng.bool(0.9) ? BMC_SLAVE_ADDRESS : rng.int(256), netFn, rsLun: rng.bool(0.9) ? 0 : rng.int(4),
      rqAddr: REMOTE_CONSOLE_SWID, rqSeq: rng.int(64), rqLun: rng.bool(0.9) ? 0 : rng.int(4), cmd, data });
  }

  /** A message that may be malformed: well-formed, mutated (bad checksums, lengths), or random. */
  messageVariant(l: { closeRisk: boolean } | null, ownId: number, handle: number): Buffer {
    const rng = this.rng;
    const m = this.requestMessage(l, ownId, handle);
    const k = rng.int(10);
    if (k < 5) return m;
    if (k < 9) {
      const mutated = mutate(rng, m, { corpus: [] }, 3).bytes;
      if (rng.bool(0.5) && mutated.length >= 7) {
        mutated[2] = checksum(mutated, 0, 2);
        mutated[mutated.length - 1] = checksum(mutated, 3, mutated.length - 1);
      }
      // A mutation may have turned the command into Close Session.
      if (l && mutated.length > 5 && mutated[5] === SessionCommand.CLOSE_SESSION) l.closeRisk = true;
      return mutated;
    }
    if (l) l.closeRisk = true;
    return randomBuffer(rng, 60);
  }

  /** Random bytes, sometimes behind a valid RMCP/IPMI prefix so they reach the session decoders. */
  genRandom(): void {
    const rng = this.rng;
    let d = randomBuffer(rng, 200);
    if (rng.bool(0.5)) {
      const prefix = Buffer.from([0x06, 0x00, 0xff, rng.pick([0x07, 0x07, 0x06, 0x08, 0x87]), rng.pick([0x06, 0x06, 0x00, 0x02, 0x04])]);
      d = Buffer.concat([prefix, d]);
    }
    this.route(this.feed(d, 'random'), d);
  }

  genCaptured(): void {
    const rng = this.rng;
    const base = rng.pick(allFrames);
    const ids = [...this.protectedIds()].filter((id) => id !== 0);
    const d = rng.bool(0.1) ? Buffer.from(base) : mutate(rng, base, { corpus: allFrames, sessionIds: ids }, 4, { retargetSession: 2 }).bytes;
    this.route(this.feed(d, 'captured'), d);
  }

  /** Sessionless requests (Get Channel Auth Caps, Cipher Suites, Session Challenge) in v1.5 or RMCP+ form. */
  genSessionless(): void {
    const rng = this.rng;
    const msg = this.messageVariant(null, 0, 0);
    let d: Buffer = rng.bool(0.6)
      ? encodeSessionV15({ authType: AuthType.NONE, sequence: 0, sessionId: 0, authCode: null, message: msg.subarray(0, 255) })
      : encodeSessionV20({ payloadType: PayloadType.IPMI, encrypted: false, authenticated: false, sessionId: 0, sequence: 0, payload: msg });
    if (rng.bool(0.3)) d = mutate(rng, d, { corpus: allFrames }).bytes;
    this.route(this.feed(d, 'sessionless'), d);
  }

  /** Packets of a live RMCP+ session as its client makes them, then mutated (mostly failing integrity). */
  genLiveMutated(): void {
    const rng = this.rng;
    const l = rng.pick(this.lives);
    if (!this.ensureLive(l)) return;
    if (l.consumed >= 20 && !this.keepAlive(l)) return;
    const c = l.client!;
    const s = this.liveSession(l)!;
    const m = this.requestMessage(l, s.bmcId, s.handle);
    const req = { netFn: m[1] >> 2, cmd: m[5], data: m.subarray(6, m.length - 1) };
    const pkt = c.request(req.netFn, req.cmd, req.data, m[4] >> 2);
    l.consumed++;
    const header = rng.bool(0.15);
    const d = header
      // Only bytes 0-3 (the RMCP header) are outside the AuthCode: these mutations keep the packet authentic.
      ? Buffer.concat([mutate(rng, pkt.subarray(0, 4), { corpus: [] }, 2).bytes.subarray(0, 4), pkt.subarray(4)])
      : mutate(rng, pkt, { corpus: allFrames, sessionIds: [s.bmcId] }, 3, { retargetSession: 1 }).bytes;
    const out = this.feed(d, header ? 'live header' : 'live mutated');
    // Everything after the RMCP header is under the AuthCode: a packet changed there must not get in.
    const bodyChanged = d.length !== pkt.length || Buffer.compare(d.subarray(4), pkt.subarray(4)) !== 0;
    if (bodyChanged && out && this.inSessionOutput(out)) this.fail(`a live packet changed under its AuthCode was accepted (${out.kind})`, d, 'oracle');
    this.route(out, d);
  }

  /**
   * Packets we build and sign with the live session's keys (taken from the BMC's session record): they
   * pass the integrity check and carry bad AES, bad messages, wrong flags, odd payload types and sequences.
   */
  genLiveSigned(): void {
    const rng = this.rng;
    const l = rng.pick(this.lives);
    if (!this.ensureLive(l)) return;
    const s = this.liveSession(l)!;
    const suite = s.suite!;
    const variant = rng.weighted({
      valid: 3, badMessage: 3, badCipher: 2, clearEncrypted: 1, plainMarkedEncrypted: 1, payloadType: 1, unauthenticated: 1,
      wrongAuthCode: 1, older: 1, seqZero: 0.5, seqFar: 0.5, otherPeer: 0.5,
    });
    const plain = variant === 'badMessage' ? this.messageVariant(l, s.bmcId, s.handle) : this.requestMessage(l, s.bmcId, s.handle);
    const aes = suite.confidentiality === ConfidentialityAlgorithm.AES_CBC_128;
    let encrypted = aes;
    let payload: Buffer = aes ? aesEncryptPayload(s.k2!, rng.bytes(16), plain) : plain;
    if (variant === 'badCipher') payload = rng.bool(0.7) ? mutate(rng, payload, { corpus: [] }, 2).bytes : rng.bytes(16 * rng.range(0, 4));
    if (variant === 'clearEncrypted') { encrypted = false; payload = plain; }
    if (variant === 'plainMarkedEncrypted') payload = plain;
    let seq = this.takeSeq(l);
    if (!this.liveSession(l)) return; // the keep-alive inside takeSeq found the session closed
    // An older number: a replay when the BMC saw it, accepted when it is unseen and still inside the window.
    if (variant === 'older') seq = (seq - rng.range(1, 20)) >>> 0;
    if (variant === 'seqZero') seq = 0;
    if (variant === 'seqFar') seq = (seq + 100 + rng.int(1_000_000)) >>> 0;
    const payloadType = variant === 'payloadType' ? rng.pick([PayloadType.SOL, PayloadType.OEM_EXPLICIT, 0x20, rng.int(64)]) : PayloadType.IPMI;
    const authenticated = variant !== 'unauthenticated';
    const sign = (data: Uint8Array) => {
      const code = integrityAuthCode(suite.integrity, s.k1!, s.password, data);
      if (variant === 'wrongAuthCode') code[rng.int(code.length)] ^= 1 << rng.int(8);
      return code;
    };
    let d = encodeSessionV20({ payloadType, encrypted, authenticated, sessionId: s.bmcId, sequence: seq, payload, oemIana: rng.u32(), oemPayloadId: rng.int(0x10000) },
      integrityAuthCodeLength(suite.integrity), authenticated ? sign : undefined);
    const headerMutated = rng.bool(0.1);
    if (headerMutated) d = Buffer.concat([mutate(rng, d.subarray(0, 4), { corpus: [] }).bytes.subarray(0, 4), d.subarray(4)]);
    // A genuine packet of the session sent from another socket (same address, other port; or another address).
    const peer = variant !== 'otherPeer' ? PEER : rng.pick([{ address: PEER.address, port: PEER.port + 1 }, { address: '127.0.0.2', port: PEER.port }]);
    const out = this.feed(d, `signed ${variant}`, peer);
    if (!headerMutated) {
      // Checks run in this order (§13.28.4, §13.14): the session's peer, integrity, encryption required, sequence, payload type.
      const expected: Partial<Record<typeof variant, string>> = {
        otherPeer: DropReason.WRONG_PEER, wrongAuthCode: DropReason.INTEGRITY, unauthenticated: DropReason.NOT_AUTHENTICATED, clearEncrypted: DropReason.ENCRYPTION_MISMATCH,
        seqZero: DropReason.REPLAY, seqFar: DropReason.REPLAY,
        payloadType: payloadType === PayloadType.IPMI ? undefined : DropReason.UNSUPPORTED_PAYLOAD,
      };
      const reason = expected[variant];
      if (reason) this.expectDrop(out, reason, d, `signed ${variant}`);
      if (out && out.kind !== 'drop' && rng.bool(0.25)) {
        // The very same datagram again is a replay, whatever it carried (unless it closed its own session).
        this.route(out, d);
        const reason = this.liveSession(l) ? DropReason.REPLAY : DropReason.UNKNOWN_SESSION;
        this.expectDrop(this.feed(d, 'signed duplicate'), reason, d, 'duplicate of an accepted packet');
        return;
      }
    }
    this.route(out, d);
  }

  /** Malformed BMC-to-console packets signed with the session keys, for RmcpPlusClientSession.response(). */
  genForgedToClient(): void {
    const rng = this.rng;
    const l = rng.pick(this.lives);
    const s = this.liveSession(l);
    if (!s || l.forged >= 16) return;
    const suite = s.suite!;
    let plain = encodeResponse(responseTo({ rsAddr: BMC_SLAVE_ADDRESS, netFn: rng.pick([NetFn.APP, rng.int(64)]), rsLun: 0, rqAddr: REMOTE_CONSOLE_SWID,
      rqSeq: rng.int(64), rqLun: 0, cmd: rng.int(256), data: Buffer.alloc(0) }, rng.int(256), randomBuffer(rng, 40)));
    if (rng.bool(0.5)) plain = rng.bool(0.8) ? mutate(rng, plain, { corpus: bmcFrames }).bytes : randomBuffer(rng, 40);
    const encrypted = suite.confidentiality === ConfidentialityAlgorithm.AES_CBC_128 ? rng.bool(0.9) : rng.bool(0.1);
    let payload: Buffer = encrypted ? aesEncryptPayload(s.k2!, rng.bytes(16), plain) : plain;
    if (encrypted && rng.bool(0.3)) payload = mutate(rng, payload, { corpus: [] }).bytes;
    s.outboundSeq = (s.outboundSeq + 1) >>> 0; // as if the BMC had sent it: keeps the client's window in step
    l.forged++;
    const authenticated = rng.bool(0.95);
    const d = encodeSessionV20({ payloadType: rng.bool(0.9) ? PayloadType.IPMI : rng.int(64), encrypted, authenticated, sessionId: s.consoleId,
      sequence: s.outboundSeq, payload }, integrityAuthCodeLength(suite.integrity),
    authenticated ? (data) => integrityAuthCode(suite.integrity, s.k1!, s.password, data) : undefined);
    const r = this.clientResponse(l.client!, d, `${l.label} forged`);
    if (r && r !== 'threw') l.forged = 0;
    // Unmutated captured BMC frames and random bytes aimed at the client too.
    const other = rng.bool(0.5) ? mutate(rng, rng.pick(bmcFrames), { corpus: bmcFrames, sessionIds: [s.consoleId] }, 3, { retargetSession: 3 }).bytes
      : randomBuffer(rng, 100);
    this.clientResponse(l.client!, other, `${l.label} captured/random`);
  }

  /**
   * A throwaway handshake with a random suite, user and privilege, mutating some of the packets both
   * ways; handshake() may only throw SessionError or DecodeError. Whatever session results is closed.
   */
  genHandshake(): void {
    const rng = this.rng;
    const suite = rng.pick(CIPHER_SUITES).id;
    const [username, password] = rng.pick([['admin', 'password'], ['viewer', 'viewpass'], ['admin', 'wrong'], ['nobody', 'x'], ['', '']]);
    const c = this.newClient(suite, username, password, rng.pick([0, 1, 2, 3, 4, 4, 5]));
    const ctx: MutationContext = { corpus: allFrames };
    let out = c.open();
    for (let step = 0; step < 3; step++) {
      if (step === 2 && rng.bool(0.15)) {
        // The console gives up instead of sending RAKP 3 (status "insufficient resources"): the BMC drops the session silently.
        out = encodeSessionV20({ payloadType: PayloadType.RAKP3, encrypted: false, authenticated: false, sessionId: 0, sequence: 0,
          payload: encodeRakp3({ messageTag: 0, status: RakpStatus.INSUFFICIENT_RESOURCES, bmcSessionId: c.bmcId, authCode: Buffer.alloc(0) }) });
      }
      const send = rng.bool(0.25) ? mutate(rng, out, ctx).bytes : out;
      const r = this.feed(send, 'handshake');
      if (!r || r.kind !== 'reply') break;
      if (rng.bool(0.25)) this.handshakeStep(c, mutate(rng, r.datagram, { corpus: bmcFrames }).bytes);
      if (c.state === 'failed') break;
      const next = this.handshakeStep(c, r.datagram);
      if (!next || next.kind !== 'send') break;
      out = next.datagram;
    }
    this.events.add(`handshake ended ${c.state}`);
    this.closeThrowaway(c);
  }

  private handshakeStep(c: RmcpPlusClientSession, d: Buffer) {
    try {
      return c.handshake(d);
    } catch (err) {
      if (err instanceof SessionError) this.events.add(`handshake SessionError ${err.code}`);
      else if (err instanceof DecodeError) this.events.add('handshake DecodeError');
      else this.fail(`handshake() threw ${errorText(err)}`, d, 'client.handshake()');
      return null;
    }
  }

  private closeThrowaway(c: RmcpPlusClientSession): void {
    if (c.bmcId === 0 || this.protectedIds().has(c.bmcId)) return;
    const s = this.bmc.sessions.get(c.bmcId);
    if (!s || s.protocol !== 'v2.0') return;
    if (s.state !== 'active') {
      this.feed(this.rakp1Abort(c.bmcId), 'janitor');
      this.events.add('throwaway: half-open session aborted');
      return;
    }
    if (c.state === 'active') {
      // A console that completed the handshake closes its session the normal way.
      const out = this.feed(c.request(NetFn.APP, SessionCommand.CLOSE_SESSION, encodeCloseSessionRequest(c.bmcId), 1), 'close');
      if (out?.kind === 'reply') this.clientResponse(c, out.datagram, 'throwaway close');
      if (this.bmc.sessions.get(c.bmcId)) {
        this.fail(`Close Session did not close the session (BMC output: ${out?.kind}${out?.kind === 'drop' ? ` ${out.reason}` : ''})`, Buffer.alloc(0), 'close');
      }
      this.events.add('throwaway: established and closed');
      return;
    }
    // The BMC finished but the console did not (its RAKP 4 was mutated): close it with the session's own keys.
    const suite = s.suite!;
    const aes = suite.confidentiality === ConfidentialityAlgorithm.AES_CBC_128;
    const msg = encodeRequest({ rsAddr: BMC_SLAVE_ADDRESS, netFn: NetFn.APP, rsLun: 0, rqAddr: REMOTE_CONSOLE_SWID, rqSeq: 1, rqLun: 0,
      cmd: SessionCommand.CLOSE_SESSION, data: encodeCloseSessionRequest(s.bmcId) });
    const authenticated = integrityAuthCodeLength(suite.integrity) > 0;
    const d = encodeSessionV20({ payloadType: PayloadType.IPMI, encrypted: aes, authenticated, sessionId: s.bmcId, sequence: 1,
      payload: aes ? aesEncryptPayload(s.k2!, this.rng.bytes(16), msg) : msg }, integrityAuthCodeLength(suite.integrity),
    authenticated ? (data) => integrityAuthCode(suite.integrity, s.k1!, s.password, data) : undefined);
    this.feed(d, 'close');
    if (this.bmc.sessions.get(c.bmcId)) this.fail('Close Session signed with the session keys did not close it', d, 'close');
    this.events.add('throwaway: orphaned on the BMC side, closed');
  }

  // ------------------------------------------------------------ IPMI 1.5

  private v15Packet(seq: number, message: Buffer, authType: number = AuthType.MD5): Buffer {
    const id = this.v15.id;
    const authCode = authType === AuthType.NONE ? null
      : authType === AuthType.MD5 || authType === AuthType.STRAIGHT_PASSWORD ? authCodeV15(authType, this.v15.password, id, seq, message)
        : this.rng.bytes(16);
    return encodeSessionV15({ authType, sequence: seq, sessionId: id, authCode, message });
  }

  private v15Alive(): boolean {
    const s = this.v15.id ? this.bmc.sessions.get(this.v15.id) : undefined;
    return !!s && s.state === 'active' && s.protocol === 'v1.5';
  }

  /** Get Session Challenge + Activate Session as "viewer" with MD5 (IPMI 2.0 §22.16, §22.17). */
  ensureV15(): boolean {
    const v = this.v15;
    if (this.v15Alive()) return true;
    if (v.id !== 0) {
      if (!v.closeRisk) this.fail('v1.5 session vanished without a Close Session', Buffer.alloc(0), 'v1.5');
      this.events.add('v1.5: session closed by its own fuzzed Close Session');
      v.id = 0;
    }
    if (this.now - v.lastAttempt < 100) return false;
    v.lastAttempt = this.now;
    this.janitor(true);
    const out = this.feed(sessionlessRequest(NetFn.APP, SessionCommand.GET_SESSION_CHALLENGE,
      encodeSessionChallengeRequest({ authType: AuthType.MD5, username: 'viewer' }), 1), 'v1.5 setup');
    if (!out || out.kind !== 'reply') return false;
    const res = sessionlessResponse(out.datagram);
    if (res.completionCode !== 0) {
      this.events.add(`v1.5: Get Session Challenge cc 0x${res.completionCode.toString(16)}`);
      return false;
    }
    const ch = decodeSessionChallengeResponse(res.data);
    v.id = ch.tempSessionId;
    const initialOutbound = this.rng.u32() | 1;
    const msg = encodeRequest({ rsAddr: BMC_SLAVE_ADDRESS, netFn: NetFn.APP, rsLun: 0, rqAddr: REMOTE_CONSOLE_SWID, rqSeq: 2, rqLun: 0,
      cmd: SessionCommand.ACTIVATE_SESSION,
      data: encodeActivateSessionRequest({ authType: AuthType.MD5, maxPrivilege: Privilege.USER, challenge: ch.challenge, initialOutboundSeq: initialOutbound }) });
    const act = this.feed(this.v15Packet(0, msg), 'v1.5 setup');
    if (!act || act.kind !== 'reply') {
      v.id = 0;
      return false;
    }
    const r = decodeResponse(decodeSessionV15(act.datagram).message);
    if (r.completionCode !== 0) {
      this.fail(`Activate Session answered 0x${r.completionCode.toString(16)}`, act.datagram, 'v1.5 setup');
      v.id = 0;
      return false;
    }
    const a = decodeActivateSessionResponse(r.data);
    v.seq = a.initialInboundSeq;
    v.consumed = 0;
    v.closeRisk = false;
    v.established++;
    return true;
  }

  private v15KeepAlive(): boolean {
    const msg = encodeRequest({ rsAddr: BMC_SLAVE_ADDRESS, netFn: NetFn.APP, rsLun: 0, rqAddr: REMOTE_CONSOLE_SWID, rqSeq: this.rng.int(64), rqLun: 0,
      cmd: GET_DEVICE_ID, data: Buffer.alloc(0) });
    const d = this.v15Packet(this.v15.seq, msg);
    this.v15.seq = (this.v15.seq + 1) >>> 0;
    const out = this.feed(d, 'v1.5 keepalive');
    if (!out || out.kind !== 'request' || out.session.bmcId !== this.v15.id) {
      if (!this.v15Alive() && this.v15.closeRisk) return false;
      this.fail(`v1.5: a clean request came out as ${out ? (out.kind === 'drop' ? `drop ${out.reason}` : out.kind) : 'nothing'}`, d, 'v1.5 keepalive');
      this.v15.id = 0;
      return false;
    }
    this.route(out, d);
    this.v15.consumed = 0;
    return true;
  }

  genV15(): void {
    const rng = this.rng;
    const v = this.v15;
    if (!this.ensureV15()) return;
    if (v.consumed >= 5 && !this.v15KeepAlive()) return;
    const s = this.bmc.sessions.get(v.id)!;
    const variant = rng.weighted({ valid: 3, badMessage: 3, wrongAuthCode: 1, authType: 1, older: 1, far: 0.5, mutatedPacket: 2 });
    const msg = (variant === 'badMessage' ? this.messageVariant(v, v.id, s.handle) : this.requestMessage(v, v.id, s.handle)).subarray(0, 255);
    let seq = v.seq;
    v.seq = (v.seq + 1) >>> 0;
    v.consumed++;
    if (variant === 'older') seq = (seq - rng.range(1, 10)) >>> 0;
    if (variant === 'far') seq = (seq + 9 + rng.int(1_000_000)) >>> 0;
    const authType = variant === 'authType' ? rng.pick([AuthType.NONE, AuthType.STRAIGHT_PASSWORD, AuthType.MD2, AuthType.OEM]) : AuthType.MD5;
    const signed = this.v15Packet(seq, Buffer.from(msg), authType);
    let d = signed;
    if (variant === 'wrongAuthCode') d[13 + rng.int(16)] ^= 1 << rng.int(8);
    if (variant === 'mutatedPacket') d = mutate(rng, d, { corpus: allFrames, sessionIds: [v.id] }).bytes;
    const out = this.feed(d, `v1.5 ${variant}`);
    // Auth type, session ID, sequence, length and message are all bound by the MD5 AuthCode (or must match the
    // session); only the RMCP header, the reserved bits 7:4 of the auth type byte and trailing bytes (read as
    // the legacy pad) may change without the packet being refused.
    const bound = (b: Buffer) => Buffer.concat([Buffer.from([b[4] & 0x0f]), b.subarray(5, signed.length)]);
    if (variant === 'mutatedPacket' && out && this.inSessionOutput(out) && (d.length < signed.length || !bound(d).equals(bound(signed)))) {
      this.fail(`a v1.5 packet changed under its AuthCode was accepted (${out.kind})`, d, 'oracle');
    }
    // v1.5 checks: auth type must be the session's, then the AuthCode, then the message, then the sequence (§6.12.13).
    const expected: Partial<Record<typeof variant, string>> = {
      wrongAuthCode: DropReason.INTEGRITY, authType: DropReason.AUTH_TYPE,
      far: variant === 'far' && this.messageDecodes(msg) ? DropReason.REPLAY : undefined,
    };
    const reason = expected[variant];
    if (reason) this.expectDrop(out, reason, d, `v1.5 ${variant}`);
    this.route(out, d);
  }

  private messageDecodes(msg: Uint8Array): boolean {
    try {
      decodeRequest(msg);
      return true;
    } catch {
      return false;
    }
  }
}

// ---------------------------------------------------------------- the run

t.test(`BmcLanChannel: ${DATAGRAMS} fuzzed datagrams never break it (seed ${seedHex(SEED)})`, (t) => {
  const started = process.hrtime.bigint();
  const h = new Harness(SEED);

  // The sentinel: an admin session set up before the fuzzing, raised to Administrator, then left alone.
  const sentinel = h.newClient(17, 'admin', 'password', Privilege.ADMINISTRATOR);
  t.ok(h.establish(sentinel, 'sentinel'), 'sentinel admin session (suite 17) established');
  const raise = h.feed(sentinel.request(NetFn.APP, SessionCommand.SET_SESSION_PRIVILEGE_LEVEL, Buffer.from([Privilege.ADMINISTRATOR]), 1), 'sentinel');
  t.equal(raise?.kind, 'reply');
  const raised = raise?.kind === 'reply' ? sentinel.response(raise.datagram) : null;
  t.same(raised && [raised.completionCode, ...raised.data], [0, Privilege.ADMINISTRATOR], 'sentinel raised to Administrator');
  h.sentinel = sentinel;
  h.sentinelSession = h.bmc.sessions.get(sentinel.bmcId) ?? null;
  const snapshot = (s: BmcSession | undefined) => s && JSON.stringify({
    state: s.state, consoleId: s.consoleId, handle: s.handle, privilege: s.privilege, maxPrivilege: s.maxPrivilege, userId: s.userId,
    suite: s.suite?.id, k1: s.k1 && hex(s.k1), k2: s.k2 && hex(s.k2), username: s.username.toString('latin1'),
  });
  const before = snapshot(h.bmc.sessions.get(sentinel.bmcId));
  for (const l of h.lives) t.ok(h.ensureLive(l), `live fuzzing session ${l.label} (viewer) established`);
  t.ok(h.ensureV15(), 'live IPMI 1.5 MD5 session (viewer) established');
  h.sentinelMayTalk = false;

  const weights = { random: 10, captured: 24, sessionless: 8, liveMutated: 18, liveSigned: 22, forgedToClient: 6, handshake: 4, v15: 8 };
  while (h.count < DATAGRAMS) {
    const kind = h.rng.weighted(weights);
    switch (kind) {
      case 'random': h.genRandom(); break;
      case 'captured': h.genCaptured(); break;
      case 'sessionless': h.genSessionless(); break;
      case 'liveMutated': h.genLiveMutated(); break;
      case 'liveSigned': h.genLiveSigned(); break;
      case 'forgedToClient': h.genForgedToClient(); break;
      case 'handshake': h.genHandshake(); break;
      case 'v15': h.genV15(); break;
    }
    h.janitor();
  }

  // The live sessions still work (unless a fuzzed Close Session of their own ended them).
  for (const l of h.lives) {
    if (l.client && h.liveSession(l)) t.ok(h.keepAlive(l), `${l.label} live session still answers (established ${l.established}x)`);
    else t.ok(l.closeRisk, `${l.label} live session was closed by its own Close Session (established ${l.established}x)`);
  }

  // The sentinel: same record, still answers, still Administrator.
  h.sentinelMayTalk = true;
  t.equal(snapshot(h.bmc.sessions.get(sentinel.bmcId)), before, 'sentinel session record unchanged');
  const req = h.feed(sentinel.request(NetFn.APP, GET_DEVICE_ID, Buffer.alloc(0), 2), 'sentinel');
  t.equal(req?.kind, 'request', 'sentinel request passed on');
  if (req?.kind === 'request') {
    t.equal(req.session.bmcId, sentinel.bmcId);
    const res = sentinel.response(h.bmc.respond(req.session, responseTo(req.request, 0, Buffer.from([0x20, 0x01]))));
    t.same(res && [res.rqSeq, res.completionCode, ...res.data], [2, 0, 0x20, 0x01], 'sentinel accepts the answer');
  }
  const priv = h.feed(sentinel.request(NetFn.APP, SessionCommand.SET_SESSION_PRIVILEGE_LEVEL, Buffer.from([0]), 3), 'sentinel');
  const privRes = priv?.kind === 'reply' ? sentinel.response(priv.datagram) : null;
  t.same(privRes && [privRes.completionCode, ...privRes.data], [0, Privilege.ADMINISTRATOR], 'sentinel still at Administrator');

  t.ok(h.count >= DATAGRAMS, `${h.count} datagrams fed`);
  t.ok(h.maxTableSize <= LIMITS.maxSessions, `session table peaked at ${h.maxTableSize} of ${LIMITS.maxSessions}`);
  if (DATAGRAMS >= 50_000) {
    // Coverage guard: a fuzzer that silently stopped reaching the deep layers would still "pass".
    for (const reason of Object.values(DropReason)) t.ok(h.outcomes.get(`drop: ${reason}`) > 0, `reached drop reason ${reason}`);
    t.ok(h.outcomes.get('request') > 1000, `${h.outcomes.get('request')} requests passed on from live sessions`);
    t.ok(h.malformed.keys().some((k) => k.startsWith('ERR_CRYPT')), 'AES payload errors reached behind the integrity check');
  }

  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const drops = new Histogram();
  for (const k of h.outcomes.keys()) if (k.startsWith('drop: ')) drops.add(k.slice(6), h.outcomes.get(k));
  t.comment(`seed ${seedHex(SEED)}: ${h.count} datagrams in ${(ms / 1000).toFixed(1)} s; ` +
    `${h.outcomes.get('reply')} replies, ${h.outcomes.get('request')} requests, ${drops.total()} drops`);
  t.comment(`drop reasons:\n${drops.format()}`);
  t.comment(`malformed, by DecodeError code and field:\n${h.malformed.format()}`);
  t.comment(`outcomes by source:\n${h.bySource.format()}`);
  t.comment(`RmcpPlusClientSession.response():\n${h.clientOutcomes.format()}`);
  t.comment(`events:\n${h.events.format()}`);
  h.log.report(t, 'channel and clients');
  t.end();
});

// ---------------------------------------------------------------- clients that are not active yet

t.test(`RmcpPlusClientSession.response() in every state never throws (seed ${seedHex(SEED)})`, (t) => {
  const rng = new Rng(SEED).fork('client states');
  const log = new FailureLog(SEED);
  const outcomes = new Histogram();
  const perState = Math.max(1, Math.floor(fuzzIterations(4000) / 4));
  for (const suiteId of [1, 3, 17]) {
    const suite = CIPHER_SUITES.find((s) => s.id === suiteId)!;
    // Drive a client into each state against a fresh BMC.
    const bmc = testChannel({ random: rng.fork(`bmc ${suiteId}`).randomSource(), limits: LIMITS });
    const clients: RmcpPlusClientSession[] = [];
    const make = () => new RmcpPlusClientSession({ username: 'admin', password: 'password', cipherSuite: suiteId, random: rng.fork(`c${clients.length}`).randomSource() });
    clients.push(make()); // idle
    const advance = (steps: number, spoil = false) => {
      const c = make();
      let out = c.open();
      for (let i = 0; i < steps; i++) {
        const r = bmc.receive(out, PEER, 0);
        if (r.kind !== 'reply') break;
        const d = Buffer.from(r.datagram);
        if (spoil && i === steps - 1) d[d.length - 1] ^= 1; // breaks the RAKP 2 HMAC
        try {
          const step = c.handshake(d);
          if (step.kind !== 'send') break;
          out = step.datagram;
        } catch {
          break;
        }
      }
      clients.push(c);
    };
    advance(0); // open-sent
    advance(1); // rakp1-sent
    advance(2); // rakp3-sent
    advance(2, true); // failed: spoiled RAKP 2 HMAC
    advance(3); // active
    for (const c of clients) {
      for (let i = 0; i < perState; i++) {
        // Aimed at this client's console session ID; signed with the keys it holds in this state (empty before RAKP 2).
        const msg = encodeResponse(responseTo({ rsAddr: 0x20, netFn: 6, rsLun: 0, rqAddr: 0x81, rqSeq: rng.int(64), rqLun: 0, cmd: rng.int(256),
          data: Buffer.alloc(0) }, 0, randomBuffer(rng, 20)));
        const encrypted = rng.bool(0.5);
        const payload = encrypted ? (rng.bool(0.5) ? rng.bytes(16 * rng.range(2, 4)) : aesEncryptPayload(Buffer.alloc(16), rng.bytes(16), msg)) : msg;
        const authenticated = suite.integrity !== 0 && rng.bool(0.9);
        let d = encodeSessionV20({ payloadType: PayloadType.IPMI, encrypted, authenticated, sessionId: c.consoleId, sequence: rng.range(1, 1000), payload },
          integrityAuthCodeLength(suite.integrity),
          authenticated ? (data) => integrityAuthCode(suite.integrity, Buffer.alloc(0), Buffer.from('password'), data) : undefined);
        if (rng.bool(0.3)) d = mutate(rng, d, { corpus: bmcFrames, sessionIds: [c.consoleId] }, 2, { retargetSession: 1 }).bytes;
        const target = `client.response() in state ${c.state}, suite ${suiteId}`;
        try {
          const r = c.response(d);
          outcomes.add(`${c.state.padEnd(10)} ${r ? 'response' : 'null'}`);
          // Before RAKP 4 is verified there are no session keys: nothing can be an authentic response.
          if (r && c.state !== 'active') log.add({ target, problem: `accepted a response before the session is active`, input: hex(d), iteration: i });
        } catch (err) {
          outcomes.add(`${c.state.padEnd(10)} threw`);
          log.add({ target, problem: `response() threw ${errorText(err)}`, input: hex(d), iteration: i });
        }
      }
    }
  }
  t.comment(`response() outcomes by client state:\n${outcomes.format()}`);
  log.report(t, 'response() in every state');
  t.end();
});

t.test('regressions: B2 (no response() before the handshake ends) and B3 (no plaintext in an AES session)', (t) => {
  const stub = (n: number) => Buffer.alloc(n, 1);
  const c1 = new RmcpPlusClientSession({ username: 'admin', password: 'password', cipherSuite: 1, random: stub });
  c1.open();
  const b2a = Buffer.from('0600ff070680010101010100000020000000000000000000000000000000000000000000000000000000000000000000', 'hex');
  let outcome = 'null';
  try {
    outcome = c1.response(b2a) ? 'a response' : 'null';
  } catch (err) {
    outcome = `threw ${errorText(err)}`;
  }
  t.equal(outcome, 'null', 'B2: suite 1 client in open-sent returns null for an encrypted packet');

  const c17 = new RmcpPlusClientSession({ username: 'admin', password: 'password', cipherSuite: 17, random: stub });
  c17.open();
  const b2b = Buffer.from('0600ff07064001010101010000000900811c6320040100aa31ff01078e530aa735aede2df33cd0b8c84b6014', 'hex');
  t.equal(c17.response(b2b), null, 'B2: suite 17 client in open-sent rejects a response signed with an empty K1');

  // B3: an active AES session (suite 17) must refuse a signed but unencrypted response.
  const bmc = testChannel();
  const c = new RmcpPlusClientSession({ username: 'admin', password: 'password', cipherSuite: 17, random: stub });
  let out = c.open();
  for (let i = 0; i < 3; i++) {
    const r = bmc.receive(out, PEER, 0);
    if (r.kind !== 'reply') break;
    const step = c.handshake(r.datagram);
    if (step.kind !== 'send') break;
    out = step.datagram;
  }
  t.equal(c.state, 'active', 'suite 17 session for B3');
  const s = bmc.sessions.get(c.bmcId)!;
  const msg = encodeResponse(responseTo({ rsAddr: 0x20, netFn: 6, rsLun: 0, rqAddr: 0x81, rqSeq: 1, rqLun: 0, cmd: 1, data: Buffer.alloc(0) }, 0));
  const plainPkt = encodeSessionV20({ payloadType: PayloadType.IPMI, encrypted: false, authenticated: true, sessionId: s.consoleId, sequence: 1, payload: msg },
    16, (data) => integrityAuthCode(s.suite!.integrity, s.k1!, s.password, data));
  t.equal(c.response(plainPkt), null, 'B3: unencrypted payload in an AES session is rejected');
  t.end();
});
