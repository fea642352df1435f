// The BMC's firmware flash, as HPM.1 r1.0 §3 sees one component: the active image (its version is the one Get
// Device ID reports), the backup copy a rollback returns to, and an uploaded image waiting to be activated (the
// "deferred" version). Versions only: the emulated flash keeps no firmware bytes. Pure state.
import type { HpmVersion } from '../../protocols/ipmi/commands/hpm.js';

/** Where the running firmware's version lives: the BMC's Get Device ID identity (model.ts DeviceIdentity). */
export interface RunningFirmware {
  firmwareMajor: number;
  /** 0-99 */
  firmwareMinor: number;
  auxFirmware: Buffer;
}

export class FirmwareBanks {
  /** The copy a rollback activates; null until a backup or an activation made one. */
  backup: HpmVersion | null = null;
  /** Uploaded, checked and written, not yet active. */
  deferred: HpmVersion | null = null;
  private readonly device: RunningFirmware;

  constructor(device: RunningFirmware) {
    this.device = device;
  }

  /** The running firmware's version (a copy). */
  get active(): HpmVersion {
    const d = this.device;
    return { major: d.firmwareMajor, minor: d.firmwareMinor, aux: Buffer.from(d.auxFirmware) };
  }

  /** Copies the active image to the backup bank. */
  backUp(): void {
    this.backup = this.active;
  }

  /** The deferred image becomes active; the one it replaces is kept as the backup. False when none is waiting. */
  activate(): boolean {
    if (this.deferred === null) return false;
    this.backup = this.active;
    this.setActive(this.deferred);
    this.deferred = null;
    return true;
  }

  /** The backup becomes active and the active one the backup (the banks swap). False when there is no backup. */
  rollBack(): boolean {
    if (this.backup === null) return false;
    const replaced = this.active;
    this.setActive(this.backup);
    this.backup = replaced;
    return true;
  }

  private setActive(v: HpmVersion): void {
    this.device.firmwareMajor = v.major;
    this.device.firmwareMinor = v.minor;
    this.device.auxFirmware = Buffer.from(v.aux);
  }
}
