// A rack management controller (RMC) as a sans-I/O machine (README "The rollout protocol"): fed the manager's
// decoded messages with the time (ms since the Unix epoch), it answers with the messages to send and how long to
// wait first. The glue that owns the socket and the Clock is rmc-node.ts.
//
// This step: a Prepare that passes the CommandVerifier and targets this RMC is answered with a Prepare Reply after
// the delay of its reply scheme (reply-delay.ts); a Poll is answered at once. Unsigned, forged, stale and replayed
// commands are ignored and counted by the verifier. The rest of the flow (image transfer and verification, reading
// the BMCs' versions, HPM.1 flash, state kept across restarts) builds on `rollout`, which is plain data for that.
import { CommandVerifier, type RejectReason, type SignatureVerdicts } from '../../protocols/rollout/command-verifier.js';
import { MessageType } from '../../protocols/rollout/header.js';
import type { TrustedKey } from '../../protocols/rollout/keys.js';
import type { DecodedMessage, MessageOf, RolloutMessage } from '../../protocols/rollout/message.js';
import type { Prepare } from '../../protocols/rollout/prepare.js';
import { Readiness } from '../../protocols/rollout/prepare-reply.js';
import { RackPhase } from '../../protocols/rollout/rack-status.js';
import { rankOf, replyDelayUs } from '../../protocols/rollout/reply-delay.js';

export interface RackControllerOptions {
  rmcId: number;
  /** Its own IPv4 address: the octet-sum scheme's input, and the Prepare Reply's address field. */
  address: string;
  rackName: string;
  bmcCount: number;
  trustedKeys: readonly TrustedKey[];
  /** When it started (ms since the Unix epoch): commands signed before are stale (command-verifier.ts). */
  startedAtMs: number;
  /** Shared with the shard's other RMCs, so a broadcast's signature is checked once (command-verifier.ts). */
  signatures?: SignatureVerdicts;
}

/** A message to send to whoever sent the one it answers, after `afterUs` µs. */
export interface Outgoing { message: RolloutMessage; afterUs: number }

/** The rollout this RMC takes part in. */
export interface RmcRollout { rolloutId: number; phase: RackPhase; prepare: Prepare }

/** What the RMC saw, besides the verifier's accepted and rejected commands. */
export interface RmcCounts {
  /** Messages handed to it (to its own address, or a broadcast the shard's listener passed on). */
  messagesIn: number;
  /** Datagrams to its own address that did not decode (DecodeError). */
  malformed: number;
  prepares: number;
  polls: number;
  /** Verified Prepares and Polls whose target ranges leave this RMC out. */
  notTargeted: number;
  /** Messages this step does not act on yet (image transfer, Flash, Pause, Resume, Abort, or an RMC's message). */
  unhandled: number;
  repliesSent: number;
}

const NOTHING: readonly Outgoing[] = [];
/** replyDelayUs is a u32 of µs (about 71 minutes): a longer rank-slot delay is sent as that. */
const MAX_REPLY_DELAY_US = 0xffff_ffff;

export class RackController {
  readonly rmcId: number;
  readonly address: string;
  readonly rackName: string;
  readonly bmcCount: number;
  readonly counts: RmcCounts = { messagesIn: 0, malformed: 0, prepares: 0, polls: 0, notTargeted: 0, unhandled: 0, repliesSent: 0 };
  rollout: RmcRollout | null = null;
  /** The IDs of the manager keys it trusts. */
  readonly trustedKeyIds: readonly Uint8Array[];
  private readonly verifier: CommandVerifier;
  /** This RMC's own message count (README: the sender's count from 1). */
  private sequence = 0;

  constructor(o: RackControllerOptions) {
    this.rmcId = o.rmcId;
    this.address = o.address;
    this.rackName = o.rackName;
    this.bmcCount = o.bmcCount;
    this.trustedKeyIds = o.trustedKeys.map((k) => k.keyId);
    this.verifier = new CommandVerifier({ rmcId: o.rmcId, trustedKeys: o.trustedKeys, notBeforeMs: o.startedAtMs, signatures: o.signatures });
  }

  /** Commands acted on. */
  get accepted(): number {
    return this.verifier.accepted;
  }

  /** Commands ignored, by reason. */
  get rejected(): Readonly<Record<RejectReason, number>> {
    return this.verifier.rejected;
  }

  /** Handles one message at `nowMs`; what to send back, and when. */
  receive(m: DecodedMessage, nowMs: number): readonly Outgoing[] {
    this.counts.messagesIn++;
    if (!this.verifier.check(m, nowMs).ok) return NOTHING;
    switch (m.type) {
      case MessageType.PREPARE:
        this.counts.prepares++;
        return this.answerPrepare(m, replyDelayUs(m.body, { rmcId: this.rmcId, address: this.address }));
      case MessageType.POLL:
        this.counts.polls++;
        return this.answerPrepare(m, rankOf(this.rmcId, m.body.targets) === null ? null : 0);
      default:
        this.counts.unhandled++;
        return NOTHING;
    }
  }

  /** Counts a datagram to its own address that did not decode. */
  malformed(): void {
    this.counts.malformed++;
  }

  /** Counts a reply the glue sent. */
  sent(): void {
    this.counts.repliesSent++;
  }

  /** Joins the rollout (a later one replaces it while nothing of it is held yet) and answers after `delayUs`. */
  private answerPrepare(m: MessageOf<typeof MessageType.PREPARE> | MessageOf<typeof MessageType.POLL>, delayUs: number | null): readonly Outgoing[] {
    if (delayUs === null) {
      this.counts.notTargeted++;
      return NOTHING;
    }
    if (this.rollout === null || this.rollout.phase === RackPhase.PREPARED) {
      this.rollout = { rolloutId: m.rolloutId, phase: RackPhase.PREPARED, prepare: m.body };
    }
    const readiness = this.rollout.rolloutId === m.rolloutId ? Readiness.READY : Readiness.BUSY;
    const afterUs = Math.min(delayUs, MAX_REPLY_DELAY_US);
    const reply: RolloutMessage = {
      type: MessageType.PREPARE_REPLY,
      rolloutId: m.rolloutId,
      rmcId: this.rmcId,
      sequence: ++this.sequence,
      body: { readiness, address: this.address, bmcCount: this.bmcCount, replyDelayUs: afterUs, rackName: this.rackName },
    };
    return [{ message: reply, afterUs }];
  }
}
