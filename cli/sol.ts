// bmcfleet sol watch: capture many BMC consoles at once, each to its own log file, for as long as it runs.
import { mkdirSync } from 'node:fs';
import { UsageError, integer, login, parse, str } from './args.js';
import { parseTargets } from './targets.js';
import { CONSOLE_WATCH_DEFAULTS, ConsoleWatch, type ConsoleWatchStats } from '../orchestrator/console/console-watch.js';
import { plural } from '../runtime/plural.js';
import { stopSignal } from './stop-signal.js';

const HELP = `usage: bmcfleet sol watch --targets A-B --log-dir DIR [--port P] [--interval MS] [--miss-threshold N]
                         [--duration S] [--user U --password W] [--cipher N] [--json]

Captures the host consoles of many BMCs at once, each to DIR/<address>.log, and stays connected for days.
It does not use Serial-over-LAN's own keepalive: every interval it sends each BMC a heartbeat (the
bmcfleet OEM command Console Heartbeat, netFn 2Eh cmd 10h, see the README) whose answer carries the
console output since the last position it acknowledged. A late or duplicate answer never ends a session;
only more than N heartbeats missed in a row do, and then it reconnects and fetches what it missed from
the BMC's console history (Read Console History, cmd 11h), so no line is lost while the BMC still holds it.

Prints one line starting with "ready" once every console has been tried; stops on Ctrl-C (SIGINT),
SIGTERM or after --duration, then prints a summary per console (--json: one JSON object on stdout, and
the ready line on stderr). A console that could not be reached is named with the cause (no-answer,
wrong-password, unknown-user, cipher-suite-refused, session-table-full, ...); the exit status is 1 when
not one console was ever watched.

options:
  --targets LIST       addresses: A, A-B, or a comma-separated mix (required)
  --log-dir DIR        where the logs go (created if missing; logs are appended to)
  --port P             UDP port of the BMCs (default 623)
  --interval MS        heartbeat period (default ${CONSOLE_WATCH_DEFAULTS.periodMs})
  --miss-threshold N   missed heartbeats in a row tolerated (default ${CONSOLE_WATCH_DEFAULTS.missThreshold}: one more ends the session)
  --duration S         stop after S seconds (default: run until stopped)
  --cipher N           cipher suite (default 17)
  --user U, --password W   credentials (default admin / password, or BMCFLEET_PASSWORD)
  --json               the summary as JSON

example:
  bmcfleet sol watch --targets 127.1.0.1-127.1.3.232 --port 9623 --log-dir /var/log/consoles
`;

const WATCH_OPTIONS = {
  targets: { type: 'string' }, 'log-dir': { type: 'string' }, port: { type: 'string' }, interval: { type: 'string' },
  'miss-threshold': { type: 'string' }, duration: { type: 'string' }, cipher: { type: 'string' },
  user: { type: 'string' }, password: { type: 'string' }, json: { type: 'boolean' },
} as const;

export const solCommand = {
  options: { watch: WATCH_OPTIONS },
  async run(argv: string[]): Promise<number> {
    const [what, ...rest] = argv;
    if (what === '--help' || what === '-h' || what === undefined) {
      process.stdout.write(HELP);
      return what === undefined ? 2 : 0;
    }
    if (what !== 'watch') throw new UsageError(`unknown sol command "${what}" (known: watch)`);
    const { values } = parse(rest, WATCH_OPTIONS);
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const targetSpec = str(values, 'targets');
    const logDir = str(values, 'log-dir');
    if (!targetSpec) throw new UsageError('--targets is required');
    if (!logDir) throw new UsageError('--log-dir is required');
    mkdirSync(logDir, { recursive: true });
    const common = {
      port: integer(str(values, 'port'), 'port', 623, 1, 65535),
      periodMs: integer(str(values, 'interval'), 'interval', CONSOLE_WATCH_DEFAULTS.periodMs, 50, 3_600_000),
      missThreshold: integer(str(values, 'miss-threshold'), 'miss-threshold', CONSOLE_WATCH_DEFAULTS.missThreshold, 0, 1000),
      cipherSuite: integer(str(values, 'cipher'), 'cipher', 17, 1, 17),
      ...login(values),
      logDir,
    };
    const durationS = str(values, 'duration') === undefined ? null : integer(str(values, 'duration'), 'duration', 0, 1, 31_536_000);
    const watches = parseTargets(targetSpec).map((host) => new ConsoleWatch({ host, ...common }));
    await Promise.all(watches.map((w) => w.start()));
    const watching = watches.filter((w) => w.stats().state === 'watching').length;
    // With --json, stdout carries only the JSON summary: the ready line goes to stderr.
    const say = values.json ? process.stderr : process.stdout;
    const why = watching < watches.length ? `; not yet: ${failureLines(watches.map((w) => w.stats())).join('; ')}` : '';
    const stopAsked = stopSignal(); // before the ready line: see stop-signal.ts
    say.write(`ready: watching ${watching} of ${plural(watches.length, 'console')}${watching < watches.length ? ' (the rest keep retrying)' : ''}, logs in ${logDir}${why}\n`);
    await (durationS === null ? stopAsked : Promise.race([stopAsked, new Promise<void>((resolve) => setTimeout(resolve, durationS * 1000))]));
    await Promise.all(watches.map((w) => w.stop()));
    const stats = watches.map((w) => w.stats());
    process.stdout.write(values.json ? `${JSON.stringify(summary(stats))}\n` : humanSummary(stats));
    if (stats.some((s) => s.connects > 0)) return 0;
    process.stderr.write(`bmcfleet sol watch: no console was ever watched: ${failureLines(stats).join('; ') || 'no login finished'}\n`);
    return 1;
  },
};

function summary(stats: ConsoleWatchStats[]) {
  const sum = (f: (s: ConsoleWatchStats) => number) => stats.reduce((n, s) => n + f(s), 0);
  return {
    consoles: stats.length,
    lines: sum((s) => s.capture.lines),
    bytesLost: sum((s) => s.capture.bytesLost),
    sequenceGaps: sum((s) => s.capture.sequenceGaps),
    sessionsEnded: sum((s) => s.heartbeat.sessionsEnded),
    lateReplies: sum((s) => s.heartbeat.late),
    connectFailures: sum((s) => s.connectFailures),
    perConsole: stats,
  };
}

/** Consoles not watched now, grouped by why their last login failed: "wrong-password: 127.1.0.1, 127.1.0.2 (...)". */
function failureLines(stats: ConsoleWatchStats[]): string[] {
  const byCause = new Map<string, { hosts: string[]; example: string }>();
  for (const s of stats) {
    if (s.state === 'watching' || !s.lastFailure) continue;
    const entry = byCause.get(s.lastFailure.cause) ?? { hosts: [], example: s.lastFailure.message };
    entry.hosts.push(s.host);
    byCause.set(s.lastFailure.cause, entry);
  }
  return [...byCause].map(([cause, e]) => `${cause}: ${e.hosts.join(', ')} (${e.example})`);
}

function humanSummary(stats: ConsoleWatchStats[]): string {
  const s = summary(stats);
  return `${plural(s.consoles, 'console')}: ${plural(s.lines, 'line')}, ${plural(s.bytesLost, 'byte')} lost, ${plural(s.sequenceGaps, 'sequence gap')}, ` +
    `${plural(s.sessionsEnded, 'session')} ended and reconnected, ${plural(s.lateReplies, 'late heartbeat reply', 'late heartbeat replies')} accepted\n`;
}
