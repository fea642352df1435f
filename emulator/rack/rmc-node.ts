// An RMC on its own address: the rack controller machine (rack-controller.ts) with the Clock, its socket, its
// BMC flasher and its store. It takes datagrams sent to its address (a Poll, the image, the schedule are unicast)
// and messages the shard's broadcast listener hands on (rmc-broadcast.ts), sends each answer from its own socket, so
// the manager sees which RMC answered, after the machine's delay (rounded up to whole ms, so never early), and runs
// the BMC reads and flashes the machine asks for.
//
// Faults set at run time (rmc-faults.ts): datagrams lost each way, stored chunks corrupted after their CRC-32
// passed, and a crash: the RMC loses its memory, is silent for a while, then starts again from its store.
import { DecodeError } from '../../protocols/errors.js';
import type { Peer } from '../../protocols/peer.js';
import { MessageType } from '../../protocols/rollout/header.js';
import { decodeMessage, encodeMessage, type DecodedMessage } from '../../protocols/rollout/message.js';
import type { BmcFlasher, BmcLogin } from '../../clients/ipmi/bmc-flasher.js';
import { MAX_TIMER_MS, type Clock } from '../../runtime/clock.js';
import type { DatagramHandler, SendAnswer } from '../../runtime/udp-endpoint.js';
import { RackController, type RackControllerOptions, type RmcAction } from './rack-controller.js';
import { NO_RMC_FAULTS, type RmcFaultCounts, type RmcFaults } from './rmc-faults.js';
import { MemoryRmcStore, type RmcStore } from './rmc-store.js';

/** A datagram decoded, or null (and counted by `malformed`, told whether its chunk CRC failed) when it is not a rollout message. */
export function decodeDatagram(datagram: Buffer, malformed: (crc: boolean) => void): DecodedMessage | null {
  try {
    return decodeMessage(datagram);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    malformed(err.code === 'ERR_CRC');
    return null;
  }
}

export interface RmcNodeOptions {
  /** Reads and flashes its BMCs (clients/ipmi/bmc-flasher.ts); without one, it cannot get past the flash time. */
  flasher?: BmcFlasher;
  /** How to reach and log in to each BMC, in rack order. */
  logins?: readonly BmcLogin[];
  /** Where it keeps what outlives a crash (default: in memory). */
  store?: RmcStore;
  /** [0, 1): the faults' dice. */
  random?: () => number;
}

type Timer = { cancel(): void };

/** A broadcast message held for later (RmcNode.hold): from `peer`, its answers' delays counting from `arrivedAtMs`. */
export interface HeldBroadcast { readonly m: DecodedMessage; readonly peer: Peer; readonly arrivedAtMs: number }

export class RmcNode implements DatagramHandler {
  private machine: RackController;
  private readonly clock: Clock;
  private readonly flasher: BmcFlasher | null;
  private readonly logins: readonly BmcLogin[];
  private readonly store: RmcStore;
  private readonly random: () => number;
  private send: SendAnswer | null = null;
  /** A broadcast held until its answer falls due (rmc-reply-schedule.ts), or null. */
  private held: HeldBroadcast | null = null;
  private readonly timers = new Set<Timer>();
  private wake: Timer | null = null;
  /** Counts crashes: a read or flash that comes back from before one is dropped (the RMC that asked is gone). */
  private generation = 0;
  /** Silent until this time, after a crash. */
  private downUntilMs = -Infinity;
  faults: RmcFaults = { ...NO_RMC_FAULTS };
  readonly faultCounts: RmcFaultCounts = { lostIn: 0, lostOut: 0, chunksCorrupted: 0, crashes: 0, droppedWhileDown: 0 };

  constructor(rmc: RackController, clock: Clock, options: RmcNodeOptions = {}) {
    this.machine = rmc;
    this.clock = clock;
    this.flasher = options.flasher ?? null;
    this.logins = options.logins ?? [];
    this.store = options.store ?? new MemoryRmcStore();
    this.random = options.random ?? Math.random;
  }

  get rmc(): RackController {
    return this.machine;
  }

  get address(): string {
    return this.machine.address;
  }

  /** Silent after a crash, until it starts again. */
  get down(): boolean {
    return this.clock.now() < this.downUntilMs;
  }

  /** Its socket's send, once bound (answers to broadcasts go out through it too). */
  attach(send: SendAnswer): void {
    this.send = send;
  }

  /** Picks up what its store kept (after a restart of the shard): goes on counting down, reading or flashing. */
  start(): void {
    this.run(this.machine.resume(this.clock.now()));
  }

  /** A datagram to its own address. */
  handle(datagram: Buffer, peer: Peer): void {
    this.deliverHeld();
    if (this.dropIncoming()) return;
    const m = decodeDatagram(datagram, (crc) => this.machine.malformed(crc));
    if (m) this.process(m, peer);
  }

  /**
   * A message from `peer`, broadcast (the shard's listener decoded it), that arrived at `arrivedAtMs` (default now):
   * an answer's delay counts from then, as on an RMC that took it on at once (rmc-broadcast.ts).
   */
  deliver(m: DecodedMessage, peer: Peer, arrivedAtMs = this.clock.now()): void {
    this.deliverHeld();
    if (this.dropIncoming()) return;
    this.process(m, peer, arrivedAtMs);
  }

  /**
   * Keeps a broadcast until `deliverHeld` (when its answer falls due). Any message for it before then, a second hold
   * included, hands it the held one first, so it takes its messages in order. Every RMC of a shard holds the same
   * object: holding allocates nothing.
   */
  hold(broadcast: HeldBroadcast): void {
    this.deliverHeld();
    this.held = broadcast;
  }

  /** Hands it the broadcast it holds, if any. */
  deliverHeld(): void {
    const h = this.held;
    if (h === null) return;
    this.held = null;
    this.deliver(h.m, h.peer, h.arrivedAtMs);
  }

  /** The RMC loses its memory (timers, its machine, BMC jobs under way), is silent `offMs`, then starts from its store. */
  crash(offMs: number, options: Omit<RackControllerOptions, 'startedAtMs' | 'restored'>): void {
    this.faultCounts.crashes++;
    this.generation++;
    this.cancelTimers();
    this.held = null;
    this.downUntilMs = this.clock.now() + offMs;
    const restart = this.clock.setTimeout(() => {
      this.timers.delete(restart);
      this.machine = new RackController({ ...options, startedAtMs: this.clock.now(), restored: this.store.load() });
      this.start();
    }, offMs);
    this.timers.add(restart);
  }

  /** Cancels the answers and timers still waiting; BMC jobs under way are let finish, their results dropped. */
  close(): void {
    this.generation++;
    this.cancelTimers();
    this.held = null;
  }

  private cancelTimers(): void {
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    this.wake = null;
  }

  private dropIncoming(): boolean {
    if (this.down) {
      this.faultCounts.droppedWhileDown++;
      return true;
    }
    if (this.faults.lossPercent > 0 && this.random() * 100 < this.faults.lossPercent) {
      this.faultCounts.lostIn++;
      return true;
    }
    return false;
  }

  private process(m: DecodedMessage, peer: Peer, arrivedAtMs = this.clock.now()): void {
    if (m.type === MessageType.IMAGE_CHUNK && this.faults.corruptChunkPercent > 0 && this.random() * 100 < this.faults.corruptChunkPercent) {
      // its CRC-32 passed on the way in: the byte flips as it is stored, so only the image's check can tell
      const data = Buffer.from(m.body.data);
      data[Math.floor(this.random() * data.length)] ^= 0xff;
      m = { ...m, body: { ...m.body, data } };
      this.faultCounts.chunksCorrupted++;
    }
    this.run(this.machine.receive(m, arrivedAtMs, peer), arrivedAtMs);
  }

  /** Does what the machine asked; answers' delays count from `sinceMs` (when the message they answer arrived). */
  private run(actions: readonly RmcAction[], sinceMs = this.clock.now()): void {
    for (const a of actions) this.act(a, sinceMs);
  }

  private act(a: RmcAction, sinceMs: number): void {
    switch (a.kind) {
      case 'send': return this.answer(a.message, a.afterUs, a.to, sinceMs);
      case 'wake': return this.wakeAt(a.atMs);
      case 'read-version': return this.readVersion(a.index, a.component);
      case 'flash': return this.flash(a);
      case 'image-begin': return this.store.beginImage(a.manifest);
      case 'image-append': return this.store.append(a.offset, a.data);
      case 'image-discard': return this.store.discardImage();
      case 'save': return this.store.save(a.state);
    }
  }

  /**
   * Sends an answer `afterUs` after `sinceMs`, when its message arrived. The ms the message waited here count (less
   * one, as the clock's ms may have just begun when it came: never early); one whose wait already ran out goes at once.
   */
  private answer(message: Parameters<typeof encodeMessage>[0], afterUs: number, to: Peer, sinceMs: number): void {
    const bytes = encodeMessage(message);
    const waitedMs = Math.max(0, this.clock.now() - sinceMs - 1);
    const afterMs = Math.ceil(afterUs / 1000) - waitedMs;
    if (afterMs <= 0) {
      this.transmit(bytes, to);
      return;
    }
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      this.transmit(bytes, to);
    }, afterMs);
    this.timers.add(timer);
  }

  private transmit(bytes: Buffer, to: Peer): void {
    if (!this.send) throw new Error(`the RMC at ${this.address} answers before its socket is bound`);
    if (this.faults.lossPercent > 0 && this.random() * 100 < this.faults.lossPercent) {
      this.faultCounts.lostOut++;
      return;
    }
    this.send(bytes, to);
    this.machine.sent();
  }

  /** One timer to the flash time; a time further than a Node timer holds is reached in steps. */
  private wakeAt(atMs: number): void {
    if (this.wake) {
      this.wake.cancel();
      this.timers.delete(this.wake);
    }
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      this.wake = null;
      this.run(this.machine.tick(this.clock.now()));
    }, Math.min(Math.max(0, atMs - this.clock.now()), MAX_TIMER_MS));
    this.wake = timer;
    this.timers.add(timer);
  }

  private flasherFor(): BmcFlasher {
    if (!this.flasher) throw new Error(`the RMC at ${this.address} has no BMC flasher`);
    return this.flasher;
  }

  private login(index: number): BmcLogin {
    const login = this.logins[index];
    if (!login) throw new Error(`the RMC at ${this.address} has no login for its BMC number ${index}`);
    return login;
  }

  private readVersion(index: number, component: number | null): void {
    const generation = this.generation;
    void this.flasherFor().readVersion(this.login(index), component).then((r) => {
      if (generation === this.generation) this.run(this.machine.versionRead(index, r, this.clock.now()));
    });
  }

  private flash(a: Extract<RmcAction, { kind: 'flash' }>): void {
    const generation = this.generation;
    void this.flasherFor().flash({ bmc: this.login(a.index), image: a.image, target: a.target, timeoutMs: a.timeoutMs }).then((r) => {
      if (generation === this.generation) this.run(this.machine.flashed(a.index, r, this.clock.now()));
    });
  }
}
