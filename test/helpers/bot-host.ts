// The Bulk-Only host of clients/usbip/bulk-only-host.ts in the shape the device tests use: one command, CBW to CSW,
// with no recovery (a test sees every case of BOT 1.0 §6.7), 64 KiB data URBs unless told, and tags of its own.
import { bulkOnlyTransfer, type BotTransferResult } from '../../clients/usbip/bulk-only-host.js';
import { BULK_IN_ENDPOINT, BULK_OUT_ENDPOINT } from '../../protocols/usb-mass-storage/usb-descriptors.js';
import type { UsbFunction } from '../../protocols/usb-mass-storage/usb-function.js';

export { resetRecovery } from '../../clients/usbip/bulk-only-host.js';

export const BULK_IN = BULK_IN_ENDPOINT;
export const BULK_OUT = BULK_OUT_ENDPOINT;

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

export type HostResult = BotTransferResult;

let nextTag = 1;

export function runCommand(fn: UsbFunction, c: HostCommand): Promise<HostResult> {
  return bulkOnlyTransfer(fn, { cb: Buffer.from(c.cdb), length: c.length, out: c.out, tag: c.tag ?? nextTag++ }, { maxUrbBytes: c.urb ?? 64 * 1024 });
}
