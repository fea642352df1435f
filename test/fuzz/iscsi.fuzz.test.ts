// Fuzzes the iSCSI codec and the target session with random buffers and mutations of real PDUs (our initiator
// and tgtd, test/vectors/iscsi, plus PDUs of every kind our encoders make): 10,000 inputs per target by default.
// Every decoder must return a value or throw a DecodeError with sane fields; decoded values must have no
// undefined/NaN fields, re-encode, and decode again equal. The target session, fed mutated PDU streams after a
// real login, must never throw anything but what it catches itself, must answer only with well-formed target
// PDUs, and must hold no more than its queue depth of reads. A target demanding CHAP, fed mutated CHAP logins
// (RFC 7143 §12.1.3), must do the same and reach full feature phase only after the right CHAP_R.
// Seed: FUZZ_SEED; inputs: FUZZ_ITERATIONS (the long run: FUZZ_ITERATIONS=1000000).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BHS_LENGTH, RESERVED_TAG } from '../../protocols/iscsi/bhs.js';
import { chapResponse, encodeBinaryValue } from '../../protocols/iscsi/chap.js';
import { encodeDataOut } from '../../protocols/iscsi/data.js';
import { PduFramer } from '../../protocols/iscsi/framer.js';
import { encodeLoginRequest } from '../../protocols/iscsi/login.js';
import { encodeLogoutRequest } from '../../protocols/iscsi/logout.js';
import { DEFAULT_PARAMETERS, initiatorOffers } from '../../protocols/iscsi/negotiation.js';
import { encodeNopIn, encodeNopOut } from '../../protocols/iscsi/nop.js';
import { decodeInitiatorPdu, decodeTargetPdu, encodePdu, splitPdu } from '../../protocols/iscsi/pdu.js';
import { encodeReject } from '../../protocols/iscsi/reject.js';
import { encodeScsiCommand } from '../../protocols/iscsi/scsi-command.js';
import { TargetSession } from '../../protocols/iscsi/target-session.js';
import {
  encodeTaskManagementRequest, encodeTaskManagementResponse,
} from '../../protocols/iscsi/task-management.js';
import { encodeText } from '../../protocols/iscsi/text.js';
import { encodeTextRequest } from '../../protocols/iscsi/text-pdu.js';
import { encodeBlockTransfer } from '../../protocols/scsi/block-io.js';
import { encodeReadCapacity10, encodeReadCapacity16 } from '../../protocols/scsi/capacity.js';
import { encodeInquiry } from '../../protocols/scsi/inquiry.js';
import { encodeLun } from '../../protocols/scsi/lun.js';
import { encodeReportLuns } from '../../protocols/scsi/report-luns.js';
import { encodeRequestSense } from '../../protocols/scsi/sense.js';
import { encodeTestUnitReady } from '../../protocols/scsi/unit-control.js';
import {
  FailureLog, Rng, decodeErrorProblem, fuzzDecoder, fuzzIterations, fuzzSeed, hex, mutate, randomBuffer, sameValue, seedHex, valueProblem,
} from './fuzz-helpers.js';

const SEED = fuzzSeed();
const PER_TARGET = fuzzIterations(10_000);

const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'vectors', 'iscsi', 'tgtd-session.json');
const captured = (JSON.parse(readFileSync(file, 'utf8')) as { pdus: Array<{ from: string; hex: string }> }).pdus;

/** The whole PDUs of captured payloads. */
function framed(from: string): Buffer[] {
  const out: Buffer[] = [];
  for (const v of captured.filter((x) => x.from === from)) {
    const framer = new PduFramer(1 << 20);
    framer.write(Buffer.from(v.hex, 'hex'));
    for (let p = framer.next(); p !== null; p = framer.next()) out.push(Buffer.from(p));
  }
  return out;
}

const IQN = 'iqn.2026-11.org.bmcfleet:fuzz';
const INITIATOR = 'iqn.2026-12.org.example:fuzzer';
const ISID = Buffer.from('800000000001', 'hex');
const lun0 = encodeLun(0);
const none = Buffer.alloc(0);
const command = (cdb: Buffer, expected: number, cmdSn: number, tag: number) => encodeScsiCommand({
  immediate: false, final: true, read: expected > 0, write: false, attribute: 1, lun: lun0, initiatorTaskTag: tag, expectedDataTransferLength: expected,
  cmdSn, expStatSn: 0, cdb, data: none,
});
const login = (stage: number, next: number, text: Array<[string, string]>) => encodeLoginRequest({
  transit: true, continue: false, currentStage: stage, nextStage: next, isid: ISID, tsih: 0, initiatorTaskTag: 1, versionMax: 0, versionMin: 0,
  cid: 0, cmdSn: 1, expStatSn: 0, data: encodeText(text),
});
const LOGIN = [
  login(0, 1, [['InitiatorName', INITIATOR], ['TargetName', IQN], ['AuthMethod', 'None']]),
  login(1, 3, initiatorOffers({ ...DEFAULT_PARAMETERS, initiatorMaxRecvDataSegmentLength: 4096, maxBurstLength: 8192 })),
];
const FULL_FEATURE = [
  command(encodeInquiry(36), 36, 1, 2), command(encodeReadCapacity10(), 8, 2, 3), command(encodeReadCapacity16(), 32, 3, 4),
  command(encodeBlockTransfer({ op: 'read', lba: 5, blocks: 24 }), 24 * 512, 4, 5), command(encodeBlockTransfer({ op: 'read', lba: 70_000, blocks: 70_000 }), 1 << 20, 5, 6),
  command(encodeReportLuns(64), 64, 6, 7), command(encodeRequestSense(), 18, 7, 8), command(encodeTestUnitReady(), 0, 8, 9),
  command(encodeBlockTransfer({ op: 'write', lba: 0, blocks: 1 }), 0, 9, 10),
  encodeTextRequest({ immediate: false, final: true, continue: false, initiatorTaskTag: 11, targetTransferTag: RESERVED_TAG, cmdSn: 10, expStatSn: 0, data: encodeText([['SendTargets', 'All']]) }),
  encodeNopOut({ immediate: true, lun: lun0, initiatorTaskTag: 12, targetTransferTag: RESERVED_TAG, cmdSn: 11, expStatSn: 0, data: Buffer.from('ping') }),
  encodeTaskManagementRequest({ immediate: true, function: 1, lun: lun0, initiatorTaskTag: 13, referencedTaskTag: 5, cmdSn: 11, expStatSn: 0 }),
  encodeDataOut({ final: true, lun: lun0, initiatorTaskTag: 14, targetTransferTag: RESERVED_TAG, expStatSn: 0, dataSn: 0, bufferOffset: 0, data: Buffer.alloc(8) }),
  encodeLogoutRequest({ immediate: true, reason: 0, initiatorTaskTag: 15, cid: 0, cmdSn: 11, expStatSn: 0 }),
];
const initiatorSeeds = [...framed('initiator'), ...LOGIN, ...FULL_FEATURE];
const targetSeeds = [
  ...framed('target'),
  encodeNopIn({ lun: lun0, initiatorTaskTag: RESERVED_TAG, targetTransferTag: 5, statSn: 1, expCmdSn: 2, maxCmdSn: 3, data: none }),
  encodeTaskManagementResponse({ response: 1, initiatorTaskTag: 4, statSn: 1, expCmdSn: 2, maxCmdSn: 3 }),
  encodeReject({ reason: 4, statSn: 1, expCmdSn: 2, maxCmdSn: 3, dataSn: 0, rejectedHeader: LOGIN[0].subarray(0, BHS_LENGTH) }),
];

/** Encodes a decoded PDU again with its family's encoder. */
const reencode = encodePdu;

/** Sets TotalAHSLength to 0 and DataSegmentLength to the bytes after the BHS, so mutations get past framing. */
function fixLengths(b: Buffer): Buffer {
  if (b.length < BHS_LENGTH) return b;
  const out = Buffer.from(b);
  out[4] = 0;
  out.writeUIntBE(out.length - BHS_LENGTH, 5, 3);
  return out;
}

const TARGETS = [
  { name: 'decodeInitiatorPdu', seeds: initiatorSeeds, decode: (b: Uint8Array) => decodeInitiatorPdu(splitPdu(Buffer.from(b))), reencode, fixup: fixLengths },
  { name: 'decodeTargetPdu', seeds: targetSeeds, decode: (b: Uint8Array) => decodeTargetPdu(splitPdu(Buffer.from(b))), reencode, fixup: fixLengths },
];

t.test(`iSCSI decoders return a value or throw DecodeError (seed ${seedHex(SEED)}, ${PER_TARGET} inputs per decoder)`, (t) => {
  const root = new Rng(SEED);
  const log = new FailureLog(SEED);
  const rows: string[] = [];
  for (const tg of TARGETS) {
    const s = fuzzDecoder(tg, root.fork(tg.name), log, {
      iterations: PER_TARGET, corpus: [...initiatorSeeds, ...targetSeeds],
      check: (value) => valueProblem(value), same: sameValue, errorKind: (e) => e.code,
    });
    rows.push(`  ${tg.name.padEnd(20)} returned ${String(s.returned).padStart(7)}  re-encoded ${String(s.reencoded).padStart(7)}` +
      `  DecodeError ${String(s.decodeErrors.total()).padStart(7)} (${s.decodeErrors.keys().sort().join(' ')})`);
    t.ok(s.reencoded > PER_TARGET / 10, `${tg.name}: a good share of inputs decode and round-trip`);
  }
  t.comment(rows.join('\n'));
  log.report(t, 'iSCSI decoders');
  t.end();
});

t.test(`the target session on mutated PDU streams: well-formed answers only, bounded reads (seed ${seedHex(SEED)})`, (t) => {
  const rng = new Rng(SEED).fork('session');
  const log = new FailureLog(SEED);
  const outcomes = new Map<string, number>();
  const note = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
  const runs = Math.max(1, Math.floor(PER_TARGET / 10));
  for (let i = 0; i < runs; i++) {
    const session = new TargetSession({
      targets: [{
        name: IQN, address: '127.0.0.1:3260', portalGroupTag: 1, luns: new Map([[0, { blockSize: 512, blockCount: 100_000, readOnly: true }]]),
        identity: () => ({ vendor: 'FUZZ', product: 'fuzz', revision: '1', serial: 'S' }),
      }],
      authorized: () => true, tsih: 1, queueDepth: 8,
    });
    const parts: Buffer[] = rng.bool(0.8) ? [...LOGIN] : [];
    for (let k = rng.range(1, 12); k > 0; k--) {
      const seed = rng.pick(rng.bool(0.7) ? FULL_FEATURE : initiatorSeeds);
      parts.push(rng.bool(0.3) ? seed : rng.bool(0.85) ? fixLengths(mutate(rng, seed, { corpus: initiatorSeeds }, 3).bytes) : randomBuffer(rng, 120));
    }
    const stream = Buffer.concat(parts);
    const framer = new PduFramer();
    const fail = (problem: string) => log.add({ target: 'session', problem, input: hex(stream), iteration: i });
    try {
      for (let at = 0; at < stream.length;) {
        const n = rng.range(1, 200);
        framer.write(Buffer.from(stream.subarray(at, at + n)));
        at += n;
        for (let pdu = framer.next(); pdu !== null; pdu = framer.next()) {
          framer.maxDataSegmentLength = session.maxRecvDataSegmentLength;
          let step = session.receive(pdu);
          for (let guard = 0; guard < 10_000; guard++) {
            const out = Buffer.concat(step.send);
            for (let o = 0; o < out.length;) {
              const frame = splitPdu(out.subarray(o));
              decodeTargetPdu(frame);
              o += BHS_LENGTH + ((frame.data.length + 3) & ~3);
            }
            note(step.close ? 'closed' : 'answered');
            const action = step.actions[0];
            if (action === undefined) break;
            if (action.blocks * 512 > 8192 * 2) fail(`a read of ${action.blocks} blocks is more than a burst`);
            step = rng.bool(0.05) ? session.readFailed(action.task) : session.readDone(action.task, Buffer.alloc(action.blocks * 512));
          }
        }
      }
    } catch (err) {
      const problem = decodeErrorProblem(err);
      if (problem) fail(problem);
      else note(`stream broken (${(err as { code: string }).code})`);
    }
    if (session.stats.pdus > 0) note('pdus');
  }
  t.comment(`${runs} streams: ${[...outcomes].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`);
  log.report(t, 'target session');
  t.end();
});

const CHAP_ACCOUNT = { name: 'fuzz-user', secret: Buffer.from('fuzz-secret-12'), mutual: { name: 'fuzz-target', secret: Buffer.from('fuzz-target-secret') } };
/** The target's random source in this test: identifier 9, a challenge of 16 bytes 5Ah. */
const chapRandom = (n: number) => (n === 1 ? Buffer.of(9) : Buffer.alloc(n, 0x5a));
const RIGHT_RESPONSE = chapResponse(9, CHAP_ACCOUNT.secret, Buffer.alloc(16, 0x5a)).toString('hex');
const securityLogin = (text: Array<[string, string]>, transit = true) => encodeLoginRequest({
  transit, continue: false, currentStage: 0, nextStage: 1, isid: ISID, tsih: 0, initiatorTaskTag: 1, versionMax: 0, versionMin: 0,
  cid: 0, cmdSn: 1, expStatSn: 0, data: encodeText(text),
});
const CHAP_LOGIN = [
  securityLogin([['InitiatorName', INITIATOR], ['TargetName', IQN], ['AuthMethod', 'CHAP,None']]),
  securityLogin([['CHAP_A', '5']], false),
  securityLogin([['CHAP_N', CHAP_ACCOUNT.name], ['CHAP_R', `0x${RIGHT_RESPONSE}`]]),
];
const CHAP_VARIANTS = [
  securityLogin([['CHAP_A', '7,5,0x5']]),
  securityLogin([['CHAP_N', CHAP_ACCOUNT.name], ['CHAP_R', `0b${Buffer.from(RIGHT_RESPONSE, 'hex').toString('base64')}`]]),
  securityLogin([['CHAP_N', CHAP_ACCOUNT.name], ['CHAP_R', `0x${RIGHT_RESPONSE}`], ['CHAP_I', '3'], ['CHAP_C', '0x0102030405060708']]),
  securityLogin([['CHAP_N', CHAP_ACCOUNT.name], ['CHAP_R', `0x${RIGHT_RESPONSE}`], ['CHAP_I', '0x3'], ['CHAP_C', `0b${Buffer.alloc(16, 0x5a).toString('base64')}`]]),
  securityLogin([['CHAP_N', CHAP_ACCOUNT.name], ['CHAP_R', encodeBinaryValue(Buffer.alloc(16))], ['CHAP_I', '3']]),
  securityLogin([['CHAP_N', 'someone'], ['CHAP_R', '0x00']]),
  securityLogin([['AuthMethod', 'None']]),
  login(1, 3, initiatorOffers(DEFAULT_PARAMETERS)),
];

t.test(`a CHAP target on mutated CHAP logins: well-formed answers, full feature only after the right response (seed ${seedHex(SEED)})`, (t) => {
  const rng = new Rng(SEED).fork('chap');
  const log = new FailureLog(SEED);
  const outcomes = new Map<string, number>();
  const note = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
  const seeds = [...CHAP_LOGIN, ...CHAP_VARIANTS];
  const runs = Math.max(1, Math.floor(PER_TARGET / 10));
  for (let i = 0; i < runs; i++) {
    const session = new TargetSession({
      targets: [{
        name: IQN, address: '127.0.0.1:3260', portalGroupTag: 1, chap: CHAP_ACCOUNT, luns: new Map([[0, { blockSize: 512, blockCount: 100, readOnly: true }]]),
        identity: () => ({ vendor: 'FUZZ', product: 'fuzz', revision: '1', serial: 'S' }),
      }],
      authorized: () => true, tsih: 1, random: chapRandom,
    });
    const parts: Buffer[] = [];
    for (const pdu of CHAP_LOGIN) parts.push(rng.bool(0.7) ? pdu : rng.bool(0.5) ? rng.pick(seeds) : fixLengths(mutate(rng, pdu, { corpus: seeds }, 3).bytes));
    if (rng.bool(0.5)) parts.push(LOGIN[1]);
    for (let k = rng.range(0, 3); k > 0; k--) parts.push(fixLengths(mutate(rng, rng.pick(seeds), { corpus: seeds }, 3).bytes));
    const stream = Buffer.concat(parts);
    const framer = new PduFramer();
    const fail = (problem: string) => log.add({ target: 'chap session', problem, input: hex(stream), iteration: i });
    try {
      framer.write(stream);
      for (let pdu = framer.next(); pdu !== null; pdu = framer.next()) {
        framer.maxDataSegmentLength = session.maxRecvDataSegmentLength;
        const step = session.receive(pdu);
        const out = Buffer.concat(step.send);
        for (let o = 0; o < out.length;) {
          const frame = splitPdu(out.subarray(o));
          decodeTargetPdu(frame);
          o += BHS_LENGTH + ((frame.data.length + 3) & ~3);
        }
        note(step.close ? `closed ${session.stats.loginRefused?.toString(16) ?? ''}` : 'answered');
      }
    } catch (err) {
      const problem = decodeErrorProblem(err);
      if (problem) fail(problem);
      else note(`stream broken (${(err as { code: string }).code})`);
    }
    const text = stream.toString('latin1').toLowerCase();
    const rightSent = text.includes(RIGHT_RESPONSE) || text.includes(Buffer.from(RIGHT_RESPONSE, 'hex').toString('base64').toLowerCase());
    if (session.inFullFeaturePhase) note('full feature');
    if (session.inFullFeaturePhase && !rightSent) fail('full feature phase without the right CHAP_R');
  }
  t.comment(`${runs} CHAP streams: ${[...outcomes].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`);
  t.ok((outcomes.get('full feature') ?? 0) > 0, 'some logins succeed');
  log.report(t, 'CHAP target session');
  t.end();
});
