// A rack management controller (RMC) as a sans-I/O machine (README "The rollout protocol" and "The exchange after
// the prepare round"): fed the manager's decoded messages with the time (ms since the Unix epoch) and the sender,
// and the results of the BMC reads and flashes it asked for, it answers with actions: messages to send (and after how
// long), when to wake it, BMC jobs, and what to store. The glue that owns the socket, the Clock, the flasher and the
// store is rmc-node.ts.
//
// A Prepare that passes the CommandVerifier and targets this RMC is answered with a Prepare Reply after the delay of
// its reply scheme (reply-delay.ts); a Poll at once (later, with a Progress). One for an image of another
// manufacturer or product than its BMCs' is answered WRONG_PRODUCT, one for an image larger than it takes NO_SPACE:
// it joins neither. Then the image: Offer, chunks, Verify Result (image-receiver.ts, image-verifier.ts); then the
// flash (rack-flash.ts) and its reports (rack-report.ts).
// Unsigned, forged, stale and replayed commands are ignored and counted by the verifier; commands for a rollout
// this RMC is not in are counted `unhandled`.
import type { FirmwareVersion, FlashResult, VersionRead } from '../../clients/ipmi/bmc-flasher.js';
import type { Peer } from '../../protocols/peer.js';
import { CommandVerifier, type RejectReason, type SignatureVerdicts } from '../../protocols/rollout/command-verifier.js';
import { COMMAND_TYPES, MessageType } from '../../protocols/rollout/header.js';
import type { TrustedKey } from '../../protocols/rollout/keys.js';
import type { DecodedMessage, MessageOf, RolloutMessage } from '../../protocols/rollout/message.js';
import type { Prepare } from '../../protocols/rollout/prepare.js';
import { Readiness } from '../../protocols/rollout/prepare-reply.js';
import { RackPhase, type RackStatus } from '../../protocols/rollout/rack-status.js';
import { rankOf, replyDelayUs } from '../../protocols/rollout/reply-delay.js';
import { VerifyOutcome } from '../../protocols/rollout/verify-result.js';
import { ChunkVerdict, DEFAULT_WINDOW } from './image-receiver.js';
import { sameProduct, type BmcIdentity } from './image-verifier.js';
import { RackImage } from './rack-image.js';
import { FlashStage, RackFlash, type BmcProgress, type FlashJob } from './rack-flash.js';
import { reportPages, statusPage } from './rack-report.js';
import { SAVED_RMC_VERSION, prepareFromHex, prepareToHex, type RestoredRmc, type SavedRmc } from './rmc-state.js';

export interface RackControllerOptions {
  rmcId: number;
  /** Its own IPv4 address: the octet-sum scheme's input, and the Prepare Reply's address field. */
  address: string;
  rackName: string;
  bmcCount: number;
  /** The manager keys it trusts; the glue may add one at run time (the array is read, never copied). */
  trustedKeys: readonly TrustedKey[];
  /** When it started (ms since the Unix epoch): commands signed before are stale (command-verifier.ts). */
  startedAtMs: number;
  /** Its BMCs' addresses, in rack order (default: bmcCount times 0.0.0.0, for a machine that never flashes). */
  bmcAddresses?: readonly string[];
  /** Whom its BMCs say they are: a Prepare for others is answered WRONG_PRODUCT (default: the emulated BMC's). */
  bmcIdentity?: BmcIdentity;
  /** The largest image it takes (default 256 MiB): a Prepare for a larger one is answered NO_SPACE. */
  maxImageBytes?: number;
  /** What it kept before a restart. */
  restored?: RestoredRmc | null;
  /** Shared with the shard's other RMCs, so a broadcast's signature is checked once (command-verifier.ts). */
  signatures?: SignatureVerdicts;
}

export const DEFAULT_MAX_IMAGE_BYTES = 256 * 1024 * 1024;

/** The emulated BMC's Get Device ID identity (emulator/bmc/model.ts defaults). */
export const DEFAULT_BMC_IDENTITY: BmcIdentity = { deviceId: 0x20, manufacturerId: 32473, productId: 0x0001 };

/** What the machine asks its glue to do. */
export type RmcAction =
  /** Send `message` to `to` after `afterUs` µs. */
  | { kind: 'send'; message: RolloutMessage; afterUs: number; to: Peer }
  /** Call tick() at `atMs` (the flash time). */
  | { kind: 'wake'; atMs: number }
  /** component: the one the verified image uploads (HPM.1 §4), whose current version is read beside Get Device ID */
  | { kind: 'read-version'; index: number; component: number | null }
  | { kind: 'flash'; index: number; image: Uint8Array; target: FirmwareVersion; timeoutMs: number }
  /** A new image begins: keep this manifest, drop any bytes held. */
  | { kind: 'image-begin'; manifest: Uint8Array }
  /** Keep these bytes at `offset` (always the end of those held). */
  | { kind: 'image-append'; offset: number; data: Uint8Array }
  | { kind: 'image-discard' }
  | { kind: 'save'; state: SavedRmc };

/** The rollout this RMC takes part in. */
export interface RmcRollout { rolloutId: number; phase: RackPhase; prepare: Prepare }

/** What the RMC saw, besides the verifier's accepted and rejected commands. */
export interface RmcCounts {
  /** Messages handed to it (to its own address, or a broadcast the shard's listener passed on). */
  messagesIn: number;
  /** Datagrams to its own address that did not decode (DecodeError), chunks failing their CRC-32 included. */
  malformed: number;
  prepares: number;
  polls: number;
  /** Verified Prepares and Polls whose target ranges leave this RMC out. */
  notTargeted: number;
  /** Commands for a rollout it is not in (or cannot take now), and messages only an RMC sends. */
  unhandled: number;
  repliesSent: number;
  offers: number;
  chunksStored: number;
  chunksDuplicate: number;
  /** Chunks past a gap, or past the image's end: dropped. */
  chunksOutOfOrder: number;
  /** Chunks whose CRC-32 failed: dropped (also counted malformed). */
  chunksCrcFailed: number;
  verifiedOk: number;
  verifyFailed: number;
  flashes: number;
  pauses: number;
  resumes: number;
  aborts: number;
  /** Rack Report pages sent, unsolicited or in answer to a Flash. */
  reportPages: number;
}

/** replyDelayUs is a u32 of µs (about 71 minutes): a longer rank-slot delay is sent as that. */
const MAX_REPLY_DELAY_US = 0xffff_ffff;
/** A restarted RMC goes on counting its messages past any it may have sent after its last save. */
const SEQUENCE_GAP_AFTER_RESTART = 0x1_0000;
const ZERO_SHA256 = new Uint8Array(32);

export class RackController {
  readonly rmcId: number;
  readonly address: string;
  readonly rackName: string;
  readonly bmcCount: number;
  readonly bmcAddresses: readonly string[];
  readonly counts: RmcCounts = {
    messagesIn: 0, malformed: 0, prepares: 0, polls: 0, notTargeted: 0, unhandled: 0, repliesSent: 0,
    offers: 0, chunksStored: 0, chunksDuplicate: 0, chunksOutOfOrder: 0, chunksCrcFailed: 0, verifiedOk: 0, verifyFailed: 0,
    flashes: 0, pauses: 0, resumes: 0, aborts: 0, reportPages: 0,
  };
  rollout: RmcRollout | null = null;
  /** Where the manager's last command came from. */
  manager: Peer | null = null;
  private readonly trustedKeys: readonly TrustedKey[];
  private readonly identity: BmcIdentity;
  private readonly maxImageBytes: number;
  private readonly verifier: CommandVerifier;
  /** This RMC's own message count (README: the sender's count from 1). */
  private sequence = 0;
  private readonly rackImage: RackImage;
  private flash: RackFlash | null = null;

  constructor(o: RackControllerOptions) {
    this.rmcId = o.rmcId;
    this.address = o.address;
    this.rackName = o.rackName;
    this.bmcCount = o.bmcCount;
    this.bmcAddresses = o.bmcAddresses ?? Array.from({ length: o.bmcCount }, () => '0.0.0.0');
    if (this.bmcAddresses.length !== o.bmcCount) throw new RangeError(`${this.bmcAddresses.length} BMC addresses for ${o.bmcCount} BMCs`);
    this.trustedKeys = o.trustedKeys;
    this.identity = o.bmcIdentity ?? DEFAULT_BMC_IDENTITY;
    this.maxImageBytes = o.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
    this.verifier = new CommandVerifier({ rmcId: o.rmcId, trustedKeys: o.trustedKeys, notBeforeMs: o.startedAtMs, signatures: o.signatures });
    this.rackImage = new RackImage({ trustedKeys: o.trustedKeys, identity: this.identity, maxImageBytes: this.maxImageBytes });
    if (o.restored) this.restore(o.restored);
  }

  /** Commands acted on. */
  get accepted(): number {
    return this.verifier.accepted;
  }

  /** Commands ignored, by reason. */
  get rejected(): Readonly<Record<RejectReason, number>> {
    return this.verifier.rejected;
  }

  /** The IDs of the manager keys it trusts. */
  get trustedKeyIds(): readonly Uint8Array[] {
    return this.trustedKeys.map((k) => k.keyId);
  }

  /** Each BMC's progress, in rack order (null before an image is verified). */
  get bmcs(): readonly BmcProgress[] | null {
    return this.flash?.bmcs ?? null;
  }

  /** The image being received or held: bytes held of its size. */
  get image(): { held: number; size: number; verified: boolean } | null {
    const r = this.rackImage.held;
    return r && { held: r.nextOffset, size: r.manifest.imageSize, verified: this.rackImage.verified !== null };
  }

  /** The first page of the rack's status (null before an image is verified). */
  get bmcProgress(): RackStatus | null {
    return this.flash && statusPage(this.phase, this.bmcAddresses, this.flash.bmcs, 0);
  }

  /** Handles one message from `from` at `nowMs`; what to do about it. */
  receive(m: DecodedMessage, nowMs: number, from: Peer): RmcAction[] {
    this.counts.messagesIn++;
    if (!this.verifier.check(m, nowMs).ok) return [];
    if (COMMAND_TYPES.has(m.type)) this.manager = { ...from };
    switch (m.type) {
      case MessageType.PREPARE:
        this.counts.prepares++;
        return this.answerPrepare(m, replyDelayUs(m.body, { rmcId: this.rmcId, address: this.address }), from);
      case MessageType.POLL:
        this.counts.polls++;
        return this.answerPoll(m, from);
      case MessageType.IMAGE_OFFER:
        return this.offer(m, from);
      case MessageType.IMAGE_CHUNK:
        return this.chunk(m, from);
      case MessageType.FLASH:
        return this.scheduleFlash(m, nowMs, from);
      case MessageType.PAUSE:
      case MessageType.RESUME:
      case MessageType.ABORT:
        return this.control(m, nowMs, from);
      default:
        this.counts.unhandled++;
        return [];
    }
  }

  /** The flash time came (the glue's timer for a 'wake'). */
  tick(nowMs: number): RmcAction[] {
    return this.advance(nowMs, []);
  }

  /** What to do right after a restart: go on counting down, reading or flashing. */
  resume(nowMs: number): RmcAction[] {
    return this.advance(nowMs, []);
  }

  /** A version read it asked for came back. */
  versionRead(index: number, r: VersionRead, nowMs: number): RmcAction[] {
    this.flash?.versionRead(index, r);
    return this.advance(nowMs, []);
  }

  /** A flash it asked for came back. */
  flashed(index: number, r: FlashResult, nowMs: number): RmcAction[] {
    this.flash?.flashed(index, r);
    return this.advance(nowMs, []);
  }

  /** Counts a datagram to its own address that did not decode; `crc`: an Image Chunk whose CRC-32 failed. */
  malformed(crc = false): void {
    this.counts.malformed++;
    if (crc) this.counts.chunksCrcFailed++;
  }

  /** Counts a reply the glue sent. */
  sent(): void {
    this.counts.repliesSent++;
  }

  get phase(): RackPhase {
    if (this.flash) return this.flash.phase;
    return this.rackImage.held ? RackPhase.RECEIVING : RackPhase.PREPARED;
  }

  /** Everything it would need after a restart, but the image's bytes and manifest (those go as they arrive). */
  get saved(): SavedRmc {
    const r = this.rollout;
    return {
      version: SAVED_RMC_VERSION,
      rollout: r && { rolloutId: r.rolloutId, phase: r.phase, prepareHex: prepareToHex(r.prepare) },
      sequence: this.sequence,
      manager: this.manager,
      image: this.rackImage.held && { verified: this.rackImage.verified !== null },
      flash: this.flash?.saved ?? null,
    };
  }

  private message<T extends MessageType>(type: T, body: MessageOf<T>['body'], rolloutId: number): RolloutMessage {
    return { type, rolloutId, rmcId: this.rmcId, sequence: ++this.sequence, body } as RolloutMessage;
  }

  private save(actions: RmcAction[]): RmcAction[] {
    if (this.rollout) this.rollout.phase = this.phase;
    actions.push({ kind: 'save', state: this.saved });
    return actions;
  }

  private inRollout(rolloutId: number): boolean {
    return this.rollout !== null && this.rollout.rolloutId === rolloutId;
  }

  /** No rollout, or one that holds nothing yet or is over: a new one may take its place. */
  private get free(): boolean {
    const phase = this.rollout?.phase;
    return phase === undefined || phase === RackPhase.PREPARED || phase === RackPhase.DONE || phase === RackPhase.ABORTED;
  }

  /** Joins the rollout (a later one replaces it while nothing of it is held, or it is over) and answers after `delayUs`. */
  private answerPrepare(m: MessageOf<typeof MessageType.PREPARE> | MessageOf<typeof MessageType.POLL>, delayUs: number | null, from: Peer): RmcAction[] {
    if (delayUs === null) {
      this.counts.notTargeted++;
      return [];
    }
    const actions: RmcAction[] = [];
    const forRack = sameProduct(m.body, this.identity);
    const fits = m.body.imageSize <= this.maxImageBytes;
    if (!this.inRollout(m.rolloutId) && this.free && forRack && fits) {
      this.join(m.rolloutId, m.body);
      this.save(actions);
    }
    const readiness = !forRack ? Readiness.WRONG_PRODUCT : !fits ? Readiness.NO_SPACE : this.inRollout(m.rolloutId) ? Readiness.READY : Readiness.BUSY;
    const afterUs = Math.min(delayUs, MAX_REPLY_DELAY_US);
    const body = {
      readiness, address: this.address, bmcCount: this.bmcCount, manufacturerId: this.identity.manufacturerId, productId: this.identity.productId,
      replyDelayUs: afterUs, rackName: this.rackName,
    };
    actions.push({ kind: 'send', message: this.message(MessageType.PREPARE_REPLY, body, m.rolloutId), afterUs, to: from });
    return actions;
  }

  /** A Poll while the rollout is past its prepare round (a late one) is answered with a Progress. */
  private answerPoll(m: MessageOf<typeof MessageType.POLL>, from: Peer): RmcAction[] {
    if (this.inRollout(m.rolloutId) && this.phase !== RackPhase.PREPARED && rankOf(this.rmcId, m.body.targets) !== null) {
      return [this.progress(from)];
    }
    return this.answerPrepare(m, rankOf(this.rmcId, m.body.targets) === null ? null : 0, from);
  }

  private join(rolloutId: number, prepare: Prepare): void {
    this.rollout = { rolloutId, phase: RackPhase.PREPARED, prepare };
    this.rackImage.clear();
    this.flash = null;
  }

  private progress(to: Peer): RmcAction {
    const status = statusPage(this.phase, this.bmcAddresses, this.flash?.bmcs ?? null);
    return { kind: 'send', message: this.message(MessageType.PROGRESS, status, this.rollout!.rolloutId), afterUs: 0, to };
  }

  private report(to: Peer): RmcAction[] {
    const pages = reportPages(this.phase, this.bmcAddresses, this.flash!.bmcs);
    this.counts.reportPages += pages.length;
    return pages.map((page) => ({ kind: 'send', message: this.message(MessageType.RACK_REPORT, page, this.rollout!.rolloutId), afterUs: 0, to }));
  }

  private verifyResult(result: VerifyOutcome, imageSha256: Uint8Array, to: Peer): RmcAction {
    return { kind: 'send', message: this.message(MessageType.VERIFY_RESULT, { result, imageSha256 }, this.rollout!.rolloutId), afterUs: 0, to };
  }

  private transferAck(to: Peer): RmcAction {
    const body = { nextOffset: this.rackImage.held!.nextOffset, window: DEFAULT_WINDOW };
    return { kind: 'send', message: this.message(MessageType.TRANSFER_ACK, body, this.rollout!.rolloutId), afterUs: 0, to };
  }

  /** Step 1: Offer -> Verify Result 2 (bad signature), Verify Result 0 (this image verified already), or a Transfer Ack. */
  private offer(m: MessageOf<typeof MessageType.IMAGE_OFFER>, from: Peer): RmcAction[] {
    this.counts.offers++;
    if (!this.inRollout(m.rolloutId)) {
      if (!this.free) {
        this.counts.unhandled++;
        return [];
      }
      this.join(m.rolloutId, emptyPrepare());
    }
    const verdict = this.rackImage.examine(m.body.manifest);
    switch (verdict.kind) {
      case 'refused': return [this.verifyResult(verdict.result, ZERO_SHA256, from)];
      case 'verified': return [this.verifyResult(VerifyOutcome.OK, verdict.imageSha256, from)];
      case 'same': break;
      case 'other': {
        // another image replaces the one held only before the flash has begun
        if (this.flash && !this.flash.settled && this.flash.stage !== FlashStage.COUNTDOWN) {
          this.counts.unhandled++;
          return [];
        }
        this.rackImage.begin(verdict.receiver);
        this.flash = null;
      }
    }
    const actions: RmcAction[] = verdict.kind === 'other' ? [{ kind: 'image-begin', manifest: verdict.receiver.manifestBytes }] : [];
    if (this.rackImage.held!.complete) return this.save(this.check(actions, from));
    actions.push(this.transferAck(from));
    return this.save(actions);
  }

  /** Step 2: a chunk stored only in order; each answered with a Transfer Ack; the last one is followed by the check. */
  private chunk(m: MessageOf<typeof MessageType.IMAGE_CHUNK>, from: Peer): RmcAction[] {
    const receiver = this.rackImage.held;
    if (!this.inRollout(m.rolloutId) || !receiver || this.rackImage.verified) {
      this.counts.unhandled++;
      return [];
    }
    const { verdict, stored } = receiver.accept(m.body.offset, m.body.data);
    const actions: RmcAction[] = [];
    switch (verdict) {
      case ChunkVerdict.STORED:
        this.counts.chunksStored++;
        actions.push({ kind: 'image-append', offset: receiver.nextOffset - stored!.length, data: stored! });
        break;
      case ChunkVerdict.DUPLICATE:
        this.counts.chunksDuplicate++;
        break;
      default:
        this.counts.chunksOutOfOrder++;
        return [];
    }
    actions.push(this.transferAck(from));
    if (verdict === ChunkVerdict.STORED && receiver.complete) return this.save(this.check(actions, from));
    return actions;
  }

  /** Step 3: the image checked; OK -> counting down (no schedule until a Flash), else the bytes discarded. */
  private check(actions: RmcAction[], to: Peer): RmcAction[] {
    const manifest = this.rackImage.manifest!;
    const verdict = this.rackImage.check();
    actions.push(this.verifyResult(verdict.result, verdict.imageSha256, to));
    if (verdict.result === VerifyOutcome.OK) {
      this.counts.verifiedOk++;
      this.flash = new RackFlash(this.bmcCount, manifest.firmware);
    } else {
      this.counts.verifyFailed++;
      actions.push({ kind: 'image-discard' });
    }
    return actions;
  }

  /** Step 4: a Flash sets (or moves, before the flash time) the schedule; answered with a Progress, or the report. */
  private scheduleFlash(m: MessageOf<typeof MessageType.FLASH>, nowMs: number, from: Peer): RmcAction[] {
    if (!this.inRollout(m.rolloutId)) {
      this.counts.unhandled++;
      return [];
    }
    this.counts.flashes++;
    const flash = this.flash;
    if (flash?.settled) return this.report(from);
    const actions: RmcAction[] = [];
    if (flash && this.rackImage.verified && flash.setSchedule(m.body)) this.advance(nowMs, actions);
    actions.push(this.progress(from));
    return actions;
  }

  /** Step 6: Pause, Resume, Abort; each answered with a Progress, or the report once the rack is settled. */
  private control(m: DecodedMessage, nowMs: number, from: Peer): RmcAction[] {
    if (!this.inRollout(m.rolloutId)) {
      this.counts.unhandled++;
      return [];
    }
    const flash = this.flash;
    const wasSettled = flash?.settled ?? false;
    if (m.type === MessageType.PAUSE) { this.counts.pauses++; flash?.pause(); }
    if (m.type === MessageType.RESUME) { this.counts.resumes++; flash?.resume(); }
    if (m.type === MessageType.ABORT) {
      this.counts.aborts++;
      if (!flash) this.flash = new RackFlash(this.bmcCount, this.rackImage.manifest?.firmware ?? { major: 0, minor: 0 });
      this.flash!.abort();
    }
    const actions = this.advance(nowMs, [], wasSettled);
    if (!this.flash?.settled) actions.push(this.progress(from));
    else if (wasSettled) actions.push(...this.report(from));
    return actions;
  }

  /**
   * Starts what can start now, asks to be woken at the flash time, and when the rack has just settled sends its
   * report to the manager unsolicited. Saves.
   */
  private advance(nowMs: number, actions: RmcAction[], wasSettled = this.flash?.settled ?? true): RmcAction[] {
    const flash = this.flash;
    if (!flash) return actions;
    for (const job of flash.pump(nowMs)) actions.push(this.jobAction(job));
    const wake = flash.wakeAt();
    if (wake !== null) actions.push({ kind: 'wake', atMs: wake });
    if (flash.settled && !wasSettled && this.manager) actions.push(...this.report(this.manager));
    return this.save(actions);
  }

  private jobAction(job: FlashJob): RmcAction {
    if (job.kind === 'read-version') return { ...job, component: this.rackImage.component };
    const schedule = this.flash!.schedule!;
    return { kind: 'flash', index: job.index, image: this.rackImage.verified!, target: this.flash!.target, timeoutMs: schedule.bmcTimeoutMs };
  }

  private restore(r: RestoredRmc): void {
    const s = r.state;
    this.sequence = s.sequence + SEQUENCE_GAP_AFTER_RESTART;
    this.manager = s.manager;
    if (!s.rollout) return;
    this.rollout = { rolloutId: s.rollout.rolloutId, phase: s.rollout.phase, prepare: prepareFromHex(s.rollout.prepareHex) };
    if (s.image && r.manifest) this.rackImage.restore(r.manifest, r.image, s.image.verified);
    if (s.flash && (this.rackImage.verified || s.flash.stage === FlashStage.SETTLED)) this.flash = new RackFlash(this.bmcCount, s.flash.target, s.flash);
    this.rollout.phase = this.phase;
  }
}

/** The Prepare of a rollout joined through its Offer (the RMC missed the prepare round, or restarted without it). */
function emptyPrepare(): Prepare {
  return {
    nonce: new Uint8Array(16), imageSize: 0, imageSha256: new Uint8Array(32), manufacturerId: 0, productId: 0, flashTimeMs: 0,
    reply: { scheme: 0 }, targets: [{ firstRmcId: 0, count: 1 }],
  };
}
