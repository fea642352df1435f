// The iSCSI target session machine (protocols/iscsi/target-session.ts) in memory: login stages and refusals
// (RFC 7143 §6.3, §11.13.5), Data-In sequencing (F per MaxBurstLength sequence, S and the residual on the last
// PDU, DataSN and Buffer Offset, §11.7), CmdSN ordering and the command window (§4.2.2), Reject of malformed
// and unsupported PDUs (§11.17), NOP-In echo, task management, SendTargets continuation, logout.
import t from 'tap';
import { Opcode, RESERVED_TAG } from '../../protocols/iscsi/bhs.js';
import { encodeDataOut } from '../../protocols/iscsi/data.js';
import { LoginStage, LoginStatus, encodeLoginRequest } from '../../protocols/iscsi/login.js';
import { LogoutReason, encodeLogoutRequest } from '../../protocols/iscsi/logout.js';
import { initiatorOffers, DEFAULT_PARAMETERS } from '../../protocols/iscsi/negotiation.js';
import { encodeNopOut } from '../../protocols/iscsi/nop.js';
import { decodeTargetPdu, splitPdu, type TargetPdu } from '../../protocols/iscsi/pdu.js';
import { RejectReason } from '../../protocols/iscsi/reject.js';
import { encodeScsiCommand } from '../../protocols/iscsi/scsi-command.js';
import { TaskFunction, TaskResponse, encodeTaskManagementRequest } from '../../protocols/iscsi/task-management.js';
import { TargetSession, type TargetStep, type TargetSessionConfig } from '../../protocols/iscsi/target-session.js';
import { decodeText, encodeText, type TextPairs } from '../../protocols/iscsi/text.js';
import { encodeTextRequest } from '../../protocols/iscsi/text-pdu.js';
import { encodeBlockTransfer } from '../../protocols/scsi/block-io.js';
import { encodeLun } from '../../protocols/scsi/lun.js';
import { decodeFixedSense, Sense } from '../../protocols/scsi/sense.js';

const IQN = 'iqn.2026-11.org.bmcfleet:unit';
const ALLOWED = 'iqn.2026-12.org.example:allowed';
const ISID = Buffer.from('800000000001', 'hex');
const BLOCKS = 4096;

function config(extra: Partial<TargetSessionConfig> = {}): TargetSessionConfig {
  return {
    targets: [{
      name: IQN, alias: 'unit', address: '127.0.0.9:3260', portalGroupTag: 7,
      luns: new Map([[0, { blockSize: 512, blockCount: BLOCKS, readOnly: true }]]),
      identity: () => ({ vendor: 'BMCFLEET', product: 'unit', revision: '1', serial: 'S' }),
    }],
    authorized: (initiator) => initiator === ALLOWED, tsih: 9, ...extra,
  };
}

/** The PDUs of a step, decoded; Data-In headers are joined with the data sent after them. */
function pdus(step: TargetStep): TargetPdu[] {
  return splitStream(Buffer.concat(step.send));
}

function splitStream(stream: Buffer): TargetPdu[] {
  const out: TargetPdu[] = [];
  for (let at = 0; at < stream.length;) {
    const frame = splitPdu(stream.subarray(at));
    out.push(decodeTargetPdu(frame));
    at += 48 + ((frame.data.length + 3) & ~3);
  }
  return out;
}

let itt = 100;
function login(stage: number, next: number, text: TextPairs, o: { cmdSn?: number; transit?: boolean; tsih?: number } = {}): Buffer {
  return encodeLoginRequest({
    transit: o.transit ?? true, continue: false, currentStage: stage, nextStage: next, isid: ISID, tsih: o.tsih ?? 0, initiatorTaskTag: itt++,
    versionMax: 0, versionMin: 0, cid: 1, cmdSn: o.cmdSn ?? 10, expStatSn: 50, data: encodeText(text),
  });
}

/** A session logged in as ALLOWED, with these operational offers; CmdSN 10 next. */
function loggedIn(offers = initiatorOffers({ ...DEFAULT_PARAMETERS, initiatorMaxRecvDataSegmentLength: 8192, maxBurstLength: 16384 })) {
  const s = new TargetSession(config());
  const security = pdus(s.receive(login(LoginStage.security, LoginStage.operational, [['InitiatorName', ALLOWED], ['TargetName', IQN], ['AuthMethod', 'None']])));
  const operational = pdus(s.receive(login(LoginStage.operational, LoginStage.fullFeature, offers)));
  return { s, security, operational };
}

function read(lba: number, blocks: number, o: { cmdSn: number; expected?: number; lun?: number; tag?: number; immediate?: boolean }): Buffer {
  return encodeScsiCommand({
    immediate: o.immediate ?? false, final: true, read: true, write: false, attribute: 1, lun: encodeLun(o.lun ?? 0), initiatorTaskTag: o.tag ?? itt++,
    expectedDataTransferLength: o.expected ?? blocks * 512, cmdSn: o.cmdSn, expStatSn: 0, cdb: encodeBlockTransfer({ op: 'read', lba, blocks }), data: Buffer.alloc(0),
  });
}

t.test('login: security, operational, full feature; StatSN from ExpStatSN, TSIH at the end, TPGT first', async (t) => {
  const { s, security, operational } = loggedIn();
  t.match(security[0], { kind: 'login-response', status: 0, transit: true, currentStage: 0, nextStage: 1, statSn: 50, expCmdSn: 10, maxCmdSn: 10 + 31, tsih: 0 });
  t.same(decodeText((security[0] as { data: Buffer }).data), [['TargetPortalGroupTag', '7'], ['TargetAlias', 'unit'], ['AuthMethod', 'None']]);
  t.match(operational[0], { kind: 'login-response', status: 0, transit: true, currentStage: 1, nextStage: 3, statSn: 51, tsih: 9 });
  const answers = decodeText((operational[0] as { data: Buffer }).data);
  t.same(answers.find(([k]) => k === 'MaxRecvDataSegmentLength'), ['MaxRecvDataSegmentLength', '262144'], 'the target declares its own');
  t.ok(s.inFullFeaturePhase);
  t.equal(s.parameters.maxBurstLength, 16384);
  t.equal(s.maxRecvDataSegmentLength, 262144);
});

t.test('login refusals close the connection with the RFC status', async (t) => {
  const refuse = (first: Buffer, status: number, what: string) => {
    const s = new TargetSession(config());
    const step = s.receive(first);
    t.match(pdus(step)[0], { kind: 'login-response', status }, what);
    t.ok(step.close, `${what}: closes`);
    t.equal(s.stats.loginRefused, status);
    t.same(s.receive(first).send, [], 'nothing after the close');
  };
  refuse(login(0, 1, [['InitiatorName', 'iqn.2026-12.org.example:stranger'], ['TargetName', IQN]]), LoginStatus.authorizationFailure, 'not in a DD: 02/02');
  refuse(login(0, 1, [['InitiatorName', ALLOWED], ['TargetName', 'iqn.nope']]), LoginStatus.notFound, 'unknown target: 02/03');
  refuse(login(0, 1, [['InitiatorName', ALLOWED]]), LoginStatus.missingParameter, 'normal session without TargetName: 02/07');
  refuse(login(0, 1, [['TargetName', IQN]]), LoginStatus.missingParameter, 'no InitiatorName: 02/07');
  refuse(login(0, 1, [['InitiatorName', ALLOWED], ['TargetName', IQN], ['AuthMethod', 'CHAP']]), LoginStatus.authenticationFailure, 'CHAP only: 02/01');
  refuse(login(0, 1, [['InitiatorName', ALLOWED], ['SessionType', 'Other']]), LoginStatus.sessionTypeNotSupported, '02/09');
  refuse(login(0, 1, [['InitiatorName', ALLOWED], ['TargetName', IQN]], { tsih: 5 }), LoginStatus.sessionDoesNotExist, 'a TSIH: 02/0A');
  refuse(login(1, 0, [['InitiatorName', ALLOWED], ['TargetName', IQN]]), LoginStatus.initiatorError, 'NSG before CSG');
  refuse(encodeNopOut({ immediate: true, lun: encodeLun(0), initiatorTaskTag: 1, targetTransferTag: RESERVED_TAG, cmdSn: 0, expStatSn: 0, data: Buffer.alloc(0) }),
    LoginStatus.invalidDuringLogin, 'a NOP-Out during login: 02/0B');
  const garbled = login(0, 1, [['InitiatorName', ALLOWED]]); // its text's last bytes replaced: no null terminator
  refuse(Buffer.concat([garbled.subarray(0, garbled.length - 4), Buffer.from('ab\x01\x02')]), LoginStatus.initiatorError, 'unterminated text');
});

t.test('a discovery session: SendTargets=All lists the targets the initiator may see; SCSI is rejected', async (t) => {
  const s = new TargetSession(config());
  pdus(s.receive(login(0, 3, [['InitiatorName', ALLOWED], ['SessionType', 'Discovery'], ['AuthMethod', 'None']])));
  t.ok(s.inFullFeaturePhase, 'security straight to full feature');
  const text = (value: string, cmdSn: number) => pdus(s.receive(encodeTextRequest({
    immediate: false, final: true, continue: false, initiatorTaskTag: 7, targetTransferTag: RESERVED_TAG, cmdSn, expStatSn: 0, data: encodeText([['SendTargets', value]]),
  })))[0];
  const r = text('All', 10);
  t.match(r, { kind: 'text-response', final: true, targetTransferTag: RESERVED_TAG, expCmdSn: 11 });
  t.same(decodeText((r as { data: Buffer }).data), [['TargetName', IQN], ['TargetAddress', '127.0.0.9:3260,7']]);
  const rejected = pdus(s.receive(read(0, 1, { cmdSn: 11 })))[0];
  t.match(rejected, { kind: 'reject', reason: RejectReason.protocolError });

  const stranger = new TargetSession(config());
  stranger.receive(login(0, 3, [['InitiatorName', 'iqn.x:stranger'], ['SessionType', 'Discovery']]));
  const none = pdus(stranger.receive(encodeTextRequest({
    immediate: true, final: true, continue: false, initiatorTaskTag: 7, targetTransferTag: RESERVED_TAG, cmdSn: 10, expStatSn: 0, data: encodeText([['SendTargets', 'All']]),
  })))[0];
  t.same((none as { data: Buffer }).data.length, 0, 'a stranger sees no target');
});

t.test('a long SendTargets answer continues with C and a Target Transfer Tag (§11.10.4)', async (t) => {
  const many = config();
  many.targets = Array.from({ length: 200 }, (_, i) => ({ ...config().targets[0], name: `${IQN}-${i}` }));
  many.authorized = () => true;
  const s = new TargetSession(many);
  s.receive(login(0, 1, [['InitiatorName', ALLOWED], ['SessionType', 'Discovery']]));
  s.receive(login(1, 3, initiatorOffers({ ...DEFAULT_PARAMETERS, initiatorMaxRecvDataSegmentLength: 512 })));
  let answer = pdus(s.receive(encodeTextRequest({
    immediate: false, final: true, continue: false, initiatorTaskTag: 3, targetTransferTag: RESERVED_TAG, cmdSn: 10, expStatSn: 0, data: encodeText([['SendTargets', 'All']]),
  })))[0] as TargetPdu & { kind: 'text-response' };
  const parts = [answer.data];
  let cmdSn = 11;
  while (!answer.final) {
    t.ok(answer.continue && answer.targetTransferTag !== RESERVED_TAG);
    t.ok(answer.data.length <= 512);
    answer = pdus(s.receive(encodeTextRequest({
      immediate: false, final: true, continue: false, initiatorTaskTag: 3, targetTransferTag: answer.targetTransferTag, cmdSn: cmdSn++, expStatSn: 0, data: Buffer.alloc(0),
    })))[0] as typeof answer;
    parts.push(answer.data);
  }
  t.equal(decodeText(Buffer.concat(parts)).filter(([k]) => k === 'TargetName').length, 200);
});

t.test('a read goes out as Data-In: segments of MaxRecvDataSegmentLength, F per MaxBurstLength, S and status last', async (t) => {
  const { s } = loggedIn(); // the initiator takes 8 KiB segments, bursts are 16 KiB
  const step = s.receive(read(10, 64, { cmdSn: 10, tag: 0x55 }));
  t.same(step.send, [], 'nothing before the medium answers');
  t.same(step.actions, [{ kind: 'read', task: step.actions[0].task, lun: 0, lba: 10, blocks: 32 }], 'one burst at a time');
  const first = s.readDone(step.actions[0].task, Buffer.alloc(32 * 512, 1));
  t.same(first.actions.map((a) => [a.lba, a.blocks]), [[42, 32]]);
  const second = s.readDone(first.actions[0].task, Buffer.alloc(32 * 512, 2));
  t.same(second.actions, []);
  const all = [...pdus(first), ...pdus(second)] as Array<TargetPdu & { kind: 'data-in' }>;
  t.same(all.map((p) => [p.kind, p.dataSn, p.bufferOffset, p.data.length, p.final, p.hasStatus]), [
    ['data-in', 0, 0, 8192, false, false],
    ['data-in', 1, 8192, 8192, true, false],
    ['data-in', 2, 16384, 8192, false, false],
    ['data-in', 3, 24576, 8192, true, true],
  ]);
  t.match(all[3], { status: 0, statSn: 52, expCmdSn: 11, maxCmdSn: 11 + 31, residualCount: 0, underflow: false, overflow: false, initiatorTaskTag: 0x55 });
  t.equal(all[1].statSn, 0, 'StatSN only with the status');
});

t.test('residuals: the initiator expects less (overflow) or more (underflow)', async (t) => {
  const { s } = loggedIn();
  const over = s.receive(read(0, 4, { cmdSn: 10, expected: 1000 }));
  const o = pdus(s.readDone(over.actions[0].task, Buffer.alloc(2048, 3)));
  t.same(o.map((p) => (p as { data: Buffer }).data.length), [1000], 'only what was expected is sent');
  t.match(o[0], { kind: 'data-in', hasStatus: true, overflow: true, residualCount: 1048 });
  const under = s.receive(read(0, 1, { cmdSn: 11, expected: 4096 }));
  t.match(pdus(s.readDone(under.actions[0].task, Buffer.alloc(512)))[0], { kind: 'data-in', hasStatus: true, underflow: true, residualCount: 3584 });
  t.match(pdus(s.receive(read(0, 1, { cmdSn: 12, expected: 0 })))[0], { kind: 'scsi-response', status: 0, overflow: true, residualCount: 512 }, 'nothing expected: status alone');
});

t.test('errors: sense in a SCSI Response, a failed medium read, an unknown LUN', async (t) => {
  const { s } = loggedIn();
  const past = pdus(s.receive(read(BLOCKS - 1, 2, { cmdSn: 10 })))[0] as TargetPdu & { kind: 'scsi-response' };
  t.match(past, { kind: 'scsi-response', status: 2, underflow: true, residualCount: 1024 });
  t.same(decodeFixedSense(past.sense), Sense.lbaOutOfRange);
  const failing = s.receive(read(0, 1, { cmdSn: 11 }));
  const failed = pdus(s.readFailed(failing.actions[0].task))[0] as TargetPdu & { kind: 'scsi-response' };
  t.same(decodeFixedSense(failed.sense), Sense.unrecoveredReadError);
  const noLun = pdus(s.receive(read(0, 1, { cmdSn: 12, lun: 4 })))[0] as TargetPdu & { kind: 'scsi-response' };
  t.same(decodeFixedSense(noLun.sense), Sense.lunNotSupported);
  const write = encodeScsiCommand({
    immediate: false, final: true, read: false, write: true, attribute: 1, lun: encodeLun(0), initiatorTaskTag: 77, expectedDataTransferLength: 512,
    cmdSn: 13, expStatSn: 0, cdb: encodeBlockTransfer({ op: 'write', lba: 0, blocks: 1 }), data: Buffer.alloc(512),
  });
  t.same(decodeFixedSense((pdus(s.receive(write))[0] as { sense: Buffer }).sense), Sense.writeProtected, 'the LUN is read-only');
});

t.test('a LUN out of service: NOT READY, OFFLINE to all but INQUIRY', async (t) => {
  let online = true;
  const c = config();
  c.targets = [{ ...c.targets[0], online: () => online }];
  const s = new TargetSession(c);
  s.receive(login(0, 3, [['InitiatorName', ALLOWED], ['TargetName', IQN]]));
  t.equal(s.receive(read(0, 1, { cmdSn: 10 })).actions.length, 1);
  online = false;
  t.same(decodeFixedSense((pdus(s.receive(read(0, 1, { cmdSn: 11 })))[0] as { sense: Buffer }).sense), Sense.lunOffline);
  const inquiry = encodeScsiCommand({
    immediate: false, final: true, read: true, write: false, attribute: 1, lun: encodeLun(0), initiatorTaskTag: 88, expectedDataTransferLength: 36,
    cmdSn: 12, expStatSn: 0, cdb: Buffer.from([0x12, 0, 0, 0, 36, 0]), data: Buffer.alloc(0),
  });
  t.match(pdus(s.receive(inquiry))[0], { kind: 'data-in', hasStatus: true, status: 0 });
});

t.test('CmdSN: out of order is dropped and counted; immediate commands do not advance; the window closes with commands in flight', async (t) => {
  const { s } = loggedIn();
  t.same(s.receive(read(0, 1, { cmdSn: 12 })).actions, [], 'CmdSN 12 while 10 is expected');
  t.equal(s.stats.drops['cmdsn-out-of-order'], 1);
  const immediate = s.receive(read(0, 1, { cmdSn: 10, immediate: true }));
  t.equal(immediate.actions.length, 1);
  const inFlight = s.receive(read(0, 1, { cmdSn: 10 }));
  const done = pdus(s.readDone(inFlight.actions[0].task, Buffer.alloc(512)))[0];
  t.match(done, { expCmdSn: 11, maxCmdSn: 11 + 31 - 1 }, 'one command still in flight narrows the window');
  t.equal(s.receive(read(0, 1, { cmdSn: 11, tag: 5 })).actions.length, 1, 'tag 5 reading');
  t.match(pdus(s.receive(read(0, 1, { cmdSn: 12, tag: 5 })))[0], { kind: 'reject', reason: RejectReason.taskInProgress }, 'a tag in use');
});

t.test('a full queue closes the window: a further command is dropped, an immediate one rejected (06h)', async (t) => {
  const s = new TargetSession(config({ queueDepth: 2 }));
  s.receive(login(0, 3, [['InitiatorName', ALLOWED], ['TargetName', IQN]]));
  t.equal(s.receive(read(0, 1, { cmdSn: 10 })).actions.length, 1);
  t.equal(s.receive(read(0, 1, { cmdSn: 11 })).actions.length, 1);
  t.same(s.receive(read(0, 1, { cmdSn: 12 })).send, []);
  t.equal(s.stats.drops['cmdsn-outside-window'], 1);
  t.match(pdus(s.receive(read(0, 1, { cmdSn: 12, immediate: true })))[0], { kind: 'reject', reason: RejectReason.immediateCommandReject, maxCmdSn: 11 });
});

t.test('NOP-Out pings, task management, unexpected Data-Out, malformed PDUs, logout', async (t) => {
  const { s } = loggedIn();
  const ping = pdus(s.receive(encodeNopOut({ immediate: true, lun: encodeLun(0), initiatorTaskTag: 9, targetTransferTag: RESERVED_TAG, cmdSn: 10, expStatSn: 0, data: Buffer.from('ping') })));
  t.match(ping[0], { kind: 'nop-in', initiatorTaskTag: 9, targetTransferTag: RESERVED_TAG });
  t.equal((ping[0] as { data: Buffer }).data.toString(), 'ping');
  t.same(s.receive(encodeNopOut({ immediate: true, lun: encodeLun(0), initiatorTaskTag: RESERVED_TAG, targetTransferTag: RESERVED_TAG, cmdSn: 10, expStatSn: 0, data: Buffer.alloc(0) })).send, [],
    'no answer asked for');
  const reading = s.receive(read(0, 1, { cmdSn: 10, tag: 0x99 }));
  const abort = (ref: number, cmdSn: number) => pdus(s.receive(encodeTaskManagementRequest({
    immediate: true, function: TaskFunction.abortTask, lun: encodeLun(0), initiatorTaskTag: 40, referencedTaskTag: ref, cmdSn, expStatSn: 0,
  })))[0];
  t.match(abort(0x99, 11), { kind: 'task-management-response', response: TaskResponse.complete });
  t.same(s.readDone(reading.actions[0].task, Buffer.alloc(512)).send, [], 'an aborted read sends nothing');
  t.match(abort(0x99, 11), { response: TaskResponse.taskDoesNotExist });
  s.receive(encodeDataOut({ final: true, lun: encodeLun(0), initiatorTaskTag: 1, targetTransferTag: RESERVED_TAG, expStatSn: 0, dataSn: 0, bufferOffset: 0, data: Buffer.alloc(4) }));
  t.equal(s.stats.drops['unexpected-data-out'], 1);
  const snack = Buffer.alloc(48);
  snack[0] = Opcode.snackRequest;
  t.match(pdus(s.receive(snack))[0], { kind: 'reject', reason: RejectReason.commandNotSupported });
  const loginAgain = login(0, 1, [['InitiatorName', ALLOWED]]);
  t.match(pdus(s.receive(loginAgain))[0], { kind: 'reject', reason: RejectReason.protocolError }, 'a Login Request in full feature phase');
  const rejected = pdus(s.receive(snack))[0] as TargetPdu & { kind: 'reject' };
  t.same(rejected.rejectedHeader, snack, 'the Reject carries the rejected header');
  const bye = s.receive(encodeLogoutRequest({ immediate: true, reason: LogoutReason.closeSession, initiatorTaskTag: 60, cid: 1, cmdSn: 11, expStatSn: 0 }));
  t.match(pdus(bye)[0], { kind: 'logout-response', response: 0, initiatorTaskTag: 60 });
  t.ok(bye.close);
});
