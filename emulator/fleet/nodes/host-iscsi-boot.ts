// Every host of a fleet can boot from iSCSI (emulator/host/iscsi-boot-agent.ts): at every power-on and restart its
// BIOS takes a PXE boot override when OEM parameter 104 names a target, as a NIC configured for iSCSI boot does; any
// other boot goes on as before (the installation agent's CD boot, or the disk). The agent is made at the first such
// boot: an idle host costs one listener.
import type { EmulatedBmc } from '../../bmc/emulated-bmc.js';
import type { Clock } from '../../../runtime/clock.js';
import type { BootHow } from '../../host/host-console.js';
import type { InstallAgent } from '../../host/install-agent.js';
import { IscsiBootAgent } from '../../host/iscsi-boot-agent.js';

export interface HostIscsiBoot {
  close(): void;
}

/** Installs the iSCSI boot in `bmc.hostBoot`; `install`: the host's installation agent, when the fleet has virtual media. */
export function iscsiBootFor(bmc: EmulatedBmc, clock: Clock, install: InstallAgent | null): HostIscsiBoot {
  const { model } = bmc;
  let agent: IscsiBootAgent | null = null;
  const otherwise = bmc.hostBoot;
  bmc.hostBoot = (at): BootHow => {
    agent?.interrupt(at);
    if (!model.bootOptions.takeIscsiBoot()) return otherwise?.(at) ?? {};
    agent ??= new IscsiBootAgent({
      clock, console: bmc.host, settings: () => model.bootOptions.iscsi.config,
      report: (report, now) => model.iscsiBoot.report(report, now), lastRun: () => model.iscsiBoot.current.run,
    });
    // the fallback is the disk as the installation agent knows it (this also ends an install under way)
    return agent.boot(at, install ? install.boot(at, false) : {});
  };
  model.onChange((e) => { if (e.kind === 'power' && e.outcome === 'powered-off') agent?.interrupt(e.at); });
  return { close: () => agent?.close() };
}
