// Stand-ins for a host's BMC, its boot-status probe and the iSNS server's DDs, for the boot runner's unit tests (the
// real ones, over IPMI and iSNS, are driven in test/integration): a power command with the next boot set to PXE and a
// target in the parameters starts one iSCSI boot run, booted 2 s later from the target the parameters name.
import type { BootReport } from '../../orchestrator/bootcfg/boot-machine.js';
import type { BootBmc, BootDomains, HostBootProbe } from '../../orchestrator/bootcfg/boot-runner.js';
import type { IscsiBootConfig } from '../../protocols/ipmi/commands/iscsi-boot-parameters.js';
import type { Clock } from '../../runtime/clock.js';

export class ScriptedBootHost implements BootBmc, HostBootProbe {
  parameters: IscsiBootConfig | null = null;
  pxeOnce = false;
  powers = 0;
  run = 3;
  runStartedAt: number | null = null;
  bootedFrom: string | null = null;
  /** The next run fails with this error. */
  failWith: string | null = null;
  calls: string[] = [];
  private readonly clock: Clock;
  constructor(clock: Clock) {
    this.clock = clock;
  }
  async writeParameters(config: IscsiBootConfig): Promise<void> { this.calls.push('parameters'); this.parameters = config; }
  async setBootPxe(): Promise<void> { this.calls.push('pxe'); this.pxeOnce = true; }
  async powerOnOrCycle(): Promise<void> {
    this.calls.push('power');
    this.powers++;
    if (this.pxeOnce && this.parameters) {
      this.run++;
      this.runStartedAt = this.clock.now();
      this.bootedFrom = this.parameters.targetName;
      this.pxeOnce = false;
    }
  }
  async status(): Promise<BootReport> {
    this.calls.push('status');
    const ended = this.runStartedAt !== null && this.clock.now() - this.runStartedAt >= 2000;
    const state = this.runStartedAt === null ? 'none' : !ended ? 'booting' : this.failWith ? 'failed' : 'booted';
    return { run: this.run, state, error: state === 'failed' ? this.failWith! : '', message: '', targetName: this.bootedFrom ?? '', lun: this.parameters?.lun ?? 0 };
  }
  close(): void {}
}

export class ScriptedDomains implements BootDomains {
  readonly dds = new Map<string, { id: number; members: string[] }>();
  private nextId = 1;
  calls: string[] = [];
  async ensure(name: string, members: readonly string[]): Promise<number> {
    this.calls.push(`ensure ${name}`);
    const dd = this.dds.get(name) ?? { id: this.nextId++, members: [] };
    dd.members = [...members];
    this.dds.set(name, dd);
    return dd.id;
  }
  async remove(name: string): Promise<void> {
    this.calls.push(`remove ${name}`);
    this.dds.delete(name);
  }
}
