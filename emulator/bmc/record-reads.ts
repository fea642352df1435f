// What the SDR repository (IPMI 2.0 §33.11 Reserve SDR Repository, §33.12 Get SDR) and the SEL (§31.4 Reserve SEL,
// §31.5 Get SEL Entry) share: a reservation that any repository change cancels, and a read of part of a record.
import { ENTIRE_RECORD, type RecordReadResponse } from '../../protocols/ipmi/commands/record-read.js';
import { CompletionCode } from '../../protocols/ipmi/completion-codes.js';

/** The part read, or the completion code to refuse with. */
export type RecordReadResult = RecordReadResponse | { cc: number };

export class Reservation {
  private current = 0;
  private last = 0;

  /** A new reservation ID (never 0000h); the previous one is cancelled. */
  reserve(): number {
    this.last = (this.last % 0xffff) + 1;
    this.current = this.last;
    return this.current;
  }

  valid(id: number): boolean {
    return id !== 0 && id === this.current;
  }

  /** The repository changed: the outstanding reservation no longer holds. */
  cancel(): void {
    this.current = 0;
  }

  /** A read needs a valid reservation when it starts past byte 0, and is checked whenever it names one. */
  permitsRead(id: number, offset: number): boolean {
    return (offset === 0 && id === 0) || this.valid(id);
  }
}

/** A read of `count` bytes (FFh: all) of `record` from `offset`: the next record's ID, and a view of the bytes. */
export function partialRead(record: Uint8Array, next: number, offset: number, count: number): RecordReadResult {
  if (offset >= record.length) return { cc: CompletionCode.PARAMETER_OUT_OF_RANGE };
  const end = count === ENTIRE_RECORD ? record.length : Math.min(record.length, offset + count);
  return { nextRecordId: next, data: record.subarray(offset, end) };
}
