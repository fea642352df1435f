// USB/IP over one TCP connection — Linux Documentation/usb/usbip_protocol.rst: first the operation phase (one
// OP_REQ_DEVLIST or OP_REQ_IMPORT and its reply), then, on the same connection after an import that succeeded, the URB
// phase (CMD_SUBMIT / CMD_UNLINK one way, RET_SUBMIT / RET_UNLINK the other). Sans-I/O framers: write() whatever the
// socket delivered, read() whole messages out one at a time. The server's side reads requests and commands
// (UsbipRequestStream), the client's side replies (UsbipReplyStream).
//
// Chunks are kept as given (not copied: do not reuse their memory) and joined only when a message spans several (only
// the chunks that message covers); a chunk that goes on where the one before it ended in the same memory is held with
// it as one view, never joined. Decoded data and setup fields are views into them. A malformed header cannot be
// skipped, as nothing says where the next message starts: the DecodeError is thrown, and thrown again by every later
// read().
//
// A client's socket reads where the reply stream's room() says (net.Socket's `onread`), as vhci_rx.c reads: an IN
// URB's data straight into that URB's own transfer buffer (usbip_recv_xbuff), once its RET_SUBMIT header has been
// read; everything else into one room shared by every connection, copied out only as far as it is still held when
// the next read comes. So a READ's data is neither joined nor copied, and lands in memory its caller may reuse.
import { DecodeError } from '../errors.js';
import { decodeOpReply, decodeOpRequest, opReplyLengthAt, opRequestLengthAt, OpStatus, type OpReply, type OpRequest } from './usbip-op.js';
import {
  DEFAULT_MAX_TRANSFER, MAX_ISO_PACKETS, URB_HEADER_LENGTH, UrbCommand, decodeFramedUrbCommand, decodeFramedUrbReply, isIso,
  urbCommandLengthAt, urbReplyLengthAt, type Direction, type RetSubmit, type UrbCommandMessage, type UrbLimits, type UrbReplyMessage,
} from './usbip-urb.js';

export const StreamPhase = { op: 'op', urb: 'urb' } as const;
export type StreamPhase = (typeof StreamPhase)[keyof typeof StreamPhase];

/**
 * Where a client's reads go when no URB's data is under way: Node's own read size, shared by every connection (Node
 * reads one socket at a time, and each connection copies out what it still holds before its next read: room()).
 */
const SHARED_ROOM = Buffer.allocUnsafe(64 * 1024);

/** The bytes of a connection not yet read out as messages. */
class HeldBytes {
  private parts: Buffer[] = [];
  held = 0;
  /** The part read into the shared room, until it is copied out or read out (one read's: room() comes between reads). */
  private inSharedRoom: Buffer | null = null;

  write(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.held += chunk.length;
    const last = this.parts[this.parts.length - 1];
    let part: Buffer;
    if (last !== undefined && last.buffer === chunk.buffer && last.byteOffset + last.byteLength === chunk.byteOffset) {
      // the chunk goes on where the last one ended (one buffer read into piece by piece): one view of both, no copy
      part = Buffer.from(last.buffer, last.byteOffset, last.byteLength + chunk.byteLength);
      this.parts[this.parts.length - 1] = part;
    } else {
      part = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      this.parts.push(part);
    }
    if (part.buffer === SHARED_ROOM.buffer) this.inSharedRoom = part;
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
        if (first === this.inSharedRoom) this.inSharedRoom = this.parts[0];
        return;
      }
      this.parts.shift();
      n -= first.length;
    }
  }

  /** Copies out the bytes held in the shared room (read into it, not yet read out): the next read writes over it. */
  leaveSharedRoom(): void {
    if (this.inSharedRoom === null) return;
    const i = this.parts.lastIndexOf(this.inSharedRoom); // the last part; none once read out
    if (i >= 0) this.parts[i] = Buffer.from(this.inSharedRoom);
    this.inSharedRoom = null;
  }

  /** Moves the first `n` held bytes (n <= held) to the start of `target`. */
  moveTo(target: Uint8Array, n: number): void {
    for (let at = 0; at < n;) {
      const first = this.parts[0];
      const take = Math.min(first.length, n - at);
      target.set(take === first.length ? first : first.subarray(0, take), at);
      at += take;
      this.consume(take);
    }
  }

  clear(): void {
    this.parts = [];
    this.held = 0;
    this.inSharedRoom = null;
  }
}

/** A RET_SUBMIT whose IN data (actualLength bytes) is being read into its URB's transfer buffer. */
interface DataUnderWay {
  /** The header as decoded (its data still empty). */
  message: RetSubmit;
  target: Uint8Array;
  /** Bytes of the data read so far. */
  got: number;
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

  /** Holds `chunk` (not copied). Ignored once the stream has broken. */
  write(chunk: Uint8Array): void {
    if (this.broken === null) this.bytes.write(chunk);
  }

  protected get isBroken(): boolean {
    return this.broken !== null;
  }

  /** The next whole message, or null until more bytes come; throws the DecodeError that broke the stream. */
  read(): M | null {
    if (this.broken) throw this.broken;
    const underWay = this.underWay();
    if (underWay !== undefined) return underWay;
    if (this.bytes.held === 0 || this.bytes.held < this.waitFor) return null;
    try {
      // a header is nearly always in the first part as it came; all that is held is joined only when it is not
      const length = this.known ?? this.lengthAt(this.bytes.front(1)) ?? this.lengthAt(this.bytes.front(this.bytes.held));
      if (length === null) {
        this.waitFor = this.bytes.held + 1;
        return null;
      }
      this.known = length;
      if (this.takeOver(length)) return this.read();
      if (length > this.bytes.held) {
        this.waitFor = length;
        return null;
      }
      let bytes = this.bytes.front(length).subarray(0, length);
      if (bytes.buffer === SHARED_ROOM.buffer) bytes = Buffer.from(bytes); // what is handed out must outlive the room
      const message = this.decode(bytes);
      this.bytes.consume(length);
      return this.finish(message);
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

  /** Takes over the message of `length` bytes whose header is at the front, to complete it by itself (underWay()). */
  protected takeOver(_length: number): boolean {
    return false;
  }

  /** The message taken over: null until it is whole; undefined when there is none. */
  protected underWay(): M | null | undefined {
    return undefined;
  }

  /** The message at the front is done with: the next read() starts afresh. */
  protected finish(message: M): M {
    this.known = null;
    this.waitFor = 0;
    this.after(message);
    return message;
  }
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
 * `directionOf` tells the direction of the command a RET_SUBMIT answers (see urbReplyLengthAt); `transferBufferOf`,
 * an IN command's transfer buffer, where its data goes (undefined: into memory of the stream's own).
 */
export class UsbipReplyStream extends UsbipStream<OpReply | UrbReplyMessage> {
  private readonly directionOf: (seqnum: number) => Direction | undefined;
  private readonly transferBufferOf: (seqnum: number) => Uint8Array | undefined;
  /** The IN data being read into its URB's transfer buffer. */
  private inData: DataUnderWay | null = null;

  constructor(directionOf: (seqnum: number) => Direction | undefined, limits: Partial<UrbLimits> = {},
    transferBufferOf: (seqnum: number) => Uint8Array | undefined = () => undefined) {
    super(limits);
    this.directionOf = directionOf;
    this.transferBufferOf = transferBufferOf;
  }

  /**
   * Where the next socket read should go (net.Socket's `onread` buffer; what it reads is then given to write()): the
   * rest of the IN data under way, in its URB's transfer buffer; else the room every connection shares, after the
   * bytes this stream still holds from the read before are copied out of it.
   */
  room(): Buffer {
    this.bytes.leaveSharedRoom();
    const u = this.inData;
    if (u !== null) return Buffer.from(u.target.buffer, u.target.byteOffset + u.got, u.message.actualLength - u.got);
    return SHARED_ROOM;
  }

  /** Holds `chunk`; while IN data is under way, its bytes go into the URB's buffer first (not copied when read there). */
  override write(chunk: Uint8Array): void {
    const u = this.inData;
    if (u !== null && !this.isBroken && u.got < u.message.actualLength) {
      const n = Math.min(chunk.length, u.message.actualLength - u.got);
      if (chunk.buffer !== u.target.buffer || chunk.byteOffset !== u.target.byteOffset + u.got) u.target.set(chunk.subarray(0, n), u.got);
      u.got += n;
      chunk = chunk.subarray(n);
    }
    super.write(chunk);
  }

  /** The URB `seqnum`'s caller stopped waiting: the rest of its data, if under way, goes to memory of the stream's own. */
  forget(seqnum: number): void {
    const u = this.inData;
    if (u === null || u.message.seqnum !== seqnum) return;
    const own = Buffer.allocUnsafe(u.message.actualLength);
    own.set(u.target.subarray(0, u.got));
    u.target = own;
  }

  override clear(): void {
    super.clear();
    this.inData = null;
  }

  /** A RET_SUBMIT with IN data for a URB with a transfer buffer that holds it: its data is read there. */
  protected override takeOver(length: number): boolean {
    if (this.phase !== StreamPhase.urb || length === URB_HEADER_LENGTH) return false;
    const header = this.bytes.front(URB_HEADER_LENGTH);
    if (header.readUInt32BE(0) !== UrbCommand.retSubmit || isIso(header.readUInt32BE(0x20))) return false;
    const need = length - URB_HEADER_LENGTH; // actual_length, framed as IN data (urbReplyLengthAt)
    const target = this.transferBufferOf(header.readUInt32BE(4));
    if (target === undefined || target.length < need) return false; // more than asked: decoded whole, for the caller to refuse
    const message = decodeFramedUrbReply(Buffer.from(header.subarray(0, URB_HEADER_LENGTH))) as RetSubmit;
    this.bytes.consume(URB_HEADER_LENGTH);
    const now = Math.min(this.bytes.held, need);
    this.bytes.moveTo(target, now);
    this.inData = { message, target, got: now };
    return true;
  }

  protected override underWay(): OpReply | UrbReplyMessage | null | undefined {
    const u = this.inData;
    if (u === null) return undefined;
    if (u.got < u.message.actualLength) return null;
    this.inData = null;
    u.message.data = u.target.subarray(0, u.message.actualLength);
    return this.finish(u.message);
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
