// An iSCSI initiator (RFC 7143) over one TCP connection, in user space: what the manager asks a target that
// publishes no LUN attributes (READ CAPACITY), and what an emulated host boots from.
//   - IscsiInitiator.login(): a discovery session (no targetName) or a normal session to one target; security
//     stage with AuthMethod=None, or CHAP,None with an account (protocols/iscsi/chap.ts), operational stage offering the keys of negotiation.ts, then full feature phase.
//   - sendTargets(), inquiry(), reportLuns(), readCapacity(), read(), logout(), close().
// One exchange at a time (a boot loader's pace); every wait has a timeout on the Clock. A target's NOP-In ping
// (a Target Transfer Tag other than FFFFFFFFh) is answered at once (§11.19.3).
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../../runtime/clock.js';
import { formatHostPort } from '../../runtime/host-port.js';
import { DecodeError } from '../../protocols/errors.js';
import { RESERVED_TAG } from '../../protocols/iscsi/bhs.js';
import { ChapInitiatorExchange, type ChapAccount } from '../../protocols/iscsi/chap.js';
import { PduFramer } from '../../protocols/iscsi/framer.js';
import { ISCSI_VERSION, LoginStage, LoginStatus, describeLoginStatus, encodeLoginRequest, type LoginResponse } from '../../protocols/iscsi/login.js';
import { LogoutReason, encodeLogoutRequest } from '../../protocols/iscsi/logout.js';
import { DEFAULT_PARAMETERS, applyAnswers, initiatorOffers, type SessionParameters } from '../../protocols/iscsi/negotiation.js';
import { encodeNopOut } from '../../protocols/iscsi/nop.js';
import { decodeTargetPdu, splitPdu, type TargetPdu } from '../../protocols/iscsi/pdu.js';
import { ScsiStatus, TaskAttribute, encodeScsiCommand } from '../../protocols/iscsi/scsi-command.js';
import { snAdd, snLess } from '../../protocols/iscsi/sequence.js';
import { decodeText, encodeText, type TextPairs } from '../../protocols/iscsi/text.js';
import { encodeTextRequest } from '../../protocols/iscsi/text-pdu.js';
import { encodeBlockTransfer } from '../../protocols/scsi/block-io.js';
import {
  CAPACITY_10_OVERFLOW, READ_CAPACITY_10_LENGTH, READ_CAPACITY_16_LENGTH, decodeReadCapacity10Data, decodeReadCapacity16Data,
  encodeReadCapacity10, encodeReadCapacity16,
} from '../../protocols/scsi/capacity.js';
import { STANDARD_INQUIRY_LENGTH, decodeStandardInquiryData, encodeInquiry, type StandardInquiry } from '../../protocols/scsi/inquiry.js';
import { encodeLun } from '../../protocols/scsi/lun.js';
import { decodeReportLunsData, encodeReportLuns } from '../../protocols/scsi/report-luns.js';
import { SenseKey, decodeFixedSense, describeSense, type SenseCondition } from '../../protocols/scsi/sense.js';

export const ISCSI_PORT = 3260;

export interface IscsiLoginOptions {
  host: string;
  /** Default 3260. */
  port?: number;
  /** This initiator's iSCSI name (iqn....). */
  initiatorName: string;
  /** The target to log in to; left out, a discovery session (SendTargets only). */
  targetName?: string;
  /** Each wait: connecting, every answer. Default 10 s. */
  timeoutMs?: number;
  clock?: Clock;
  localAddress?: string;
  /** What to offer (RFC 7143 defaults, MaxRecvDataSegmentLength 256 KiB, otherwise). */
  parameters?: Partial<SessionParameters>;
  /**
   * A CHAP account: AuthMethod=CHAP,None is offered and the target's challenge answered (RFC 7143 §12.1.3); with
   * `mutual`, the target must prove that account in turn (mutual CHAP), or the login fails.
   */
  chap?: ChapAccount;
}

/** The target refused the login: its Status-Class and Status-Detail. */
export class IscsiLoginError extends Error {
  /** (Status-Class << 8) | Status-Detail, LoginStatus. */
  readonly status: number;
  constructor(target: string, status: number) {
    super(`iSCSI login to ${target} failed: ${describeLoginStatus(status)}`);
    this.name = 'IscsiLoginError';
    this.status = status;
  }
}

/** A SCSI command ended with CHECK CONDITION (the sense says why) or another status. */
export class IscsiCommandError extends Error {
  readonly status: number;
  readonly sense: SenseCondition | null;
  constructor(command: string, status: number, sense: SenseCondition | null) {
    super(`${command}: SCSI status 0x${status.toString(16).padStart(2, '0')}${sense ? `, ${describeSense(sense)}` : ''}`);
    this.name = 'IscsiCommandError';
    this.status = status;
    this.sense = sense;
  }
}

/** The connection failed, closed, broke the protocol, or an answer did not come in time. */
export class IscsiConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IscsiConnectionError';
  }
}

export interface DiscoveredTarget {
  name: string;
  /** TargetAddress values: HOST:PORT,TPGT. */
  addresses: string[];
}

export interface Capacity {
  blockCount: number;
  blockSize: number;
}

/** One exchange waiting for its answer: it reads each PDU of its task until it says done. */
interface Exchange {
  itt: number;
  what: string;
  take(pdu: TargetPdu): boolean;
  resolve(): void;
  reject(err: Error): void;
}

const OUR_MAX_RECV_DATA_SEGMENT = 262144;
const MAX_LOGIN_ROUNDS = 8;
const UNIT_ATTENTION_RETRIES = 4;

export class IscsiInitiator {
  /** The parameters both sides hold after login. */
  params: SessionParameters = { ...DEFAULT_PARAMETERS };
  /** The TSIH the target gave the session. */
  tsih = 0;
  /** Whether the target chose CHAP and accepted this initiator's response. */
  authenticatedWithChap = false;
  /** TargetPortalGroupTag and TargetAlias, when the target said them. */
  readonly targetInfo: { portalGroupTag?: number; alias?: string } = {};
  private readonly options: Required<Pick<IscsiLoginOptions, 'port' | 'timeoutMs' | 'clock'>> & IscsiLoginOptions;
  private readonly socket: net.Socket;
  private readonly framer = new PduFramer(OUR_MAX_RECV_DATA_SEGMENT);
  private readonly isid: Buffer;
  private cmdSn = 1;
  private expStatSn = 0;
  /** False until the first Login Response: its StatSN starts the count, whatever it is (§11.13.4). */
  private statSnKnown = false;
  private nextItt = 1;
  private current: Exchange | null = null;
  private queue: Promise<void> = Promise.resolve();
  private lost: string | null = null;

  private constructor(options: IscsiLoginOptions, socket: net.Socket) {
    this.options = { port: ISCSI_PORT, timeoutMs: 10_000, clock: systemClock, ...options };
    this.socket = socket;
    // ISID (§11.12.5): type 10b "random", a 3-byte random qualifier... of this process's choosing
    this.isid = Buffer.concat([Buffer.from([0x80]), randomBytes(5)]);
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('error', (err) => this.lose(`failed (${err.message})`));
    socket.on('close', () => this.lose('was closed by the target'));
  }

  private get target(): string {
    return formatHostPort(this.options.host, this.options.port);
  }

  /** Connects and logs in; throws IscsiLoginError when the target refuses. */
  static async login(options: IscsiLoginOptions): Promise<IscsiInitiator> {
    const port = options.port ?? ISCSI_PORT;
    const clock = options.clock ?? systemClock;
    const timeoutMs = options.timeoutMs ?? 10_000;
    const where = formatHostPort(options.host, port);
    const socket = net.connect({ host: options.host, port, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    await new Promise<void>((resolve, reject) => {
      const timer = clock.setTimeout(() => { socket.destroy(); reject(new IscsiConnectionError(`cannot reach the iSCSI target at ${where}: no answer within ${timeoutMs} ms`)); }, timeoutMs);
      socket.once('error', (err) => { timer.cancel(); reject(new IscsiConnectionError(`cannot reach the iSCSI target at ${where}: ${err.message}`)); });
      socket.once('connect', () => { timer.cancel(); socket.removeAllListeners('error'); resolve(); });
    });
    socket.setNoDelay(true);
    const initiator = new IscsiInitiator(options, socket);
    try {
      await initiator.runLogin();
    } catch (err) {
      initiator.close();
      throw err;
    }
    return initiator;
  }

  // ---------------------------------------------------------------- login (§6.3)

  private async runLogin(): Promise<void> {
    const wanted: SessionParameters = { ...DEFAULT_PARAMETERS, initiatorMaxRecvDataSegmentLength: OUR_MAX_RECV_DATA_SEGMENT, ...this.options.parameters };
    const identity: TextPairs = [['InitiatorName', this.options.initiatorName]];
    if (this.options.targetName !== undefined) identity.push(['SessionType', 'Normal'], ['TargetName', this.options.targetName]);
    else identity.push(['SessionType', 'Discovery']);
    const chap = new ChapInitiatorExchange(this.options.chap ?? null, randomBytes);
    let stage: number = LoginStage.security;
    let text: TextPairs = [...identity, ...chap.offer()];
    let securityDone = false;
    let answers: TextPairs = [];
    for (let round = 0; round < MAX_LOGIN_ROUNDS; round++) {
      const next = stage === LoginStage.security ? LoginStage.operational : LoginStage.fullFeature;
      const response = await this.loginExchange(stage, next, text);
      if (response.status !== LoginStatus.success) throw new IscsiLoginError(this.target, response.status);
      const pairs = this.decodeAnswer(() => decodeText(response.data));
      answers.push(...pairs);
      for (const [k, v] of pairs) {
        if (k === 'TargetPortalGroupTag') this.targetInfo.portalGroupTag = Number(v);
        if (k === 'TargetAlias') this.targetInfo.alias = v;
      }
      text = [];
      if (stage === LoginStage.security && !securityDone) {
        const step = this.decodeAnswer(() => chap.receive(pairs));
        if (step.kind === 'refuse') throw new IscsiConnectionError(`${this.target} failed mutual CHAP: ${step.reason}`);
        if (step.kind === 'send') {
          if (response.transit) throw new IscsiConnectionError(`${this.target} left the security stage before CHAP ended`);
          text = step.pairs;
          continue;
        }
        securityDone = true;
        this.authenticatedWithChap = chap.usedChap;
      }
      if (!response.transit) continue; // the target is not ready to move on: ask again
      if (response.nextStage === LoginStage.fullFeature) {
        this.params = this.decodeAnswer(() => applyAnswers(answers, wanted, { ...DEFAULT_PARAMETERS }));
        this.tsih = response.tsih;
        return;
      }
      stage = response.nextStage;
      text = initiatorOffers(wanted);
    }
    throw new IscsiConnectionError(`${this.target} did not finish the login in ${MAX_LOGIN_ROUNDS} rounds`);
  }

  private loginExchange(stage: number, next: number, text: TextPairs): Promise<LoginResponse> {
    const itt = this.takeItt();
    const pdu = encodeLoginRequest({
      transit: true, continue: false, currentStage: stage, nextStage: next, isid: this.isid, tsih: 0, initiatorTaskTag: itt,
      versionMax: ISCSI_VERSION, versionMin: ISCSI_VERSION, cid: 0, cmdSn: this.cmdSn, expStatSn: this.expStatSn, data: encodeText(text),
    });
    let response: LoginResponse | null = null;
    return this.exchange('Login', itt, [pdu], (p) => {
      if (p.kind !== 'login-response') return this.unexpected('Login', p);
      response = p;
      return true;
    }).then(() => response!);
  }

  // ---------------------------------------------------------------- Text: SendTargets (§12.3)

  /** SendTargets=All in a discovery session (or a target's name, or '' for the current one in a normal session). */
  async sendTargets(value = 'All'): Promise<DiscoveredTarget[]> {
    const itt = this.takeItt();
    let text: Buffer[] = [];
    let ttt = RESERVED_TAG;
    for (let guard = 0; guard < 64; guard++) {
      const pdu = encodeTextRequest({
        immediate: false, final: true, continue: false, initiatorTaskTag: itt, targetTransferTag: ttt, cmdSn: this.takeCmdSn(),
        expStatSn: this.expStatSn, data: ttt === RESERVED_TAG ? encodeText([['SendTargets', value]]) : Buffer.alloc(0),
      });
      let done = false;
      await this.exchange('SendTargets', itt, [pdu], (p) => {
        if (p.kind !== 'text-response') return this.unexpected('SendTargets', p);
        text.push(p.data);
        done = p.final;
        ttt = p.targetTransferTag;
        return true;
      });
      if (done) break;
    }
    const out: DiscoveredTarget[] = [];
    for (const [k, v] of this.decodeAnswer(() => decodeText(Buffer.concat(text)))) {
      if (k === 'TargetName') out.push({ name: v, addresses: [] });
      else if (k === 'TargetAddress' && out.length > 0) out[out.length - 1].addresses.push(v);
    }
    text = [];
    return out;
  }

  // ---------------------------------------------------------------- SCSI

  async inquiry(lun = 0): Promise<StandardInquiry> {
    return decodeStandardInquiryData(await this.command('INQUIRY', lun, encodeInquiry(STANDARD_INQUIRY_LENGTH), STANDARD_INQUIRY_LENGTH));
  }

  async reportLuns(): Promise<number[]> {
    const length = 8 + 8 * 256;
    return decodeReportLunsData(await this.command('REPORT LUNS', 0, encodeReportLuns(length), length));
  }

  /** READ CAPACITY(10), and READ CAPACITY(16) when the last LBA needs more than 32 bits (SBC-3). */
  async readCapacity(lun = 0): Promise<Capacity> {
    const ten = decodeReadCapacity10Data(await this.command('READ CAPACITY(10)', lun, encodeReadCapacity10(), READ_CAPACITY_10_LENGTH));
    if (ten.lastLba !== CAPACITY_10_OVERFLOW) return { blockCount: ten.lastLba + 1, blockSize: ten.blockSize };
    const sixteen = decodeReadCapacity16Data(await this.command('READ CAPACITY(16)', lun, encodeReadCapacity16(), READ_CAPACITY_16_LENGTH));
    return { blockCount: sixteen.lastLba + 1, blockSize: sixteen.blockSize };
  }

  /** READ(10), or READ(16) past 32-bit LBAs or 65,535 blocks: exactly blocks * blockSize bytes. */
  async read(lun: number, lba: number, blocks: number, blockSize: number): Promise<Buffer> {
    const cdb = encodeBlockTransfer({ op: 'read', lba, blocks });
    const data = await this.command(`READ(${cdb.length})`, lun, cdb, blocks * blockSize);
    if (data.length !== blocks * blockSize) throw new IscsiConnectionError(`READ: ${data.length} bytes came for ${blocks * blockSize}`);
    return data;
  }

  /**
   * One SCSI command that reads `expected` bytes at most; resolves with the bytes that came. A UNIT ATTENTION (a
   * target's first answer after power on or reset, SAM-5 §5.14) is taken as reported and the command sent again,
   * as hosts do, a few times at most.
   */
  async command(name: string, lun: number, cdb: Buffer, expected: number): Promise<Buffer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.commandOnce(name, lun, cdb, expected);
      } catch (err) {
        if (!(err instanceof IscsiCommandError) || err.sense?.key !== SenseKey.unitAttention || attempt >= UNIT_ATTENTION_RETRIES) throw err;
      }
    }
  }

  private async commandOnce(name: string, lun: number, cdb: Buffer, expected: number): Promise<Buffer> {
    const itt = this.takeItt();
    const pdu = encodeScsiCommand({
      immediate: false, final: true, read: expected > 0, write: false, attribute: TaskAttribute.simple, lun: encodeLun(lun),
      initiatorTaskTag: itt, expectedDataTransferLength: expected, cmdSn: this.takeCmdSn(), expStatSn: this.expStatSn, cdb, data: Buffer.alloc(0),
    });
    const buffer = Buffer.alloc(expected);
    let received = 0;
    let failure: Error | null = null;
    const finish = (status: number, sense: SenseCondition | null, residual: number, underflow: boolean) => {
      if (status !== ScsiStatus.good) failure = new IscsiCommandError(name, status, sense);
      else if (underflow) received = Math.min(received, expected - residual);
      return true;
    };
    await this.exchange(name, itt, [pdu], (p) => {
      if (p.kind === 'data-in') {
        if (p.bufferOffset + p.data.length > expected) throw new IscsiConnectionError(`${name}: Data-In past the ${expected} bytes asked for`);
        p.data.copy(buffer, p.bufferOffset);
        received = Math.max(received, p.bufferOffset + p.data.length);
        return p.hasStatus ? finish(p.status, null, p.residualCount, p.underflow) : false;
      }
      if (p.kind === 'scsi-response') {
        let sense: SenseCondition | null = null;
        if (p.sense.length > 0) {
          try { sense = decodeFixedSense(p.sense); } catch (err) { if (!(err instanceof DecodeError)) throw err; }
        }
        return finish(p.status, sense, p.residualCount, p.underflow);
      }
      return this.unexpected(name, p);
    });
    if (failure) throw failure;
    return buffer.subarray(0, received);
  }

  // ---------------------------------------------------------------- Logout (§11.14)

  /** Logout (close the session), then the connection closes. */
  async logout(): Promise<void> {
    const itt = this.takeItt();
    const pdu = encodeLogoutRequest({ immediate: true, reason: LogoutReason.closeSession, initiatorTaskTag: itt, cid: 0, cmdSn: this.cmdSn, expStatSn: this.expStatSn });
    try {
      await this.exchange('Logout', itt, [pdu], (p) => (p.kind === 'logout-response' ? true : this.unexpected('Logout', p)));
    } finally {
      this.close();
    }
  }

  close(): void {
    this.lost ??= 'was closed';
    this.socket.destroy();
  }

  // ---------------------------------------------------------------- plumbing

  private takeItt(): number {
    const itt = this.nextItt;
    this.nextItt = this.nextItt >= 0x7fffffff ? 1 : this.nextItt + 1;
    return itt;
  }

  private takeCmdSn(): number {
    const sn = this.cmdSn;
    this.cmdSn = snAdd(this.cmdSn, 1);
    return sn;
  }

  private unexpected(what: string, p: TargetPdu): never {
    if (p.kind === 'reject') throw new IscsiConnectionError(`${what}: the target rejected it (reason 0x${p.reason.toString(16).padStart(2, '0')})`);
    throw new IscsiConnectionError(`${what}: unexpected ${p.kind}`);
  }

  private decodeAnswer<T>(f: () => T): T {
    try {
      return f();
    } catch (err) {
      if (err instanceof DecodeError) throw new IscsiConnectionError(`${this.target}: ${err.message}`);
      throw err;
    }
  }

  /** Sends `pdus` and feeds `take` every PDU of task `itt` until it returns true; one exchange at a time. */
  private exchange(what: string, itt: number, pdus: Buffer[], take: (p: TargetPdu) => boolean): Promise<void> {
    const run = () => new Promise<void>((resolve, reject) => {
      if (this.lost !== null) return reject(new IscsiConnectionError(`the connection to ${this.target} ${this.lost} before ${what}`));
      const timer = this.options.clock.setTimeout(() => {
        this.current = null;
        reject(new IscsiConnectionError(`${what}: no answer from ${this.target} within ${this.options.timeoutMs} ms`));
        this.socket.destroy(); // a late answer could not be told from the next one's
      }, this.options.timeoutMs);
      this.current = {
        itt, what, take,
        resolve: () => { timer.cancel(); this.current = null; resolve(); },
        reject: (err) => { timer.cancel(); this.current = null; reject(err); },
      };
      for (const p of pdus) this.socket.write(p);
    });
    const result = this.queue.then(run);
    this.queue = result.catch(() => {});
    return result;
  }

  private received(chunk: Buffer): void {
    this.framer.write(chunk);
    try {
      for (let raw = this.framer.next(); raw !== null; raw = this.framer.next()) this.dispatch(decodeTargetPdu(splitPdu(raw)));
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.current?.reject(err instanceof IscsiConnectionError || err instanceof IscsiCommandError ? err : new IscsiConnectionError(`${this.target}: ${reason}`));
      this.lost ??= `broke the protocol (${reason})`;
      this.socket.destroy();
    }
  }

  private dispatch(p: TargetPdu): void {
    if ('statSn' in p && (p.kind !== 'data-in' || p.hasStatus) && (!this.statSnKnown || !snLess(p.statSn, this.expStatSn))) {
      this.expStatSn = snAdd(p.statSn, 1);
      this.statSnKnown = true;
    }
    if (p.kind === 'nop-in' && p.initiatorTaskTag === RESERVED_TAG) {
      // the target pings: answer with its Target Transfer Tag (§11.18.3), or nothing when it wants none
      if (p.targetTransferTag !== RESERVED_TAG) {
        this.socket.write(encodeNopOut({ immediate: true, lun: p.lun, initiatorTaskTag: RESERVED_TAG, targetTransferTag: p.targetTransferTag, cmdSn: this.cmdSn, expStatSn: this.expStatSn, data: Buffer.alloc(0) }));
      }
      return;
    }
    const current = this.current;
    const itt = p.kind === 'reject' ? (p.rejectedHeader.length >= 20 ? p.rejectedHeader.readUInt32BE(16) : RESERVED_TAG) : p.initiatorTaskTag;
    if (current === null || itt !== current.itt) return; // a late answer to a timed-out exchange, or an Async Message
    if (current.take(p)) current.resolve();
  }

  private lose(what: string): void {
    this.lost ??= what;
    this.current?.reject(new IscsiConnectionError(`the connection to ${this.target} ${this.lost} before it answered ${this.current.what}`));
  }
}
