// A minimal Bulk-Only host for the tests, driving a UsbFunction the way Linux usb-storage does
// (drivers/usb/storage/transport.c usb_stor_Bulk_transport): CBW, the data phase in URBs of at most `urb`
// bytes (a short one ends it; a STALL is cleared with CLEAR_FEATURE(HALT) and ends it), then the CSW, read
// again once after a STALL.
import { CSW_LENGTH, decodeCsw, encodeCbw, type CommandStatusWrapper } from '../../protocols/usb-mass-storage/bot.js';
import { UrbStatus, type UsbFunction } from '../../protocols/usb-mass-storage/usb-function.js';

export const BULK_IN = 0x81;
export const BULK_OUT = 0x02;

export interface HostCommand {
  cdb: number[] | Buffer;
  /** dCBWDataTransferLength; with `out` data it defaults to its length, else to 0. */
  length?: number;
  /** Data to send (a data-out command). */
  out?: Buffer;
  /** Bulk IN URB size for the data phase. Default 64 KiB. */
  urb?: number;
  tag?: number;
}

export interface HostResult {
  data: Buffer;
  /** Sizes of the data-phase URBs that completed with data. */
  pieces: number[];
  /** STALLs met in the data phase and on the CSW. */
  dataStalled: boolean;
  cswStalled: boolean;
  csw: CommandStatusWrapper;
}

let nextTag = 1;

export async function runCommand(fn: UsbFunction, c: HostCommand): Promise<HostResult> {
  const cb = Buffer.from(c.cdb);
  const tag = c.tag ?? nextTag++;
  const dataIn = c.out === undefined;
  const length = c.length ?? c.out?.length ?? 0;
  const cbwOutcome = await fn.bulkOut(encodeCbw({ tag, dataTransferLength: length, dataIn: dataIn && length > 0, lun: 0, cb }));
  if (cbwOutcome.status !== UrbStatus.ok) throw new Error(`CBW URB ended with status ${cbwOutcome.status}`);
  const pieces: number[] = [];
  const chunks: Buffer[] = [];
  let dataStalled = false;
  if (length > 0 && dataIn) {
    const urb = c.urb ?? 64 * 1024;
    for (let got = 0; got < length;) {
      const ask = Math.min(urb, length - got);
      const o = await fn.bulkIn(ask);
      if (o.status === UrbStatus.stall) {
        dataStalled = true;
        fn.clearHalt(BULK_IN);
        break;
      }
      if (o.status !== UrbStatus.ok) throw new Error(`data URB ended with status ${o.status}`);
      chunks.push(o.data!);
      pieces.push(o.actualLength);
      got += o.actualLength;
      if (o.actualLength < ask) break; // short packet
    }
  } else if (length > 0 && c.out) {
    const urb = c.urb ?? 64 * 1024;
    for (let sent = 0; sent < c.out.length;) {
      const piece = c.out.subarray(sent, sent + urb);
      const o = await fn.bulkOut(piece);
      sent += o.actualLength;
      if (o.status === UrbStatus.stall) {
        dataStalled = true;
        fn.clearHalt(BULK_OUT);
        break;
      }
    }
  }
  let cswStalled = false;
  let o = await fn.bulkIn(CSW_LENGTH);
  if (o.status === UrbStatus.stall) {
    cswStalled = true;
    fn.clearHalt(BULK_IN);
    o = await fn.bulkIn(CSW_LENGTH);
  }
  if (o.status !== UrbStatus.ok) throw new Error(`CSW URB ended with status ${o.status}`);
  const csw = decodeCsw(o.data!);
  if (csw.tag !== tag) throw new Error(`CSW tag ${csw.tag} is not the CBW's ${tag}`);
  return { data: Buffer.concat(chunks), pieces, dataStalled, cswStalled, csw };
}

/** Reset recovery (BOT 1.0 §5.3.4): Bulk-Only Mass Storage Reset, then CLEAR_FEATURE(HALT) on bulk IN and OUT. */
export function resetRecovery(fn: UsbFunction): void {
  fn.reset();
  fn.clearHalt(BULK_IN);
  fn.clearHalt(BULK_OUT);
}
