// bmcfleet bootcfg (issue 15): boot requests, releases and the disk list, asked of `bmcfleet manager serve` (started
// with --isns or --isns-slp), which runs each request and keeps its state in its database.
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError, parse, str, type Values } from './args.js';
import { ApiError } from './api-client.js';
import { MANAGER_OPTIONS, MANAGER_OPTIONS_HELP, ManagerClient } from './manager-client.js';

interface RequestView {
  host: string; role: string | null; sizeBytes: number; initiator: string; step: string; target: string | null; lun: number | null;
  portal: string | null; ddId: number | null; repicks: number; boot: { state: string; error: string; message: string } | null; failure: string | null;
}
interface DiskView {
  target: string; lun: number; portal: { address: string; port: number }; sizeBytes: number | null; state: string; sizeFrom: string | null; assignedTo: string | null;
}

const FINAL = ['booted', 'failed', 'released'];
const WAIT_POLL_MS = 1000;

const HELP = `usage: bmcfleet bootcfg request --host BMC-IP --size SIZE [--role R] [--wait] [--manager URL] [--token-file F] [--json]
       bmcfleet bootcfg release --host BMC-IP [--wait] [--manager URL] [--token-file F] [--json]
       bmcfleet bootcfg status [--manager URL] [--token-file F] [--json]
       bmcfleet bootcfg targets [--manager URL] [--token-file F] [--json]

iSCSI boot configuration (issue 15), run by "bmcfleet manager serve --isns HOST:PORT" (or --isns-slp): the manager
keeps the iSCSI targets the iSNS server lists, picks one per request, puts it and the host's initiator in a
discovery domain of their own, writes the iSCSI boot parameters into the host's BMC, sets the next boot to PXE and
powers the host on (or cycles it), then waits for the host's boot result.

  request   reserves the smallest free online disk of at least SIZE for the host and starts its boot; refused (exit 1)
            when none fits (nothing reserved) or the host already has a request
  release   the host's DD goes and its disk is free again
  status    every request: host, step, target and LUN, the host's boot result, why it failed
  targets   every disk the manager found: target, LUN, portal, size, state, the host holding it

options:
  --host BMC-IP       the host's BMC (its initiator is iqn.2026-12.org.bmcfleet:host-A-B-C-D, from this address)
  --size SIZE         bytes, or 20G (10^9 bytes), 512M, 1T
  --role R            recorded with the request
  --wait              follow the request until the host booted or failed (exit 1 when it failed), or was released
${MANAGER_OPTIONS_HELP}
  --json              the API's answer as it is

examples:
  bmcfleet manager serve --fleet http://127.0.0.1:8623 --isns 127.0.0.1:3205 &
  bmcfleet bootcfg targets
  bmcfleet bootcfg request --host 127.1.0.1 --size 20G --wait
  bmcfleet bootcfg release --host 127.1.0.1
`;

const OPTIONS_OF: Record<string, string[]> = {
  request: ['host', 'size', 'role', 'wait', 'manager', 'token-file', 'json'],
  release: ['host', 'wait', 'manager', 'token-file', 'json'],
  status: ['manager', 'token-file', 'json'],
  targets: ['manager', 'token-file', 'json'],
};

const OPTIONS = {
  host: { type: 'string' }, size: { type: 'string' }, role: { type: 'string' }, wait: { type: 'boolean' }, json: { type: 'boolean' }, ...MANAGER_OPTIONS,
} as const;

export const bootcfgCommand = {
  options: { '': OPTIONS },
  async run(argv: string[]): Promise<number> {
    const [what, ...rest] = argv;
    if (what === '--help' || what === '-h' || what === undefined) {
      process.stdout.write(HELP);
      return what === undefined ? 2 : 0;
    }
    if (!(what in OPTIONS_OF)) throw new UsageError(`unknown bootcfg command "${what}" (known: ${Object.keys(OPTIONS_OF).join(', ')})`);
    const { values } = parse(rest, OPTIONS);
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const foreign = Object.keys(values).find((k) => !OPTIONS_OF[what].includes(k));
    if (foreign !== undefined) throw new UsageError(`--${foreign} is not an option of bootcfg ${what}`);
    const manager = new ManagerClient(values);
    if (what === 'status') return status(manager, values);
    if (what === 'targets') return targets(manager, values);
    const host = str(values, 'host');
    if (host === undefined) throw new UsageError('--host BMC-IP is required');
    if (what === 'release') return follow(manager, values, await manager.call<RequestView>('DELETE', `/bootcfg/requests/${encodeURIComponent(host)}`));
    const size = str(values, 'size');
    if (size === undefined) throw new UsageError('--size SIZE is required (e.g. 20G)');
    let started: RequestView;
    try {
      started = await manager.call<RequestView>('POST', '/bootcfg/requests', { host, size, ...(str(values, 'role') ? { role: str(values, 'role') } : {}) });
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        process.stderr.write(`bmcfleet bootcfg request: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    return follow(manager, values, started);
  },
};

async function follow(manager: ManagerClient, values: Values, first: RequestView): Promise<number> {
  let r = first;
  let shown = '';
  for (;;) {
    const line = requestLine(r);
    if (!values.json && line !== shown) process.stdout.write(`${line}\n`);
    shown = line;
    if (!values.wait || FINAL.includes(r.step)) break;
    await sleep(WAIT_POLL_MS); // a timer that keeps the process alive
    r = await manager.call<RequestView>('GET', `/bootcfg/requests/${encodeURIComponent(r.host)}`);
  }
  if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  return values.wait && r.step === 'failed' ? 1 : 0;
}

async function status(manager: ManagerClient, values: Values): Promise<number> {
  const { requests } = await manager.call<{ requests: RequestView[] }>('GET', '/bootcfg/requests');
  process.stdout.write(values.json ? `${JSON.stringify({ requests })}\n` : requests.length ? `${requests.map(requestLine).join('\n')}\n` : 'no boot requests\n');
  return 0;
}

async function targets(manager: ManagerClient, values: Values): Promise<number> {
  const { targets: disks } = await manager.call<{ targets: DiskView[] }>('GET', '/bootcfg/targets');
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ targets: disks })}\n`);
    return 0;
  }
  const rows = disks.map((d) => `${d.target} LUN ${d.lun}  ${d.portal.address}:${d.portal.port}  ${d.sizeBytes === null ? 'size ?' : gb(d.sizeBytes)}  ${d.state}  ${d.assignedTo ?? 'free'}`);
  process.stdout.write(rows.length ? `${rows.join('\n')}\n` : 'no targets (is the manager connected to an iSNS server? see its stderr)\n');
  return 0;
}

function gb(bytes: number): string {
  return `${(bytes / 1e9).toFixed(bytes % 1e9 === 0 ? 0 : 1)} GB`;
}

function requestLine(r: RequestView): string {
  const disk = r.target === null ? '' : ` ${r.target} LUN ${r.lun} (${r.portal})`;
  const why = r.failure === null ? '' : ` (${r.failure})`;
  return `${r.host.padEnd(15)} ${r.step}${disk}${why}`;
}
