// The go-back-N image sender for one RMC (README "The exchange after the prepare round", steps 1-2), sans-I/O:
// time is an argument, and it answers with what to send (the machine encodes it). After an Offer, the RMC's first
// Transfer Ack sets where the transfer starts (the bytes it already holds); chunks then go out from there, never
// more than `window` chunks beyond the last acknowledged offset. No ack progress within the retransmission
// timeout: everything from the last acknowledged offset goes again (the Offer again, when no ack came at all or
// the RMC's window is 0, or when every byte is acked and no Verify Result came). After `maxTimeouts` timeouts in
// a row the transfer has broken: the machine re-offers after a backoff, and the RMC's ack resumes it there.

export interface ImageSenderOptions {
  imageSize: number;
  /** Data bytes per Image Chunk. */
  chunkSize: number;
  retransmitTimeoutMs: number;
  /** Timeouts in a row that break the transfer. */
  maxTimeouts: number;
}

export const SenderState = {
  /** Offer sent; no Transfer Ack yet. */
  OFFERED: 'offered',
  SENDING: 'sending',
  /** Every byte acknowledged; waiting for the Verify Result. */
  COMPLETE: 'complete',
  /** maxTimeouts in a row: give up this transfer. */
  BROKEN: 'broken',
} as const;
export type SenderState = typeof SenderState[keyof typeof SenderState];

/** What a timeout asks for: the Offer again, chunks from these offsets again, or nothing more (broken). */
export type TimeoutAction = { kind: 'offer' } | { kind: 'chunks'; offsets: number[] } | { kind: 'broken' };

export class ImageSender {
  private readonly o: ImageSenderOptions;
  private stateNow: SenderState = SenderState.OFFERED;
  /** The RMC's nextOffset: every byte before it is stored there. */
  private acked = 0;
  /** The first byte not sent yet in this pass. */
  private next = 0;
  /** Chunks the RMC takes beyond `acked`, from its last ack. */
  private window = 0;
  private timeouts = 0;
  private deadline: number;

  /** A sender whose Offer went out at `nowMs`. */
  constructor(o: ImageSenderOptions, nowMs: number) {
    if (!Number.isInteger(o.chunkSize) || o.chunkSize < 1) throw new RangeError(`chunkSize must be a positive integer, got ${o.chunkSize}`);
    if (o.imageSize < 1) throw new RangeError('an image of 0 bytes');
    this.o = o;
    this.deadline = nowMs + o.retransmitTimeoutMs;
  }

  get state(): SenderState { return this.stateNow; }
  get ackedOffset(): number { return this.acked; }
  /** Retransmission timeouts in a row so far. */
  get timeoutsInRow(): number { return this.timeouts; }
  /** When tick must call onTimeout; null once broken. */
  get deadlineMs(): number | null { return this.stateNow === SenderState.BROKEN ? null : this.deadline; }

  /** Data bytes of the chunk at `offset`. */
  chunkLength(offset: number): number { return Math.min(this.o.chunkSize, this.o.imageSize - offset); }

  /**
   * A Transfer Ack: returns the offsets of the chunks to send now. The first ack after an Offer sets the resume
   * point wherever it is; later, only an ack that moves forward counts (a late or duplicate one is ignored).
   */
  onAck(nextOffset: number, window: number, nowMs: number): number[] {
    if (this.stateNow === SenderState.BROKEN || nextOffset > this.o.imageSize) return [];
    const first = this.stateNow === SenderState.OFFERED;
    if (!first && nextOffset < this.acked) return [];
    const progress = first || nextOffset > this.acked;
    this.window = window;
    if (progress) {
      this.acked = nextOffset;
      this.next = first ? nextOffset : Math.max(this.next, nextOffset);
      this.timeouts = 0;
      this.deadline = nowMs + this.o.retransmitTimeoutMs;
    }
    if (this.acked === this.o.imageSize) {
      this.stateNow = SenderState.COMPLETE;
      return [];
    }
    this.stateNow = SenderState.SENDING;
    return this.fill();
  }

  /** Called at (or after) deadlineMs. */
  onTimeout(nowMs: number): TimeoutAction {
    if (this.stateNow === SenderState.BROKEN || nowMs < this.deadline) return { kind: 'chunks', offsets: [] };
    this.timeouts++;
    if (this.timeouts >= this.o.maxTimeouts) {
      this.stateNow = SenderState.BROKEN;
      return { kind: 'broken' };
    }
    this.deadline = nowMs + this.o.retransmitTimeoutMs;
    if (this.stateNow !== SenderState.SENDING || this.window === 0) return { kind: 'offer' };
    this.next = this.acked;
    return { kind: 'chunks', offsets: this.fill() };
  }

  /** Offsets from `next` up to the window's edge (and the image's end). */
  private fill(): number[] {
    const limit = Math.min(this.o.imageSize, this.acked + this.window * this.o.chunkSize);
    const offsets: number[] = [];
    while (this.next < limit) {
      offsets.push(this.next);
      this.next += this.chunkLength(this.next);
    }
    return offsets;
  }
}
