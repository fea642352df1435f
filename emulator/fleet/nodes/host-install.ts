// Each host of a fleet with virtual media gets an installation agent (emulator/host/install-agent.ts): at every
// power-on and restart its BIOS takes a one-time CD boot override, and the agent installs from the CD-ROM. It costs
// an idle host one listener and no connection.
import type { EmulatedBmc } from '../../bmc/emulated-bmc.js';
import type { Clock } from '../../../runtime/clock.js';
import { DriveKind } from '../../../protocols/scsi/medium.js';
import { InstallAgent } from '../../host/install-agent.js';
import { InsertBusyError, type BmcMedia } from '../../media/bmc-media.js';
import { MediaError } from '../../media/media-error.js';
import type { VirtualMediaConfig } from '../fleet-config.js';

export function installAgentFor(bmc: EmulatedBmc, media: BmcMedia, config: VirtualMediaConfig, clock: Clock): InstallAgent {
  const { model } = bmc;
  const agent = new InstallAgent({
    bmc: model.ip, usbipPort: config.port, clock, console: bmc.host, stepMs: config.installStepMs,
    report: (progress, now) => model.install.report(progress, now),
    lastRun: () => model.install.current.run,
    drives: {
      cdromInserted: () => media.drive(DriveKind.cdrom).inserted,
      ejectCdrom: () => { media.eject(DriveKind.cdrom); },
      diskGeneration: () => media.drive(DriveKind.disk).generation,
      ensureDisk: async () => {
        if (media.drive(DriveKind.disk).inserted) return true;
        if (config.hostDisk === null) return false;
        try {
          await media.insert(DriveKind.disk, config.hostDisk);
          return true;
        } catch (err) {
          if (err instanceof MediaError || err instanceof InsertBusyError) return false;
          throw err;
        }
      },
    },
  });
  bmc.hostBoot = (at) => agent.boot(at, model.bootOptions.takeCdromBoot());
  model.onChange((e) => { if (e.kind === 'power' && e.outcome === 'powered-off') agent.powerOff(e.at); });
  return agent;
}
