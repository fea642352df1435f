#!/usr/bin/env node
// bmcfleet: the command-line entry point; each subcommand lives in its own file.
import { UsageError } from './args.js';
import { benchCommand } from './bench.js';
import { bootcfgCommand } from './bootcfg.js';
import { clusterUpdateCommand } from './cluster-update.js';
import { ctlCommand } from './ctl.js';
import { emulateCommand } from './emulate.js';
import { firmwareCommand } from './firmware.js';
import { fleetCommand } from './fleet.js';
import { imageCommand } from './image.js';
import { solCommand } from './sol.js';
import { isnsCommand } from './isns.js';
import { packageVersion } from './package-info.js';
import { provisionCommand } from './provision.js';
import { managerCommand } from './manager.js';
import { rmcCommand } from './rmc.js';
import { rolloutCommand } from './rollout.js';
import { slpCommand } from './slp.js';

interface Subcommand { summary: string; run(argv: string[]): Promise<number> }

const COMMANDS: Record<string, Subcommand> = {
  emulate: emulateCommand,
  ctl: ctlCommand,
  fleet: fleetCommand,
  bench: benchCommand,
  sol: solCommand,
  isns: isnsCommand,
  slp: slpCommand,
  firmware: firmwareCommand,
  manager: managerCommand,
  rollout: rolloutCommand,
  rmc: rmcCommand,
  provision: provisionCommand,
  'cluster-update': clusterUpdateCommand,
  bootcfg: bootcfgCommand,
  image: imageCommand,
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)} ${c.summary}`);
  return `bmcfleet: emulated BMC fleets that real IPMI tools talk to

usage: bmcfleet <command> [options]      (bmcfleet <command> --help for its options)
       bmcfleet --version

commands:
${lines.join('\n')}
`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    process.stdout.write(`bmcfleet ${packageVersion()}\n`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    if (name === 'help' && rest[0] && COMMANDS[rest[0]]) return COMMANDS[rest[0]].run(['--help']);
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`bmcfleet: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`bmcfleet ${name}: ${err.message}\n(see: bmcfleet ${name} --help)\n`);
      return 2;
    }
    process.stderr.write(`bmcfleet ${name}: ${(err as Error).message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => { if (code !== 0) process.exitCode = code; });
