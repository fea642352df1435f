// USB/IP over one TCP connection — Linux Documentation/usb/usbip_protocol.rst: first the operation phase (one
// OP_REQ_DEVLIST or OP_REQ_IMPORT and its reply), then, on the same connection after an import that succeeded, the URB
// phase (CMD_SUBMIT / CMD_UNLINK one way, RET_SUBMIT / RET_UNLINK the other). Sans-I/O framers: write() whatever the
// socket delivered, read() whole messages out one at a time. The server's side reads requests and commands
// (UsbipRequestStream), the client's side replies (UsbipReplyStream).
//
// Chunks are kept as given (not copied: do not reuse their memory) and joined only when a message spans several (only
// the chunks that message covers); a chunk that goes on where the one before it ended in the same memory (a socket
// read into one slab, runtime/receive-slab.ts) is held with it as one view, never joined. Decoded data and setup
// fields are views into them. A malformed header cannot be skipped, as nothing says where the
// next message starts: the DecodeError is thrown, and thrown again by every later read().
import { DecodeError } from '../errors.js';
import { decodeOpReply, decodeOpRequest, opReplyLengthAt, opRequestLengthAt, OpStatus, type OpReply, type OpRequest } from './usbip-op.js';
import {
  DEFAULT_MAX_TRANSFER, MAX_ISO_PACKETS, decodeFramedUrbCommand, decodeFramedUrbReply, urbCommandLengthAt, urbReplyLengthAt,
  type Direction, type UrbCommandMessage, type UrbLimits, type UrbReplyMessage,
} from './usbip-urb.js';

export const StreamPhase = { op: 'op', urb: 'urb' } as const;
export type StreamPhase = (typeof StreamPhase)[keyof typeof StreamPhase];

/** The bytes of a connection not yet read out as messages. */
class HeldBytes {
  private parts: Buffer[] = [];
  held = 0;

  write(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.held += chunk.length;
    const last = this.parts[this.parts.length - 1];
    if (last !== undefined && last.buffer === chunk.buffer && last.byteOffset + last.byteLength === chunk.byteOffset) {
      // the chunk goes on where the last one ended (one slab read into piece by piece): one view of both, no copy
      this.parts[this.parts.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.byteLength + chunk.byteLength);
      return;
    }
    this.parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }

  /**
   * At least the first `n` bytes held (n <= held), in one buffer: the first part as it came when it holds them, else
   * the parts that cover them joined into one. Parts after those are left as they are, so a message is copied at most
   * once however many others are held behind it.
   */
  front(n: number): Buffer {
    const first = this.parts[0];
    if (first.length >= n) return first;
    let covered = 0;
    let count = 0;
    while (covered < n) covered += this.parts[count++].length;
    const joined = Buffer.concat(this.parts.slice(0, count), covered);
    this.parts.splice(0, count, joined);
    return joined;
  }

  /** Drops the first `n` bytes. */
  consume(n: number): void {
    this.held -= n;
    while (n > 0) {
      const first = this.parts[0];
      if (first.length > n) {
        this.parts[0] = first.subarray(n);
        return;
      }
      this.parts.shift();
      n -= first.length;
    }
  }

  clear(): void {
    this.parts = [];
    this.held = 0;
  }
}

/**
 * Frames one side of a connection: `lengthAt` says how long the message at the front is (null: not yet known),
 * `decode` reads exactly that many bytes (their header already checked by `lengthAt`). Waits without rejoining until enough bytes are held.
 */
abstract class UsbipStream<M> {
  protected readonly bytes = new HeldBytes();
  protected readonly limits: UrbLimits;
  private phaseNow: StreamPhase = StreamPhase.op;
  /** Bytes needed before the next look: a header first, then the whole message once its length is known. */
  private waitFor = 0;
  /** The length of the message at the front, once known. */
  private known: number | null = null;
  private broken: DecodeError | null = null;
  private longestSeen = 0;

  constructor(limits: Partial<UrbLimits>) {
    this.limits = { maxTransfer: DEFAULT_MAX_TRANSFER, maxIsoPackets: MAX_ISO_PACKETS, ...limits };
  }

  get phase(): StreamPhase {
    return this.phaseNow;
  }

  protected setPhase(phase: StreamPhase): void {
    this.phaseNow = phase;
    this.waitFor = 0;
    this.known = null;
  }

  /** Bytes held that no read() has returned yet. */
  get buffered(): number {
    return this.bytes.held;
  }

  /** Bytes still to come of the message at the front, once read() has seen its length (0: none known to be under way). */
  get missing(): number {
    return this.known === null ? 0 : Math.max(0, this.known - this.bytes.held);
  }

  /** The longest message read() has returned so far (0 before the first): what the next may well be as long as. */
  get longest(): number {
    return this.longestSeen;
  }

  /** Holds `chunk` (not copied). Ignored once the stream has broken. */
  write(chunk: Uint8Array): void {
    if (this.broken === null) this.bytes.write(chunk);
  }

  /** The next whole message, or null until more bytes come; throws the DecodeError that broke the stream. */
  read(): M | null {
    if (this.broken) throw this.broken;
    if (this.bytes.held === 0 || this.bytes.held < this.waitFor) return null;
    try {
      // a header is nearly always in the first part as it came; all that is held is joined only when it is not
      const length = this.known ?? this.lengthAt(this.bytes.front(1)) ?? this.lengthAt(this.bytes.front(this.bytes.held));
      if (length === null) {
        this.waitFor = this.bytes.held + 1;
        return null;
      }
      this.known = length;
      if (length > this.bytes.held) {
        this.waitFor = length;
        return null;
      }
      const message = this.decode(this.bytes.front(length).subarray(0, length));
      this.bytes.consume(length);
      if (length > this.longestSeen) this.longestSeen = length;
      this.known = null;
      this.waitFor = 0;
      this.after(message);
      return message;
    } catch (err) {
      if (err instanceof DecodeError) {
        this.broken = err;
        this.bytes.clear();
      }
      throw err;
    }
  }

  /** Drops everything held (the connection is gone). */
  clear(): void {
    this.bytes.clear();
    this.waitFor = 0;
    this.known = null;
  }

  protected abstract lengthAt(buf: Buffer): number | null;
  protected abstract decode(buf: Buffer): M;
  protected after(_message: M): void {}
}

/** What a USB/IP server reads: OP_REQ_* until it grants an import (enterUrbPhase), CMD_SUBMIT / CMD_UNLINK after. */
export class UsbipRequestStream extends UsbipStream<OpRequest | UrbCommandMessage> {
  constructor(limits: Partial<UrbLimits> = {}) {
    super(limits);
  }

  /** The server granted an import: what follows on the connection is URBs. */
  enterUrbPhase(): void {
    this.setPhase(StreamPhase.urb);
  }

  protected lengthAt(buf: Buffer): number | null {
    return this.phase === StreamPhase.op ? opRequestLengthAt(buf) : urbCommandLengthAt(buf, 0, this.limits);
  }

  protected decode(buf: Buffer): OpRequest | UrbCommandMessage {
    return this.phase === StreamPhase.op ? decodeOpRequest(buf) : decodeFramedUrbCommand(buf);
  }
}

/**
 * What a USB/IP client reads: OP_REP_*, then, once an OP_REP_IMPORT granted the import, RET_SUBMIT / RET_UNLINK.
 * `directionOf` tells the direction of the command a RET_SUBMIT answers (see urbReplyLengthAt).
 */
export class UsbipReplyStream extends UsbipStream<OpReply | UrbReplyMessage> {
  private readonly directionOf: (seqnum: number) => Direction | undefined;

  constructor(directionOf: (seqnum: number) => Direction | undefined, limits: Partial<UrbLimits> = {}) {
    super(limits);
    this.directionOf = directionOf;
  }

  protected lengthAt(buf: Buffer): number | null {
    return this.phase === StreamPhase.op ? opReplyLengthAt(buf) : urbReplyLengthAt(buf, this.directionOf, 0, this.limits);
  }

  protected decode(buf: Buffer): OpReply | UrbReplyMessage {
    return this.phase === StreamPhase.op ? decodeOpReply(buf) : decodeFramedUrbReply(buf);
  }

  protected override after(message: OpReply | UrbReplyMessage): void {
    if (message.kind === 'import-reply' && message.status === OpStatus.ok) this.setPhase(StreamPhase.urb);
  }
}
