// iSNSP over TCP — RFC 4171 §5.1: PDUs back to back on the stream, each sized by its header's PDU Length
// (plus the authentication block's own length when the Auth flag is set). The framer is sans-I/O: feed it
// whatever the socket delivered, get whole PDUs back. Chunks are held as a list and joined only once a
// PDU is complete, so a peer dribbling bytes costs linear, not quadratic, copying.
import { DecodeError } from '../errors.js';
import { HEADER_LENGTH, decodePdu, pduLengthAt, type IsnsPdu } from './header.js';

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

  /**
   * Appends `chunk` (copied) and returns the PDUs it completes. Throws DecodeError ERR_PDU_TOO_LARGE (or
   * ERR_AUTH_LENGTH) when a header announces more than the limit: the stream cannot be resynchronised, so
   * the caller closes the connection.
   */
  push(chunk: Uint8Array): IsnsPdu[] {
    if (chunk.length > 0) {
      this.parts.push(Buffer.from(chunk));
      this.held += chunk.length;
    }
    const out: IsnsPdu[] = [];
    while (this.held >= this.waitFor) {
      if (!this.known) {
        const buf = this.joined();
        const need = pduLengthAt(buf);
        if (need === null) {
          // Auth flag set: the block's length field sits 4 bytes after the payload
          this.waitFor = HEADER_LENGTH + buf.readUInt16BE(4) + 8;
          if (this.waitFor > this.maxPduBytes) this.tooLarge(this.waitFor);
          continue;
        }
        if (need > this.maxPduBytes) this.tooLarge(need);
        this.waitFor = need;
        this.known = true;
        continue;
      }
      const buf = this.joined();
      const n = this.waitFor;
      out.push(decodePdu(buf.subarray(0, n)));
      this.parts = buf.length > n ? [buf.subarray(n)] : [];
      this.held -= n;
      this.waitFor = HEADER_LENGTH;
      this.known = false;
    }
    return out;
  }

  private tooLarge(n: number): never {
    throw new DecodeError('isns', 'pdu length', 4, `PDU of ${n} bytes exceeds ${this.maxPduBytes}`, 'ERR_PDU_TOO_LARGE');
  }

  reset(): void {
    this.parts = [];
    this.held = 0;
    this.waitFor = HEADER_LENGTH;
    this.known = false;
  }
}
