// bmcfleet bench ipmi: load-test BMCs (emulated or real) with RMCP+ sessions and report throughput and latency.
import { UsageError, integer, login, parse, str } from './args.js';
import { parseTargets } from './targets.js';
import { LOAD_COMMANDS, runIpmiLoad, type LoadCommand, type LoadReport } from '../clients/ipmi/load-generator.js';
import { plural } from '../runtime/plural.js';

const HELP = `usage: bmcfleet bench ipmi --targets A-B [--port P] [--concurrency C] [--duration S]
                          [--cipher 17|3|...] [--command get-device-id|chassis-status]
                          [--sessions] [--user U --password W] [--json]

Opens RMCP+ sessions to the targets (C at once, worker i on target i mod N) and sends the command
back to back for S seconds; reports requests/s, latency p50/p90/p99 and errors. With --sessions it
measures session setup instead: each worker opens a session (Open Session, RAKP 1-4, Set Session
Privilege, as ipmitool does) and closes it, in a loop.

options:
  --targets LIST     addresses: A, A-B, or a comma-separated mix (required)
  --port P           UDP port (default 623)
  --concurrency C    sessions in flight at once (default 16)
  --duration S       seconds (default 10)
  --cipher N         cipher suite (default 17; ipmi_sim has no SHA-256 suites: use 3 against it)
  --command NAME     get-device-id (default) or chassis-status
  --sessions         measure session setups/s instead of requests/s
  --timeout MS       per-request timeout (default 1000)
  --user U, --password W   credentials (default admin / password, or BMCFLEET_PASSWORD)
  --json             one JSON object instead of the summary

Failures are counted by cause, each with one example: no-answer, wrong-password, unknown-user,
privilege-refused, cipher-suite-refused, session-table-full, completion-code, other. A worker whose
login cannot succeed (the first four) stops rather than fill the BMC's session table. The exit status
is 1 when not one request (or session setup) succeeded.

example:
  bmcfleet emulate --bmcs 100 --ipmi-port 9623 &
  bmcfleet bench ipmi --targets 127.1.0.1-127.1.0.100 --port 9623 --concurrency 64 --duration 20 --json
`;

const IPMI_OPTIONS = {
  targets: { type: 'string' }, port: { type: 'string' }, concurrency: { type: 'string' }, duration: { type: 'string' },
  cipher: { type: 'string' }, command: { type: 'string' }, sessions: { type: 'boolean' }, timeout: { type: 'string' },
  user: { type: 'string' }, password: { type: 'string' }, json: { type: 'boolean' },
} as const;

export const benchCommand = {
  options: { ipmi: IPMI_OPTIONS },
  async run(argv: string[]): Promise<number> {
    const [what, ...rest] = argv;
    if (what === '--help' || what === '-h' || what === undefined) {
      process.stdout.write(HELP);
      return what === undefined ? 2 : 0;
    }
    if (what !== 'ipmi') throw new UsageError(`unknown benchmark "${what}" (known: ipmi)`);
    const { values } = parse(rest, IPMI_OPTIONS);
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const targetSpec = str(values, 'targets');
    if (!targetSpec) throw new UsageError('--targets is required (e.g. --targets 127.1.0.1-127.1.0.100)');
    const command = (str(values, 'command') ?? 'get-device-id') as LoadCommand;
    if (!(command in LOAD_COMMANDS)) throw new UsageError(`--command must be one of ${Object.keys(LOAD_COMMANDS).join(', ')}`);
    const options = {
      targets: parseTargets(targetSpec),
      port: integer(str(values, 'port'), 'port', 623, 1, 65535),
      concurrency: integer(str(values, 'concurrency'), 'concurrency', 16, 1, 10_000),
      durationMs: integer(str(values, 'duration'), 'duration', 10, 1, 86_400) * 1000,
      cipherSuite: integer(str(values, 'cipher'), 'cipher', 17, 0, 17),
      command,
      mode: values.sessions ? 'sessions' as const : 'requests' as const,
      timeoutMs: integer(str(values, 'timeout'), 'timeout', 1000, 10, 60_000),
      ...login(values),
    };
    // The load generator waits on the Clock, whose timers do not hold the process open: while every worker backed off
    // from a full session table (no socket open), the process ended silently with exit 0. This timer holds it open.
    const alive = setInterval(() => {}, 60_000);
    const report = await runIpmiLoad(options).finally(() => clearInterval(alive));
    if (values.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else {
      const l = report.latencyMs;
      process.stdout.write(`${report.mode === 'sessions' ? `${report.sessionSetupsPerSec} session setups/s` : `${report.requestsPerSec} requests/s`}` +
        ` over ${report.seconds} s, ${plural(report.concurrency, 'worker')} on ${plural(report.targets, 'target')}, suite ${report.cipherSuite}\n` +
        `latency ms: p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  max ${l.max}\nerrors: ${errorLines(report).join('\n        ') || 'none'}\n`);
    }
    const worked = report.mode === 'sessions' ? report.sessionSetups : report.requests;
    if (worked > 0) return 0;
    process.stderr.write(`bmcfleet bench ipmi: nothing succeeded: ${errorLines(report).join('; ') || 'no attempt finished'}\n`);
    return 1;
  },
};

/** "wrong-password x16 (127.1.0.1: session setup: RAKP 2 HMAC is invalid: wrong password (or BMC key))". */
function errorLines(report: LoadReport): string[] {
  return Object.entries(report.errors).map(([cause, n]) => `${cause} x${n} (${report.errorExamples[cause as keyof LoadReport['errors']]})`);
}
