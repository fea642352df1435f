// Fuzzes every decoder in protocols/ with random buffers and with mutations of the real captured frames
// (test/vectors/ipmi: ipmitool vs ipmi_sim, rmcp_ping vs ipmi_sim). Each call must return a value or throw
// a DecodeError with sane fields; anything else (TypeError, RangeError, a value with undefined or NaN
// fields from reading past the end) fails with the seed and the input as hex. Every decoded value must
// also re-encode and decode again equal: byte for byte on the real vectors, value for value on fuzz input.
//
// Regression case for the bug this fuzzer found is at the end: B1, parseCipherSuiteRecords read a record
// cut short at the end of the data past the end.
import t from 'tap';
import { decodeRmcpHeader, encodeRmcpHeader, RmcpClass } from '../../protocols/rmcp/header.js';
import { AsfMessageType, decodeAsf, decodePresencePong, encodeAsf, encodePresencePong } from '../../protocols/rmcp/asf.js';
import { AuthType, decodeSessionV15, encodeSessionV15, encodingLengthSessionV15 } from '../../protocols/ipmi/session-v15.js';
import { PayloadType, decodeSessionV20, encodeSessionV20 } from '../../protocols/ipmi/session-v20.js';
import { checksum, decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../protocols/ipmi/message.js';
import {
  RakpStatus, decodeOpenSessionRequest, decodeOpenSessionResponse, decodeRakp1, decodeRakp2, decodeRakp3, decodeRakp4,
  encodeOpenSessionRequest, encodeOpenSessionResponse, encodeRakp1, encodeRakp2, encodeRakp3, encodeRakp4,
} from '../../protocols/ipmi/rakp.js';
import {
  SessionCommand, decodeActivateSessionRequest, decodeActivateSessionResponse, decodeAuthCapsRequest, decodeAuthCapsResponse,
  decodeCipherSuitesRequest, decodeCloseSessionRequest, decodeSessionChallengeRequest, decodeSessionChallengeResponse,
  encodeActivateSessionRequest, encodeActivateSessionResponse, encodeAuthCapsRequest, encodeAuthCapsResponse,
  encodeCipherSuitesRequest, encodeCloseSessionRequest, encodeSessionChallengeRequest, encodeSessionChallengeResponse,
} from '../../protocols/ipmi/commands/session-setup.js';
import { DEFAULT_BMC_SUITES, cipherSuiteRecords, parseCipherSuiteRecords } from '../../protocols/ipmi/cipher-suites.js';
import { aesDecryptPayload, aesEncryptPayload } from '../../protocols/ipmi/rmcpplus-crypto.js';
import { sessionlessResponse } from '../../protocols/ipmi/client-side/sessionless.js';
import { capturedDatagrams, type CapturedDatagram } from '../helpers/captured-commands.js';
import { loadFrames } from '../helpers/vectors.js';
import {
  FailureLog, Rng, fuzzDecoder, fuzzIterations, fuzzSeed, hex, sameValue, seedHex, valueProblem,
} from './fuzz-helpers.js';

const SEED = fuzzSeed();
const PER_TARGET = fuzzIterations(4000);
const NETFN_APP = 0x06;

// ---------------------------------------------------------------- the real vectors, taken apart (captured-commands.ts decrypts them)

const pings = loadFrames('ipmi/asf-ping-pong.json');

interface Corpus {
  datagrams: Buffer[];
  asf: Buffer[];
  pongs: Buffer[];
  v15: Buffer[];
  v20: Buffer[];
  requests: Buffer[];
  responses: Buffer[];
  /** RMCP+ payloads by payload type (the handshake ones). */
  payloads: Map<number, Buffer[]>;
  /** Encrypted RMCP+ payloads with the K2 derived for their session from the captured handshake. */
  encrypted: { k2: Buffer; payload: Buffer; n: number }[];
  /** IPMI data bytes by `rq|rs:netFn:cmd` (responses: after the completion code, successful ones only). */
  commandData: Map<string, Buffer[]>;
}

function push<K>(m: Map<K, Buffer[]>, k: K, b: Uint8Array): void {
  const list = m.get(k) ?? [];
  list.push(Buffer.from(b));
  m.set(k, list);
}

function takeApart(): Corpus {
  const c: Corpus = {
    datagrams: [], asf: [], pongs: [], v15: [], v20: [], requests: [], responses: [], payloads: new Map(), encrypted: [], commandData: new Map(),
  };
  const addMessage = (from: 'client' | 'bmc', msg: Uint8Array) => {
    if (from === 'client') {
      const r = decodeRequest(msg);
      c.requests.push(Buffer.from(msg));
      push(c.commandData, `rq:${r.netFn}:${r.cmd}`, r.data);
    } else {
      const r = decodeResponse(msg);
      c.responses.push(Buffer.from(msg));
      if (r.completionCode === 0) push(c.commandData, `rs:${r.netFn}:${r.cmd}`, r.data);
    }
  };
  const datagrams: CapturedDatagram[] = [...capturedDatagrams(), ...pings.map((frame) => ({ frame }))];
  for (const { frame, session, message, k2 } of datagrams) {
    const b = frame.bytes;
    c.datagrams.push(b);
    if (decodeRmcpHeader(b).messageClass === RmcpClass.ASF) {
      c.asf.push(b);
      if (decodeAsf(b).messageType === AsfMessageType.PRESENCE_PONG) c.pongs.push(b);
      continue;
    }
    if (!session) c.v15.push(b);
    else {
      c.v20.push(b);
      if (session.payloadType !== PayloadType.IPMI) push(c.payloads, session.payloadType, session.payload);
    }
    if (message) addMessage(frame.from, message);
    if (k2 && session) c.encrypted.push({ k2, payload: Buffer.from(session.payload), n: frame.n });
  }
  return c;
}

const corpus = takeApart();
const data = (key: string): Buffer[] => corpus.commandData.get(key) ?? [];
const payloadsOf = (type: number): Buffer[] => corpus.payloads.get(type) ?? [];
const rq = (cmd: number) => `rq:${NETFN_APP}:${cmd}`;
const rs = (cmd: number) => `rs:${NETFN_APP | 1}:${cmd}`;

// Spec-built examples for commands the capture does not contain.
const cipherSuitesRequests = [...data(rq(SessionCommand.GET_CHANNEL_CIPHER_SUITES)),
  encodeCipherSuitesRequest({ channel: 0x0e, payloadType: 0, listBySuite: true, index: 0 })];
const cipherSuiteRecordData = [...data(rs(SessionCommand.GET_CHANNEL_CIPHER_SUITES)).map((d) => d.subarray(1)),
  cipherSuiteRecords(DEFAULT_BMC_SUITES), cipherSuiteRecords([3]),
  Buffer.from('c1 07 57 01 00 01 41 81 c0 11 03 44 81'.replace(/ /g, ''), 'hex')]; // an OEM record, then suite 17
const closeRequests = [...data(rq(SessionCommand.CLOSE_SESSION)), Buffer.from('0000000003', 'hex')];
const aesKey = corpus.encrypted[0]?.k2 ?? Buffer.alloc(20, 0x02);

// ---------------------------------------------------------------- the targets

interface Target {
  name: string;
  /** Real inputs for this decoder; mutations start from these. */
  seeds: Uint8Array[];
  decode: (b: Uint8Array) => unknown;
  /** decode(encode(value)); omitted when there is no encoder. */
  reencode?: (value: never) => Uint8Array;
  /** The bytes of a real input the decoded value stands for (default: all of them). */
  covers?: (input: Uint8Array, value: never) => Uint8Array;
  /** Fields that may legitimately be undefined, and whether negative numbers are allowed (-1 = absent). */
  optional?: string[];
  allowNegative?: boolean;
  /** Raw byte views that are not decoded fields, left out when comparing values. */
  raw?: string[];
  /** Applied to half the mutated inputs, to get past checksums to the checks behind them. */
  fixup?: (b: Buffer) => Buffer;
  /**
   * Checks a decoded value against the input: length-prefixed fields must have exactly their declared
   * length (subarray() clamps silently, so a missing bounds check would otherwise go unnoticed).
   */
  check?: (input: Uint8Array, value: never) => string | null;
}

const target = <V>(t: {
  name: string; seeds: Uint8Array[]; decode: (b: Uint8Array) => V; reencode?: (v: V) => Uint8Array;
  covers?: (input: Uint8Array, value: V) => Uint8Array; optional?: string[]; allowNegative?: boolean; raw?: string[];
  fixup?: (b: Buffer) => Buffer; check?: (input: Uint8Array, value: V) => string | null;
}): Target => t as unknown as Target;

/** "field has N bytes, expected M" or null. */
function lengthIs(field: string, b: Uint8Array, expected: number): string | null {
  return b.length === expected ? null : `${field} has ${b.length} byte(s), the input declares ${expected}`;
}

/** Recomputes both IPMI message checksums (§13.8) of a mutated message. */
function fixChecksums(b: Buffer): Buffer {
  if (b.length < 7) return b;
  b[2] = checksum(b, 0, 2);
  b[b.length - 1] = checksum(b, 3, b.length - 1);
  return b;
}

/** The value without its raw byte views, for comparisons. */
function fields(v: unknown, raw: readonly string[] = []): unknown {
  if (raw.length === 0 || v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([k]) => !raw.includes(k)));
}

const TARGETS: Target[] = [
  target({ name: 'decodeRmcpHeader', seeds: corpus.datagrams, decode: (b) => decodeRmcpHeader(b),
    reencode: (h) => { const out = Buffer.alloc(4); encodeRmcpHeader(h, out); return out; }, covers: (b) => b.subarray(0, 4) }),
  target({ name: 'decodeAsf', seeds: corpus.asf, decode: decodeAsf, reencode: encodeAsf, check: (b, v) => lengthIs('data', v.data, b[11]) }),
  target({ name: 'decodePresencePong', seeds: corpus.pongs, decode: (b) => decodePresencePong(decodeAsf(b)) }),
  // A v1.5 wrapper may carry ipmitool's legacy pad byte after the message; the encoder does not write it.
  target({ name: 'decodeSessionV15', seeds: corpus.v15, decode: (b) => decodeSessionV15(b), reencode: encodeSessionV15,
    covers: (b, v) => b.subarray(0, encodingLengthSessionV15(v)),
    check: (b, v) => lengthIs('message', v.message, b[v.authType === AuthType.NONE ? 13 : 29]) ??
      (v.authCode ? lengthIs('authCode', v.authCode, 16) : null) }),
  // integrityData is the raw bytes under the AuthCode: reserved bits 7:4 of the auth type byte survive in it
  // but are (rightly) not re-encoded, so it is compared only byte for byte on the real vectors.
  target({ name: 'decodeSessionV20', seeds: corpus.v20, decode: (b) => decodeSessionV20(b), optional: ['oemIana', 'oemPayloadId'],
    reencode: (s) => encodeSessionV20(s, s.authCode.length, () => s.authCode), raw: ['integrityData'],
    check: (b, v) => {
      const at = v.payloadType === PayloadType.OEM_EXPLICIT ? 20 : 14;
      return lengthIs('payload', v.payload, b[at] | (b[at + 1] << 8)) ??
        (Buffer.compare(Buffer.from(v.integrityData), Buffer.from(b.subarray(4, 4 + v.integrityData.length))) === 0 ? null : 'integrityData is not the input bytes');
    } }),
  target({ name: 'decodeRequest', seeds: corpus.requests, decode: decodeRequest, reencode: encodeRequest, fixup: fixChecksums }),
  target({ name: 'decodeResponse', seeds: corpus.responses, decode: decodeResponse, reencode: encodeResponse, fixup: fixChecksums }),
  target({ name: 'sessionlessResponse', seeds: corpus.v15, decode: sessionlessResponse }),
  target({ name: 'decodeOpenSessionRequest', seeds: payloadsOf(PayloadType.OPEN_SESSION_REQUEST), decode: decodeOpenSessionRequest,
    reencode: encodeOpenSessionRequest }),
  target({ name: 'decodeOpenSessionResponse', seeds: payloadsOf(PayloadType.OPEN_SESSION_RESPONSE), decode: decodeOpenSessionResponse,
    reencode: encodeOpenSessionResponse }),
  target({ name: 'decodeRakp1', seeds: payloadsOf(PayloadType.RAKP1), decode: decodeRakp1, reencode: encodeRakp1,
    check: (b, v) => lengthIs('username', v.username, b[27]) ?? lengthIs('consoleRandom', v.consoleRandom, 16) }),
  target({ name: 'decodeRakp2', seeds: payloadsOf(PayloadType.RAKP2), decode: decodeRakp2, reencode: encodeRakp2,
    check: (_b, v) => (v.status !== RakpStatus.NO_ERRORS ? null : lengthIs('bmcRandom', v.bmcRandom, 16) ?? lengthIs('bmcGuid', v.bmcGuid, 16)) }),
  target({ name: 'decodeRakp3', seeds: payloadsOf(PayloadType.RAKP3), decode: decodeRakp3, reencode: encodeRakp3 }),
  target({ name: 'decodeRakp4', seeds: payloadsOf(PayloadType.RAKP4), decode: decodeRakp4, reencode: encodeRakp4 }),
  target({ name: 'decodeAuthCapsRequest', seeds: data(rq(SessionCommand.GET_CHANNEL_AUTH_CAPABILITIES)), decode: decodeAuthCapsRequest,
    reencode: encodeAuthCapsRequest }),
  target({ name: 'decodeAuthCapsResponse', seeds: data(rs(SessionCommand.GET_CHANNEL_AUTH_CAPABILITIES)), decode: decodeAuthCapsResponse,
    reencode: encodeAuthCapsResponse }),
  target({ name: 'decodeCipherSuitesRequest', seeds: cipherSuitesRequests, decode: decodeCipherSuitesRequest, reencode: encodeCipherSuitesRequest }),
  target({ name: 'decodeSessionChallengeRequest', seeds: data(rq(SessionCommand.GET_SESSION_CHALLENGE)), decode: decodeSessionChallengeRequest,
    reencode: encodeSessionChallengeRequest }),
  target({ name: 'decodeSessionChallengeResponse', seeds: data(rs(SessionCommand.GET_SESSION_CHALLENGE)), decode: decodeSessionChallengeResponse,
    reencode: encodeSessionChallengeResponse, check: (_b, v) => lengthIs('challenge', v.challenge, 16) }),
  target({ name: 'decodeActivateSessionRequest', seeds: data(rq(SessionCommand.ACTIVATE_SESSION)), decode: decodeActivateSessionRequest,
    reencode: encodeActivateSessionRequest, check: (_b, v) => lengthIs('challenge', v.challenge, 16) }),
  target({ name: 'decodeActivateSessionResponse', seeds: data(rs(SessionCommand.ACTIVATE_SESSION)), decode: decodeActivateSessionResponse,
    reencode: encodeActivateSessionResponse }),
  // encodeCloseSessionRequest writes only the session-ID form; the handle form (ID 0 + handle) has no encoder.
  target({ name: 'decodeCloseSessionRequest', seeds: closeRequests, decode: decodeCloseSessionRequest, optional: [],
    reencode: (r) => (r.sessionId !== 0 ? encodeCloseSessionRequest(r.sessionId) : Buffer.from([0, 0, 0, 0, r.handle ?? 0])) }),
  target({ name: 'parseCipherSuiteRecords', seeds: cipherSuiteRecordData, decode: parseCipherSuiteRecords, allowNegative: true }),
  target({ name: 'aesDecryptPayload', seeds: corpus.encrypted.filter((e) => e.k2.equals(aesKey)).map((e) => e.payload),
    decode: (b) => aesDecryptPayload(aesKey, b) }),
];

/** Real vectors a canonical encoder cannot reproduce byte for byte (the value round trip still holds). */
const NOT_BYTE_EXACT: Record<string, (input: Uint8Array) => boolean> = {
  // ipmi_sim answers a refused Open Session Request with 2 bytes (tag, status); §13.18 and our encoder send 8.
  decodeOpenSessionResponse: (b) => b.length < 8 && b[1] !== RakpStatus.NO_ERRORS,
};

// ---------------------------------------------------------------- the vectors themselves

t.test('the real vectors cover every decoder', (t) => {
  for (const tg of TARGETS) t.ok(tg.seeds.length > 0, `${tg.name}: ${tg.seeds.length} real input(s)`);
  t.ok(corpus.encrypted.length > 0, `${corpus.encrypted.length} encrypted payloads decrypted with keys derived from the capture`);
  t.end();
});

t.test('round trip on the real vectors: encode(decode(x)) decodes equal, and is x byte for byte', (t) => {
  for (const tg of TARGETS) {
    if (!tg.reencode) continue;
    let same = 0;
    let exact = 0;
    for (const seed of tg.seeds) {
      const v = tg.decode(seed);
      const bytes = tg.reencode(v as never);
      if (sameValue(tg.decode(bytes), v)) same++;
      else t.fail(`${tg.name}: ${hex(seed)} re-encodes to ${hex(bytes)}, which decodes differently`);
      const expected = tg.covers ? tg.covers(seed, v as never) : seed;
      if (Buffer.compare(Buffer.from(bytes), Buffer.from(expected)) === 0) exact++;
      else if (NOT_BYTE_EXACT[tg.name]?.(seed)) t.comment(`${tg.name}: ${hex(seed)} re-encodes canonically as ${hex(bytes)}`);
      else t.fail(`${tg.name}: ${hex(seed)} re-encodes to ${hex(bytes)}`);
    }
    t.equal(same, tg.seeds.length, `${tg.name}: ${same}/${tg.seeds.length} decode equal after re-encoding, ${exact} byte for byte`);
  }
  t.end();
});

t.test('round trip on the real vectors: presence pongs, cipher suite records, AES payloads', (t) => {
  for (const b of corpus.pongs) {
    const msg = decodeAsf(b);
    t.same(hex(encodePresencePong(msg, decodePresencePong(msg))), hex(b), `pong ${hex(b)}`);
  }
  for (const d of cipherSuiteRecordData) {
    const suites = parseCipherSuiteRecords(d);
    const standard = suites.filter((s) => s.auth >= 0 && s.integrity >= 0 && s.confidentiality >= 0);
    const again = parseCipherSuiteRecords(cipherSuiteRecords(standard.map((s) => s.id)));
    t.ok(sameValue(again, standard.filter((s) => again.some((a) => a.id === s.id))), `records ${hex(d)}`);
  }
  let n = 0;
  for (const e of corpus.encrypted) {
    const plain = aesDecryptPayload(e.k2, e.payload);
    const again = aesEncryptPayload(e.k2, e.payload.subarray(0, 16), plain);
    if (!again.equals(e.payload)) t.fail(`frame ${e.n}: AES payload does not re-encrypt to the same bytes`);
    else n++;
  }
  t.equal(n, corpus.encrypted.length, `${n} AES payloads re-encrypt byte for byte (same IV, same pad)`);
  t.end();
});

// ---------------------------------------------------------------- the fuzzing

/** One decoder's run, with this file's value checks and comparison. */
function fuzzTarget(tg: Target, rng: Rng, log: FailureLog) {
  return fuzzDecoder(tg, rng, log, {
    iterations: PER_TARGET,
    corpus: corpus.datagrams,
    check: (value, input) => valueProblem(value, tg.optional, tg.allowNegative) ?? tg.check?.(input, value as never) ?? null,
    same: (a, b) => sameValue(fields(a, tg.raw), fields(b, tg.raw)),
    errorKind: (e) => `${e.code} ${e.field}`,
  });
}

t.test(`decoders return a value or throw DecodeError (seed ${seedHex(SEED)}, ${PER_TARGET} inputs per decoder)`, (t) => {
  const root = new Rng(SEED);
  const log = new FailureLog(SEED);
  const rows: string[] = [];
  let total = 0;
  for (const tg of TARGETS) {
    const s = fuzzTarget(tg, root.fork(tg.name), log);
    total += PER_TARGET;
    const topErrors = s.decodeErrors.keys().length;
    rows.push(`  ${tg.name.padEnd(32)} returned ${String(s.returned).padStart(5)}  re-encoded ${String(s.reencoded).padStart(5)}` +
      `  DecodeError ${String(s.decodeErrors.total()).padStart(5)} (${topErrors} kinds)`);
  }
  t.comment(`${total} decoder calls, seed ${seedHex(SEED)}\n${rows.join('\n')}`);
  log.report(t, 'decoders');
  t.end();
});

t.test('regression B1: a cipher suite record cut short is a DecodeError, not a read past the end', (t) => {
  for (const data of ['c0', 'c1', 'c1aabb', 'c011c0']) {
    t.throws(() => parseCipherSuiteRecords(Buffer.from(data, 'hex')), { name: 'DecodeError', code: 'ERR_TRUNCATED' }, data);
  }
  t.same(parseCipherSuiteRecords(Buffer.from('c011034481', 'hex')).map((s) => s.id), [17], 'a whole record still parses');
  t.end();
});
