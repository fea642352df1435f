// An RMC on its own address: the rack controller machine (rack-controller.ts) with the Clock and its socket. It
// takes datagrams sent to its address (a Poll is unicast) and messages the shard's broadcast listener hands on
// (rmc-broadcast.ts), and sends each answer from its own socket, so the manager sees which RMC answered, after the
// machine's delay (rounded up to whole ms, so never early).
import { DecodeError } from '../../protocols/errors.js';
import type { Peer } from '../../protocols/peer.js';
import { decodeMessage, encodeMessage, type DecodedMessage } from '../../protocols/rollout/message.js';
import type { Clock } from '../../runtime/clock.js';
import type { DatagramHandler, SendAnswer } from '../../runtime/udp-endpoint.js';
import type { Outgoing, RackController } from './rack-controller.js';

/** A datagram decoded, or null (and counted by `malformed`) when it is not a rollout message. */
export function decodeDatagram(datagram: Buffer, malformed: () => void): DecodedMessage | null {
  try {
    return decodeMessage(datagram);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    malformed();
    return null;
  }
}

export class RmcNode implements DatagramHandler {
  readonly rmc: RackController;
  private readonly clock: Clock;
  private send: SendAnswer | null = null;
  private readonly timers = new Set<{ cancel(): void }>();

  constructor(rmc: RackController, clock: Clock) {
    this.rmc = rmc;
    this.clock = clock;
  }

  get address(): string {
    return this.rmc.address;
  }

  /** Its socket's send, once bound (answers to broadcasts go out through it too). */
  attach(send: SendAnswer): void {
    this.send = send;
  }

  /** A datagram to its own address. */
  handle(datagram: Buffer, peer: Peer): void {
    const m = decodeDatagram(datagram, () => this.rmc.malformed());
    if (m) this.deliver(m, peer);
  }

  /** A message from `peer`, to its own address or broadcast. */
  deliver(m: DecodedMessage, peer: Peer): void {
    for (const out of this.rmc.receive(m, this.clock.now())) this.answer(out, peer);
  }

  /** Cancels the answers still waiting. */
  close(): void {
    for (const t of this.timers) t.cancel();
    this.timers.clear();
  }

  private answer(out: Outgoing, peer: Peer): void {
    const bytes = encodeMessage(out.message);
    if (out.afterUs === 0) {
      this.transmit(bytes, peer);
      return;
    }
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      this.transmit(bytes, peer);
    }, Math.ceil(out.afterUs / 1000));
    this.timers.add(timer);
  }

  private transmit(bytes: Buffer, peer: Peer): void {
    if (!this.send) throw new Error(`the RMC at ${this.address} answers before its socket is bound`);
    this.send(bytes, peer);
    this.rmc.sent();
  }
}
