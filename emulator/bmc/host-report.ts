// What the BMC keeps of a report its host makes (the installation agent's progress, issue 14; the iSCSI boot
// firmware's status, issue 15): the last one and when it came, which a bmcfleet OEM command reads (Get Install
// Progress, Get iSCSI Boot Status). Volatile, as a BMC's RAM: a fleet process that starts again starts at run 0.

export class HostReport<R extends object> {
  private status: R & { updatedAt: number };

  /** `initial`: what is read before the host reports anything (run 0). */
  constructor(initial: R) {
    this.status = { ...initial, updatedAt: 0 };
  }

  /** The host's report (Set Install Progress, or the emulated host in process as its in-band path). */
  report(report: R, now: number): void {
    this.status = { ...report, updatedAt: now };
  }

  /** The latest report, with when it came (ms on the BMC's clock). */
  get current(): R & { updatedAt: number } {
    return this.status;
  }
}
