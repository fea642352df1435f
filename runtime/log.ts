// The diagnostics log (issue 18): pino on stderr, one JSON object a line, or pino-pretty's coloured lines when stderr
// is a terminal. The level comes from BMCFLEET_LOG_LEVEL (bmcfleet --log-level sets it), which shard processes inherit,
// so a fleet's shards log at their parent's level. What a user reads (tables, ready lines, --json) is not logged.
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

/** pino's levels, most to least severe. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

export const LOG_LEVEL_ENV = 'BMCFLEET_LOG_LEVEL';
/** "json" or "pretty"; unset: pretty on a terminal, JSON otherwise. */
export const LOG_FORMAT_ENV = 'BMCFLEET_LOG_FORMAT';

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Where a component hands a line for the operator (info unless it says otherwise). */
export type LogSink = (line: string, level?: LogLevel) => void;

export function parseLogLevel(text: string | undefined): LogLevel | null {
  return LOG_LEVELS.find((l) => l === text?.toLowerCase()) ?? null;
}

export function parseLogFormat(text: string | undefined): LogFormat | null {
  return LOG_FORMATS.find((f) => f === text?.toLowerCase()) ?? null;
}

/** Whether a line at `level` shows when the log is at `threshold`. */
export function levelShows(level: LogLevel, threshold: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) <= LOG_LEVELS.indexOf(threshold);
}

/** The level this process logs at: BMCFLEET_LOG_LEVEL, else info (an unknown value is ignored: bmcfleet checks its flag). */
export function envLogLevel(env: NodeJS.ProcessEnv = process.env): LogLevel {
  return parseLogLevel(env[LOG_LEVEL_ENV]) ?? DEFAULT_LOG_LEVEL;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Default: pretty when `destination` is a terminal, JSON otherwise. */
  format?: LogFormat;
  /** Default: stderr. */
  destination?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** A pino logger writing synchronously (no worker thread, nothing lost when the process exits right after). */
export function createLogger(o: LoggerOptions = {}): Logger<never, boolean> {
  const destination = o.destination ?? process.stderr;
  const format = o.format ?? (destination.isTTY ? 'pretty' : 'json');
  const stream: DestinationStream = format === 'pretty'
    ? pretty({ destination, sync: true, colorize: destination.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'hostname' })
    : destination;
  // levels by name ("warn", not 40): what a reader of the JSON, or jq, expects
  return pino({
    level: o.level ?? DEFAULT_LOG_LEVEL, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  }, stream);
}

let processLog: Logger<never, boolean> | null = null;

/** This process's log on stderr, at BMCFLEET_LOG_LEVEL and in BMCFLEET_LOG_FORMAT (read once, on first use). */
export function processLogger(): Logger<never, boolean> {
  processLog ??= createLogger({ level: envLogLevel(), format: parseLogFormat(process.env[LOG_FORMAT_ENV]) ?? undefined });
  return processLog;
}

/** A LogSink onto `logger` (default: this process's). */
export function logSink(logger: Logger<never, boolean> = processLogger()): LogSink {
  return (line, level = 'info') => { logger[level](line); };
}
