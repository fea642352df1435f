// iSNSP over TCP — RFC 4171 §5.1: PDUs back to back on the stream, each sized by its header's PDU Length
// (plus the authentication block's own length when the Auth flag is set). The framer is sans-I/O: write it
// whatever the socket delivered, read whole PDUs out one at a time (or push: both at once). Chunks are held
// as a list and joined only once a PDU is complete, so a peer dribbling bytes costs linear, not quadratic,
// copying. The whole receive path (framing, reassembly, decoding) is receive.ts.
import { DecodeError } from '../errors.js';
import { HEADER_LENGTH, decodeHeader, decodePdu, pduLengthAt, type IsnsHeader, type IsnsPdu } from './header.js';

/**
 * The stream broke: a header announced more than the limit (or an authentication block length below the
 * minimum). It cannot be resynchronised, so the caller answers what came before and closes the connection.
 */
export class StreamBrokenError extends DecodeError {
  /** Whole PDUs the same push() completed before the break, in order (none from read()). */
  readonly completed: IsnsPdu[];
  /** The header of the PDU whose length broke the stream (the server answers it with status 2). */
  readonly header: IsnsHeader;

  constructor(cause: DecodeError, completed: IsnsPdu[], header: IsnsHeader) {
    super(cause.protocol, cause.field, cause.offset, '', cause.code);
    this.message = cause.message;
    this.completed = completed;
    this.header = header;
  }
}

/** 12-byte header + 65,535-byte payload + a modest authentication block. */
export const DEFAULT_MAX_PDU_BYTES = HEADER_LENGTH + 0xffff + 4096;

export class PduStreamDecoder {
  readonly maxPduBytes: number;
  private parts: Buffer[] = [];
  private held = 0;
  /** Bytes needed before the next look: the header, the header plus the auth block's length field, or the PDU. */
  private waitFor = HEADER_LENGTH;
  private known = false;

  constructor(maxPduBytes = DEFAULT_MAX_PDU_BYTES) {
    this.maxPduBytes = maxPduBytes;
  }

  /** Bytes held for a PDU not yet complete. */
  get buffered(): number {
    return this.held;
  }

  private joined(): Buffer {
    if (this.parts.length > 1) this.parts = [Buffer.concat(this.parts, this.held)];
    return this.parts[0];
  }

  /** Appends `chunk` (copied: the PDUs read() returns are views into what is held). */
  write(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.parts.push(Buffer.from(chunk));
    this.held += chunk.length;
  }

  /**
   * The next whole PDU, or null until more bytes are written. Throws StreamBrokenError (with no completed
   * PDUs) when a header breaks the stream: ERR_PDU_TOO_LARGE when it announces more than the limit,
   * ERR_AUTH_LENGTH for an authentication block shorter than its fixed part; it throws again on every later
   * call, as nothing after the break can be framed.
   */
  read(): IsnsPdu | null {
    while (this.held >= this.waitFor) {
      const buf = this.joined();
      if (!this.known) {
        const need = this.lengthAt(buf);
        if (need === null) {
          // Auth flag set: the block's length field sits 4 bytes after the payload
          this.waitFor = HEADER_LENGTH + buf.readUInt16BE(4) + 8;
          if (this.waitFor > this.maxPduBytes) this.tooLarge(this.waitFor, buf);
          continue;
        }
        if (need > this.maxPduBytes) this.tooLarge(need, buf);
        this.waitFor = need;
        this.known = true;
        continue;
      }
      const n = this.waitFor;
      const pdu = decodePdu(buf.subarray(0, n)); // cannot fail: lengthAt read these very length fields
      this.parts = buf.length > n ? [buf.subarray(n)] : [];
      this.held -= n;
      this.waitFor = HEADER_LENGTH;
      this.known = false;
      return pdu;
    }
    return null;
  }

  /**
   * write() then read() until null: the PDUs `chunk` completes. The StreamBrokenError carries the PDUs the
   * same call completed before the break.
   */
  push(chunk: Uint8Array): IsnsPdu[] {
    this.write(chunk);
    const out: IsnsPdu[] = [];
    try {
      for (let pdu = this.read(); pdu !== null; pdu = this.read()) out.push(pdu);
    } catch (err) {
      if (err instanceof StreamBrokenError) throw new StreamBrokenError(err, out, err.header);
      throw err;
    }
    return out;
  }

  /** pduLengthAt, with its errors (an authentication block length below the minimum) as a broken stream. */
  private lengthAt(buf: Buffer): number | null {
    try {
      return pduLengthAt(buf);
    } catch (err) {
      if (err instanceof DecodeError) throw new StreamBrokenError(err, [], decodeHeader(buf));
      throw err;
    }
  }

  private tooLarge(n: number, buf: Buffer): never {
    const cause = new DecodeError('isns', 'pdu length', 4, `PDU of ${n} bytes exceeds ${this.maxPduBytes}`, 'ERR_PDU_TOO_LARGE');
    throw new StreamBrokenError(cause, [], decodeHeader(buf));
  }

  reset(): void {
    this.parts = [];
    this.held = 0;
    this.waitFor = HEADER_LENGTH;
    this.known = false;
  }
}
