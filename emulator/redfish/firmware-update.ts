// A Redfish firmware update (SimpleUpdate or the multipart push) carried into the BMC's HPM.1 firmware model
// (bmc/firmware-upgrade.ts), the same steps an HPM.1 client takes (PICMG HPM.1 r1.0 §3.3, §3.4): upload (Initiate
// Upgrade Action "upload for upgrade", Upload Firmware Block), Finish Firmware Upload (the image checked, then
// written), Activate Firmware (the controller reboots into it). Its Redfish task follows each step.
//
// The image is bmcfleet firmware itself, streamed into the upload as it arrives, or an HPM.1 image file holding it (what
// `bmcfleet firmware pack` writes for ipmitool), kept whole (it is bounded by the firmware model's limit) until it
// has arrived, then checked as ipmitool checks it and its upload action's firmware uploaded.
//
// The task completes once the image is written and checked; the activation starts ACTIVATION_DELAY_MS later, so a
// client polling the task monitor (sushy every second) sees it done before the BMC goes silent for its reboot, as
// real BMCs finish the task and then restart. After the reboot, Get Device ID and Managers/1 show the new version.
import { CompletionCode } from '../../protocols/ipmi/completion-codes.js';
import { HpmCommand, IN_PROGRESS, UpgradeAction } from '../../protocols/ipmi/commands/hpm.js';
import { DecodeError } from '../../protocols/errors.js';
import { decodeHpmImage, ImageAction, isHpmImage, uploadComponent } from '../../protocols/ipmi/hpm-image.js';
import { BMC_FIRMWARE_COMPONENT } from '../../protocols/ipmi/oem/bmcfleet-firmware.js';
import type { Clock } from '../../runtime/clock.js';
import type { FirmwareUpgrade } from '../bmc/firmware-upgrade.js';
import type { RedfishTask } from './task-table.js';

/** Between the task's completion and the activation (the BMC's reboot). */
export const ACTIVATION_DELAY_MS = 3000;
/** Upload Firmware Block takes the image in pieces of at most this (an HTTP chunk, or a pushed image cut up). */
const BLOCK_BYTES = 64 * 1024;
/** Who the update is for, in the task's messages (the FirmwareInventory entry). */
const COMPONENT = 'BMC';
/** How often an overdue write (a hung flash, the firmwareHang fault) is looked at again. */
const OVERDUE_CHECK_MS = 100;
/** Bytes that tell an HPM.1 image file from bare firmware (its signature, "PICMGFWU"). */
const SNIFF_BYTES = 8;
/** An HPM.1 image file's header and action records, besides the firmware it holds. */
const HPM_OVERHEAD_BYTES = 64 * 1024;

export class FirmwareUpdateRun {
  readonly task: RedfishTask;
  private readonly firmware: FirmwareUpgrade;
  private readonly clock: Clock;
  private readonly image: string;
  /** The image's size when known (Content-Length, a pushed file): the transfer's share of the progress. */
  private expectedBytes: number | null = null;
  private block = 0;
  private received = 0;
  /** Firmware bytes given to Upload Firmware Block. */
  private uploaded = 0;
  /** What the image is, once its first bytes are in: null until then (they wait in `held`). */
  private format: 'firmware' | 'hpm-image' | null = null;
  /** The first bytes (until the format is known), or the whole of an HPM.1 image file. */
  private held: Buffer[] = [];
  private heldBytes = 0;

  private constructor(firmware: FirmwareUpgrade, task: RedfishTask, clock: Clock, image: string) {
    this.firmware = firmware;
    this.task = task;
    this.clock = clock;
    this.image = image;
  }

  /** Opens an upload into `firmware` for `task`; null (and the task failed) when a step of another upgrade runs. */
  static begin(firmware: FirmwareUpgrade, task: RedfishTask, clock: Clock, image: string): FirmwareUpdateRun | null {
    const run = new FirmwareUpdateRun(firmware, task, clock, image);
    if (firmware.deadline !== null || firmware.initiate(1 << BMC_FIRMWARE_COMPONENT, UpgradeAction.UPLOAD_FOR_UPGRADE, clock.now()) !== CompletionCode.OK) {
      run.fail('Update.1.0.TransferFailed');
      return null;
    }
    task.progress(0, 'Update.1.0.TransferringToComponent', [image, COMPONENT]);
    return run;
  }

  /** The image's size, once known: progress counts the transfer as the first half. */
  expect(bytes: number | null): void {
    this.expectedBytes = bytes;
  }

  get failed(): boolean {
    return !this.task.running;
  }

  /** The next bytes of the image; false once the update has failed (too large, or another upload took over). */
  write(chunk: Uint8Array): boolean {
    if (this.failed) return false;
    this.received += chunk.length;
    if (this.expectedBytes) this.task.progress((50 * this.received) / this.expectedBytes);
    if (this.format === 'firmware') return this.upload(chunk);
    this.held.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.heldBytes += chunk.length;
    if (this.format === 'hpm-image') {
      if (this.heldBytes <= this.firmware.maxFirmwareBytes + HPM_OVERHEAD_BYTES) return true;
      this.fail('Update.1.0.TransferFailed');
      return false;
    }
    if (this.heldBytes < SNIFF_BYTES) return true;
    const head = this.held.length === 1 ? this.held[0] : Buffer.concat(this.held); // a pushed file: no copy
    this.format = isHpmImage(head) ? 'hpm-image' : 'firmware';
    if (this.format === 'hpm-image') return true;
    this.held = [];
    this.heldBytes = 0;
    return this.upload(head);
  }

  /** Upload Firmware Block, a block at a time. */
  private upload(chunk: Uint8Array): boolean {
    for (let at = 0; at < chunk.length; at += BLOCK_BYTES) {
      const cc = this.firmware.uploadBlock(this.block, chunk.subarray(at, at + BLOCK_BYTES));
      if (cc !== CompletionCode.OK) {
        this.fail('Update.1.0.TransferFailed');
        return false;
      }
      this.block = (this.block + 1) & 0xff;
    }
    this.uploaded += chunk.length;
    return true;
  }

  /** The whole image has arrived: check and write it, then complete the task and activate. */
  end(): void {
    if (this.failed) return;
    this.task.progress(50, 'Update.1.0.VerifyingAtComponent', [this.image, COMPONENT]);
    const held = this.held.length === 1 ? this.held[0] : Buffer.concat(this.held);
    this.held = [];
    // an HPM.1 image file: its upload action's firmware; bytes too few to tell: firmware (the check refuses them)
    const firmware = this.format === 'hpm-image' ? firmwareInImage(held) : held;
    if (firmware === null || !this.upload(firmware)) {
      this.fail('Update.1.0.VerificationFailed');
      return;
    }
    const cc = this.firmware.finish(BMC_FIRMWARE_COMPONENT, this.uploaded, this.clock.now());
    if (cc === CompletionCode.OK || cc === IN_PROGRESS) this.awaitWrite();
    else this.fail('Update.1.0.VerificationFailed');
  }

  /** The transfer failed (the image server, the connection): the upload is dropped. */
  abandon(): void {
    if (this.failed) return;
    this.firmware.abort();
    this.fail('Update.1.0.TransferFailed');
  }

  /**
   * Waits out the write step (the firmware link settles it at its deadline), then looks at how it ended. Past the
   * deadline (a hung write, or this timer ran before the link's), it looks again every OVERDUE_CHECK_MS, not at once.
   */
  private awaitWrite(): void {
    const deadline = this.firmware.deadline;
    if (deadline !== null) {
      this.task.progress(75);
      const left = deadline - this.clock.now();
      this.clock.setTimeout(() => this.awaitWrite(), left > 0 ? left : OVERDUE_CHECK_MS);
      return;
    }
    const last = this.firmware.status();
    if (last.command !== HpmCommand.FINISH_FIRMWARE_UPLOAD || last.completionCode !== CompletionCode.OK || this.firmware.banks.deferred === null) {
      this.fail('Update.1.0.TransferFailed'); // a power loss cut the write short, or another upgrade took over
      return;
    }
    this.task.complete(this.clock.now(), 'Update.1.0.UpdateSuccessful', [COMPONENT, this.image]);
    this.clock.setTimeout(() => { this.firmware.activate(this.clock.now()); }, ACTIVATION_DELAY_MS);
  }

  private fail(id: 'Update.1.0.TransferFailed' | 'Update.1.0.VerificationFailed'): void {
    this.task.fail(this.clock.now(), id, [this.image, COMPONENT]);
  }
}

/** The BMC firmware an HPM.1 image file's upload action holds, or null (a defective image, or none for the BMC). */
function firmwareInImage(file: Buffer): Uint8Array | null {
  try {
    const upload = decodeHpmImage(file).actions.find((a) => a.type === ImageAction.UPLOAD_FIRMWARE && uploadComponent(a.components) === BMC_FIRMWARE_COMPONENT);
    return upload?.type === ImageAction.UPLOAD_FIRMWARE ? upload.firmware : null;
  } catch (err) {
    if (err instanceof DecodeError) return null;
    throw err;
  }
}
