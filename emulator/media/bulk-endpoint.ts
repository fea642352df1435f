// One bulk endpoint of an imported device: its URBs go to the USB function one at a time, in the order they came,
// as a real endpoint serves its transfers in order (USB 2.0 §5.8). The IN and OUT endpoints are independent, so a host
// may have a read waiting while it sends the next command. An unlinked URB that has not started is dropped from the
// queue; one the function is working on is marked, and its outcome is thrown away when it comes.
// A URB the function is not ready for (a NAK, UsbFunction.ready) stays at the head of the queue, unlinkable, until
// poke() finds the function ready: so a host may queue a whole command's URBs, and the next command's, ahead.
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
  private readonly ready: () => boolean;

  /**
   * `run` hands a URB to the function; `done` hears each outcome (a cancelled URB's too: its `cancelled` says not to
   * send it), until stop(); `failed` hears a rejected `run`, which is a bug in the function; `ready` says whether the
   * function takes a URB on this endpoint now (false: a NAK, the URB waits for poke()).
   */
  constructor(run: (urb: QueuedUrb) => Promise<UrbOutcome>, done: (urb: QueuedUrb, outcome: UrbOutcome) => void, failed: (err: unknown) => void,
    ready: () => boolean = () => true) {
    this.run = run;
    this.done = done;
    this.failed = failed;
    this.ready = ready;
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

  /** The function's state may have changed: a URB waiting at the head of the queue is run if it is ready now. */
  poke(): void {
    this.next();
  }

  /** The connection is gone: nothing more is run or reported. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  private next(): void {
    if (this.active !== null || this.stopped || this.queue.length === 0 || !this.ready()) return;
    const urb = this.queue.shift()!;
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
