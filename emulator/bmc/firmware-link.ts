// Glue between the BMC's firmware upgrade machine (firmware-upgrade.ts) and time: a timer on the Clock for the
// running step's deadline, and the controller reboot that activation and rollback end in. Also where a fault
// injector cuts the power mid-flash, or makes the running step hang (the firmwareHang fault).
import type { Clock } from '../../runtime/clock.js';
import type { FirmwareUpgrade } from './firmware-upgrade.js';

export class FirmwareLink {
  private readonly firmware: FirmwareUpgrade;
  private readonly clock: Clock;
  private readonly reboot: (ms: number) => void;
  private timer: { cancel(): void } | null = null;
  private hung = false;

  /** `reboot(ms)` reboots the controller: silent for ms, every session lost. */
  constructor(firmware: FirmwareUpgrade, clock: Clock, reboot: (ms: number) => void) {
    this.firmware = firmware;
    this.clock = clock;
    this.reboot = reboot;
    firmware.onBusy = (until) => this.wakeAt(until);
  }

  /** The controller loses power for `offMs`: the step running is cut short (never the active image), then it boots. */
  losePower(offMs: number): void {
    this.cancel();
    this.firmware.losePower();
    this.reboot(offMs);
  }

  /**
   * While hung, a long step never ends: it answers 80h, and Get Upgrade Status says so, until the hang is lifted (the
   * step then ends at its deadline, or at once if that has passed) or the power is lost.
   */
  setHang(on: boolean): void {
    if (on === this.hung) return;
    this.hung = on;
    if (on) this.cancel();
    else if (this.firmware.deadline !== null) this.wakeAt(this.firmware.deadline);
  }

  close(): void {
    this.cancel();
  }

  private wakeAt(at: number): void {
    this.cancel();
    if (this.hung) return;
    this.timer = this.clock.setTimeout(() => this.settle(), Math.max(0, at - this.clock.now()));
  }

  private settle(): void {
    this.timer = null;
    const done = this.firmware.settle(this.clock.now());
    if (done) this.reboot(done.rebootMs);
    const next = this.firmware.deadline;
    if (next !== null) this.wakeAt(next);
  }

  private cancel(): void {
    this.timer?.cancel();
    this.timer = null;
  }
}
