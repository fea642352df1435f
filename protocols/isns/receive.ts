// The iSNS receive path — RFC 4171 §5.1 (PDUs on TCP and UDP), §5.2 (a message over several PDUs) and
// §5.6/§5.7 (message bodies): bytes in, whole decoded messages out, the same way for every receiver (our
// server, the client, the client's SCN/ESI listener).
//   TCP: an IsnsStreamReceiver per connection: write() what the socket delivered, then next() until null.
//   UDP: an IsnsDatagramReceiver per socket: receive() one datagram (a datagram holds one PDU, §5.1).
// Each yields IsnsMessages and ReceiveErrors in arrival order, so a server answers pipelined requests, bad
// ones included, in the order they came. Only DecodeError becomes a ReceiveError: anything else is a bug
// and is thrown on.
//
// Bounds: the size of one PDU on a stream, a message's bytes and PDUs, partial messages per connection or
// per UDP peer, UDP peers holding partial messages (the oldest is evicted), and, when a ReassemblyBudget is
// given, the bytes of partial messages of every receiver sharing it (reassembly-budget.ts: the oldest partial
// message goes first). Every Reassembler is made here, with that budget. next() frames one PDU at a
// time: bytes not yet read stay in the framer (`buffered`), so a caller may stop reading while it cannot
// send its answers.
import { DecodeError } from '../errors.js';
import { decodeMessage, type IsnsMessage } from './codec.js';
import { Flag, HEADER_LENGTH, ISNSP_VERSION, decodeHeader, decodePdu, type IsnsHeader, type IsnsPdu } from './header.js';
import type { ReassemblyBudget } from './reassembly-budget.js';
import { Reassembler, type ReassembledMessage, type ReassemblerLimits } from './segments.js';
import { DEFAULT_MAX_PDU_BYTES, PduStreamDecoder, StreamBrokenError } from './stream.js';

/** Where a message failed to come through. */
export const ReceiveStage = {
  /** No PDU could be cut out: on a stream nothing after it can be (close the connection); a datagram that is not one PDU. */
  FRAMING: 'framing',
  /** PDUs that do not join into a message (§5.2): Sequence IDs, size over the limits, too many partial messages. */
  REASSEMBLY: 'reassembly',
  /** A whole message that cannot be read: another iSNSP version (§5.1.1), or a malformed body. */
  MESSAGE: 'message',
} as const;

export type ReceiveStageValue = (typeof ReceiveStage)[keyof typeof ReceiveStage];

/** The header fields that say which message an error concerns (and so how to answer it). */
export type MessageIdentity = Pick<IsnsHeader, 'version' | 'functionId' | 'transactionId' | 'flags'>;

/** A DecodeError from the receive path: the cause's protocol, field, offset and code, plus where and what. */
export class ReceiveError extends DecodeError {
  readonly stage: ReceiveStageValue;
  /** The PDU's header (the message's, at the MESSAGE stage); null for a datagram shorter than a header. */
  readonly header: MessageIdentity | null;
  /** MESSAGE stage: the joined message, for a server to answer as it answers any message it cannot read. */
  readonly raw: ReassembledMessage | null;

  constructor(cause: DecodeError, stage: ReceiveStageValue, header: MessageIdentity | null, raw: ReassembledMessage | null = null) {
    super(cause.protocol, cause.field, cause.offset, '', cause.code);
    this.message = cause.message;
    this.stage = stage;
    this.header = header;
    this.raw = raw;
  }
}

export type Received = IsnsMessage | ReceiveError;

/** `err` as a ReceiveError when it is a DecodeError; anything else is a bug and is thrown on. */
function failure(err: unknown, stage: ReceiveStageValue, header: MessageIdentity | null, raw: ReassembledMessage | null = null): ReceiveError {
  if (err instanceof DecodeError) return new ReceiveError(err, stage, header, raw);
  throw err;
}

/** One PDU through reassembly and decoding: the message it completes, why it failed, or null (more PDUs to come). */
function receivePdu(joiner: Reassembler, pdu: IsnsPdu, now: number): Received | null {
  let whole: ReassembledMessage | null;
  try {
    whole = joiner.push(pdu, now);
  } catch (err) {
    return failure(err, ReceiveStage.REASSEMBLY, pdu.header);
  }
  if (whole === null) return null;
  if (whole.version !== ISNSP_VERSION) {
    // §5.1.1: version 1 is the only one; another version's body may have another layout, so it is not read
    const cause = new DecodeError('isns', 'version', 0, `iSNSP version ${whole.version}, not ${ISNSP_VERSION}`, 'ERR_VERSION');
    return new ReceiveError(cause, ReceiveStage.MESSAGE, whole, whole);
  }
  try {
    return decodeMessage(whole);
  } catch (err) {
    return failure(err, ReceiveStage.MESSAGE, whole, whole);
  }
}

/** A budget for the partial messages of several receivers together (none: each is bounded alone). */
export interface SharedBudget {
  budget: ReassemblyBudget | null;
}

export interface StreamReceiveLimits extends ReassemblerLimits, SharedBudget {
  /** Largest single PDU (header + payload + authentication block). */
  maxPduBytes: number;
}

/** One TCP connection's receive path: framer, reassembler, decoder. */
export class IsnsStreamReceiver {
  private readonly frames: PduStreamDecoder;
  private readonly joiner: Reassembler;
  private broken = false;

  constructor(limits: Partial<StreamReceiveLimits> = {}) {
    const { maxPduBytes = DEFAULT_MAX_PDU_BYTES, budget = null, ...joining } = limits;
    this.frames = new PduStreamDecoder(maxPduBytes);
    this.joiner = new Reassembler(joining, budget);
  }

  /** Appends bytes from the socket (copied). Ignored once the stream has broken. */
  write(chunk: Uint8Array): void {
    if (!this.broken) this.frames.write(chunk);
  }

  /**
   * The next message or error, or null until more bytes come. A FRAMING error ends the stream: it is
   * returned once, and everything held is dropped.
   */
  next(now: number): Received | null {
    while (!this.broken) {
      let pdu: IsnsPdu | null;
      try {
        pdu = this.frames.read();
      } catch (err) {
        this.broken = true;
        this.frames.reset();
        this.joiner.clear();
        return failure(err, ReceiveStage.FRAMING, err instanceof StreamBrokenError ? err.header : null);
      }
      if (pdu === null) return null;
      const item = receivePdu(this.joiner, pdu, now);
      if (item !== null) return item;
    }
    return null;
  }

  /** The stream broke (a FRAMING error was returned): the connection should close. */
  get isBroken(): boolean {
    return this.broken;
  }

  /** Bytes written but not yet framed into a PDU that next() returned. */
  get buffered(): number {
    return this.frames.buffered;
  }

  /** Partial multi-PDU messages held. */
  get pendingCount(): number {
    return this.joiner.pendingCount;
  }

  /** Drops partial messages whose first PDU came more than `maxAgeMs` before `now`; returns how many. */
  expire(now: number, maxAgeMs: number): number {
    return this.joiner.expire(now, maxAgeMs);
  }

  /** Drops everything held (the connection is gone), giving partial messages' bytes back to the budget. */
  clear(): void {
    this.frames.reset();
    this.joiner.clear();
  }
}

export interface DatagramReceiveLimits extends ReassemblerLimits, SharedBudget {
  /** Peers with partial messages held at once; one more evicts the peer that has held them longest. */
  maxPeers: number;
}

/** First and Last PDU both set: the message is this one PDU (§5.1.5). */
const ONE_PDU = Flag.FIRST_PDU | Flag.LAST_PDU;

/** One UDP socket's receive path: each datagram one PDU; PDUs joined per peer (address and port). */
export class IsnsDatagramReceiver {
  private readonly maxPeers: number;
  private readonly joining: Partial<ReassemblerLimits>;
  private readonly budget: ReassemblyBudget | null;
  /** A Reassembler per peer with partial messages, oldest first. */
  private readonly peers = new Map<string, Reassembler>();
  /** One-PDU messages from peers holding nothing: no state is kept for them. */
  private readonly stateless = new Reassembler();
  private readonly onPeerEvicted: (peer: string) => void;

  /** `onPeerEvicted` hears of each peer whose partial messages were dropped to make room for another's. */
  constructor(limits: Partial<DatagramReceiveLimits> = {}, onPeerEvicted: (peer: string) => void = () => {}) {
    const { maxPeers = 1024, budget = null, ...joining } = limits;
    this.maxPeers = maxPeers;
    this.joining = joining;
    this.budget = budget;
    this.onPeerEvicted = onPeerEvicted;
  }

  /** One datagram from `peer`: the message it completes, why it failed (never fatal), or null (more PDUs to come). */
  receive(datagram: Uint8Array, peer: string, now: number): Received | null {
    let pdu: IsnsPdu;
    try {
      pdu = decodePdu(datagram);
    } catch (err) {
      return failure(err, ReceiveStage.FRAMING, datagram.length >= HEADER_LENGTH ? decodeHeader(datagram) : null);
    }
    let joiner = this.peers.get(peer);
    if (!joiner && (pdu.header.flags & ONE_PDU) === ONE_PDU) return receivePdu(this.stateless, pdu, now);
    joiner ??= this.addPeer(peer);
    const item = receivePdu(joiner, pdu, now);
    if (joiner.pendingCount === 0) this.peers.delete(peer);
    return item;
  }

  private addPeer(peer: string): Reassembler {
    if (this.peers.size >= this.maxPeers) {
      const oldest = this.peers.keys().next().value as string;
      this.peers.get(oldest)!.clear(); // its bytes go back to the budget
      this.peers.delete(oldest);
      this.onPeerEvicted(oldest);
    }
    const joiner = new Reassembler(this.joining, this.budget);
    this.peers.set(peer, joiner);
    return joiner;
  }

  /** Peers holding partial messages. */
  get peerCount(): number {
    return this.peers.size;
  }

  /** Drops partial messages older than `maxAgeMs`, and peers left with none; returns how many messages. */
  expire(now: number, maxAgeMs: number): number {
    let n = 0;
    for (const [peer, joiner] of this.peers) {
      n += joiner.expire(now, maxAgeMs);
      if (joiner.pendingCount === 0) this.peers.delete(peer);
    }
    return n;
  }
}
