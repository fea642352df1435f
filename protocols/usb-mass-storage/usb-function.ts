// What a USB device's bulk endpoints and class requests are bound to: here, the Bulk-Only mass-storage function.
// The USB/IP server hands it every bulk URB and class control request; it answers each with the URB's outcome.
// The interface is asynchronous because a read or write may wait on the medium (a file, an HTTP Range read).

/** Status values a RET_SUBMIT carries: negated Linux errno (usbip_common.h, include/uapi/asm-generic/errno-base.h). */
export const UrbStatus = {
  ok: 0,
  /** -EPIPE: the endpoint halted (a STALL handshake, USB 2.0 §8.4.5). */
  stall: -32,
  /** -ECONNRESET: the URB was unlinked before it completed (usbip_common.h RET_UNLINK). */
  unlinked: -104,
  /** -EOVERFLOW: the device sent more than the host asked for (babble). */
  overflow: -75,
} as const;

export interface UrbOutcome {
  readonly status: number;
  /** Device-to-host data (bulk IN); absent for OUT transfers and stalls. */
  readonly data?: Buffer;
  /** Bytes moved: data.length for IN, bytes consumed for OUT. */
  readonly actualLength: number;
}

export interface UsbFunction {
  /** Host-to-device bytes on the bulk OUT endpoint. */
  bulkOut(data: Buffer): Promise<UrbOutcome>;
  /** Device-to-host: at most `maxLength` bytes on the bulk IN endpoint. */
  bulkIn(maxLength: number): Promise<UrbOutcome>;
  /** Class request FFh, Bulk-Only Mass Storage Reset (USB MSC BOT 1.0 §3.1). */
  reset(): void;
  /** Class request FEh, Get Max LUN (USB MSC BOT 1.0 §3.2): the highest LUN number, 0 for one LUN. */
  maxLun(): number;
  /** CLEAR_FEATURE(ENDPOINT_HALT) on a bulk endpoint (USB 2.0 §9.4.1); `endpointAddress` has bit 7 set for IN. */
  clearHalt(endpointAddress: number): void;
  /** The host went away (connection closed, device released): drop any half-done command. */
  close(): void;
  /**
   * Whether the bulk IN (`endpointIn`) or OUT endpoint takes a transfer now; false is a NAK (USB 2.0 §8.4.6.1): the
   * URB waits, as a host controller retries it, until the function's state changes. Absent: always takes one.
   */
  ready?(endpointIn: boolean): boolean;
}
