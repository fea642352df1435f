#!/usr/bin/env node
// bmcfleet: the command-line entry point; each subcommand lives in its own file.
import { UsageError } from './args.js';
import { LOG_FORMATS, LOG_FORMAT_ENV, LOG_LEVELS, LOG_LEVEL_ENV, parseLogFormat, parseLogLevel } from '../runtime/log.js';
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

usage: bmcfleet [--log-level L] [--log-format F] <command> [options]      (bmcfleet <command> --help for its options)
       bmcfleet --version

  --log-level L    the diagnostics log on stderr: fatal, error, warn, info (default), debug or trace
                   (or BMCFLEET_LOG_LEVEL; a fleet's shard processes log at their parent's level)
  --log-format F   pretty (default on a terminal) or json (one object a line; the default otherwise)

commands:
${lines.join('\n')}
`;
}

async function main(argv: string[]): Promise<number> {
  let name: string | undefined;
  let rest: string[];
  try {
    [name, ...rest] = withLogOptions(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bmcfleet: ${err.message}\n`);
    return 2;
  }
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

/**
 * argv without --log-level and --log-format (before or after the command; never after "--"), whose values go to
 * BMCFLEET_LOG_LEVEL and BMCFLEET_LOG_FORMAT: this process's log reads them, and its child processes inherit them.
 */
function withLogOptions(argv: string[]): string[] {
  const out: string[] = [];
  const options = [
    { flag: '--log-level', env: LOG_LEVEL_ENV, parse: parseLogLevel, allowed: LOG_LEVELS },
    { flag: '--log-format', env: LOG_FORMAT_ENV, parse: parseLogFormat, allowed: LOG_FORMATS },
  ];
  for (const o of options) {
    const set = process.env[o.env];
    if (set !== undefined && o.parse(set) === null) throw new UsageError(`${o.env} must be one of ${o.allowed.join(', ')}, got "${set}"`);
  }
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const option = options.find((o) => argv[i] === o.flag || argv[i].startsWith(`${o.flag}=`));
    if (!option) {
      out.push(argv[i]);
      continue;
    }
    const value = argv[i].includes('=') ? argv[i].slice(option.flag.length + 1) : argv[++i];
    if (option.parse(value) === null) throw new UsageError(`${option.flag} must be one of ${option.allowed.join(', ')}, got ${value === undefined ? 'nothing' : `"${value}"`}`);
    process.env[option.env] = option.parse(value)!;
  }
  return out;
}

main(process.argv.slice(2)).then((code) => { if (code !== 0) process.exitCode = code; });
