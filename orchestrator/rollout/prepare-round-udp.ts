// Runs a PrepareRound over one UDP socket: sends its broadcast and Polls, feeds it every datagram, and wakes it
// at its deadlines through the Clock. The RMCs listen on the rollout port (4623) of every address; the manager's
// socket takes any port, and RMCs answer the port a command came from. A failed send is counted, not fatal: an
// RMC that missed the broadcast is polled, one that missed its Polls ends up missing.
import { createSocket, type Socket } from 'node:dgram';
import { DEFAULT_ROLLOUT_PORT } from '../../protocols/rollout/header.js';
import { systemClock, type Clock } from '../../runtime/clock.js';
import type { RmcRecord } from '../store/rollout-store.js';
import type { PrepareRound, RoundAction } from './prepare-round.js';

/** Loopback's broadcast address: every socket bound to 0.0.0.0 on the port gets a copy. */
export const LOOPBACK_BROADCAST = '127.255.255.255';

export interface PrepareRoundUdpOptions {
  round: PrepareRound;
  clock?: Clock;
  /** Where the Prepare goes. Default 127.255.255.255. */
  broadcastAddress?: string;
  /** The RMCs' port. Default 4623. */
  rmcPort?: number;
  /** The manager's socket. Default 0.0.0.0, any port. */
  bindAddress?: string;
  bindPort?: number;
}

export class PrepareRoundUdp {
  /** Sends the OS refused (EACCES on a broadcast without permission, ENETUNREACH, ...). */
  sendErrors = 0;
  /** Resolves with the RMCs (answered or missing) when the round is done. */
  readonly done: Promise<RmcRecord[]>;
  private readonly round: PrepareRound;
  private readonly clock: Clock;
  private readonly socket: Socket;
  private readonly broadcastAddress: string;
  private readonly rmcPort: number;
  private timer: { cancel(): void } | null = null;
  private finish!: (rmcs: RmcRecord[]) => void;
  private fail!: (err: unknown) => void;

  private constructor(o: PrepareRoundUdpOptions, socket: Socket) {
    this.round = o.round;
    this.clock = o.clock ?? systemClock;
    this.socket = socket;
    this.broadcastAddress = o.broadcastAddress ?? LOOPBACK_BROADCAST;
    this.rmcPort = o.rmcPort ?? DEFAULT_ROLLOUT_PORT;
    this.done = new Promise((resolve, reject) => { this.finish = resolve; this.fail = reject; });
  }

  /** Binds the socket and starts (or resumes) the round. */
  static async start(o: PrepareRoundUdpOptions): Promise<PrepareRoundUdp> {
    const socket = createSocket({ type: 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(o.bindPort ?? 0, o.bindAddress ?? '0.0.0.0', () => { socket.off('error', reject); resolve(); });
    });
    socket.setBroadcast(true);
    const glue = new PrepareRoundUdp(o, socket);
    socket.on('message', (datagram) => glue.step(() => { glue.round.receive(datagram, glue.clock.now()); return []; }));
    socket.on('error', () => { glue.sendErrors++; });
    glue.step(() => glue.round.start(glue.clock.now()));
    return glue;
  }

  /** The port the manager listens on (RMCs answer there). */
  get port(): number { return this.socket.address().port; }

  /** Stops early (the round stays in the store, to be resumed). */
  close(): void {
    this.timer?.cancel();
    this.socket.close();
  }

  /** Runs one step of the machine, sends what it asks, then waits for its next deadline or ends. */
  private step(run: () => RoundAction[]): void {
    try {
      for (const a of run()) this.send(a);
    } catch (err) {
      this.close();
      this.fail(err);
      return;
    }
    this.timer?.cancel();
    this.timer = null;
    if (this.round.done) {
      this.close();
      this.finish(this.round.rmcs());
      return;
    }
    const deadline = this.round.deadlineMs;
    if (deadline !== null) this.timer = this.clock.setTimeout(() => this.step(() => this.round.tick(this.clock.now())), deadline - this.clock.now());
  }

  private send(a: RoundAction): void {
    const address = a.kind === 'broadcast' ? this.broadcastAddress : a.address;
    this.socket.send(a.bytes, this.rmcPort, address, (err) => { if (err) this.sendErrors++; });
  }
}
