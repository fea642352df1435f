// RMCP+ codec micro-benchmark: encode + decode round trips of an encrypted, authenticated Get Device ID
// request and response (cipher suites 17 and 3), and the RMCP + RMCP+ session header decode written by hand
// (the subject) against the same decode written with binary-parser (the anchor).
//
// Prints exactly one JSON object on stdout; progress goes to stderr. `--quick` runs each case briefly
// (for CI, to keep the benchmark from rotting); the default is a full-length run.
import { randomFillSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import Benchmark from 'benchmark';
import { decodeRmcpHeader, RmcpClass } from '../protocols/rmcp/header.js';
import { decodeSessionV20, encodeSessionV20, integrityPadLength, NEXT_HEADER, PayloadType } from '../protocols/ipmi/session-v20.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, NetFn, responseTo, type IpmiRequest, type IpmiResponse } from '../protocols/ipmi/message.js';
import {
  aesDecryptPayload, aesEncryptPayload, authCodesEqual, deriveK1, deriveK2, integrityAuthCode, integrityAuthCodeLength,
  sessionIntegrityKey, type RakpValues,
} from '../protocols/ipmi/rmcpplus-crypto.js';
import { ConfidentialityAlgorithm, suiteById, type CipherSuite } from '../protocols/ipmi/cipher-suites.js';

// binary-parser's package.json "exports" carries no types for its ESM build, so load its CommonJS build (the
// same code) and take the types from there.
const { Parser } = createRequire(import.meta.url)('binary-parser') as typeof import('binary-parser', { with: { 'resolution-mode': 'require' } });

const QUICK = process.argv.includes('--quick');
const CASE_OPTIONS: Benchmark.Options = QUICK ? { maxTime: 0.05, minSamples: 2, minTime: 0.01 } : {};

// ---------------------------------------------------------------------------------------------------------
// Session keys: a SIK from fixed RAKP values (user admin, password "password", no Kg), then K1 and K2.

const PASSWORD = Buffer.from('password');
const CONSOLE_SESSION_ID = 0x00001002;
const BMC_SESSION_ID = 0xa0a2a3a4;
const FIXED_RAKP: RakpValues = {
  consoleSessionId: CONSOLE_SESSION_ID,
  bmcSessionId: BMC_SESSION_ID,
  consoleRandom: Buffer.from('b5d5aa8fd187f05c2d8ae1901ec71ad1', 'hex'),
  bmcRandom: Buffer.from('7564e9ac926954e944705fb5eaa3ea03', 'hex'),
  bmcGuid: Buffer.from('a1234567b89c4def8012a3b4c5d6e7f8', 'hex'),
  role: 0x14, // administrator, name-only lookup
  username: Buffer.from('admin'),
};

interface SessionKeys {
  suite: CipherSuite;
  k1: Buffer;
  k2: Buffer;
  authCodeLength: number;
  /** The integrity signer handed to encodeSessionV20, made once per session (no closure per packet). */
  sign: (integrityData: Uint8Array) => Uint8Array;
}

function sessionKeys(id: number): SessionKeys {
  const suite = suiteById(id);
  if (!suite) throw new Error(`cipher suite ${id} is not implemented`);
  if (suite.confidentiality !== ConfidentialityAlgorithm.AES_CBC_128) throw new Error(`cipher suite ${id} has no AES-CBC-128`);
  const sik = sessionIntegrityKey(suite.auth, PASSWORD, FIXED_RAKP);
  const k1 = deriveK1(suite.auth, sik);
  const k2 = deriveK2(suite.auth, sik);
  const integrity = suite.integrity;
  return {
    suite, k1, k2,
    authCodeLength: integrityAuthCodeLength(integrity),
    sign: (integrityData) => integrityAuthCode(integrity, k1, PASSWORD, integrityData),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Messages: Get Device ID (IPMI 2.0 §20.1) request and a realistic 15-byte response.

const GET_DEVICE_ID_REQUEST: IpmiRequest = {
  rsAddr: 0x20, netFn: NetFn.APP, rsLun: 0, rqAddr: 0x81, rqSeq: 0x0c, rqLun: 0, cmd: 0x01, data: new Uint8Array(0),
};

const GET_DEVICE_ID_DATA = Uint8Array.from([
  0x20, // device ID
  0x81, // device revision 1, provides device SDRs
  0x02, // firmware revision 1: device available, major 2
  0x15, // firmware revision 2: minor 15 (BCD)
  0x02, // IPMI version 2.0
  0xbf, // additional device support: chassis, bridge, event generator/receiver, FRU, SEL, SDR, sensor
  0x57, 0x01, 0x00, // manufacturer ID (IANA 343, LS byte first)
  0x88, 0x00, // product ID
  0x00, 0x00, 0x00, 0x00, // auxiliary firmware revision
]);

const GET_DEVICE_ID_RESPONSE: IpmiResponse = responseTo(GET_DEVICE_ID_REQUEST, 0x00, GET_DEVICE_ID_DATA);

// ---------------------------------------------------------------------------------------------------------
// The round trip: encode = IPMI message, AES-CBC-128 with K2 (fresh IV), RMCP+ wrapper with the AuthCode over
// K1; decode = RMCP header, RMCP+ wrapper, recompute and compare the AuthCode, AES-decrypt, IPMI message.

const iv = Buffer.allocUnsafe(16);
let sequence = 0;

function seal(keys: SessionKeys, sessionId: number, plain: Uint8Array): Buffer {
  randomFillSync(iv);
  const payload = aesEncryptPayload(keys.k2, iv, plain);
  sequence = (sequence + 1) >>> 0 || 1;
  return encodeSessionV20(
    { payloadType: PayloadType.IPMI, encrypted: true, authenticated: true, sessionId, sequence, payload },
    keys.authCodeLength, keys.sign,
  );
}

function open(keys: SessionKeys, packet: Uint8Array): Buffer {
  const rmcp = decodeRmcpHeader(packet);
  if (rmcp.messageClass !== RmcpClass.IPMI) throw new Error('not an IPMI-class RMCP message');
  const s = decodeSessionV20(packet);
  if (s.payloadType !== PayloadType.IPMI || !s.authenticated || !s.encrypted) throw new Error('not an encrypted, authenticated IPMI payload');
  if (!authCodesEqual(keys.sign(s.integrityData), s.authCode)) throw new Error('AuthCode mismatch');
  return aesDecryptPayload(keys.k2, s.payload);
}

function requestRoundTrip(keys: SessionKeys): IpmiRequest {
  return decodeRequest(open(keys, seal(keys, BMC_SESSION_ID, encodeRequest(GET_DEVICE_ID_REQUEST))));
}

function responseRoundTrip(keys: SessionKeys): IpmiResponse {
  return decodeResponse(open(keys, seal(keys, CONSOLE_SESSION_ID, encodeResponse(GET_DEVICE_ID_RESPONSE))));
}

// ---------------------------------------------------------------------------------------------------------
// Header decode. The packet: frame 53 of test/vectors/ipmi/ipmitool-vs-ipmi_sim.json, ipmitool 1.8.19
// `-I lanplus -C 3 mc info` to ipmi_sim, the first in-session request (encrypted, authenticated).

const CAPTURED_PACKET = Buffer.from(
  '0600ff0706c00210000003000000200049997a884d288cf6c29a0f6a7584adea32d0fdad95d39d82' +
  '85ea8778b772fa9affff020743cae7d2d89f48f575b266bb', 'hex');

interface HeaderSummary { sessionId: number; sequence: number; payload: Uint8Array; authCode: Uint8Array }

function decodeHeaderHandwritten(packet: Uint8Array): HeaderSummary {
  const rmcp = decodeRmcpHeader(packet);
  if (rmcp.messageClass !== RmcpClass.IPMI) throw new Error('not an IPMI-class RMCP message');
  return decodeSessionV20(packet);
}

// The same layout and the same checks (RMCP version, IPMI class, RMCP+ auth type, OEM explicit fields, pad
// bytes FFh, pad length, next header 07h) as a binary-parser description. Bit fields read MSB first. Length
// and assert callbacks get the top-level result (as argument and as `this` respectively).
interface BpSession {
  payloadType: number;
  payloadLength: number;
  sessionId: number;
  sequence: number;
  payload: Buffer;
  trailer: { integrityPad?: Buffer; authCode?: Buffer };
}

const oemExplicit = new Parser().uint32le('oemIana').uint16le('oemPayloadId');
const integrityTrailer = new Parser()
  .buffer('integrityPad', {
    length: (top: BpSession) => integrityPadLength(12 + (top.payloadType === PayloadType.OEM_EXPLICIT ? 6 : 0) + top.payloadLength),
    assert: (pad: unknown) => (pad as Buffer).every((b) => b === 0xff),
  })
  .uint8('padLength', { assert: function (this: BpSession, n: unknown) { return n === this.trailer.integrityPad?.length; } })
  .uint8('nextHeader', { assert: NEXT_HEADER })
  .buffer('authCode', { readUntil: 'eof' });
const rmcpPlusHeader = new Parser()
  .uint8('version', { assert: 0x06 })
  .uint8('reserved')
  .uint8('rmcpSequence')
  .bit1('ack')
  .bit2('classReserved')
  .bit5('messageClass', { assert: RmcpClass.IPMI })
  .bit4('authFormatReserved')
  .bit4('authType', { assert: 0x06 })
  .bit1('encrypted')
  .bit1('authenticated')
  .bit6('payloadType')
  .choice('oem', { tag: 'payloadType', choices: { [PayloadType.OEM_EXPLICIT]: oemExplicit }, defaultChoice: new Parser() })
  .uint32le('sessionId')
  .uint32le('sequence')
  .uint16le('payloadLength')
  .buffer('payload', { length: 'payloadLength' })
  .choice('trailer', { tag: 'authenticated', choices: { 0: new Parser(), 1: integrityTrailer } });

function decodeHeaderBinaryParser(packet: Uint8Array): HeaderSummary {
  const p = rmcpPlusHeader.parse(packet) as BpSession;
  return { sessionId: p.sessionId, sequence: p.sequence, payload: p.payload, authCode: p.trailer.authCode ?? new Uint8Array(0) };
}

// ---------------------------------------------------------------------------------------------------------
// Self-checks before timing anything: a benchmark of a wrong result measures nothing.

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`self-check failed: ${what}`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

const suite17 = sessionKeys(17);
const suite3 = sessionKeys(3);

for (const keys of [suite17, suite3]) {
  const req = requestRoundTrip(keys);
  check(req.netFn === NetFn.APP && req.cmd === 0x01 && req.data.length === 0 && req.rqSeq === GET_DEVICE_ID_REQUEST.rqSeq,
    `suite ${keys.suite.id} request round trip`);
  const resp = responseRoundTrip(keys);
  check(resp.netFn === NetFn.APP + 1 && resp.cmd === 0x01 && resp.completionCode === 0 && sameBytes(resp.data, GET_DEVICE_ID_DATA),
    `suite ${keys.suite.id} response round trip`);
  const tampered = seal(keys, BMC_SESSION_ID, encodeRequest(GET_DEVICE_ID_REQUEST));
  tampered[tampered.length - 1] ^= 0x01;
  let rejected = false;
  try { open(keys, tampered); } catch { rejected = true; }
  check(rejected, `suite ${keys.suite.id} rejects a bad AuthCode`);
}
{
  const hand = decodeHeaderHandwritten(CAPTURED_PACKET);
  const bp = decodeHeaderBinaryParser(CAPTURED_PACKET);
  check(hand.sessionId === 0x1002 && hand.sequence === 3 && hand.payload.length === 32 && hand.authCode.length === 12,
    'hand-written header decode of the captured packet');
  check(bp.sessionId === hand.sessionId && bp.sequence === hand.sequence && sameBytes(bp.payload, hand.payload) &&
    sameBytes(bp.authCode, hand.authCode), 'binary-parser and hand-written header decodes agree');
  const badPad = Buffer.from(CAPTURED_PACKET);
  badPad[CAPTURED_PACKET.length - 16] = 0x00; // first integrity pad byte
  let handRejected = false;
  let bpRejected = false;
  try { decodeHeaderHandwritten(badPad); } catch { handRejected = true; }
  try { decodeHeaderBinaryParser(badPad); } catch { bpRejected = true; }
  check(handRejected && bpRejected, 'both header decodes reject a bad integrity pad');
}

// ---------------------------------------------------------------------------------------------------------
// Timing.

/** Written by every case so the engine cannot drop the work as dead code. */
let sink = 0;

const CASES = {
  suite17Request: 'suite17 request round trip',
  suite17Response: 'suite17 response round trip',
  suite3Request: 'suite3 request round trip',
  suite3Response: 'suite3 response round trip',
  headerHandwritten: 'header decode hand-written',
  headerBinaryParser: 'header decode binary-parser',
} as const;

const CASE_FNS: [string, () => void][] = [
  [CASES.suite17Request, () => { sink ^= requestRoundTrip(suite17).rqSeq; }],
  [CASES.suite17Response, () => { sink ^= responseRoundTrip(suite17).data.length; }],
  [CASES.suite3Request, () => { sink ^= requestRoundTrip(suite3).rqSeq; }],
  [CASES.suite3Response, () => { sink ^= responseRoundTrip(suite3).data.length; }],
  [CASES.headerHandwritten, () => { sink ^= decodeHeaderHandwritten(CAPTURED_PACKET).sequence; }],
  [CASES.headerBinaryParser, () => { sink ^= decodeHeaderBinaryParser(CAPTURED_PACKET).sequence; }],
];

// Warm every path up front, so the first case timed does not also pay for the JIT (matters in --quick runs).
for (const [, fn] of CASE_FNS) for (let i = 0; i < 500; i++) fn();

const suite = new Benchmark.Suite('rmcpplus-codec');
for (const [name, fn] of CASE_FNS) suite.add(name, fn, CASE_OPTIONS);
suite.on('cycle', (event: Benchmark.Event) => { process.stderr.write(`${String(event.target)}\n`); });

process.stderr.write(`rmcpplus-codec: ${QUICK ? 'quick' : 'full'} run of ${suite.length} cases\n`);
suite.run({ async: false });

interface CaseResult { name: string; opsPerSec: number; rme: number; samples: number; meanUs: number }

const results: CaseResult[] = [];
const failures: string[] = [];
suite.forEach((b: Benchmark) => {
  const error = (b as Benchmark & { error?: unknown }).error;
  if (error) failures.push(`${b.name}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  else if (!(b.hz > 0)) failures.push(`${b.name}: no measurement`);
  results.push({ name: String(b.name), opsPerSec: b.hz, rme: b.stats.rme, samples: b.stats.sample.length, meanUs: b.stats.mean * 1e6 });
});
if (failures.length > 0) {
  process.stderr.write(`rmcpplus-codec failed:\n${failures.join('\n')}\n`);
  process.exit(1);
}

function hz(name: string): number {
  const r = results.find((x) => x.name === name);
  if (!r) throw new Error(`no result for ${name}`);
  return r.opsPerSec;
}

/** Request + response exchanges per second: the two round trips back to back. */
function exchangeHz(request: string, response: string): number {
  return 1 / (1 / hz(request) + 1 / hz(response));
}

const cpuList = cpus();
const report = {
  benchmark: 'rmcpplus-codec',
  node: process.version,
  mode: QUICK ? 'quick' : 'full',
  machine: { cpus: cpuList.length, model: cpuList[0]?.model ?? 'unknown' },
  results,
  ratios: {
    headerDecode_handwritten_vs_binaryParser: hz(CASES.headerHandwritten) / hz(CASES.headerBinaryParser),
    suite17_vs_suite3: exchangeHz(CASES.suite17Request, CASES.suite17Response) / exchangeHz(CASES.suite3Request, CASES.suite3Response),
    suite17_vs_suite3_request: hz(CASES.suite17Request) / hz(CASES.suite3Request),
    suite17_vs_suite3_response: hz(CASES.suite17Response) / hz(CASES.suite3Response),
  },
};
process.stderr.write(`(sink ${sink})\n`);
process.stdout.write(`${JSON.stringify(report)}\n`);
