// The manager's rollout over all its RMCs (README "The exchange after the prepare round"), sans-I/O like the prepare
// round: time is an argument, datagrams go in, and what to send comes back as actions for the glue. The prepare
// round (PrepareRound) first; then every RMC that answered ready gets the image, at most `transferSlots` RMCs at
// once (bounded memory and bandwidth: one ImageSender each); a broken transfer or a failed verification is
// offered again after a backoff that doubles, up to `maxAttempts`, then that RMC has failed. Each RMC that verified
// gets a Flash, repeated until a Progress answers it, then again at an interval as its status query, until its
// Rack Report is whole. Pause, Resume and Abort go to every RMC still in the run, repeated until answered.
//
// Every step is saved in the store before its actions are returned, so a manager killed at any step and started
// again goes on: a transfer is offered again (the RMC's ack resumes it at its nextOffset), a Flash and any control
// owed are sent again (both idempotent), and nothing finished is done again. Ack progress is saved every
// `checkpointChunks` chunks, not per chunk: the RMC's ack, not the store, says where a transfer resumes.
import { MessageType } from '../../protocols/rollout/header.js';
import type { SigningKey } from '../../protocols/rollout/keys.js';
import { decodeManifest } from '../../protocols/rollout/manifest.js';
import { Readiness } from '../../protocols/rollout/prepare-reply.js';
import type { ProductIds } from '../../protocols/rollout/prepare.js';
import { RackPhase, rackPhaseName, type RackStatus } from '../../protocols/rollout/rack-status.js';
import type { TransferAck } from '../../protocols/rollout/transfer.js';
import { VerifyOutcome, type VerifyResult } from '../../protocols/rollout/verify-result.js';
import { RmcStep, RoundPhase, type RmcRecord, type RolloutStore } from '../store/rollout-store.js';
import {
  ControlCommand, ENDED_STATUSES, RmcStage, RolloutStatus, type BmcRecord, type RmcRun, type RunRecord,
} from '../store/run-records.js';
import { ImageSender, SenderState } from './image-sender.js';
import { PrepareRound, type PrepareRoundOptions, type RoundAction } from './prepare-round.js';
import { RolloutCommands } from './rollout-commands.js';
import { FlashTimeInPastError, RolloutStateError } from './rollout-errors.js';
import { decodeCounted } from './round-messages.js';
import { SequencePool } from './sequence-pool.js';
import { plural } from '../../runtime/plural.js';

export type RolloutAction = RoundAction;

export interface RolloutMachineOptions {
  store: RolloutStore;
  rolloutId: number;
  /** The manager's key: every command is signed. */
  key: SigningKey;
  /** The prepare round's waits. */
  round?: Pick<PrepareRoundOptions, 'marginMs' | 'pollTimeoutMs' | 'maxPolls'>;
  /** Data bytes per Image Chunk. Default 16 KiB (on loopback; about 1,400 on a real link). */
  chunkSize?: number;
  /** RMCs receiving the image at once. Default 32. */
  transferSlots?: number;
  /** No ack progress this long: send again from the acknowledged offset. Default 500 ms. */
  retransmitTimeoutMs?: number;
  /** Retransmission timeouts in a row that break a transfer. Default 4. */
  maxTimeouts?: number;
  /** The first backoff before an image is offered again; it doubles with each failure. Default 1 s, at most maxBackoffMs (60 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Failed verifications, or broken transfers, after which an RMC has failed. Default 5. */
  maxAttempts?: number;
  /** A Flash, Pause, Resume or Abort not answered yet is sent again this often. Default 1 s. */
  repeatMs?: number;
  /** The status query (a Flash again) to an RMC flashing, and an Abort again until the report is whole. Default 5 s. */
  statusIntervalMs?: number;
  /** Ack progress is saved every this many chunks. Default 16. */
  checkpointChunks?: number;
  /**
   * An RMC owed a Flash, a status query or a control that answers nothing for this long has failed ("no answer"), so
   * a dead RMC cannot hold the rollout (or an abort) open for ever. Default 10 min: 120 status queries unanswered.
   */
  silenceLimitMs?: number;
}

/** What the machine ignored, by reason, and the late reports it took (counted since this process loaded it). */
export interface MachineCounts {
  /** Bytes that do not decode (DecodeError). */
  malformed: number;
  otherRollout: number;
  notTargeted: number;
  /** A well-formed message this machine has no use for now (a late Prepare Reply, an ack after the transfer ended, ...). */
  unexpected: number;
  /** Reports and progress from an RMC given up for silence: recorded (its BMCs' results are the truth). */
  lateReports: number;
}

/** One RMC as the machine holds it: its saved run and what lives only in this process. */
interface Rmc {
  run: RmcRun;
  address: string;
  bmcCount: number;
  sender: ImageSender | null;
  /** Image bytes sent, counted live (run.bytesSent is the saved count). */
  bytesSent: number;
  /** When the next Flash goes (repeat, then status query); 0: at once. */
  flashDueMs: number;
  controlDueMs: number;
  controlAnswered: boolean;
  /** When the first datagram since the RMC's last answer went to it (null: nothing unanswered); not saved, so a restart gives it a new limit. */
  unansweredSinceMs: number | null;
  /** Rack indices a Rack Report page gave. */
  reported: Set<number>;
}

const TERMINAL_STAGES: readonly RmcStage[] = [RmcStage.REPORTED, RmcStage.FAILED, RmcStage.LEFT_OUT];
const ACTIVE_STAGES: readonly RmcStage[] = [RmcStage.QUEUED, RmcStage.TRANSFERRING, RmcStage.VERIFIED, RmcStage.FLASHING];
const VERIFY_NAMES: Record<number, string> = {
  [VerifyOutcome.MANIFEST_SHA256]: 'SHA-256 or size not the manifest\'s', [VerifyOutcome.MANIFEST_SIGNATURE]: 'manifest signature',
  [VerifyOutcome.HPM1_FORMAT]: 'not an HPM.1 image', [VerifyOutcome.HPM1_HEADER_CHECKSUM]: 'HPM.1 header checksum',
  [VerifyOutcome.HPM1_MD5]: 'HPM.1 MD5', [VerifyOutcome.WRONG_PRODUCT]: 'another manufacturer or product',
};

/**
 * Verification failures worth another attempt: bytes damaged on the way (SHA-256), or a manifest key the RMC may be
 * told to trust meanwhile. The later checks run on bytes that passed SHA-256, the manager's own: they fail again.
 */
const RETRIED_OUTCOMES: readonly number[] = [VerifyOutcome.MANIFEST_SHA256, VerifyOutcome.MANIFEST_SIGNATURE];

/** Does a Progress or Rack Report in `phase` answer the control command? */
function answers(command: ControlCommand, phase: RackPhase): boolean {
  const over = phase === RackPhase.DONE || phase === RackPhase.ABORTED;
  switch (command) {
    // an RMC with no image verified has nothing to pause, and says so with its phase (prepared or receiving)
    case ControlCommand.PAUSE: return phase === RackPhase.PAUSED || phase === RackPhase.PREPARED || phase === RackPhase.RECEIVING || over;
    case ControlCommand.RESUME: return phase !== RackPhase.PAUSED;
    case ControlCommand.ABORT: return over;
  }
}

export class RolloutMachine {
  readonly counts: MachineCounts = { malformed: 0, otherRollout: 0, notTargeted: 0, unexpected: 0, lateReports: 0 };
  private readonly store: RolloutStore;
  private readonly rolloutId: number;
  private readonly commands: RolloutCommands;
  private readonly o: Required<Omit<RolloutMachineOptions, 'store' | 'rolloutId' | 'key' | 'round'>>;
  private readonly rmcs = new Map<number, Rmc>();
  private runRecord: RunRecord;
  /** Whom the image is for: its signed manifest's manufacturer and product. */
  private readonly product: ProductIds;
  private round: PrepareRound | null;
  /** RMCs transferring (holding a slot), and RMCs not yet reported, failed or left out. */
  private transferring = 0;
  private open = 0;
  /** The deadline kept between full looks (Infinity: none); undefined: look at every RMC again. */
  private soonest: number | undefined = undefined;

  /** Loads the rollout from the store: a new one starts with its prepare round, a restarted one where it stood. */
  constructor(o: RolloutMachineOptions) {
    const run = o.store.run(o.rolloutId);
    const rollout = o.store.rollout(o.rolloutId);
    if (!run || !rollout) throw new Error(`no started rollout ${o.rolloutId} in the store`);
    this.store = o.store;
    this.rolloutId = o.rolloutId;
    this.runRecord = run;
    const { manufacturerId, productId } = decodeManifest(run.manifest);
    this.product = { manufacturerId, productId };
    this.commands = new RolloutCommands(o.rolloutId, o.key, new SequencePool(o.store));
    this.o = {
      chunkSize: o.chunkSize ?? 16 * 1024, transferSlots: o.transferSlots ?? 32, retransmitTimeoutMs: o.retransmitTimeoutMs ?? 500,
      maxTimeouts: o.maxTimeouts ?? 4, backoffMs: o.backoffMs ?? 1000, maxBackoffMs: o.maxBackoffMs ?? 60_000,
      maxAttempts: o.maxAttempts ?? 5, repeatMs: o.repeatMs ?? 1000, statusIntervalMs: o.statusIntervalMs ?? 5000,
      checkpointChunks: o.checkpointChunks ?? 16, silenceLimitMs: o.silenceLimitMs ?? 600_000,
    };
    const records = new Map(o.store.rmcs(o.rolloutId).map((m) => [m.rmcId, m]));
    const reported = new Map<number, Set<number>>();
    for (const b of o.store.bmcs(o.rolloutId)) {
      if (b.reported) (reported.get(b.rmcId) ?? reported.set(b.rmcId, new Set()).get(b.rmcId)!).add(b.rackIndex);
    }
    for (const run of o.store.rmcRuns(o.rolloutId)) {
      const record = records.get(run.rmcId)!;
      this.rmcs.set(run.rmcId, {
        run, address: record.address, bmcCount: run.rack?.bmcCount ?? record.answer?.bmcCount ?? 0, sender: null, bytesSent: run.bytesSent,
        flashDueMs: 0, controlDueMs: 0, controlAnswered: false, unansweredSinceMs: null, reported: reported.get(run.rmcId) ?? new Set(),
      });
    }
    for (const m of this.rmcs.values()) this.count(m.run.stage, 1);
    this.round = rollout.round.phase === RoundPhase.DONE ? null : new PrepareRound({ ...o.round, store: o.store, rolloutId: o.rolloutId, key: o.key, product: this.product });
  }

  get status(): RolloutStatus { return this.runRecord.status; }
  get done(): boolean { return ENDED_STATUSES.includes(this.status); }
  /** Still in the prepare round. */
  get preparing(): boolean { return this.round !== null; }

  /** Image bytes sent to each RMC (resends included), counted live. */
  bytesSent(): number {
    let sum = 0;
    for (const m of this.rmcs.values()) sum += m.bytesSent;
    return sum;
  }

  /**
   * When the glue must call tick next (ms since the Unix epoch; at or before now: at once), or null. Kept from the
   * last full look at every RMC, lowered by what each datagram changes, so a datagram costs O(1), not O(RMCs): a
   * deadline that comes early only costs a tick that finds nothing due (and looks at every RMC again).
   */
  get deadlineMs(): number | null {
    if (this.round) return this.round.deadlineMs;
    if (this.done) return null;
    if (this.soonest === undefined) {
      this.soonest = Infinity;
      for (const m of this.rmcs.values()) this.wake(m);
    }
    return this.soonest === Infinity ? null : this.soonest;
  }

  /** Lowers the kept deadline to the RMC's own, when one is kept. */
  private wake(m: Rmc): void {
    if (this.soonest === undefined) return;
    let at = this.controlOwed(m) ? m.controlDueMs : Infinity;
    if (this.status === RolloutStatus.RUNNING) {
      switch (m.run.stage) {
        case RmcStage.TRANSFERRING: at = Math.min(at, m.sender ? m.sender.deadlineMs ?? Infinity : 0); break;
        case RmcStage.VERIFIED: case RmcStage.FLASHING: at = Math.min(at, m.flashDueMs); break;
        case RmcStage.QUEUED: if (this.transferring < this.o.transferSlots) at = Math.min(at, m.run.nextRetryMs ?? 0); break;
      }
    }
    this.soonest = Math.min(this.soonest, at);
  }

  /** What a new rollout (the broadcast) or a restarted one (whatever is owed) sends now. */
  start(nowMs: number): RolloutAction[] {
    if (this.round) {
      const actions = this.round.start(nowMs);
      return this.round.done ? [...actions, ...this.afterRound(nowMs)] : actions;
    }
    return this.afterRound(nowMs);
  }

  /** One datagram that arrived at `nowMs`; returns what to send in answer (chunks, a Flash, ...). */
  receive(datagram: Uint8Array, nowMs: number): RolloutAction[] {
    if (this.round) {
      this.round.receive(datagram, nowMs);
      return this.round.done ? this.afterRound(nowMs) : [];
    }
    const m = decodeCounted(datagram, this.counts);
    if (!m) return [];
    if (m.rolloutId !== this.rolloutId) { this.counts.otherRollout++; return []; }
    const rmc = this.rmcs.get(m.rmcId);
    if (!rmc) { this.counts.notTargeted++; return []; }
    rmc.unansweredSinceMs = null;
    if (this.done || TERMINAL_STAGES.includes(rmc.run.stage)) {
      if (!givenUpForSilence(rmc.run) || (m.type !== MessageType.RACK_REPORT && m.type !== MessageType.PROGRESS)) { this.counts.unexpected++; return []; }
      // it was given up, and speaks again: what it says of its BMCs is the truth, and is kept
      this.counts.lateReports++;
      this.onStatus(rmc, m.body, m.type === MessageType.RACK_REPORT, nowMs);
      return [];
    }
    const transferringBefore = this.transferring;
    const actions = m.type === MessageType.TRANSFER_ACK ? this.onAck(rmc, m.body, nowMs)
      : m.type === MessageType.VERIFY_RESULT ? this.onVerify(rmc, m.body, nowMs)
        : m.type === MessageType.PROGRESS || m.type === MessageType.RACK_REPORT ? this.onStatus(rmc, m.body, m.type === MessageType.RACK_REPORT, nowMs)
          : null;
    if (actions === null) { this.counts.unexpected++; return []; }
    // a slot set free may let a queued RMC's backoff time count: look at every RMC again
    if (this.transferring < transferringBefore) this.soonest = undefined;
    this.wake(rmc);
    return this.andThen(actions, nowMs);
  }

  /** Called at (or after) the deadline: retransmissions, offers, Flashes, status queries and controls that are due. */
  tick(nowMs: number): RolloutAction[] {
    if (this.round) {
      const actions = this.round.tick(nowMs);
      return this.round.done ? [...actions, ...this.afterRound(nowMs)] : actions;
    }
    if (this.done) return [];
    this.soonest = undefined;
    const actions: RolloutAction[] = [];
    const running = this.status === RolloutStatus.RUNNING;
    for (const m of this.rmcs.values()) {
      if (this.silentTooLong(m, nowMs)) continue;
      const control = this.controlOwed(m);
      if (control && nowMs >= m.controlDueMs) {
        actions.push(this.send(m, this.commands.control(m.run.rmcId, control, nowMs), nowMs));
        m.controlDueMs = nowMs + (m.controlAnswered ? this.o.statusIntervalMs : this.o.repeatMs);
      }
      if (!running) continue;
      if (m.run.stage === RmcStage.TRANSFERRING) actions.push(...this.transferDue(m, nowMs));
      else if ((m.run.stage === RmcStage.VERIFIED || m.run.stage === RmcStage.FLASHING) && nowMs >= m.flashDueMs) actions.push(this.flash(m, nowMs));
    }
    return this.andThen(actions, nowMs);
  }

  /**
   * Fails an RMC that has answered nothing for silenceLimitMs while owed a Flash, a status query or a control. A
   * transfer is not judged here: the image sender's timeouts and maxAttempts bound it.
   */
  private silentTooLong(m: Rmc, nowMs: number): boolean {
    if (m.unansweredSinceMs === null || nowMs - m.unansweredSinceMs < this.o.silenceLimitMs || TERMINAL_STAGES.includes(m.run.stage)) return false;
    if (m.run.stage === RmcStage.TRANSFERRING && !m.run.control) return false;
    const phase = m.run.rack ? `, rack last ${rackPhaseName(m.run.rack.phase)}` : '';
    m.sender = null;
    this.commit(undefined, [[m, { ...this.saved(m), stage: RmcStage.FAILED, control: null, failure: `${SILENCE_FAILURE} ${Math.round(this.o.silenceLimitMs / 1000)} s while ${m.run.stage}${phase}` }]]);
    return true;
  }

  /** After a step: offers into free slots, and the rollout's end once every RMC is over. */
  private andThen(actions: RolloutAction[], nowMs: number): RolloutAction[] {
    const offers = this.fillSlots(nowMs);
    for (const a of offers) actions.push(a);
    this.finishIfOver();
    return actions;
  }

  /** Stops new work: transfers stop, and every RMC still in the run gets a Pause until it answers. */
  pause(nowMs: number): RolloutAction[] {
    this.requireStatus([RolloutStatus.RUNNING], 'pause');
    this.control(RolloutStatus.PAUSED, ControlCommand.PAUSE);
    return this.tick(nowMs);
  }

  /**
   * Goes on. With a new flash time (the old one passed while paused, say) the time moves first: every RMC in the run is
   * sent a Flash with it, and its Resume only once that Flash is answered, so no rack counting down starts at the
   * time that passed. A rack already flashing goes on (a Flash moves only a countdown). FlashTimeInPastError, and
   * nothing changed, for a new time that is not ahead.
   */
  resume(nowMs: number, flashTimeMs?: number): RolloutAction[] {
    this.requireStatus([RolloutStatus.PAUSED], 'resume');
    if (flashTimeMs !== undefined && flashTimeMs <= nowMs) throw new FlashTimeInPastError(flashTimeMs, nowMs);
    this.control(RolloutStatus.RUNNING, ControlCommand.RESUME, flashTimeMs);
    return this.tick(nowMs);
  }

  /** Every RMC still in the run gets an Abort until its Rack Report (phase 8) is whole; then the rollout is aborted. */
  abort(nowMs: number): RolloutAction[] {
    this.requireStatus([RolloutStatus.RUNNING, RolloutStatus.PAUSED], 'abort');
    this.control(RolloutStatus.ABORTING, ControlCommand.ABORT);
    return this.tick(nowMs);
  }

  private requireStatus(allowed: readonly RolloutStatus[], action: string): void {
    if (!allowed.includes(this.status)) throw new RolloutStateError(this.rolloutId, this.status, action);
  }

  /**
   * Saves the new status (and flash time) and the command every active RMC now owes an answer to; transfers under way
   * stop. A new flash time sends an RMC whose Flash was answered back to VERIFIED: its Flash goes again, with the time.
   */
  private control(status: RolloutStatus, command: ControlCommand, flashTimeMs?: number): void {
    const changes: [Rmc, RmcRun][] = [];
    for (const m of this.rmcs.values()) {
      if (!ACTIVE_STAGES.includes(m.run.stage)) continue;
      const stage = m.run.stage === RmcStage.TRANSFERRING && command !== ControlCommand.RESUME ? RmcStage.QUEUED
        : m.run.stage === RmcStage.FLASHING && flashTimeMs !== undefined ? RmcStage.VERIFIED : m.run.stage;
      changes.push([m, { ...this.saved(m), stage, control: command, flashAcked: stage === RmcStage.VERIFIED ? false : m.run.flashAcked }]);
    }
    this.commit(status, changes, [], flashTimeMs);
    for (const [m] of changes) {
      m.controlDueMs = 0;
      m.controlAnswered = false;
      if (flashTimeMs !== undefined) m.flashDueMs = 0;
      if (command !== ControlCommand.RESUME) m.sender = null;
    }
  }

  /**
   * The control command to send the RMC now, or null. A Resume waits while the RMC's Flash is unanswered (VERIFIED):
   * the Flash carries the flash time, which must reach the RMC before the Resume restarts its countdown.
   */
  private controlOwed(m: Rmc): ControlCommand | null {
    const c = m.run.control;
    return c === ControlCommand.RESUME && m.run.stage === RmcStage.VERIFIED ? null : c;
  }

  /** Once the prepare round is done: RMCs that answered ready join the run, the others are left out (with why). */
  private afterRound(nowMs: number): RolloutAction[] {
    const records = this.round ? this.round.rmcs() : this.store.rmcs(this.rolloutId);
    this.round = null;
    const owed = this.status === RolloutStatus.PAUSED ? ControlCommand.PAUSE : this.status === RolloutStatus.ABORTING ? ControlCommand.ABORT : null;
    const changes: [Rmc, RmcRun][] = [];
    for (const record of records) {
      const m = this.rmcs.get(record.rmcId)!;
      if (m.run.stage !== RmcStage.PREPARING) continue;
      m.bmcCount = record.answer?.bmcCount ?? 0;
      const failure = leftOutBecause(record, this.product);
      changes.push([m, failure === null ? { ...m.run, stage: RmcStage.QUEUED, control: owed } : { ...m.run, stage: RmcStage.LEFT_OUT, failure }]);
    }
    if (changes.length > 0) this.commit(undefined, changes);
    return this.tick(nowMs);
  }

  /** Offers the image to queued RMCs whose backoff is over, in plan order, while transfer slots are free. */
  private fillSlots(nowMs: number): RolloutAction[] {
    if (this.status !== RolloutStatus.RUNNING) return [];
    let free = this.o.transferSlots - this.transferring;
    const actions: RolloutAction[] = [];
    if (free <= 0) return actions;
    for (const m of this.rmcs.values()) {
      if (free === 0) break;
      if (m.run.stage !== RmcStage.QUEUED || (m.run.nextRetryMs !== null && m.run.nextRetryMs > nowMs)) continue;
      this.commit(undefined, [[m, { ...this.saved(m), stage: RmcStage.TRANSFERRING, attempt: Math.max(1, m.run.attempt), nextRetryMs: null }]]);
      actions.push(this.offer(m, nowMs));
      this.wake(m);
      free--;
    }
    return actions;
  }

  /** The Offer, and a fresh sender waiting for its first ack. */
  private offer(m: Rmc, nowMs: number): RolloutAction {
    m.sender = new ImageSender({
      imageSize: this.runRecord.image.length, chunkSize: this.o.chunkSize, retransmitTimeoutMs: this.o.retransmitTimeoutMs, maxTimeouts: this.o.maxTimeouts,
    }, nowMs);
    return this.send(m, this.commands.offer(m.run.rmcId, m.run.attempt, this.o.chunkSize, this.runRecord.manifest, nowMs));
  }

  private transferDue(m: Rmc, nowMs: number): RolloutAction[] {
    if (!m.sender) return [this.offer(m, nowMs)];
    const deadline = m.sender.deadlineMs;
    if (deadline === null || nowMs < deadline) return [];
    const due = m.sender.onTimeout(nowMs);
    if (due.kind === 'offer') return [this.send(m, this.commands.offer(m.run.rmcId, m.run.attempt, this.o.chunkSize, this.runRecord.manifest, nowMs))];
    if (due.kind === 'chunks') return this.chunks(m, due.offsets);
    const broken = m.run.brokenTransfers + 1;
    // a transfer that broke before any ack leaves the offset saved before as it was
    const ackedOffset = m.sender.state === SenderState.OFFERED ? m.run.ackedOffset : m.sender.ackedOffset;
    m.sender = null;
    if (broken >= this.o.maxAttempts) {
      this.commit(undefined, [[m, { ...this.saved(m), stage: RmcStage.FAILED, brokenTransfers: broken, ackedOffset, failure: `the transfer broke ${plural(broken, 'time')} (no ack progress)` }]]);
    } else {
      const nextRetryMs = nowMs + this.backoff(m.run.attempt - 1 + broken);
      this.commit(undefined, [[m, { ...this.saved(m), stage: RmcStage.QUEUED, brokenTransfers: broken, ackedOffset, nextRetryMs }]]);
    }
    return [];
  }

  private chunks(m: Rmc, offsets: readonly number[]): RolloutAction[] {
    const image = this.runRecord.image;
    return offsets.map((offset) => {
      const data = image.subarray(offset, offset + m.sender!.chunkLength(offset));
      m.bytesSent += data.length;
      return this.send(m, this.commands.chunk(m.run.rmcId, offset, data));
    });
  }

  private onAck(m: Rmc, ack: TransferAck, nowMs: number): RolloutAction[] | null {
    if (m.run.stage !== RmcStage.TRANSFERRING || !m.sender || this.status !== RolloutStatus.RUNNING) return null;
    const actions = this.chunks(m, m.sender.onAck(ack.nextOffset, ack.window, nowMs));
    const acked = m.sender.ackedOffset;
    const moved = acked - m.run.ackedOffset;
    if (moved !== 0 && (moved < 0 || moved >= this.o.checkpointChunks * this.o.chunkSize || m.sender.state === SenderState.COMPLETE)) {
      this.commit(undefined, [[m, { ...this.saved(m), ackedOffset: acked }]]);
    }
    return actions;
  }

  private onVerify(m: Rmc, v: VerifyResult, nowMs: number): RolloutAction[] | null {
    const stage = m.run.stage;
    if (v.result === VerifyOutcome.OK) {
      if (stage !== RmcStage.TRANSFERRING && stage !== RmcStage.QUEUED) return null;
      m.sender = null;
      this.commit(undefined, [[m, {
        ...this.saved(m), stage: RmcStage.VERIFIED, verifyResult: v.result, ackedOffset: this.runRecord.image.length, nextRetryMs: null,
      }]]);
      return this.status === RolloutStatus.RUNNING ? [this.flash(m, nowMs)] : [];
    }
    if (stage !== RmcStage.TRANSFERRING) return null;
    m.sender = null;
    const attempt = m.run.attempt;
    const why = VERIFY_NAMES[v.result];
    if (!RETRIED_OUTCOMES.includes(v.result)) {
      this.commit(undefined, [[m, { ...this.saved(m), stage: RmcStage.FAILED, verifyResult: v.result, failure: `verification failed: ${why} (the image itself, so not offered again)` }]]);
    } else if (attempt >= this.o.maxAttempts) {
      this.commit(undefined, [[m, { ...this.saved(m), stage: RmcStage.FAILED, verifyResult: v.result, failure: `verification failed ${plural(attempt, 'time')}, last: ${why}` }]]);
    } else {
      this.commit(undefined, [[m, {
        ...this.saved(m), stage: RmcStage.QUEUED, verifyResult: v.result, attempt: attempt + 1, brokenTransfers: 0, ackedOffset: 0,
        nextRetryMs: nowMs + this.backoff(attempt + m.run.brokenTransfers),
      }]]);
    }
    return [];
  }

  /** A Progress or a Rack Report page: the rack's counts, its BMC entries, and what it answers (Flash, a control). */
  private onStatus(m: Rmc, s: RackStatus, report: boolean, nowMs: number): RolloutAction[] {
    const bmcs: BmcRecord[] = [];
    s.entries.forEach((e, i) => {
      const rackIndex = s.firstIndex + i;
      if (!report && m.reported.has(rackIndex)) return;
      bmcs.push({ rmcId: m.run.rmcId, rackIndex, address: e.address, outcome: e.outcome, reason: e.reason, firmware: e.firmware, reported: report });
    });
    const next: RmcRun = { ...this.saved(m), rack: { phase: s.phase, bmcCount: s.bmcCount, flashed: s.flashed, skipped: s.skipped, failed: s.failed } };
    const reported = new Set(m.reported);
    if (report) for (const b of bmcs) reported.add(b.rackIndex);
    let answered = false;
    if (next.control && answers(next.control, s.phase)) {
      answered = true;
      if (next.control !== ControlCommand.ABORT) next.control = null;
    }
    if (next.stage === RmcStage.VERIFIED) Object.assign(next, { stage: RmcStage.FLASHING, flashAcked: true });
    if (report && reported.size >= s.bmcCount) {
      const late = givenUpForSilence(next) ? `reported late, after ${next.failure}` : next.failure;
      Object.assign(next, { stage: RmcStage.REPORTED, reportComplete: true, control: null, failure: late });
    }
    this.commit(undefined, [[m, next]], bmcs);
    m.reported = reported;
    m.bmcCount = s.bmcCount;
    if (answered && !m.controlAnswered) {
      m.controlAnswered = true;
      m.controlDueMs = nowMs + this.o.statusIntervalMs;
    }
    if (next.stage === RmcStage.FLASHING && m.flashDueMs < nowMs + this.o.statusIntervalMs) m.flashDueMs = nowMs + this.o.statusIntervalMs;
    if (next.stage === RmcStage.REPORTED) m.sender = null;
    return [];
  }

  /** A Flash (its first send, a repeat, or a status query). */
  private flash(m: Rmc, nowMs: number): RolloutAction {
    m.flashDueMs = nowMs + (m.run.stage === RmcStage.FLASHING ? this.o.statusIntervalMs : this.o.repeatMs);
    const r = this.runRecord;
    return this.send(m, this.commands.flash(m.run.rmcId, { flashTimeMs: r.flashTimeMs, concurrency: r.concurrency, bmcTimeoutMs: r.bmcTimeoutMs }, nowMs), nowMs);
  }

  /**
   * When every RMC is reported, failed or left out: the rollout is done (or aborted, after an abort), or refused when
   * the image was for another product on every rack that answered (no byte of it was sent).
   */
  private finishIfOver(): void {
    if (this.round || this.done || this.open > 0) return;
    this.commit(this.status === RolloutStatus.ABORTING ? RolloutStatus.ABORTED : this.refusedByEveryRack() ? RolloutStatus.REFUSED : RolloutStatus.DONE, []);
  }

  private refusedByEveryRack(): boolean {
    const runs = [...this.rmcs.values()].map((m) => m.run);
    const answered = runs.filter((r) => !(r.failure ?? '').startsWith(MISSING_FAILURE));
    return answered.length > 0 && runs.every((r) => r.stage === RmcStage.LEFT_OUT) && answered.every((r) => r.failure!.startsWith(WRONG_PRODUCT_FAILURE));
  }

  private backoff(failures: number): number {
    return Math.min(this.o.maxBackoffMs, this.o.backoffMs * 2 ** Math.max(0, failures - 1));
  }

  /** The RMC's run with its live byte count, to save with a step. */
  private saved(m: Rmc): RmcRun {
    return { ...m.run, bytesSent: m.bytesSent };
  }

  private send(m: Rmc, bytes: Buffer, nowMs?: number): RolloutAction {
    if (nowMs !== undefined && m.unansweredSinceMs === null) m.unansweredSinceMs = nowMs;
    return { kind: 'unicast', rmcId: m.run.rmcId, address: m.address, bytes };
  }

  /** Saves one step (status, RMC runs and BMCs together), then applies it here. */
  private commit(status: RolloutStatus | undefined, changes: readonly [Rmc, RmcRun][], bmcs: readonly BmcRecord[] = [], flashTimeMs?: number): void {
    this.store.saveRunStep(this.rolloutId, { status, rmcs: changes.map(([, run]) => run), bmcs, ...(flashTimeMs === undefined ? {} : { flashTimeMs }) });
    if (flashTimeMs !== undefined) this.runRecord = { ...this.runRecord, flashTimeMs };
    if (status !== undefined) {
      this.runRecord = { ...this.runRecord, status };
      this.soonest = undefined;
    }
    for (const [m, run] of changes) {
      this.count(m.run.stage, -1);
      this.count(run.stage, 1);
      m.run = run;
    }
  }

  private count(stage: RmcStage, by: number): void {
    if (stage === RmcStage.TRANSFERRING) this.transferring += by;
    if (!TERMINAL_STAGES.includes(stage)) this.open += by;
  }
}

/** How a silent RMC's failure begins (silentTooLong): the one failure a later report from it may amend. */
const SILENCE_FAILURE = 'no answer for';
const MISSING_FAILURE = 'missing:';
const WRONG_PRODUCT_FAILURE = 'wrong product:';

function givenUpForSilence(run: RmcRun): boolean {
  return run.stage === RmcStage.FAILED && run.failure !== null && run.failure.startsWith(SILENCE_FAILURE);
}

/** Why an RMC the prepare round ended with takes no part in the run, or null (it answered ready). */
function leftOutBecause(record: RmcRecord, image: ProductIds): string | null {
  if (record.step !== RmcStep.ANSWERED || !record.answer) return `${MISSING_FAILURE} no answer to the Prepare or its Polls`;
  switch (record.answer.readiness) {
    case Readiness.READY: return null;
    case Readiness.BUSY: return 'busy: another rollout holds it';
    case Readiness.NO_SPACE: return 'no space for the image';
    case Readiness.WRONG_PRODUCT: {
      const rack = record.answer.rackProduct;
      return `${WRONG_PRODUCT_FAILURE} the image is for manufacturer ${image.manufacturerId} product ${image.productId}, ` +
        (rack ? `the rack's BMCs are ${rack.manufacturerId}/${rack.productId}` : 'not the rack\'s BMCs');
    }
  }
}
