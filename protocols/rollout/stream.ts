// Rollout messages over TCP (README "The rollout protocol"): the same bytes as over UDP, back to back, each sized by
// its header's length field, so an image transfer can move to a stream without a second framing. Sans-I/O: push
// what the socket delivered, get whole messages back, each ready for decodeMessage. Pieces are held as a list and
// joined only once the next message is complete, so a peer dribbling bytes costs linear copying, not quadratic.
import { messageLengthAt } from './header.js';

/** The header's first 4 bytes hold its length. */
const LENGTH_KNOWN_AT = 4;

export class RolloutStreamReader {
  private parts: Buffer[] = [];
  private held = 0;
  /** Bytes needed before looking again: 4, then the whole next message. */
  private need = LENGTH_KNOWN_AT;

  /** Bytes held for a message not yet complete (less than one message). */
  get buffered(): number {
    return this.held;
  }

  /**
   * Appends `chunk` (copied) and returns every message it completes, in order. A header that cannot be (a wrong
   * version or type, a length below the minimum) throws its DecodeError: the stream cannot be resynchronised.
   */
  push(chunk: Uint8Array): Buffer[] {
    if (chunk.length > 0) {
      this.parts.push(Buffer.from(chunk));
      this.held += chunk.length;
    }
    const out: Buffer[] = [];
    while (this.held >= this.need) {
      const data = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.held);
      const length = messageLengthAt(data)!;
      if (data.length < length) {
        this.parts = [data];
        this.need = length;
        break;
      }
      out.push(data.subarray(0, length));
      const rest = data.subarray(length);
      this.parts = rest.length > 0 ? [rest] : [];
      this.held = rest.length;
      this.need = LENGTH_KNOWN_AT;
    }
    return out;
  }
}
