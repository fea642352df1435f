// The bmcfleet subcommands: each one's summary for `bmcfleet --help`, and its module, loaded only when it runs, so that
// `bmcfleet rollout status` does not first load the emulator, the manager's SQLite store and every other command.
import type { OptionTable } from './args.js';

export interface Subcommand {
  run(argv: string[]): Promise<number>;
  /**
   * The options it parses, by the subcommand whose --help lists them ('' : the command's own --help, for a command with
   * one help page). test/unit/cli-help.test.ts checks each help page against its table.
   */
  options: Record<string, OptionTable>;
}

export const COMMANDS: Record<string, { summary: string; load(): Promise<Subcommand> }> = {
  emulate: { summary: 'run a fleet of emulated BMCs (RMCP/RMCP+ on UDP)', load: async () => (await import('./emulate.js')).emulateCommand },
  ctl: {
    summary: 'a running fleet\'s control API: list, show, power, fault, stall, reboot, virtual media, sensors, sel, add, remove',
    load: async () => (await import('./ctl.js')).ctlCommand,
  },
  fleet: {
    summary: 'check fleet files, every mistake with its line (validate); write a starter file (init)',
    load: async () => (await import('./fleet.js')).fleetCommand,
  },
  bench: { summary: 'load-test BMCs over RMCP+ (requests/s, latency, session setups/s)', load: async () => (await import('./bench.js')).benchCommand },
  sol: { summary: 'capture many BMC consoles losslessly (heartbeat-based console watcher)', load: async () => (await import('./sol.js')).solCommand },
  isns: {
    summary: 'iSNS server for the fleet\'s iSCSI targets, and an iSNS client (discover, find, list, register, dd, dds)',
    load: async () => (await import('./isns.js')).isnsCommand,
  },
  slp: {
    summary: 'find services by SLP (multicast or a Directory Agent), and run a minimal SLP Directory Agent',
    load: async () => (await import('./slp.js')).slpCommand,
  },
  firmware: {
    summary: 'build HPM.1 firmware images for the emulated BMCs (ipmitool hpm upgrade)',
    load: async () => (await import('./firmware.js')).firmwareCommand,
  },
  manager: { summary: 'the firmware manager: its HTTP API (serve) and its public key (key)', load: async () => (await import('./manager.js')).managerCommand },
  rollout: {
    summary: 'start, follow, pause, resume and abort firmware rollouts, and read their reports',
    load: async () => (await import('./rollout.js')).rolloutCommand,
  },
  rmc: {
    summary: 'rack controllers: trust a manager\'s key (trust), push an image to one RMC (upload)',
    load: async () => (await import('./rmc.js')).rmcCommand,
  },
  provision: {
    summary: 'bare-metal provisioning: discover BMCs, read their hosts\' hardware, pick hosts for a role',
    load: async () => (await import('./provision.js')).provisionCommand,
  },
  'cluster-update': {
    summary: 'update a whole cluster from one image, within max-down limits',
    load: async () => (await import('./cluster-update.js')).clusterUpdateCommand,
  },
  bootcfg: {
    summary: 'iSCSI boot configuration: boot a host from a target the iSNS server lists (request, release, status, targets)',
    load: async () => (await import('./bootcfg.js')).bootcfgCommand,
  },
  image: {
    summary: 'build install images for the emulated hosts (ISO 9660 with a SHA-256 manifest)',
    load: async () => (await import('./image.js')).imageCommand,
  },
};
