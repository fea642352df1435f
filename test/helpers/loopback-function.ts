// A tiny UsbFunction for the USB/IP tests, standing in for the Bulk-Only mass-storage function: what the host sends
// on bulk OUT comes back on bulk IN (a bulk IN with nothing to give waits for it), every call is recorded, and a read
// left waiting is settled (stalled) by reset() or close(), as a real function drops a half-done command.
import { UrbStatus, type UrbOutcome, type UsbFunction } from '../../protocols/usb-mass-storage/usb-function.js';

export class LoopbackFunction implements UsbFunction {
  readonly calls: string[] = [];
  maxLunValue = 0;
  private readonly held: Buffer[] = [];
  private wake: (() => void) | null = null;

  async bulkOut(data: Buffer): Promise<UrbOutcome> {
    this.calls.push(`out ${data.length}`);
    this.held.push(Buffer.from(data));
    this.wake?.();
    return { status: UrbStatus.ok, actualLength: data.length };
  }

  async bulkIn(maxLength: number): Promise<UrbOutcome> {
    this.calls.push(`in ${maxLength}`);
    if (this.held.length === 0) {
      const woken = await new Promise<boolean>((resolve) => { this.wake = () => resolve(this.held.length > 0); });
      this.wake = null;
      if (!woken) return { status: UrbStatus.stall, actualLength: 0 };
    }
    const first = this.held[0];
    const data = first.subarray(0, maxLength);
    if (data.length === first.length) this.held.shift();
    else this.held[0] = first.subarray(data.length);
    return { status: UrbStatus.ok, data, actualLength: data.length };
  }

  /** True while a bulk IN waits for data. */
  get reading(): boolean {
    return this.wake !== null;
  }

  reset(): void {
    this.calls.push('reset');
    this.drop();
  }

  maxLun(): number {
    return this.maxLunValue;
  }

  clearHalt(endpointAddress: number): void {
    this.calls.push(`clear-halt ${endpointAddress.toString(16)}`);
  }

  close(): void {
    this.calls.push('close');
    this.drop();
  }

  private drop(): void {
    this.held.length = 0;
    this.wake?.();
  }
}
