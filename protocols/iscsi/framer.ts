// iSCSI over TCP — RFC 7143 §11.2: PDUs back to back, each 48 bytes of BHS, TotalAHSLength words of AHS and
// DataSegmentLength bytes of data padded to 4 (no digests: HeaderDigest and DataDigest are None, §13.1).
// Sans-I/O: write() what the socket delivered, next() hands out whole PDUs. A data segment longer than the
// receiver takes (MaxRecvDataSegmentLength, §13.12) breaks the stream: nothing after it can be trusted to be
// a header, so the caller drops the connection (§7.8 "the connection is ... dropped").
import { DecodeError } from '../errors.js';
import { BHS_LENGTH, IscsiError, PROTO, pduLength } from './bhs.js';

/** 8 KiB: the data segment any PDU may carry during login (§6.3: MaxRecvDataSegmentLength is 8192 then). */
export const LOGIN_DATA_SEGMENT_LENGTH = 8192;

export class PduFramer {
  /** The longest data segment accepted; raise it once the session has declared more. */
  maxDataSegmentLength: number;
  private parts: Buffer[] = [];
  private held = 0;

  constructor(maxDataSegmentLength = LOGIN_DATA_SEGMENT_LENGTH) {
    this.maxDataSegmentLength = maxDataSegmentLength;
  }

  /** Bytes held for a PDU not yet whole. */
  get buffered(): number {
    return this.held;
  }

  /** Appends a chunk (kept as it is: the caller must not reuse it). */
  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.parts.push(chunk);
    this.held += chunk.length;
  }

  /** The next whole PDU (its own buffer), or null until more bytes come. Throws DecodeError when the stream breaks. */
  next(): Buffer | null {
    if (this.held < BHS_LENGTH) return null;
    const head = this.peekHeader();
    const dataLength = head.readUIntBE(5, 3);
    if (dataLength > this.maxDataSegmentLength) {
      throw new DecodeError(PROTO, 'DataSegmentLength', 5, `${dataLength} bytes exceed the ${this.maxDataSegmentLength} this side takes`, IscsiError.tooLong);
    }
    const length = pduLength(head);
    if (this.held < length) return null;
    return this.take(length);
  }

  private peekHeader(): Buffer {
    if (this.parts[0].length >= BHS_LENGTH) return this.parts[0];
    this.parts = [Buffer.concat(this.parts, this.held)];
    return this.parts[0];
  }

  private take(length: number): Buffer {
    const first = this.parts[0];
    let pdu: Buffer;
    if (first.length >= length) {
      pdu = first.subarray(0, length);
      if (first.length === length) this.parts.shift();
      else this.parts[0] = first.subarray(length);
    } else {
      pdu = Buffer.allocUnsafe(length);
      let filled = 0;
      while (filled < length) {
        const part = this.parts[0];
        const n = Math.min(part.length, length - filled);
        part.copy(pdu, filled, 0, n);
        filled += n;
        if (n === part.length) this.parts.shift();
        else this.parts[0] = part.subarray(n);
      }
    }
    this.held -= length;
    return pdu;
  }
}
