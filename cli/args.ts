// Small helpers over node:util parseArgs for every subcommand: typed numbers, clear errors.
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LOG_FORMAT_ENV, LOG_LEVEL_ENV } from '../runtime/log.js';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Values = Record<string, string | boolean | undefined>;

/** A command's options as parseArgs takes them (--help is added by parse()). */
export type OptionTable = NonNullable<ParseArgsConfig['options']>;

/**
 * --log-level and --log-format as `bmcfleet --help` and the help of each command that writes the diagnostics log list
 * them (bmcfleet takes them before or after any command: cli/bmcfleet.ts).
 */
export const LOG_OPTIONS_HELP = `  --log-level L    the diagnostics log on stderr: fatal, error, warn, info (default), debug or trace
                   (or ${LOG_LEVEL_ENV}; a fleet's shard processes log at their parent's level)
  --log-format F   pretty (default on a terminal) or json (one object a line; the default otherwise; or ${LOG_FORMAT_ENV})`;

/** argv's options (and, when `allowPositionals`, its other arguments); a mistake is a UsageError. */
export function parse(argv: string[], options: OptionTable, allowPositionals = false): { values: Values; positionals: string[] } {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (err) {
    // one line, as every usage error (node's own may take three: "... ambiguous.\nDid you forget ...")
    throw new UsageError((err as Error).message.replace(/\s*\n\s*/g, ' '));
  }
}

/** A string option's value (undefined when absent). */
export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** --user and --password, with the project's defaults: admin, and BMCFLEET_PASSWORD or "password". */
export function login(values: Values): { username: string; password: string } {
  return { username: str(values, 'user') ?? 'admin', password: str(values, 'password') ?? process.env.BMCFLEET_PASSWORD ?? 'password' };
}

/** login()'s --user and password (no --password here: $BMCFLEET_PASSWORD or the default), or --password-file's first line. */
export function bmcLogin(values: Values): { username: string; password: string } {
  const file = str(values, 'password-file');
  if (file === undefined) return login(values);
  let password: string;
  try {
    password = readFileSync(file, 'utf8').split(/\r?\n/)[0];
  } catch (err) {
    throw new UsageError(`--password-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (password === '') throw new UsageError(`--password-file ${file}: its first line is empty`);
  return { ...login(values), password };
}

export function integer(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}
