// Runs a PrepareRound alone over the manager's socket (manager-socket.ts): sends its broadcast and Polls, feeds it
// every datagram, and wakes it at its deadlines through the Clock. A whole rollout runs through RolloutManager
// instead; this is the round by itself (a benchmark of reply schemes needs no more). A failed send is counted, not
// fatal: an RMC that missed the broadcast is polled, one that missed its Polls ends up missing.
import { systemClock, type Clock } from '../../runtime/clock.js';
import type { RmcRecord } from '../store/rollout-store.js';
import { ManagerSocket, type ManagerSocketOptions } from './manager-socket.js';
import type { PrepareRound, RoundAction } from './prepare-round.js';

export { LOOPBACK_BROADCAST } from './manager-socket.js';

export interface PrepareRoundUdpOptions extends ManagerSocketOptions {
  round: PrepareRound;
  clock?: Clock;
}

export class PrepareRoundUdp {
  /** Resolves with the RMCs (answered or missing) when the round is done. */
  readonly done: Promise<RmcRecord[]>;
  private readonly round: PrepareRound;
  private readonly clock: Clock;
  private socket!: ManagerSocket;
  private timer: { cancel(): void } | null = null;
  /** The deadline the timer is set for. */
  private armedFor: number | null = null;
  private finish!: (rmcs: RmcRecord[]) => void;
  private fail!: (err: unknown) => void;

  private constructor(o: PrepareRoundUdpOptions) {
    this.round = o.round;
    this.clock = o.clock ?? systemClock;
    this.done = new Promise((resolve, reject) => { this.finish = resolve; this.fail = reject; });
  }

  /** Binds the socket and starts (or resumes) the round. */
  static async start(o: PrepareRoundUdpOptions): Promise<PrepareRoundUdp> {
    const glue = new PrepareRoundUdp(o);
    glue.socket = await ManagerSocket.open(o, (datagram) => glue.step(() => { glue.round.receive(datagram, glue.clock.now()); return []; }));
    glue.step(() => glue.round.start(glue.clock.now()));
    return glue;
  }

  /** Sends the OS refused (EACCES on a broadcast without permission, ENETUNREACH, ...). */
  get sendErrors(): number { return this.socket.counters.sendErrors; }

  /** The port the manager listens on (RMCs answer there). */
  get port(): number { return this.socket.port; }

  /** Stops early (the round stays in the store, to be resumed). */
  close(): void {
    this.timer?.cancel();
    this.socket.close();
  }

  /** Runs one step of the machine, sends what it asks, then waits for its next deadline or ends. */
  private step(run: () => RoundAction[]): void {
    try {
      for (const a of run()) this.socket.send(a);
    } catch (err) {
      this.close();
      this.fail(err);
      return;
    }
    if (this.round.done) {
      this.close();
      this.finish(this.round.rmcs());
      return;
    }
    // most replies leave the deadline as it was: the timer then stays, rather than a new one per datagram
    const deadline = this.round.deadlineMs;
    if (deadline === this.armedFor) return;
    this.timer?.cancel();
    this.armedFor = deadline;
    this.timer = deadline === null ? null : this.clock.setTimeout(() => {
      this.armedFor = null;
      this.step(() => this.round.tick(this.clock.now()));
    }, deadline - this.clock.now());
  }
}
