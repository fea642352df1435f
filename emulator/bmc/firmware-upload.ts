// One firmware upload, block by block (HPM.1 r1.0 §3.3, Upload Firmware Block): block numbers start at 0 and go up by
// one, wrapping at 256. A block sent again under the last number replaces it: ipmitool resends the same block,
// shorter, after C7h or a lost answer, from the same offset. So the last block is held back (copied into a buffer
// reused for every block) until the next one confirms it; everything before it has gone into the firmware reader.
import { FirmwareReader, type FirmwareHeader } from '../../protocols/ipmi/oem/bmcfleet-firmware.js';

export type BlockOutcome = 'ok' | 'out-of-sequence' | 'too-large';

export class FirmwareUpload {
  readonly component: number;
  private readonly maxBytes: number;
  private readonly reader = new FirmwareReader();
  private held: Buffer = Buffer.alloc(0);
  private heldLength = 0;
  /** The last block number accepted; -1 before the first. */
  private lastBlock = -1;

  constructor(component: number, maxBytes: number) {
    this.component = component;
    this.maxBytes = maxBytes;
  }

  /** Bytes received, the held-back block included. */
  get received(): number {
    return this.reader.length + this.heldLength;
  }

  write(blockNumber: number, data: Uint8Array): BlockOutcome {
    const again = blockNumber === this.lastBlock;
    if (!again && blockNumber !== ((this.lastBlock + 1) & 0xff)) return 'out-of-sequence';
    if (this.reader.length + (again ? 0 : this.heldLength) + data.length > this.maxBytes) return 'too-large';
    if (!again) this.reader.write(this.held.subarray(0, this.heldLength));
    if (this.held.length < data.length) this.held = Buffer.alloc(Math.max(data.length, 2 * this.held.length));
    this.held.set(data, 0);
    this.heldLength = data.length;
    this.lastBlock = blockNumber;
    return 'ok';
  }

  /** The firmware received, checked (a DecodeError names the defect). Once. */
  finish(): FirmwareHeader {
    this.reader.write(this.held.subarray(0, this.heldLength));
    this.heldLength = 0;
    return this.reader.finish();
  }
}
