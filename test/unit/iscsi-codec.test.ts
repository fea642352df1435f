// The iSCSI codec (protocols/iscsi) against real bytes: a session of our initiator with the real tgtd,
// captured on lo (test/vectors/iscsi/tgtd-session.json). tgtd's PDUs decode to what tshark shows and encode
// back to the same bytes; our initiator's requests decode and re-encode the same. Then the pieces alone: the
// text format, negotiation rules (RFC 7143 §6.2, §13), LUN addressing (SAM-5 §4.7), serial arithmetic
// (RFC 1982), and the framer's limit.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DecodeError } from '../../protocols/errors.js';
import { IscsiError, Opcode } from '../../protocols/iscsi/bhs.js';
import { PduFramer } from '../../protocols/iscsi/framer.js';
import { LoginStage, describeLoginStatus } from '../../protocols/iscsi/login.js';
import { DEFAULT_PARAMETERS, answerOffers, applyAnswers } from '../../protocols/iscsi/negotiation.js';
import { decodeInitiatorPdu, decodeTargetPdu, encodePdu, splitPdu } from '../../protocols/iscsi/pdu.js';
import { inCommandWindow, snAdd, snLess } from '../../protocols/iscsi/sequence.js';
import { decodeText, encodeText } from '../../protocols/iscsi/text.js';
import { decodeLun, encodeLun } from '../../protocols/scsi/lun.js';
import { decodeReportLunsData } from '../../protocols/scsi/report-luns.js';
import { decodeFixedSense } from '../../protocols/scsi/sense.js';

interface Vector { frame: number; from: 'target' | 'initiator'; what: string; hex: string }
const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'vectors', 'iscsi', 'tgtd-session.json');
const vectors = (JSON.parse(readFileSync(file, 'utf8')) as { pdus: Vector[] }).pdus;

/** Every whole PDU of a captured TCP payload, through the framer. */
function pdusOf(what: string): Buffer[] {
  const v = vectors.find((x) => x.what.startsWith(what));
  if (!v) throw new Error(`no vector ${what}`);
  const framer = new PduFramer(1 << 20);
  framer.write(Buffer.from(v.hex, 'hex'));
  const out: Buffer[] = [];
  for (let p = framer.next(); p !== null; p = framer.next()) out.push(Buffer.from(p));
  t.equal(framer.buffered, 0, `${what}: whole PDUs only`);
  return out;
}

const target = (raw: Buffer) => decodeTargetPdu(splitPdu(raw));
const initiator = (raw: Buffer) => decodeInitiatorPdu(splitPdu(raw));

/** Encodes a decoded PDU again with its family's encoder. */
const reencode = encodePdu;

t.test('tgtd\'s login, SendTargets and logout answers decode, and encode back byte for byte', async (t) => {
  const [security] = pdusOf('login-response-security');
  const s = target(security);
  t.match(s, { kind: 'login-response', transit: true, currentStage: LoginStage.security, nextStage: LoginStage.operational, status: 0, tsih: 0 });
  t.same(decodeText((s as { data: Buffer }).data), [['TargetPortalGroupTag', '1'], ['AuthMethod', 'None']]);
  const [operational] = pdusOf('login-response-operational');
  const o = target(operational);
  t.match(o, { kind: 'login-response', transit: true, currentStage: LoginStage.operational, nextStage: LoginStage.fullFeature, tsih: 256, statSn: 1 });
  const answers = decodeText((o as { data: Buffer }).data);
  t.equal(answers.find(([k]) => k === 'MaxRecvDataSegmentLength'), undefined, 'tgtd declares no MaxRecvDataSegmentLength');
  t.same(answers.find(([k]) => k === 'HeaderDigest'), ['HeaderDigest', 'None']);
  const params = applyAnswers(answers, { ...DEFAULT_PARAMETERS, initiatorMaxRecvDataSegmentLength: 262144 }, DEFAULT_PARAMETERS);
  t.equal(params.targetMaxRecvDataSegmentLength, 8192, 'so the default 8 KiB holds (§13.12)');
  t.equal(params.initiatorMaxRecvDataSegmentLength, 262144, 'and the initiator\'s own declaration');
  const [text] = pdusOf('text-response-sendtargets');
  t.same(decodeText((target(text) as { data: Buffer }).data), [['TargetName', 'iqn.2026-12.test:tgt'], ['TargetAddress', '127.34.0.1:17950,1']]);
  const [logout] = pdusOf('logout-response');
  t.match(target(logout), { kind: 'logout-response', response: 0, statSn: 3 });
  for (const raw of [security, operational, text, logout]) t.same(reencode(target(raw)).toString('hex'), raw.toString('hex'));
});

t.test('tgtd\'s SCSI answers: Data-In with status, a UNIT ATTENTION, the blocks read', async (t) => {
  const [reportLuns] = pdusOf('data-in-report-luns');
  const r = target(reportLuns);
  t.match(r, { kind: 'data-in', final: true, hasStatus: true, underflow: true, status: 0, residualCount: 0x7f0, dataSn: 0, bufferOffset: 0 });
  t.same(decodeReportLunsData((r as { data: Buffer }).data), [0, 1]);
  const [ua] = pdusOf('scsi-response-unit-attention');
  const u = target(ua);
  t.match(u, { kind: 'scsi-response', status: 2, response: 0, underflow: false });
  t.same(decodeFixedSense((u as { sense: Buffer }).sense), { key: 6, asc: 0x29, ascq: 0 }, 'POWER ON, RESET, OR BUS DEVICE RESET OCCURRED');
  const [read] = pdusOf('data-in-read-8-blocks');
  const d = target(read);
  t.match(d, { kind: 'data-in', final: true, hasStatus: true, status: 0 });
  const expected = Buffer.alloc(4096);
  for (let i = 0; i < expected.length; i++) expected[i] = (i * 7 + 3) % 251;
  t.ok((d as { data: Buffer }).data.equals(expected), 'the LUN file\'s first 4 KiB');
  for (const raw of [reportLuns, ua, read, ...pdusOf('data-in-inquiry'), ...pdusOf('data-in-read-capacity')]) {
    t.same(reencode(target(raw)).toString('hex'), raw.toString('hex'));
  }
});

t.test('our initiator\'s requests, as tgtd took them, decode and encode back', async (t) => {
  const [login] = pdusOf('login-request-security');
  const l = initiator(login);
  t.match(l, { kind: 'login-request', transit: true, currentStage: 0, nextStage: 1, versionMax: 0, versionMin: 0, tsih: 0 });
  t.same(decodeText((l as { data: Buffer }).data), [
    ['InitiatorName', 'iqn.2026-12.org.bmcfleet:probe'], ['SessionType', 'Discovery'], ['AuthMethod', 'None'],
  ]);
  const [command] = pdusOf('scsi-command-report-luns');
  t.match(initiator(command), { kind: 'scsi-command', read: true, write: false, attribute: 1, expectedDataTransferLength: 0x808 });
  for (const raw of [login, ...pdusOf('login-request-operational'), ...pdusOf('text-request-sendtargets'), command]) {
    t.same(reencode(initiator(raw)).toString('hex'), raw.toString('hex'));
  }
});

t.test('malformed input raises DecodeError with a stable code', async (t) => {
  const [login] = pdusOf('login-response-security');
  const bad = Buffer.from(login);
  bad[0] = 0x3e; // a reserved target opcode
  t.throws(() => target(bad), { code: IscsiError.opcode, protocol: 'iscsi' });
  const both = Buffer.from(login);
  both[1] |= 0x40; // T and C together
  t.throws(() => target(both), { code: IscsiError.field, field: 'Login T/C' });
  t.throws(() => splitPdu(login.subarray(0, 40)), { code: 'ERR_TRUNCATED' });
  t.throws(() => splitPdu(login.subarray(0, login.length - 8)), { code: 'ERR_TRUNCATED', field: 'DataSegment' });
  const framer = new PduFramer(8192);
  const big = Buffer.alloc(48);
  big[0] = Opcode.scsiCommand;
  big.writeUIntBE(8193, 5, 3);
  framer.write(big);
  t.throws(() => framer.next(), { code: IscsiError.tooLong });
  t.throws(() => decodeText(Buffer.from('Key=Value')), { code: IscsiError.text }, 'no null terminator');
  t.throws(() => decodeText(Buffer.from('NoEquals\0')), { code: IscsiError.text });
  t.throws(() => decodeText(Buffer.from('Bad Key=1\0')), { code: IscsiError.text });
  t.same(decodeText(Buffer.from('A=1\0\0\0B=\0')), [['A', '1'], ['B', '']], 'extra nulls skipped, empty values kept');
  t.same(decodeText(encodeText([['X', 'a=b']])), [['X', 'a=b']], 'only the first = splits');
});

t.test('negotiation: list, min/max, AND/OR, declarations, out-of-range answers (RFC 7143 §6.2, §13)', async (t) => {
  const ours = { ...DEFAULT_PARAMETERS, maxBurstLength: 131072, targetMaxRecvDataSegmentLength: 65536 };
  const { answers, params } = answerOffers([
    ['HeaderDigest', 'CRC32C,None'], ['DataDigest', 'CRC32C'], ['InitialR2T', 'No'], ['ImmediateData', 'No'],
    ['MaxBurstLength', '262144'], ['FirstBurstLength', '262144'], ['DefaultTime2Wait', '0'], ['MaxRecvDataSegmentLength', '32768'],
    ['ErrorRecoveryLevel', '2'], ['MaxConnections', 'lots'], ['IFMarker', 'No'],
  ], ours, DEFAULT_PARAMETERS);
  t.same(answers, [
    ['HeaderDigest', 'None'], ['DataDigest', 'Reject'], ['InitialR2T', 'Yes'], ['ImmediateData', 'No'], ['MaxBurstLength', '131072'],
    ['FirstBurstLength', '65536'], ['DefaultTime2Wait', '2'], ['ErrorRecoveryLevel', '0'], ['MaxConnections', 'Reject'], ['IFMarker', 'No'],
  ]);
  t.match(params, { initialR2T: true, immediateData: false, maxBurstLength: 131072, firstBurstLength: 65536, initiatorMaxRecvDataSegmentLength: 32768 });
  const offered = { ...DEFAULT_PARAMETERS };
  t.throws(() => applyAnswers([['MaxBurstLength', '300000']], offered, offered), { code: IscsiError.text }, 'min: an answer above the offer');
  t.throws(() => applyAnswers([['InitialR2T', 'No']], offered, offered), { code: IscsiError.text }, 'OR: Yes cannot become No');
  t.throws(() => applyAnswers([['HeaderDigest', 'CRC32C']], offered, offered), { code: IscsiError.text });
  t.equal(applyAnswers([['MaxBurstLength', 'Reject']], offered, offered).maxBurstLength, 262144, 'Reject keeps the default');
});

t.test('LUN addressing (SAM-5 §4.7) and serial number arithmetic (RFC 1982)', async (t) => {
  t.same(encodeLun(0).toString('hex'), '0000000000000000');
  t.same(encodeLun(5).toString('hex'), '0005000000000000', 'peripheral device addressing');
  t.same(encodeLun(300).toString('hex'), '412c000000000000', 'flat space addressing');
  for (const lun of [0, 1, 255, 256, 16383]) t.equal(decodeLun(encodeLun(lun)), lun);
  t.throws(() => decodeLun(Buffer.from('8001000000000000', 'hex')), DecodeError, 'logical unit addressing is not taken');
  t.throws(() => decodeLun(Buffer.from('0001000100000000', 'hex')), DecodeError, 'a second level is not taken');
  t.throws(() => encodeLun(16384), RangeError);
  t.ok(snLess(0xffffffff, 0), 'wraps');
  t.notOk(snLess(0, 0xffffffff));
  t.equal(snAdd(0xffffffff, 2), 1);
  t.ok(inCommandWindow(0, 0xfffffffe, 5));
  t.notOk(inCommandWindow(6, 0xfffffffe, 5));
  t.equal(describeLoginStatus(0x0202), 'authorization failure (initiator not authorized) (02/02)');
});
