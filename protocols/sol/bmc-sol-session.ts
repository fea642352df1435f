// One active SOL payload instance, BMC side, as a sans-I/O state machine — IPMI 2.0 §15 (SOL), §15.9 packet
// handling, with the timing of SOL configuration parameters 3 and 4 (Table 26-5).
//
// Feed it host output (hostOutput), console packets (receive) and the time (poll); each call returns the SOL
// payloads to send (plaintext, for the session layer to wrap), what happened (events), and when to call poll
// next. One data packet is outstanding at a time; sequence numbers run 1..15 and wrap (0 = ACK-only).
import { DecodeError } from '../errors.js';
import { ByteQueue } from './byte-queue.js';
import {
  BmcStatus, ConsoleOperation, SOL_MAX_ACCEPTED, SOL_MAX_SEQUENCE, decodeSolPacket, encodeSolPacket, type SolPacket,
} from './payload.js';

export interface SolTiming {
  /** Character accumulate interval in ms (parameter 3 byte 1, in 5 ms units on the wire). */
  accumulateIntervalMs: number;
  /** Buffered characters that trigger a send at once (parameter 3 byte 2); 0 counts as 1. */
  sendThreshold: number;
  /** Retransmissions after the first send before an unacknowledged packet is dropped (parameter 4 [2:0]). */
  retryCount: number;
  /** Wait before each retransmission, in ms (parameter 4 byte 2, in 10 ms units on the wire). */
  retryIntervalMs: number;
}

export interface BmcSolSessionOptions extends SolTiming {
  /** Most characters in one outbound packet: Activate Payload's outbound size less the 4 header bytes, at most 255. */
  maxPacketCharacters?: number;
  /** Most characters accepted from one console packet (the rest is left for the console to resend), at most 255. */
  maxAcceptCharacters?: number;
  /** Host output buffered while waiting to go out; characters beyond it are dropped and TRANSMIT_OVERRUN reported. */
  maxBufferedCharacters?: number;
}

export type SolEvent =
  /** Characters from the console for the baseboard serial port, in order. A view into the received buffer: copy to keep. */
  | { kind: 'input'; data: Uint8Array }
  /** The console asked for a break on the serial port. */
  | { kind: 'break' }
  /** The console changed the modem control lines it drives. */
  | { kind: 'modem'; ctsPause: boolean; dropDcdDsr: boolean; ring: boolean }
  /** The console asked to flush characters not yet given to the serial port. */
  | { kind: 'flush-inbound' }
  /** The console asked to flush characters not yet acknowledged by it; `discarded` were thrown away. */
  | { kind: 'flush-outbound'; discarded: number }
  /** A packet went unacknowledged through all retries and was dropped with its characters. */
  | { kind: 'dropped'; sequence: number; characters: number }
  | { kind: 'malformed'; error: DecodeError }
  | { kind: 'deactivated' };

export interface SolStep {
  /** SOL payloads to send to the console now, in order. */
  packets: Buffer[];
  events: SolEvent[];
  /** When poll() should run next (BMC clock, ms), or null if nothing is timed. */
  deadline: number | null;
}

export interface SolSessionStats {
  dataPacketsSent: number;
  retransmits: number;
  packetsDropped: number;
  acksSent: number;
  duplicatesReceived: number;
  nacksReceived: number;
  malformed: number;
  charactersIn: number;
  charactersOut: number;
  overrunCharacters: number;
}

interface InFlight {
  sequence: number;
  /** The characters it carries, to resend a tail after a partial ACK or NACK. */
  data: Buffer;
  /** The encoded packet, resent unchanged on timeout. */
  packet: Buffer;
  retriesLeft: number;
  deadline: number;
}

interface PendingAck {
  sequence: number;
  accepted: number;
  nack: boolean;
}

const DEFAULT_BUFFERED = 64 * 1024;
const MODEM_BITS = ConsoleOperation.CTS_PAUSE | ConsoleOperation.DROP_DCD_DSR | ConsoleOperation.RING_WOR;

function nextSequence(seq: number): number {
  return seq >= SOL_MAX_SEQUENCE ? 1 : seq + 1;
}

function clampCharacters(value: number | undefined, fallback: number): number {
  return Math.max(1, Math.min(SOL_MAX_ACCEPTED, Math.floor(value ?? fallback)));
}

export class BmcSolSession {
  readonly stats: SolSessionStats = {
    dataPacketsSent: 0, retransmits: 0, packetsDropped: 0, acksSent: 0, duplicatesReceived: 0, nacksReceived: 0,
    malformed: 0, charactersIn: 0, charactersOut: 0, overrunCharacters: 0,
  };

  private readonly timing: SolTiming;
  private readonly maxPacketCharacters: number;
  private readonly maxAcceptCharacters: number;
  private readonly maxBufferedCharacters: number;

  private readonly pending = new ByteQueue();
  private inFlight: InFlight | null = null;
  private sequence = 1;
  /** When the oldest unsent character has waited the accumulate interval. */
  private accumulateDeadline: number | null = null;
  /** After a NACK: no data goes out before this time, or before the console ACKs that packet without NACK. */
  private resumeAt: number | null = null;
  private nackedSequence = 0;
  private pendingAck: PendingAck | null = null;
  private lastInbound: PendingAck = { sequence: 0, accepted: 0, nack: false };
  private modemBits = 0;
  private overrun = false;
  private breakPending = false;
  private transferUnavailable = false;
  private closed = false;

  constructor(options: BmcSolSessionOptions) {
    this.timing = {
      accumulateIntervalMs: Math.max(0, options.accumulateIntervalMs),
      sendThreshold: Math.max(1, options.sendThreshold),
      retryCount: Math.max(0, Math.min(7, Math.floor(options.retryCount))),
      retryIntervalMs: Math.max(0, options.retryIntervalMs),
    };
    this.maxPacketCharacters = clampCharacters(options.maxPacketCharacters, SOL_MAX_ACCEPTED);
    this.maxAcceptCharacters = clampCharacters(options.maxAcceptCharacters, SOL_MAX_ACCEPTED);
    this.maxBufferedCharacters = Math.max(1, options.maxBufferedCharacters ?? DEFAULT_BUFFERED);
  }

  get active(): boolean {
    return !this.closed;
  }

  /** Characters from the host waiting to be sent (not counting the packet in flight). */
  get buffered(): number {
    return this.pending.length;
  }

  /** The earliest time poll() has work to do, or null. */
  get deadline(): number | null {
    if (this.closed) return null;
    let d = this.inFlight ? this.inFlight.deadline : null;
    if (this.resumeAt !== null && (d === null || this.resumeAt < d)) d = this.resumeAt;
    const accumulating = !this.inFlight && this.resumeAt === null && this.pending.length > 0 ? this.accumulateDeadline : null;
    if (accumulating !== null && (d === null || accumulating < d)) d = accumulating;
    return d;
  }

  /** Characters the host's serial port sent: buffered, then sent at the threshold or after the accumulate interval. */
  hostOutput(bytes: Uint8Array, now: number): SolStep {
    const step = this.step();
    if (this.closed || bytes.length === 0) return this.finish(step);
    const room = this.maxBufferedCharacters - this.pending.length;
    const take = Math.max(0, Math.min(bytes.length, room));
    if (take < bytes.length) {
      this.overrun = true;
      this.stats.overrunCharacters += bytes.length - take;
    }
    if (take > 0) {
      if (this.pending.length === 0) this.accumulateDeadline = now + this.timing.accumulateIntervalMs;
      this.pending.push(take === bytes.length ? bytes : bytes.subarray(0, take));
    }
    this.pump(step, now);
    return this.finish(step);
  }

  /** The host's serial port saw a break: reported (BREAK_DETECTED) on the next data packet, sent at once if idle. */
  hostBreak(now: number): SolStep {
    const step = this.step();
    if (this.closed) return this.finish(step);
    this.breakPending = true;
    this.pump(step, now);
    return this.finish(step);
  }

  /** While unavailable, console characters are NACKed (TRANSFER_UNAVAILABLE) instead of delivered. */
  setTransferAvailable(available: boolean): void {
    this.transferUnavailable = !available;
  }

  /** One SOL payload from the console (already decrypted and authenticated by the session layer). */
  receive(payload: Uint8Array, now: number): SolStep {
    const step = this.step();
    if (this.closed) return this.finish(step);
    let packet: SolPacket;
    try {
      packet = decodeSolPacket(payload);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      this.stats.malformed++;
      step.events.push({ kind: 'malformed', error });
      return this.finish(step);
    }
    const nack = (packet.operation & ConsoleOperation.NACK) !== 0;
    if (packet.ackSequence !== 0) this.acknowledged(packet.ackSequence, packet.acceptedCount, nack, now);
    // An ACK-only packet (sequence 0) carries no characters and asks for no operation (§15.9).
    if (packet.sequence !== 0) this.incoming(packet, step);
    this.pump(step, now);
    if (this.pendingAck) this.sendAckOnly(step);
    return this.finish(step);
  }

  /** Runs the timers: retransmission, giving up, the end of a NACK pause, the accumulate interval. */
  poll(now: number): SolStep {
    const step = this.step();
    if (this.closed) return this.finish(step);
    const f = this.inFlight;
    if (f && now >= f.deadline) {
      if (f.retriesLeft > 0) {
        f.retriesLeft--;
        f.deadline = now + this.timing.retryIntervalMs;
        this.stats.retransmits++;
        step.packets.push(f.packet);
      } else {
        this.inFlight = null;
        this.stats.packetsDropped++;
        step.events.push({ kind: 'dropped', sequence: f.sequence, characters: f.data.length });
      }
    }
    if (this.resumeAt !== null && now >= this.resumeAt) this.resumeAt = null;
    this.pump(step, now);
    return this.finish(step);
  }

  /**
   * Ends the instance; unsent characters are discarded. With `notifyConsole`, one last ACK-only packet with SOL
   * DEACTIVATING set tells the console. Leave it off when the console itself asked (Deactivate Payload from the
   * owning session): ipmitool is then waiting for the command's response and would take a SOL packet for it.
   */
  deactivate(notifyConsole = true): SolStep {
    const step = this.step();
    if (this.closed) return this.finish(step);
    this.closed = true;
    this.inFlight = null;
    this.pending.clear();
    this.accumulateDeadline = null;
    this.resumeAt = null;
    this.pendingAck = null;
    if (notifyConsole) {
      step.packets.push(encodeSolPacket({ sequence: 0, ackSequence: 0, acceptedCount: 0, operation: BmcStatus.DEACTIVATING, data: new Uint8Array(0) }));
    }
    step.events.push({ kind: 'deactivated' });
    return this.finish(step);
  }

  private step(): SolStep {
    return { packets: [], events: [], deadline: null };
  }

  private finish(step: SolStep): SolStep {
    step.deadline = this.deadline;
    return step;
  }

  /** The console ACKed or NACKed our packet `sequence`, taking `acceptedCount` characters of it. */
  private acknowledged(sequence: number, acceptedCount: number, nack: boolean, now: number): void {
    const f = this.inFlight;
    if (!f || f.sequence !== sequence) {
      // The console lifts its NACK by ACKing the NACKed packet again without it; any other stale ACK changes nothing.
      if (this.resumeAt !== null && !nack && sequence === this.nackedSequence) this.resumeAt = null;
      return;
    }
    this.inFlight = null;
    const tail = f.data.subarray(Math.min(acceptedCount, f.data.length));
    if (tail.length > 0) {
      // The unaccepted characters go out again first, in a new packet (§15.9: partial ACK / NACK).
      this.pending.unshift(tail);
      this.accumulateDeadline = now;
    }
    if (nack) {
      // NACK: the console cannot take characters now; hold off for a retry interval.
      this.stats.nacksReceived++;
      this.resumeAt = now + this.timing.retryIntervalMs;
      this.nackedSequence = sequence;
    }
  }

  /** A console packet with a sequence number: operations, characters, and the ACK we owe for it. */
  private incoming(packet: SolPacket, step: SolStep): void {
    if (packet.sequence === this.lastInbound.sequence) {
      // A retransmission of the packet we last took: ACK it again, deliver nothing twice.
      this.stats.duplicatesReceived++;
      this.pendingAck = { ...this.lastInbound };
      return;
    }
    if (this.transferUnavailable) {
      // Not recorded as taken, so the console's retransmission is accepted once transfer is available again.
      this.pendingAck = { sequence: packet.sequence, accepted: 0, nack: true };
      return;
    }
    this.operations(packet.operation, step);
    const accepted = Math.min(packet.data.length, this.maxAcceptCharacters);
    if (accepted > 0) {
      this.stats.charactersIn += accepted;
      step.events.push({ kind: 'input', data: packet.data.subarray(0, accepted) });
    }
    this.lastInbound = { sequence: packet.sequence, accepted, nack: false };
    this.pendingAck = { ...this.lastInbound };
  }

  /** Table 15-3 byte 4 of a new console packet. */
  private operations(op: number, step: SolStep): void {
    if (op & ConsoleOperation.FLUSH_OUTBOUND) {
      const discarded = this.pending.length + (this.inFlight ? this.inFlight.data.length : 0);
      this.pending.clear();
      this.inFlight = null;
      this.accumulateDeadline = null;
      this.resumeAt = null;
      step.events.push({ kind: 'flush-outbound', discarded });
    }
    if (op & ConsoleOperation.FLUSH_INBOUND) step.events.push({ kind: 'flush-inbound' });
    if (op & ConsoleOperation.GENERATE_BREAK) step.events.push({ kind: 'break' });
    const modem = op & MODEM_BITS;
    if (modem !== this.modemBits) {
      this.modemBits = modem;
      step.events.push({
        kind: 'modem',
        ctsPause: (modem & ConsoleOperation.CTS_PAUSE) !== 0,
        dropDcdDsr: (modem & ConsoleOperation.DROP_DCD_DSR) !== 0,
        ring: (modem & ConsoleOperation.RING_WOR) !== 0,
      });
    }
  }

  /** Sends the next data packet if the line is free and characters are due (threshold, interval) or a break waits. */
  private pump(step: SolStep, now: number): void {
    if (this.closed || this.inFlight || this.resumeAt !== null) return;
    const waiting = this.pending.length;
    const due = waiting > 0 &&
      (waiting >= this.timing.sendThreshold || (this.accumulateDeadline !== null && now >= this.accumulateDeadline));
    if (!due && !this.breakPending) return;
    const data = this.pending.take(this.maxPacketCharacters);
    if (this.pending.length === 0) this.accumulateDeadline = null;
    let operation = this.statusBits();
    if (this.overrun) operation |= BmcStatus.TRANSMIT_OVERRUN;
    if (this.breakPending) operation |= BmcStatus.BREAK_DETECTED;
    this.overrun = false;
    this.breakPending = false;
    const ack = this.takeAck();
    if (ack.nack) operation |= BmcStatus.NACK;
    const sequence = this.sequence;
    this.sequence = nextSequence(sequence);
    const packet = encodeSolPacket({ sequence, ackSequence: ack.sequence, acceptedCount: ack.accepted, operation, data });
    this.inFlight = { sequence, data, packet, retriesLeft: this.timing.retryCount, deadline: now + this.timing.retryIntervalMs };
    this.stats.dataPacketsSent++;
    this.stats.charactersOut += data.length;
    step.packets.push(packet);
  }

  private sendAckOnly(step: SolStep): void {
    const ack = this.takeAck();
    const operation = this.statusBits() | (ack.nack ? BmcStatus.NACK : 0);
    step.packets.push(encodeSolPacket({ sequence: 0, ackSequence: ack.sequence, acceptedCount: ack.accepted, operation, data: new Uint8Array(0) }));
  }

  /** The ACK owed to the console (sequence 0 if none), taken to ride on the packet being built. */
  private takeAck(): PendingAck {
    const ack = this.pendingAck ?? { sequence: 0, accepted: 0, nack: false };
    if (this.pendingAck) this.stats.acksSent++;
    this.pendingAck = null;
    return ack;
  }

  private statusBits(): number {
    return this.transferUnavailable ? BmcStatus.TRANSFER_UNAVAILABLE : 0;
  }
}
