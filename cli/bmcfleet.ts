#!/usr/bin/env node
// bmcfleet: the command-line entry point; each subcommand lives in its own file.
import { LOG_OPTIONS_HELP, UsageError } from './args.js';
import { LOG_FORMATS, LOG_FORMAT_ENV, LOG_LEVELS, LOG_LEVEL_ENV, parseLogFormat, parseLogLevel } from '../runtime/log.js';
import { COMMANDS } from './commands.js';
import { packageVersion } from './package-info.js';

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)} ${c.summary}`);
  return `bmcfleet: emulated BMC fleets that real IPMI tools talk to

usage: bmcfleet [--log-level L] [--log-format F] <command> [options]      (bmcfleet <command> --help for its options)
       bmcfleet --version

${LOG_OPTIONS_HELP}

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
    if (name === 'help' && rest[0] && Object.hasOwn(COMMANDS, rest[0])) return (await COMMANDS[rest[0]].load()).run(['--help']);
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const cmd = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!cmd) {
    process.stderr.write(`bmcfleet: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await cmd.load()).run(rest);
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
