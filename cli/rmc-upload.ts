// bmcfleet rmc upload: push an image to one rack controller directly, without a manager running (issue 11: "where
// there are only a few racks"). This process is the manager for that one rollout: the same RolloutManager, key and
// database as `manager serve` (so the RMC already trusts it, and the rollout is listed and resumable there), a Prepare
// for that RMC alone answered at once (an RMC the broadcast misses is polled by unicast), the image, the Flash, and the
// rack's report printed at the end.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOG_OPTIONS_HELP, UsageError, integer, parse, str } from './args.js';
import { parseFlashTime } from './flash-time.js';
import { DB_FILE_NAME, defaultStateDir } from './manager.js';
import { reportText } from './rollout-print.js';
import { loadOrCreateManagerKey } from '../orchestrator/manager/manager-key.js';
import { RolloutManager } from '../orchestrator/rollout/rollout-manager.js';
import { SqliteRolloutStore } from '../orchestrator/store/sqlite-rollout-store.js';
import { LIVE_STATUSES } from '../orchestrator/store/run-records.js';
import { DEFAULT_ROLLOUT_PORT } from '../protocols/rollout/header.js';
import { ReplyScheme } from '../protocols/rollout/prepare.js';
import { parseIpv4 } from '../protocols/ipv4.js';
import { systemClock } from '../runtime/clock.js';
import { processLogger } from '../runtime/log.js';

export const UPLOAD_HELP = `usage: bmcfleet rmc upload --rmc IP --id N --image FILE --at TIME [--rack NAME] [--state DIR]
                         [--broadcast A] [--rmc-port P] [--concurrency C] [--json]

Pushes an HPM.1 image to one rack controller and has it flash its rack at TIME, with no manager running: this
command is the manager for that one rollout, with the key and database of "bmcfleet manager serve" in DIR (so an
RMC that trusts that manager obeys it, and the rollout shows in its list). Its Prepare targets that RMC alone and is
answered at once (one the broadcast does not reach is asked again by unicast Poll); then it sends the image and the
Flash, waits for the rack's report and prints it. Exit status 0 when every BMC was flashed or skipped, 1 otherwise.

options:
  --rmc IP          the RMC's address
  --id N            its RMC ID (the fleet file's rmc.id; GET /rmcs on an emulated fleet lists them)
  --image FILE      the HPM.1 image (bmcfleet firmware pack)
  --at TIME         when to flash: ISO 8601 or +30s / +5m from now
  --rack NAME       its rack's name, for the report (default: rmc-N)
  --state DIR       the manager's state (default ${defaultStateDir()})
  --broadcast A     where the Prepare goes (default 127.255.255.255, loopback's broadcast address)
  --rmc-port P      the RMCs' UDP port (default ${DEFAULT_ROLLOUT_PORT})
  --concurrency C   BMCs the RMC flashes at once (default 8)
  --json            the report as JSON
${LOG_OPTIONS_HELP}

example:
  bmcfleet rmc upload --rmc 127.1.0.200 --id 1 --image bmc-1.02.hpm --at +10s
`;

export const UPLOAD_OPTIONS = {
  rmc: { type: 'string' }, id: { type: 'string' }, image: { type: 'string' }, at: { type: 'string' }, rack: { type: 'string' },
  state: { type: 'string' }, broadcast: { type: 'string' }, 'rmc-port': { type: 'string' }, concurrency: { type: 'string' }, json: { type: 'boolean' },
} as const;

export async function uploadCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, UPLOAD_OPTIONS);
  if (values.help) {
    process.stdout.write(UPLOAD_HELP);
    return 0;
  }
  const address = str(values, 'rmc');
  if (address === undefined) throw new UsageError('--rmc IP is required: the rack controller\'s address');
  try { parseIpv4(address); } catch { throw new UsageError(`--rmc: "${address}" is not an IPv4 address`); }
  const idText = str(values, 'id');
  if (idText === undefined) throw new UsageError('--id N is required: the RMC\'s ID (GET /rmcs lists them)');
  const rmcId = integer(idText, 'id', 0, 0, 0xffff_fffe);
  const imageFile = str(values, 'image');
  if (imageFile === undefined) throw new UsageError('--image FILE is required (bmcfleet firmware pack makes one)');
  const at = str(values, 'at');
  if (at === undefined) throw new UsageError('--at TIME is required: ISO 8601, or +30s / +5m from now');
  const flashTimeMs = parseFlashTime(at, Date.now());
  const stateDir = str(values, 'state') ?? defaultStateDir();
  const key = loadOrCreateManagerKey(stateDir);
  const store = new SqliteRolloutStore(join(stateDir, DB_FILE_NAME));
  let manager: RolloutManager | null = null;
  try {
    manager = await RolloutManager.open({
      store, key: key.signing, broadcastAddress: str(values, 'broadcast'), rmcPort: integer(str(values, 'rmc-port'), 'rmc-port', DEFAULT_ROLLOUT_PORT, 1, 65535),
    });
    const id = manager.start({
      image: readFileSync(imageFile), flashTimeMs, replyScheme: { scheme: ReplyScheme.IMMEDIATE },
      rmcs: [{ rmcId, address, rackName: str(values, 'rack') ?? `rmc-${rmcId}` }],
      concurrency: integer(str(values, 'concurrency'), 'concurrency', 8, 1, 1000),
    });
    processLogger().info(`rollout ${id}: image to the RMC at ${address}, flash at ${new Date(flashTimeMs).toISOString()}`);
    while (LIVE_STATUSES.includes(manager.status(id).status)) await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 250));
    const report = manager.report(id);
    process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : reportText(report));
    const allDone = report.racks.every((r) => r.failure === null && r.bmcs.every((b) => b.result === 'flashed' || b.result === 'skipped'));
    return allDone ? 0 : 1;
  } finally {
    manager?.close();
    store.close();
  }
}
