// A boot request's BMC side over IPMI (boot-runner.ts's BootBmc): the bmcfleet OEM iSCSI boot parameters
// (clients/ipmi/iscsi-boot.ts), System Boot Options parameter 5 for a PXE boot once, Chassis Control to power the
// host on or cycle it. One RMCP+ session, opened when first needed and again after any failure.
import { KeptBmcSession } from '../../clients/ipmi/bmc-session.js';
import type { IpmiClientOptions } from '../../clients/ipmi/ipmi-client.js';
import { writeIscsiBoot, type IscsiBootConfig } from '../../clients/ipmi/iscsi-boot.js';
import { BootDeviceCode, SetSystemBootOptions } from '../../protocols/ipmi/commands/boot-options.js';
import { ChassisAction, ChassisControl, GetChassisStatus } from '../../protocols/ipmi/commands/chassis.js';
import type { BootBmc } from './boot-runner.js';

export class IpmiBootBmc implements BootBmc {
  private readonly session: KeptBmcSession;

  constructor(login: IpmiClientOptions) {
    this.session = new KeptBmcSession(login);
  }

  writeParameters(config: IscsiBootConfig): Promise<void> {
    return this.session.with((c) => writeIscsiBoot(c, config));
  }

  async setBootPxe(): Promise<void> {
    // IPMI 2.0 §28.13 Table 28-14 parameter 5: valid, next boot only, legacy, PXE (as `ipmitool chassis bootdev pxe`)
    await this.session.with((c) => c.call(SetSystemBootOptions, { locked: false, parameter: { kind: 'boot-flags', valid: true, persistent: false, efi: false, device: BootDeviceCode.PXE } }));
  }

  /** Power up when off; a power cycle when on (§28.3), so the host boots now either way. */
  async powerOnOrCycle(): Promise<void> {
    await this.session.with(async (c) => {
      const status = await c.call(GetChassisStatus, undefined);
      await c.call(ChassisControl, { action: status.powerOn ? ChassisAction.POWER_CYCLE : ChassisAction.POWER_UP });
    });
  }

  close(): void {
    this.session.close();
  }
}
