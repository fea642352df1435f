// One connection of an iSCSI target, as a sans-I/O machine (RFC 7143): feed it each PDU the framer cut, send
// what it answers, carry out its read actions and report them back. Nothing here waits, times or touches I/O.
//   - Login (§6.3): security stage (AuthMethod None, or CHAP for a target that holds an account: chap.ts; such a
//     target refuses a login without it, 02/01), operational stage (negotiation.ts), then full
//     feature phase; identity checks on the first request: version (02/05), TSIH 0 (02/0A), InitiatorName
//     (02/07), TargetName for a normal session (02/07, 02/03), the target's say on the initiator (02/02). A
//     login that fails gets its Login Response and the connection closes (§11.13.5).
//   - Sequencing (§4.2.2): CmdSN in order (a non-immediate PDU must carry ExpCmdSN, others are dropped and
//     counted), StatSN one per response, MaxCmdSN = ExpCmdSN + queue depth - 1 - commands in flight.
//   - SCSI (§11.3-§11.7): each LUN's LogicalUnit (protocols/scsi/) per connection; reads go out as Data-In
//     PDUs of at most the initiator's MaxRecvDataSegmentLength, F at the end of each MaxBurstLength sequence,
//     the status in the last one (S, phase collapse) unless there is sense, which goes in a SCSI Response.
//     LUNs are read-only: WRITE gets DATA PROTECT from the logical unit.
//   - Discovery sessions take Text (SendTargets, §12.3), NOP-Out and Logout only (§4.3); anything else is rejected.
// Malformed PDUs get a Reject (§11.17) in full feature phase, a failed login during login.
import { DecodeError } from '../errors.js';
import { DriveKind } from '../scsi/medium.js';
import { LogicalUnit, type MediumInfo } from '../scsi/logical-unit.js';
import { decodeLun } from '../scsi/lun.js';
import { REPORT_LUNS_OPCODE, decodeReportLuns, reportLunsData } from '../scsi/report-luns.js';
import { Sense, encodeFixedSense, type SenseCondition } from '../scsi/sense.js';
import type { InquiryIdentity } from '../scsi/inquiry.js';
import { truncateToAllocation } from '../scsi/cdb.js';
import { BHS_LENGTH, IscsiError, PADDING, RESERVED_TAG } from './bhs.js';
import { encodeDataInHeader } from './data.js';
import { ChapTargetExchange, isChapKey, type ChapAccount } from './chap.js';
import { LOGIN_DATA_SEGMENT_LENGTH } from './framer.js';
import { ISCSI_VERSION, LoginStage, LoginStatus, encodeLoginResponse, type LoginRequest } from './login.js';
import { LogoutReason, LogoutResponseCode, encodeLogoutResponse, type LogoutRequestPdu } from './logout.js';
import { DEFAULT_PARAMETERS, answerOffers, isOperationalKey, targetDeclarations, Answer, type SessionParameters } from './negotiation.js';
import { encodeNopIn, type NopOutPdu } from './nop.js';
import { decodeInitiatorPdu, splitPdu, type InitiatorPdu } from './pdu.js';
import { RejectReason, encodeReject } from './reject.js';
import { ScsiResponseCode, ScsiStatus, encodeScsiResponse, type ScsiCommandPdu } from './scsi-command.js';
import { inCommandWindow, snAdd } from './sequence.js';
import { TaskFunction, TaskResponse, encodeTaskManagementResponse, type TaskManagementRequestPdu } from './task-management.js';
import { decodeText, encodeText, textValue, type TextPairs } from './text.js';
import { encodeTextResponse, type TextRequest } from './text-pdu.js';

/** A target this portal serves. */
export interface TargetNode {
  name: string;
  alias?: string;
  /** HOST:PORT,TPGT as SendTargets reports it (§12.3: TargetAddress=domainname[:port][,portal-group-tag]). */
  address: string;
  portalGroupTag: number;
  /** Its logical units by LUN. */
  luns: ReadonlyMap<number, MediumInfo>;
  /** What INQUIRY says of a LUN. */
  identity(lun: number): InquiryIdentity;
  /** False while a LUN is out of service: its commands but INQUIRY get NOT READY, OFFLINE. Always ready when left out. */
  online?(lun: number): boolean;
  /** The CHAP account an initiator must log in with (RFC 7143 §12.1.3), and the target's own for mutual CHAP; left out, AuthMethod None. */
  chap?: ChapAccount;
}

export interface TargetSessionConfig {
  targets: readonly TargetNode[];
  /** Whether `initiator` may log in to `target` and see it in SendTargets (the iSNS discovery domains, here). */
  authorized(initiator: string, target: string): boolean;
  /** The TSIH this session gets at the end of login (non-zero, §11.12.6). */
  tsih: number;
  /** What the target chooses in negotiation (its limits). */
  parameters?: Partial<SessionParameters>;
  /** Commands in flight at most; the command window (MaxCmdSN) follows it. Default 32. */
  queueDepth?: number;
  /** Random bytes (a CSPRNG) for CHAP challenges; needed when a target has `chap`. */
  random?: (bytes: number) => Buffer;
}

export type TargetAction =
  /** Read `blocks` blocks of LUN `lun` from `lba`, then call readDone(task, bytes) or readFailed(task). */
  { kind: 'read'; task: number; lun: number; lba: number; blocks: number };

export interface TargetStep {
  /** Bytes to send, in order. */
  send: Buffer[];
  actions: TargetAction[];
  /** Close the connection once `send` is written. */
  close: boolean;
}

export interface TargetSessionStats {
  pdus: number;
  commands: number;
  rejects: number;
  /** PDUs dropped without an answer, by reason. */
  drops: Record<string, number>;
  /** The Login Response status that refused this connection, if one did. */
  loginRefused: number | null;
  /** Why CHAP refused the login, when it did. */
  chapRefused: string | null;
}

const Phase = { login: 'login', fullFeature: 'full-feature', closed: 'closed' } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

interface ReadTask {
  id: number;
  itt: number;
  lun: number;
  lunField: Buffer;
  unit: LogicalUnit;
  nextLba: number;
  blocksLeft: number;
  blockSize: number;
  /** Bytes the command moves in all, and the bytes the initiator expects (Expected Data Transfer Length). */
  total: number;
  expected: number;
  offset: number;
  dataSn: number;
  /** Bytes of the current Data-In sequence. */
  sequenceBytes: number;
}

/** Login text of one stage (C bit continuations joined) at most. */
const MAX_LOGIN_TEXT = 64 * 1024;
const DEFAULT_QUEUE_DEPTH = 32;
const NO_DATA = Buffer.alloc(0);

export class TargetSession {
  readonly stats: TargetSessionStats = { pdus: 0, commands: 0, rejects: 0, drops: {}, loginRefused: null, chapRefused: null };
  private readonly config: TargetSessionConfig;
  private readonly ours: SessionParameters;
  private readonly queueDepth: number;
  private phase: Phase = Phase.login;
  private params: SessionParameters = { ...DEFAULT_PARAMETERS };
  // login
  private stage: number = LoginStage.security;
  private firstLogin = true;
  private loginText: Buffer[] = [];
  private loginTextBytes = 0;
  private declared = false;
  private isid: Buffer = Buffer.alloc(6);
  private tsih = 0;
  private cid = 0;
  private initiatorName = '';
  private discovery = false;
  private target: TargetNode | null = null;
  /** The CHAP exchange, once the security stage chose CHAP. */
  private chap: ChapTargetExchange | null = null;
  // sequencing
  private statSn = 0;
  private expCmdSn = 0;
  // full feature
  private units = new Map<number, LogicalUnit>();
  private readonly tasks = new Map<number, ReadTask>();
  /** Initiator Task Tag -> task id, for the reads in flight. */
  private readonly tags = new Map<number, number>();
  private nextTaskId = 1;
  /** A Text Response longer than one PDU: the rest, sent when the initiator asks with this TTT (§11.10.4). */
  private pendingText: { ttt: number; rest: Buffer } | null = null;

  constructor(config: TargetSessionConfig) {
    this.config = config;
    this.ours = { ...DEFAULT_PARAMETERS, maxConnections: 1, errorRecoveryLevel: 0, targetMaxRecvDataSegmentLength: 262144, ...config.parameters };
    this.queueDepth = config.queueDepth ?? DEFAULT_QUEUE_DEPTH;
    if (config.tsih <= 0 || config.tsih > 0xffff) throw new RangeError(`TSIH ${config.tsih} is outside 1..65535`);
  }

  /** The longest data segment this side takes now: 8 KiB during login, then what it declared (§13.12). */
  get maxRecvDataSegmentLength(): number {
    return this.phase === Phase.fullFeature ? this.ours.targetMaxRecvDataSegmentLength : LOGIN_DATA_SEGMENT_LENGTH;
  }

  get inFullFeaturePhase(): boolean {
    return this.phase === Phase.fullFeature;
  }

  /** The negotiated parameters (the defaults until login ends). */
  get parameters(): Readonly<SessionParameters> {
    return this.params;
  }

  /** Who logged in, once known. */
  get initiator(): string {
    return this.initiatorName;
  }

  get sessionType(): 'discovery' | 'normal' {
    return this.discovery ? 'discovery' : 'normal';
  }

  /** One whole PDU from the framer. */
  receive(pdu: Buffer): TargetStep {
    const step: TargetStep = { send: [], actions: [], close: false };
    if (this.phase === Phase.closed) {
      this.drop('after-close');
      return step;
    }
    this.stats.pdus++;
    let decoded: InitiatorPdu;
    try {
      decoded = decodeInitiatorPdu(splitPdu(pdu));
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.malformed(pdu, err, step);
      return step;
    }
    if (this.phase === Phase.login) {
      if (decoded.kind === 'login-request') this.login(decoded, step);
      else this.failLogin(decoded.initiatorTaskTag, LoginStatus.invalidDuringLogin, step);
      return step;
    }
    switch (decoded.kind) {
      case 'scsi-command': this.scsiCommand(decoded, pdu, step); break;
      case 'text-request': this.text(decoded, pdu, step); break;
      case 'nop-out': this.nopOut(decoded, step); break;
      case 'logout-request': this.logout(decoded, step); break;
      case 'task-management-request': this.taskManagement(decoded, pdu, step); break;
      case 'data-out': this.drop('unexpected-data-out'); break; // InitialR2T=Yes and no R2T sent: no Data-Out is due
      case 'login-request': this.reject(pdu, RejectReason.protocolError, step); break;
    }
    return step;
  }

  /** The blocks of a read action. */
  readDone(taskId: number, data: Buffer): TargetStep {
    const step: TargetStep = { send: [], actions: [], close: false };
    const task = this.tasks.get(taskId);
    if (task === undefined || this.phase !== Phase.fullFeature) return step; // aborted meanwhile
    const sendable = Math.min(task.total, task.expected);
    const piece = data.subarray(0, Math.max(0, sendable - task.offset));
    const last = task.offset + piece.length >= sendable || task.blocksLeft === 0;
    if (last) this.forget(task);
    this.dataIn(task, piece, last, step);
    if (!last) step.actions.push(this.nextRead(task));
    return step;
  }

  /** A read action failed: the command ends with MEDIUM ERROR, UNRECOVERED READ ERROR. */
  readFailed(taskId: number): TargetStep {
    const step: TargetStep = { send: [], actions: [], close: false };
    const task = this.tasks.get(taskId);
    if (task === undefined || this.phase !== Phase.fullFeature) return step;
    this.forget(task);
    task.unit.mediumFailed(Sense.unrecoveredReadError);
    step.send.push(this.checkCondition(task.itt, Sense.unrecoveredReadError, task.expected));
    return step;
  }

  // ---------------------------------------------------------------- login (§6.3, §11.12, §11.13)

  private login(req: LoginRequest, step: TargetStep): void {
    if (this.firstLogin) {
      this.firstLogin = false;
      this.isid = req.isid;
      this.cid = req.cid;
      this.expCmdSn = req.cmdSn;
      this.statSn = req.expStatSn; // the first response's StatSN starts the connection's count (§11.13.4)
      if (req.versionMin > ISCSI_VERSION) return this.failLogin(req.initiatorTaskTag, LoginStatus.unsupportedVersion, step);
      // a non-zero TSIH adds a connection to a session, or reinstates one: sessions here have one connection
      if (req.tsih !== 0) return this.failLogin(req.initiatorTaskTag, LoginStatus.sessionDoesNotExist, step);
      if (req.currentStage === LoginStage.operational) this.stage = LoginStage.operational; // no security stage (§6.3)
    }
    if (req.currentStage !== this.stage) return this.failLogin(req.initiatorTaskTag, LoginStatus.initiatorError, step);
    if (req.transit && req.nextStage <= req.currentStage) return this.failLogin(req.initiatorTaskTag, LoginStatus.initiatorError, step);
    this.loginTextBytes += req.data.length;
    if (this.loginTextBytes > MAX_LOGIN_TEXT) return this.failLogin(req.initiatorTaskTag, LoginStatus.outOfResources, step);
    this.loginText.push(req.data);
    if (req.continue) {
      // more text follows: an empty answer asks for it (§6.3)
      step.send.push(this.loginResponse(req, false, NO_DATA, LoginStatus.success));
      return;
    }
    let pairs: TextPairs;
    try {
      pairs = decodeText(Buffer.concat(this.loginText));
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      return this.failLogin(req.initiatorTaskTag, LoginStatus.initiatorError, step);
    } finally {
      this.loginText = [];
      this.loginTextBytes = 0;
    }
    if (new Set(pairs.map(([k]) => k)).size !== pairs.length) return this.failLogin(req.initiatorTaskTag, LoginStatus.initiatorError, step);
    const firstAnswer = this.initiatorName === '';
    const status = this.identify(pairs);
    if (status !== LoginStatus.success) return this.failLogin(req.initiatorTaskTag, status, step);

    const answers: TextPairs = [];
    if (firstAnswer && this.target !== null) {
      answers.push(['TargetPortalGroupTag', String(this.target.portalGroupTag)]); // §13.9: in the first response
      if (this.target.alias) answers.push(['TargetAlias', this.target.alias]);
    }
    const security = this.stage === LoginStage.security ? this.security(pairs, answers) : LoginStatus.success;
    if (security !== LoginStatus.success) return this.failLogin(req.initiatorTaskTag, security, step);
    // a target with an account lets no one past the security stage unauthenticated (nor skip it)
    const ready = this.target?.chap === undefined || this.chap?.authenticated === true;
    if (!ready && this.stage !== LoginStage.security) return this.failLogin(req.initiatorTaskTag, this.refuseChap('the security stage was skipped'), step);
    if (!ready && req.transit && textValue(pairs, 'AuthMethod') === undefined && this.chap === null) {
      return this.failLogin(req.initiatorTaskTag, this.refuseChap('no AuthMethod offered'), step);
    }
    const negotiated = answerOffers(pairs, this.ours, this.params);
    this.params = negotiated.params;
    answers.push(...negotiated.answers);
    for (const [key] of pairs) {
      if (!isOperationalKey(key) && !INITIATOR_DECLARATIONS.has(key) && key !== 'AuthMethod' && !(this.chap !== null && isChapKey(key))) {
        answers.push([key, Answer.notUnderstood]);
      }
    }
    if (!ready) {
      // the exchange goes on: T=0 holds the initiator in the security stage (§6.3)
      step.send.push(this.loginResponse(req, false, encodeText(answers), LoginStatus.success));
      return;
    }
    const toFullFeature = req.transit && req.nextStage === LoginStage.fullFeature;
    if (!this.declared && (this.stage === LoginStage.operational || toFullFeature)) {
      answers.push(...targetDeclarations(this.ours));
      this.declared = true;
    }
    if (req.transit) {
      this.stage = req.nextStage;
      if (toFullFeature) {
        this.tsih = this.config.tsih;
        this.phase = Phase.fullFeature;
        this.startUnits();
      }
    }
    step.send.push(this.loginResponse(req, req.transit, encodeText(answers), LoginStatus.success));
  }

  /**
   * AuthMethod and CHAP (§12.1): None for a target without an account, CHAP for one with; `answers` gets the
   * target's keys. Anything but success fails the login.
   */
  private security(pairs: TextPairs, answers: TextPairs): number {
    const account = this.target?.chap;
    const method = textValue(pairs, 'AuthMethod');
    if (method !== undefined) {
      if (this.chap !== null) return this.refuseChap('AuthMethod twice', LoginStatus.initiatorError);
      const offered = method.split(',');
      if (account === undefined) {
        answers.push(['AuthMethod', offered.includes('None') ? 'None' : Answer.reject]);
        if (!offered.includes('None')) return LoginStatus.authenticationFailure; // CHAP is not asked of this target
      } else {
        if (!offered.includes('CHAP')) return this.refuseChap(`AuthMethod=${method.slice(0, 32)} without CHAP`);
        if (this.config.random === undefined) throw new Error(`target ${this.target!.name} has a CHAP account but the session has no random source`);
        this.chap = new ChapTargetExchange(account, this.config.random);
        answers.push(['AuthMethod', 'CHAP']);
      }
    }
    if (this.chap === null) return LoginStatus.success;
    const chap = this.chap.receive(pairs);
    if (chap.kind === 'fail') return this.refuseChap(chap.reason, chap.status);
    answers.push(...chap.answers);
    return LoginStatus.success;
  }

  private refuseChap(reason: string, status: number = LoginStatus.authenticationFailure): number {
    this.stats.chapRefused = reason;
    return status;
  }

  /** The declarative keys of the initiator's identity (§13.4, §13.5, §13.21, §13.22): taken, not answered. */
  private identify(pairs: TextPairs): number {
    const name = textValue(pairs, 'InitiatorName');
    if (this.initiatorName === '') {
      if (!name) return LoginStatus.missingParameter; // §13.5: the first Login Request carries InitiatorName
      this.initiatorName = name;
      const type = textValue(pairs, 'SessionType') ?? 'Normal';
      if (type !== 'Normal' && type !== 'Discovery') return LoginStatus.sessionTypeNotSupported;
      this.discovery = type === 'Discovery';
      if (!this.discovery) {
        const targetName = textValue(pairs, 'TargetName');
        if (!targetName) return LoginStatus.missingParameter;
        const target = this.config.targets.find((t) => t.name === targetName);
        if (target === undefined) return LoginStatus.notFound;
        if (!this.config.authorized(this.initiatorName, target.name)) return LoginStatus.authorizationFailure;
        this.target = target;
      }
    } else if (name !== undefined && name !== this.initiatorName) {
      return LoginStatus.initiatorError;
    }
    return LoginStatus.success;
  }

  private failLogin(itt: number, status: number, step: TargetStep): void {
    this.phase = Phase.closed;
    this.stats.loginRefused = status;
    step.send.push(encodeLoginResponse({
      transit: false, continue: false, currentStage: this.stage, nextStage: 0, isid: this.isid, tsih: 0, initiatorTaskTag: itt,
      versionMax: ISCSI_VERSION, versionActive: ISCSI_VERSION, statSn: this.takeStatSn(), expCmdSn: this.expCmdSn,
      maxCmdSn: this.maxCmdSn(), status, data: NO_DATA,
    }));
    step.close = true;
  }

  private loginResponse(req: LoginRequest, transit: boolean, data: Buffer, status: number): Buffer {
    return encodeLoginResponse({
      transit, continue: false, currentStage: req.currentStage, nextStage: transit ? req.nextStage : 0, isid: this.isid,
      tsih: this.tsih, initiatorTaskTag: req.initiatorTaskTag, versionMax: ISCSI_VERSION, versionActive: ISCSI_VERSION,
      statSn: this.takeStatSn(), expCmdSn: this.expCmdSn, maxCmdSn: this.maxCmdSn(), status, data,
    });
  }

  private startUnits(): void {
    for (const [lun, medium] of this.target?.luns ?? []) {
      // read-only whatever the medium says: this target takes no Data-Out
      this.units.set(lun, new LogicalUnit(DriveKind.disk, this.target!.identity(lun), { ...medium, readOnly: true }));
    }
  }

  // ---------------------------------------------------------------- sequencing (§4.2.2)

  private takeStatSn(): number {
    const sn = this.statSn;
    this.statSn = snAdd(this.statSn, 1);
    return sn;
  }

  private maxCmdSn(): number {
    return snAdd(this.expCmdSn, this.queueDepth - 1 - this.tasks.size);
  }

  /** Whether a PDU that carries CmdSN is taken; a non-immediate one advances ExpCmdSN. */
  private ordered(immediate: boolean, cmdSn: number): boolean {
    if (immediate) return true;
    if (!inCommandWindow(cmdSn, this.expCmdSn, this.maxCmdSn())) {
      this.drop('cmdsn-outside-window'); // §4.2.2.1: silently ignored (a closed window: the queue is full)
      return false;
    }
    if (cmdSn !== this.expCmdSn) {
      this.drop('cmdsn-out-of-order'); // a gap cannot happen on one TCP connection
      return false;
    }
    this.expCmdSn = snAdd(this.expCmdSn, 1);
    return true;
  }

  private drop(reason: string): void {
    this.stats.drops[reason] = (this.stats.drops[reason] ?? 0) + 1;
  }

  private reject(pdu: Buffer, reason: number, step: TargetStep): void {
    this.stats.rejects++;
    step.send.push(encodeReject({
      reason, statSn: this.takeStatSn(), expCmdSn: this.expCmdSn, maxCmdSn: this.maxCmdSn(), dataSn: 0, rejectedHeader: pdu.subarray(0, BHS_LENGTH),
    }));
  }

  private malformed(pdu: Buffer, err: DecodeError, step: TargetStep): void {
    if (this.phase === Phase.login) {
      this.failLogin(pdu.length >= 20 ? pdu.readUInt32BE(16) : RESERVED_TAG, LoginStatus.initiatorError, step);
      return;
    }
    this.reject(pdu, err.code === IscsiError.opcode ? RejectReason.commandNotSupported : RejectReason.invalidPduField, step);
  }

  // ---------------------------------------------------------------- SCSI (§11.3-§11.7)

  private scsiCommand(c: ScsiCommandPdu, pdu: Buffer, step: TargetStep): void {
    if (this.discovery) return this.reject(pdu, RejectReason.protocolError, step); // §4.3: no SCSI in a discovery session
    if (!this.ordered(c.immediate, c.cmdSn)) return;
    this.stats.commands++;
    if (this.tags.has(c.initiatorTaskTag)) return this.reject(pdu, RejectReason.taskInProgress, step);
    // immediate commands do not wait for the window: a full queue refuses them (§11.17.1, reason 06h)
    if (c.immediate && this.tasks.size >= this.queueDepth) return this.reject(pdu, RejectReason.immediateCommandReject, step);
    if (c.cdb[0] === REPORT_LUNS_OPCODE) return this.reportLuns(c, step);
    let lun: number;
    try {
      lun = decodeLun(c.lun);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      lun = -1;
    }
    const unit = this.units.get(lun);
    if (unit === undefined) {
      step.send.push(this.checkCondition(c.initiatorTaskTag, Sense.lunNotSupported, c.expectedDataTransferLength));
      return;
    }
    const request = unit.decode(c.cdb);
    if (request.command?.op !== 'inquiry' && this.target?.online?.(lun) === false) {
      step.send.push(this.checkCondition(c.initiatorTaskTag, Sense.lunOffline, c.expectedDataTransferLength));
      return;
    }
    const outcome = unit.execute(request);
    switch (outcome.kind) {
      case 'check':
        step.send.push(this.checkCondition(c.initiatorTaskTag, outcome.sense, c.expectedDataTransferLength));
        return;
      case 'data': {
        const task = this.task(c, lun, unit, outcome.data.length);
        return this.dataIn(task, outcome.data.subarray(0, task.expected), true, step);
      }
      case 'read': {
        const task = this.task(c, lun, unit, outcome.blocks * outcome.blockSize);
        task.nextLba = outcome.lba;
        task.blocksLeft = outcome.blocks;
        task.blockSize = outcome.blockSize;
        if (Math.min(task.total, task.expected) === 0) return this.dataIn(task, NO_DATA, true, step);
        this.tasks.set(task.id, task);
        this.tags.set(task.itt, task.id);
        step.actions.push(this.nextRead(task));
        return;
      }
      case 'write': // the units are read-only, so the logical unit answers DATA PROTECT before this
        step.send.push(this.checkCondition(c.initiatorTaskTag, Sense.writeProtected, c.expectedDataTransferLength));
        return;
      default: // good; flush and eject have nothing to do on a read-only LUN that cannot be removed
        return this.dataIn(this.task(c, lun, unit, 0), NO_DATA, true, step);
    }
  }

  private reportLuns(c: ScsiCommandPdu, step: TargetStep): void {
    let data: Buffer;
    try {
      const command = decodeReportLuns(c.cdb);
      data = truncateToAllocation(reportLunsData(command, [...this.units.keys()]), command.allocationLength);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      step.send.push(this.checkCondition(c.initiatorTaskTag, Sense.invalidFieldInCdb, c.expectedDataTransferLength));
      return;
    }
    const task = this.task(c, 0, null, data.length);
    this.dataIn(task, data.subarray(0, task.expected), true, step);
  }

  private task(c: ScsiCommandPdu, lun: number, unit: LogicalUnit | null, total: number): ReadTask {
    return {
      id: this.nextTaskId++, itt: c.initiatorTaskTag, lun, lunField: c.lun, unit: unit as LogicalUnit, nextLba: 0, blocksLeft: 0, blockSize: 1,
      total, expected: c.read ? c.expectedDataTransferLength : 0, offset: 0, dataSn: 0, sequenceBytes: 0,
    };
  }

  private forget(task: ReadTask): void {
    this.tasks.delete(task.id);
    this.tags.delete(task.itt);
  }

  /** The next medium read of a task: one burst's worth, so a task holds one burst at a time. */
  private nextRead(task: ReadTask): TargetAction {
    const burstBlocks = Math.max(1, Math.floor(this.params.maxBurstLength / task.blockSize));
    const blocks = Math.min(burstBlocks, task.blocksLeft);
    const action: TargetAction = { kind: 'read', task: task.id, lun: task.lun, lba: task.nextLba, blocks };
    task.nextLba += blocks;
    task.blocksLeft -= blocks;
    return action;
  }

  /**
   * Data-In PDUs for `data` (already cut to what the initiator expects), each at most the initiator's
   * MaxRecvDataSegmentLength, F closing each MaxBurstLength sequence; when `last`, the final one carries GOOD status
   * and the residual (S). With nothing to send at the end, a SCSI Response carries the status instead.
   */
  private dataIn(task: ReadTask, data: Buffer, last: boolean, step: TargetStep): void {
    const segment = this.params.initiatorMaxRecvDataSegmentLength;
    const overflow = task.total > task.expected;
    const underflow = task.total < task.expected;
    const residual = overflow ? task.total - task.expected : task.expected - task.total;
    for (let at = 0; at < data.length; at += segment) {
      const piece = data.subarray(at, Math.min(data.length, at + segment));
      const final = last && at + piece.length >= data.length;
      task.sequenceBytes += piece.length;
      const endOfSequence = final || task.sequenceBytes >= this.params.maxBurstLength;
      if (endOfSequence) task.sequenceBytes = 0;
      step.send.push(encodeDataInHeader({
        final: endOfSequence, acknowledge: false, overflow: final && overflow, underflow: final && underflow, hasStatus: final,
        status: ScsiStatus.good, lun: task.lunField, initiatorTaskTag: task.itt, targetTransferTag: RESERVED_TAG,
        statSn: final ? this.takeStatSn() : 0, expCmdSn: this.expCmdSn, maxCmdSn: this.maxCmdSn(), dataSn: task.dataSn++,
        bufferOffset: task.offset, residualCount: final ? residual : 0,
      }, piece.length));
      step.send.push(piece);
      if ((piece.length & 3) !== 0) step.send.push(PADDING[piece.length & 3]);
      task.offset += piece.length;
    }
    if (last && data.length === 0) {
      step.send.push(this.scsiResponse(task.itt, ScsiStatus.good, NO_DATA, overflow, underflow, residual, task.dataSn));
    }
  }

  private checkCondition(itt: number, sense: SenseCondition, expected: number): Buffer {
    return this.scsiResponse(itt, ScsiStatus.checkCondition, encodeFixedSense(sense), false, expected > 0, expected, 0);
  }

  private scsiResponse(itt: number, status: number, sense: Buffer, overflow: boolean, underflow: boolean, residual: number, expDataSn: number): Buffer {
    return encodeScsiResponse({
      bidiOverflow: false, bidiUnderflow: false, overflow, underflow, response: ScsiResponseCode.commandCompleted, status,
      initiatorTaskTag: itt, snackTag: 0, statSn: this.takeStatSn(), expCmdSn: this.expCmdSn, maxCmdSn: this.maxCmdSn(),
      expDataSn, bidiResidualCount: 0, residualCount: overflow || underflow ? residual : 0, sense,
    });
  }

  // ---------------------------------------------------------------- Text, NOP, Logout, Task Management

  private text(req: TextRequest, pdu: Buffer, step: TargetStep): void {
    if (!this.ordered(req.immediate, req.cmdSn)) return;
    if (req.targetTransferTag !== RESERVED_TAG) {
      // the initiator asks for the rest of a long answer (§11.10.4)
      if (this.pendingText === null || this.pendingText.ttt !== req.targetTransferTag) return this.reject(pdu, RejectReason.protocolError, step);
      const rest = this.pendingText.rest;
      this.pendingText = null;
      return this.textResponse(req.initiatorTaskTag, rest, step);
    }
    if (req.continue) return this.reject(pdu, RejectReason.protocolError, step); // requests here fit one PDU
    let pairs: TextPairs;
    try {
      pairs = decodeText(req.data);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      return this.reject(pdu, RejectReason.protocolError, step);
    }
    const answers: TextPairs = [];
    for (const [key, value] of pairs) {
      if (key === 'SendTargets') answers.push(...this.sendTargets(value));
      else answers.push([key, isOperationalKey(key) ? Answer.reject : Answer.notUnderstood]); // no renegotiation in full feature phase
    }
    this.textResponse(req.initiatorTaskTag, encodeText(answers), step);
  }

  /** SendTargets (§12.3): All in a discovery session, the current target (empty value) or a named one; only targets the initiator may see. */
  private sendTargets(value: string): TextPairs {
    let targets: readonly TargetNode[];
    if (value === 'All') {
      if (!this.discovery) return [['SendTargets', Answer.reject]];
      targets = this.config.targets;
    } else if (value === '') {
      targets = this.target ? [this.target] : [];
    } else {
      targets = this.config.targets.filter((t) => t.name === value);
    }
    return targets.filter((t) => this.config.authorized(this.initiatorName, t.name))
      .flatMap((t): TextPairs => [['TargetName', t.name], ['TargetAddress', `${t.address},${t.portalGroupTag}`]]);
  }

  private textResponse(itt: number, text: Buffer, step: TargetStep): void {
    const room = this.params.initiatorMaxRecvDataSegmentLength;
    const more = text.length > room;
    if (more) this.pendingText = { ttt: this.nextTaskId++ & 0x7fffffff, rest: text.subarray(room) };
    step.send.push(encodeTextResponse({
      final: !more, continue: more, initiatorTaskTag: itt, targetTransferTag: more ? this.pendingText!.ttt : RESERVED_TAG,
      statSn: this.takeStatSn(), expCmdSn: this.expCmdSn, maxCmdSn: this.maxCmdSn(), data: more ? text.subarray(0, room) : text,
    }));
  }

  private nopOut(p: NopOutPdu, step: TargetStep): void {
    if (!this.ordered(p.immediate, p.cmdSn)) return;
    if (p.initiatorTaskTag === RESERVED_TAG) return; // asks for no answer (§11.18.3)
    const room = this.params.initiatorMaxRecvDataSegmentLength;
    step.send.push(encodeNopIn({
      lun: p.lun, initiatorTaskTag: p.initiatorTaskTag, targetTransferTag: RESERVED_TAG, statSn: this.takeStatSn(),
      expCmdSn: this.expCmdSn, maxCmdSn: this.maxCmdSn(), data: p.data.subarray(0, room),
    }));
  }

  private logout(p: LogoutRequestPdu, step: TargetStep): void {
    if (!this.ordered(p.immediate, p.cmdSn)) return;
    let response: number = LogoutResponseCode.closed;
    if (p.reason === LogoutReason.removeForRecovery) response = LogoutResponseCode.recoveryNotSupported; // ErrorRecoveryLevel 0
    else if (p.reason === LogoutReason.closeConnection && p.cid !== this.cid) response = LogoutResponseCode.cidNotFound;
    else if (p.reason !== LogoutReason.closeSession && p.reason !== LogoutReason.closeConnection) response = LogoutResponseCode.cleanupFailed;
    const closing = response === LogoutResponseCode.closed;
    if (closing) {
      this.tasks.clear();
      this.tags.clear();
      this.phase = Phase.closed;
    }
    step.send.push(encodeLogoutResponse({
      response, initiatorTaskTag: p.initiatorTaskTag, statSn: this.takeStatSn(), expCmdSn: this.expCmdSn, maxCmdSn: this.maxCmdSn(),
      time2Wait: 0, time2Retain: 0,
    }));
    step.close = closing;
  }

  private taskManagement(p: TaskManagementRequestPdu, pdu: Buffer, step: TargetStep): void {
    if (this.discovery) return this.reject(pdu, RejectReason.protocolError, step);
    if (!this.ordered(p.immediate, p.cmdSn)) return;
    let response: number = TaskResponse.complete;
    switch (p.function) {
      case TaskFunction.abortTask: {
        const task = this.tasks.get(this.tags.get(p.referencedTaskTag) ?? 0);
        if (task) this.forget(task);
        else response = TaskResponse.taskDoesNotExist;
        break;
      }
      case TaskFunction.abortTaskSet:
      case TaskFunction.clearTaskSet:
      case TaskFunction.logicalUnitReset:
      case TaskFunction.targetWarmReset:
        // one connection, one initiator: its task set is every task here
        this.tasks.clear();
        this.tags.clear();
        break;
      default:
        response = TaskResponse.notSupported;
    }
    step.send.push(encodeTaskManagementResponse({
      response, initiatorTaskTag: p.initiatorTaskTag, statSn: this.takeStatSn(), expCmdSn: this.expCmdSn, maxCmdSn: this.maxCmdSn(),
    }));
  }
}

/** Keys an initiator declares in login that need no answer. */
const INITIATOR_DECLARATIONS: ReadonlySet<string> = new Set(['InitiatorName', 'InitiatorAlias', 'SessionType', 'TargetName']);
