// What the BMC keeps of its host's last boot from iSCSI (issue 15, step 5): the last report of the host's firmware,
// which the bmcfleet OEM command Get iSCSI Boot Status reads (protocols/ipmi/oem/iscsi-boot-status.ts). Volatile, as
// a BMC's RAM: a fleet process that starts again starts at run 0.
import { IscsiBootError, IscsiBootState, type IscsiBootReport, type IscsiBootStatus } from '../../protocols/ipmi/oem/iscsi-boot-status.js';

export class IscsiBootStatusRecord {
  private status: IscsiBootStatus = { run: 0, state: IscsiBootState.NONE, error: IscsiBootError.NONE, lun: 0, targetName: '', message: '', updatedAt: 0 };

  /** The host firmware's report (in process, as its in-band path). */
  report(report: IscsiBootReport, now: number): void {
    this.status = { ...report, updatedAt: now };
  }

  /** The latest report (Get iSCSI Boot Status). */
  get current(): IscsiBootStatus {
    return this.status;
  }
}
