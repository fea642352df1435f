// One bulk endpoint of an imported device: its URBs go to the USB function one at a time, in the order they came,
// as a real endpoint serves its transfers in order (USB 2.0 §5.8). The IN and OUT endpoints are independent, so a host
// may have a read waiting while it sends the next command. An unlinked URB that has not started is dropped from the
// queue; one the function is working on is marked, and its outcome is thrown away when it comes.
import type { UrbOutcome } from '../../protocols/usb-mass-storage/usb-function.js';

export interface QueuedUrb {
  readonly seqnum: number;
  /** IN: the most the host takes; OUT: data.length. */
  readonly length: number;
  /** OUT data (a view into the connection's bytes); empty for IN. */
  readonly data: Buffer;
  /** Unlinked while the function had it: its outcome is not sent. */
  cancelled: boolean;
}

export type Unlinked = 'dequeued' | 'cancelled' | null;

export class BulkEndpoint {
  private readonly queue: QueuedUrb[] = [];
  private active: QueuedUrb | null = null;
  private stopped = false;
  private readonly run: (urb: QueuedUrb) => Promise<UrbOutcome>;
  private readonly done: (urb: QueuedUrb, outcome: UrbOutcome) => void;
  private readonly failed: (err: unknown) => void;

  /**
   * `run` hands a URB to the function; `done` hears each outcome (a cancelled URB's too: its `cancelled` says not to
   * send it), until stop(); `failed` hears a rejected `run`, which is a bug in the function.
   */
  constructor(run: (urb: QueuedUrb) => Promise<UrbOutcome>, done: (urb: QueuedUrb, outcome: UrbOutcome) => void, failed: (err: unknown) => void) {
    this.run = run;
    this.done = done;
    this.failed = failed;
  }

  /** URBs queued or with the function (a cancelled one too, until its outcome comes). */
  get size(): number {
    return this.queue.length + (this.active ? 1 : 0);
  }

  submit(urb: QueuedUrb): void {
    this.queue.push(urb);
    if (this.active === null) this.next();
  }

  /** Unlinks `seqnum`: taken off the queue, or marked when the function has it; null when it is neither. */
  unlink(seqnum: number): Unlinked {
    if (this.active?.seqnum === seqnum && !this.active.cancelled) {
      this.active.cancelled = true;
      return 'cancelled';
    }
    const i = this.queue.findIndex((u) => u.seqnum === seqnum);
    if (i === -1) return null;
    this.queue.splice(i, 1);
    return 'dequeued';
  }

  /** The connection is gone: nothing more is run or reported. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  private next(): void {
    const urb = this.queue.shift();
    if (urb === undefined || this.stopped) return;
    this.active = urb;
    this.run(urb).then((outcome) => {
      this.active = null;
      if (this.stopped) return;
      this.done(urb, outcome);
      this.next();
    }, (err: unknown) => {
      this.active = null;
      this.failed(err);
    });
  }
}
