// bmcfleet rollout: start, follow, pause, resume and abort firmware rollouts, and read their reports, through the
// manager's HTTP API (bmcfleet manager serve).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError, integer, str, type Values } from './args.js';
import { parseFlashTime } from './flash-time.js';
import { MANAGER_OPTIONS, MANAGER_OPTIONS_HELP, ManagerClient } from './manager-client.js';
import { reportText, rolloutLine, stateOf, statusText, summaryLine } from './rollout-print.js';
import { watchRollout } from './rollout-watch.js';
import { REPLY_SCHEME_NAMES } from '../orchestrator/manager/rollout-request.js';
import type { RolloutReport, RolloutStatusView, RolloutSummary } from '../orchestrator/rollout/rollout-views.js';
import { RolloutStatus } from '../orchestrator/store/run-records.js';

const SCHEMES = Object.keys(REPLY_SCHEME_NAMES).join('|');

const HELP = `usage: bmcfleet rollout start --image FILE --at TIME [--racks SELECTOR] [--reply-scheme ${SCHEMES}]
                             [--concurrency N] [--bmc-timeout S] [--json]
       bmcfleet rollout status [ID] [--watch [--interval S]] [--json]
       bmcfleet rollout pause|abort ID [--json]
       bmcfleet rollout resume ID [--at TIME] [--json]
       bmcfleet rollout report ID [--json]
       (each also takes --manager URL and --token-file F)

A rollout brings one HPM.1 firmware image (bmcfleet firmware pack makes them) to the BMCs of many racks.
The manager broadcasts a Prepare to the racks' controllers (RMCs), sends the image to each RMC that
answered, and each RMC checks it and, at the flash time, upgrades the BMCs of its own rack, a few at a time,
skipping those already at the image's version. The manager never flashes a BMC itself.

  start    starts one; prints its ID. Refused, with nothing started, for an image that is not HPM.1
           (truncated, bad checksum or MD5), a flash time in the past, an unknown rack, or racks already
           in a running rollout. Only the RMCs know their BMCs' product: an image for another one is
           caught when they answer the Prepare, no byte of it is sent, and a rollout that no rack that
           answered could take ends "refused"; each rack's line says whose BMCs it has
  status   without ID: every rollout, one line each. With ID: its state and each rack's progress.
           --watch follows it until it ends: progress bars on a terminal, a line per change otherwise;
           it exits 1 when the rollout was aborted or refused, or a BMC failed
  pause    RMCs start no new BMC (those under way finish); before the flash time the countdown stops
  resume   goes on. A flash time that passed while paused starts the racks still counting down at
           once; --at TIME gives them a new one (each RMC is told it before it resumes; a rack
           already flashing goes on)
  abort    BMCs not yet begun fail with reason "aborted"; each rack then reports
  report   every BMC: flashed, skipped (already at the version) or failed, with the reason (unreachable,
           login failed, upgrade refused, timed out, rolled back, wrong version after the reboot,
           aborted); a rack whose RMC took no part or failed, with why

options:
  --image FILE        the HPM.1 upgrade image
  --at TIME           when the RMCs flash (start; resume: a new time): ISO 8601 with its zone (2026-12-06T02:00:00Z,
                      2026-12-06T03:00+01:00), or from now: +30s, +5m, +2h, +1h30m
  --racks SELECTOR    which racks (default: every RMC the manager governs), comma-separated: rack
                      names (rack-3), globs over them (rack-*, row?-*; quote them from the shell), or RMC IDs
  --reply-scheme S    how RMCs space their answers to the broadcast (default: the manager's):
                        immediate   at once (a burst)
                        octet-sum   after a.b.c.d -> a+b+c+d ms of their address
                        window      at a random time in a window the manager sizes for the number of racks
                        rank-slots  one slot each, in plan order
  --concurrency N     BMCs each RMC flashes at once (1-65535; default: the manager's)
  --bmc-timeout S     seconds one BMC's upgrade may take before it fails with "timed out"
  --watch             status: follow until it ends
  --interval S        --watch: seconds between looks (default 1)
  --json              print the API's answer as JSON (--watch: one line each time it changed)
${MANAGER_OPTIONS_HELP}

examples:
  bmcfleet rollout start --image bmc-1.02.hpm --at +5m --racks 'rack-*'
  bmcfleet rollout status 1 --watch
  bmcfleet rollout report 1
`;

/** Each subcommand's own options, beside --manager, --token-file and --help. */
const OPTIONS_OF: Record<string, string[]> = {
  start: ['image', 'at', 'racks', 'reply-scheme', 'concurrency', 'bmc-timeout', 'json'],
  status: ['watch', 'interval', 'json'],
  pause: ['json'], resume: ['at', 'json'], abort: ['json'], report: ['json'],
};

/** The options of every rollout subcommand (OPTIONS_OF says which each takes). */
const OPTIONS = {
  ...MANAGER_OPTIONS, image: { type: 'string' }, at: { type: 'string' }, racks: { type: 'string' }, 'reply-scheme': { type: 'string' },
  concurrency: { type: 'string' }, 'bmc-timeout': { type: 'string' }, watch: { type: 'boolean' }, interval: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const rolloutCommand = {
  options: { '': OPTIONS },
  async run(argv: string[]): Promise<number> {
    const [what, ...rest] = argv;
    if (what === '--help' || what === '-h' || what === undefined) {
      process.stdout.write(HELP);
      return what === undefined ? 2 : 0;
    }
    if (!(what in OPTIONS_OF)) {
      throw new UsageError(`unknown rollout command "${what}" (known: start, status, pause, resume, abort, report)`);
    }
    const { values, positionals } = parseRollout(rest);
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const foreign = Object.keys(values).find((k) => !(k in MANAGER_OPTIONS) && !OPTIONS_OF[what].includes(k));
    if (foreign !== undefined) throw new UsageError(`--${foreign} is not an option of rollout ${what}`);
    const client = new ManagerClient(values);
    if (what === 'start') return start(client, values, positionals);
    if (what === 'status') return status(client, values, positionals);
    const id = rolloutId(positionals, true)!;
    if (what === 'report') {
      const report = await client.call<RolloutReport>('GET', `/rollouts/${id}/report`);
      process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : reportText(report));
      return 0;
    }
    const at = str(values, 'at');
    const body = at === undefined ? undefined : { flashTime: new Date(parseFlashTime(at, Date.now())).toISOString() };
    const after = await client.call<RolloutStatusView>('POST', `/rollouts/${id}/${what}`, body);
    process.stdout.write(values.json ? `${JSON.stringify(after)}\n` : `rollout ${id} ${what === 'abort' ? 'aborting' : `${what}d`}: now ${stateOf(after)}${
      body ? `, flash at ${new Date(after.flashTimeMs).toISOString()}` : ''}\n`);
    return 0;
  },
};

/** The options of every rollout subcommand, and the rollout ID when one is given. */
export function parseRollout(argv: string[]): { values: Values; positionals: string[] } {
  try {
    return parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: { ...OPTIONS, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function rolloutId(positionals: string[], required: boolean): number | null {
  if (positionals.length > 1) throw new UsageError(`one rollout ID, got ${positionals.join(' ')}`);
  if (positionals.length === 0) {
    if (required) throw new UsageError('the rollout ID is required (bmcfleet rollout status lists them)');
    return null;
  }
  return integer(positionals[0], 'ID', 0, 1, 0xffff_ffff);
}

/** The POST /rollouts body the options ask for (the image read and in base64). */
export function startBody(values: Values, nowMs: number): Record<string, unknown> {
  const image = str(values, 'image');
  if (image === undefined) throw new UsageError('--image FILE is required (bmcfleet firmware pack makes one)');
  const at = str(values, 'at');
  if (at === undefined) throw new UsageError('--at TIME is required: ISO 8601 with its zone, or +5m from now');
  const body: Record<string, unknown> = { flashTime: new Date(parseFlashTime(at, nowMs)).toISOString() };
  const racks = str(values, 'racks');
  if (racks !== undefined) body.racks = racks;
  const scheme = str(values, 'reply-scheme');
  if (scheme !== undefined) {
    if (!(scheme in REPLY_SCHEME_NAMES)) throw new UsageError(`--reply-scheme must be one of ${SCHEMES.replace(/\|/g, ', ')}, got "${scheme}"`);
    body.replyScheme = scheme;
  }
  if (values.concurrency !== undefined) body.concurrency = integer(str(values, 'concurrency'), 'concurrency', 0, 1, 0xffff);
  if (values['bmc-timeout'] !== undefined) body.bmcTimeoutMs = integer(str(values, 'bmc-timeout'), 'bmc-timeout', 0, 1, 4_294_967) * 1000;
  let bytes: Buffer;
  try {
    bytes = readFileSync(image);
  } catch (err) {
    throw new UsageError(`--image ${image}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  body.image = bytes.toString('base64');
  return body;
}

async function start(client: ManagerClient, values: Values, positionals: string[]): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`start takes no ID (got ${positionals[0]})`);
  const started = await client.call<RolloutStatusView>('POST', '/rollouts', startBody(values, Date.now()));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(started)}\n`);
  } else {
    process.stdout.write(`started ${rolloutLine(started, Date.now())}\n  follow it: bmcfleet rollout status ${started.rolloutId} --watch\n`);
  }
  return 0;
}

async function status(client: ManagerClient, values: Values, positionals: string[]): Promise<number> {
  let id = rolloutId(positionals, false);
  if (id === null && !values.watch) {
    const { rollouts } = await client.call<{ rollouts: RolloutSummary[] }>('GET', '/rollouts');
    if (values.json) process.stdout.write(`${JSON.stringify(rollouts)}\n`);
    else process.stdout.write(rollouts.length ? rollouts.map((r) => `${summaryLine(r, Date.now())}\n`).join('') : 'no rollouts yet (bmcfleet rollout start --help)\n');
    return 0;
  }
  if (id === null) {
    const { rollouts } = await client.call<{ rollouts: RolloutSummary[] }>('GET', '/rollouts');
    if (rollouts.length === 0) throw new Error('no rollouts to watch');
    id = rollouts[rollouts.length - 1].rolloutId;
  }
  if (!values.watch) {
    const s = await client.call<RolloutStatusView>('GET', `/rollouts/${id}`);
    process.stdout.write(values.json ? `${JSON.stringify(s)}\n` : statusText(s, Date.now()));
    return 0;
  }
  const intervalMs = integer(str(values, 'interval'), 'interval', 1, 1, 3600) * 1000;
  const last = await watchRollout(client, id, { intervalMs, json: values.json === true, tty: process.stdout.isTTY === true, out: process.stdout });
  return last.status === RolloutStatus.DONE && last.bmcs.failed === 0 ? 0 : 1;
}
