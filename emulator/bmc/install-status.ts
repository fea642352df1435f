// What the BMC keeps of its host's installation progress (issue 14): the last report of the host's agent, which the
// bmcfleet OEM command Get Install Progress reads (protocols/ipmi/oem/install-progress.ts). Volatile, as a BMC's
// RAM: a fleet process that starts again starts at run 0.
import { InstallError, InstallPhase, type InstallProgress, type InstallProgressStatus } from '../../protocols/ipmi/oem/install-progress.js';

export class InstallStatus {
  private status: InstallProgressStatus = { run: 0, phase: InstallPhase.IDLE, percent: 0, error: InstallError.NONE, message: '', role: '', updatedAt: 0 };

  /** The agent's report (Set Install Progress, or the emulated host in process). */
  report(progress: InstallProgress, now: number): void {
    this.status = { ...progress, updatedAt: now };
  }

  /** The latest report (Get Install Progress). */
  get current(): InstallProgressStatus {
    return this.status;
  }

  /** The number the next install takes: one past the last reported. */
  nextRun(): number {
    return this.status.run + 1;
  }
}
