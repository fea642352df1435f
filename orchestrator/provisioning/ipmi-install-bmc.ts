// An install's BMC side over IPMI (install-runner.ts's InstallBmc): the bmcfleet OEM virtual-media commands for the
// CD-ROM, System Boot Options for the next boot, Chassis Control for the power cycle, and the OEM Get Install Progress
// for the host's agent. One RMCP+ session, opened when first needed and again after any failure (the BMC may have
// dropped it while the host rebooted).
import { KeptBmcSession } from '../../clients/ipmi/bmc-session.js';
import type { IpmiClientOptions } from '../../clients/ipmi/ipmi-client.js';
import { BootDeviceCode, SetSystemBootOptions } from '../../protocols/ipmi/commands/boot-options.js';
import { ChassisAction, ChassisControl, GetChassisStatus } from '../../protocols/ipmi/commands/chassis.js';
import type { IpmiCommand } from '../../protocols/ipmi/commands/command.js';
import { GetInstallProgress, InstallPhase } from '../../protocols/ipmi/oem/install-progress.js';
import {
  GetVirtualMediaStatus, MAX_STATUS_SOURCE_BYTES, MediaAction, MediaState, SetVirtualMedia, VirtualDrive,
} from '../../protocols/ipmi/oem/virtual-media.js';
import type { AgentReport } from './install-machine.js';
import { InsertRefusedError, type InstallBmc } from './install-runner.js';

const PHASES: Record<number, AgentReport['phase']> = {
  [InstallPhase.IDLE]: 'idle', [InstallPhase.ATTACHING]: 'attaching', [InstallPhase.VERIFYING]: 'verifying',
  [InstallPhase.COPYING]: 'copying', [InstallPhase.PACKAGES]: 'packages', [InstallPhase.FINISHING]: 'finishing',
  [InstallPhase.DONE]: 'done', [InstallPhase.FAILED]: 'failed',
};

/** The drive shows `image` (a file name shows as its path in the image folder; a status cuts long sources). */
function showsImage(source: string, image: string): boolean {
  const cut = Buffer.from(image).subarray(0, MAX_STATUS_SOURCE_BYTES).toString('utf8');
  return source === image || source === cut || source.endsWith(`/${image}`);
}

export class IpmiInstallBmc implements InstallBmc {
  private readonly session: KeptBmcSession;

  constructor(login: IpmiClientOptions) {
    this.session = new KeptBmcSession(login);
  }

  async insertCd(image: string): Promise<'inserted' | 'inserting'> {
    const status = await this.call(GetVirtualMediaStatus, { drive: VirtualDrive.CDROM });
    if (showsImage(status.source, image)) {
      if (status.state === MediaState.INSERTED) return 'inserted';
      if (status.state === MediaState.INSERTING) return 'inserting';
      if (status.state === MediaState.FAILED) throw new InsertRefusedError(`the BMC could not load ${image}: ${status.error}`);
    }
    await this.call(SetVirtualMedia, { drive: VirtualDrive.CDROM, action: MediaAction.INSERT, source: image });
    return 'inserting';
  }

  async setBootCd(): Promise<void> {
    // IPMI 2.0 §28.13 Table 28-14 parameter 5: valid, next boot only, legacy, CD/DVD
    await this.call(SetSystemBootOptions, { locked: false, parameter: { kind: 'boot-flags', valid: true, persistent: false, efi: false, device: BootDeviceCode.CDROM } });
  }

  async progress(): Promise<AgentReport> {
    const p = await this.call(GetInstallProgress, {});
    return { run: p.run, phase: PHASES[p.phase], percent: p.percent, message: p.message, role: p.role };
  }

  /** A power cycle (§28.3), or a power up when the host is off: a cycle of a host that is off does nothing on some BMCs. */
  async powerCycle(): Promise<void> {
    const status = await this.call(GetChassisStatus, undefined);
    await this.call(ChassisControl, { action: status.powerOn ? ChassisAction.POWER_CYCLE : ChassisAction.POWER_UP });
  }

  close(): void {
    this.session.close();
  }

  private call<Req, Res>(def: IpmiCommand<Req, Res>, req: Req): Promise<Res> {
    return this.session.with((c) => c.call(def, req));
  }
}
