// bmcfleet provision: bare-metal provisioning through the BMCs (issue 14): discover BMCs in an address range, read
// each host's hardware, show which hosts a role of the policy would pick (steps 1-3), and have the manager install
// them and hand them to the pool (steps 4-5, provision-run.ts). Steps 1-3 work on the manager's database (--state,
// the one `manager serve` uses) directly: reads a user runs and watches, with credentials that stay in this process;
// run and status ask the manager, which does the installs.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MultiBar, type SingleBar } from 'cli-progress';
import { UsageError, bmcLogin, integer, parse, str, type Values } from './args.js';
import { DB_FILE_NAME, POLICY_FILE_NAME, defaultStateDir } from './manager.js';
import { MANAGER_OPTIONS, MANAGER_OPTIONS_HELP } from './manager-client.js';
import { discoverText, hostView, inventoryText, planText } from './provision-print.js';
import { runCommand, statusCommand } from './provision-run.js';
import { DISCOVER_DEFAULTS, discover } from '../orchestrator/provisioning/discover.js';
import { INVENTORY_DEFAULTS, UnknownHostError, readInventories } from '../orchestrator/provisioning/inventory.js';
import { planRole, UnknownRoleError } from '../orchestrator/provisioning/policy-match.js';
import { loadPolicyFile } from '../orchestrator/provisioning/policy.js';
import { SqliteProvisioningStore } from '../orchestrator/store/sqlite-provisioning-store.js';
import { systemClock } from '../runtime/clock.js';
import { cidrHostCount, cidrHosts, isIpv4, parseCidr, type Cidr } from '../runtime/ipv4.js';
import { plural } from '../runtime/plural.js';

/** The largest range one sweep takes: a /12. An empty one takes about 25 minutes with the defaults. */
const MAX_SWEEP_ADDRESSES = 2 ** 20 - 2;

const HELP = `usage: bmcfleet provision discover --range CIDR [--port P] [--window N] [--retries N] [--timeout MS]
                                  [--concurrency N] [--user U] [--password-file F] [--state DIR] [--json]
       bmcfleet provision inventory [ADDRESS...] [--concurrency N] [--user U] [--password-file F] [--state DIR] [--json]
       bmcfleet provision plan --role R --count K [--policy FILE] [--state DIR] [--json]
       bmcfleet provision run --role R --count K [--wait] [--manager URL] [--token-file F] [--json]
       bmcfleet provision status [--manager URL] [--token-file F] [--json]

Bare-metal provisioning through the BMCs: find them, read what hardware each host has, and choose hosts for a
role by a policy. What is found and read is kept in the manager's database (DIR/${DB_FILE_NAME}).

  discover   sweeps CIDR with RMCP/ASF presence pings, at most N unanswered at once, each sent again up to
             --retries times; asks each BMC that answers for its authentication capabilities (no login
             needed), then logs in and reads its GUID and Get Device ID (firmware, manufacturer, product).
             An address with no BMC costs (retries + 1) x timeout of one of the N slots: with the defaults
             (${DISCOVER_DEFAULTS.window}, ${DISCOVER_DEFAULTS.retries}, ${DISCOVER_DEFAULTS.timeoutMs} ms), a /16 with no BMC at all takes about 96 s. A BMC
             whose login fails (wrong password, ...) or that stops answering is kept with the reason, and
             the sweep goes on. Exit status 1 when no BMC answered or one could not be identified.
  inventory  reads each identified host's hardware through its BMC (the bmcfleet OEM Get Hardware
             Inventory command and FRU device 0): CPUs and cores, memory, disks and their sizes, NICs and
             their MACs; keeps it, and prints it. ADDRESS... reads only those hosts. Exit status 1 when a
             host could not be read.
  plan       shows which hosts the role R of the policy would take (K of them: the smallest that fit
             first) and, for every other host, why not ("12 cores < 16 required"). Nothing is stored.
             Exit status 1 when fewer than K hosts fit.
  run        asks the manager (bmcfleet manager serve) to install role R on K hosts its policy picks, as
             plan shows them: for each, the image goes into the BMC's virtual CD-ROM, the next boot is set
             to CD, the host is power-cycled, and its installation agent reads the image over USB/IP,
             checks it, installs it to the host's disk and reports its progress through the BMC; then the
             manager hands the host to the pool (a pool file, a webhook). Nothing starts when fewer than K
             hosts fit (exit status 1, each host with its reason). --wait follows the hosts to the end:
             exit status 1 when one failed. Killing the manager and starting it again goes on where it
             was, and no host is installed twice.
  status     every host the manager knows, with its install: step, the agent's phase and percent, and why
             it failed.

options:
  --range CIDR         the addresses to sweep, e.g. 10.1.0.0/16 (at most a /12); its network and broadcast
                       addresses are not pinged
  --port P             the BMCs' UDP port (default ${DISCOVER_DEFAULTS.port})
  --window N           pings (and questions) unanswered at once, at most (default ${DISCOVER_DEFAULTS.window}; lowered to what
                       the socket's receive buffer holds)
  --retries N          pings sent again to an address that has not answered (default ${DISCOVER_DEFAULTS.retries})
  --timeout MS         how long each ping waits for its answer (default ${DISCOVER_DEFAULTS.timeoutMs})
  --concurrency N      BMCs logged in to at once (default ${DISCOVER_DEFAULTS.concurrency})
  --user U             the BMCs' user (default admin)
  --password-file F    a file holding the BMCs' password (its first line); default: $BMCFLEET_PASSWORD, or
                       "password", the emulated fleets' default
  --role R             a role of the policy
  --count K            hosts the role needs
  --policy FILE        the policy (default DIR/${POLICY_FILE_NAME}); YAML:
                         roles:
                           compute:
                             needs: { cores: 32, memoryGiB: 128, disks: { count: 1, sizeGB: 400 },
                                      nics: { count: 2, speedMbps: 10000 } }
                             image: debian-12-compute.iso
                             packages: [openssh-server]
  --state DIR          the manager's state (default ${defaultStateDir()})
  --wait               run: follow the installs until every host is done or failed
${MANAGER_OPTIONS_HELP}
  --json               one JSON object instead of text

examples:
  bmcfleet provision discover --range 127.1.0.0/23 --password-file ~/.config/bmcfleet/bmc-password
  bmcfleet provision inventory --password-file ~/.config/bmcfleet/bmc-password
  bmcfleet provision plan --role compute --count 4 --policy fleets/policy.yaml
  bmcfleet provision run --role compute --count 4 --wait
`;

const OPTIONS_OF: Record<string, string[]> = {
  discover: ['range', 'port', 'window', 'retries', 'timeout', 'concurrency', 'user', 'password-file', 'state', 'json'],
  inventory: ['concurrency', 'user', 'password-file', 'state', 'json'],
  plan: ['role', 'count', 'policy', 'state', 'json'],
  run: ['role', 'count', 'wait', 'manager', 'token-file', 'json'],
  status: ['manager', 'token-file', 'json'],
};

/** The options of every provision subcommand (OPTIONS_OF says which each takes). */
const OPTIONS = {
  range: { type: 'string' }, port: { type: 'string' }, window: { type: 'string' }, retries: { type: 'string' },
  timeout: { type: 'string' }, concurrency: { type: 'string' }, user: { type: 'string' }, 'password-file': { type: 'string' },
  role: { type: 'string' }, count: { type: 'string' }, policy: { type: 'string' }, state: { type: 'string' }, json: { type: 'boolean' },
  wait: { type: 'boolean' }, ...MANAGER_OPTIONS,
} as const;

export const provisionCommand = {
  options: { '': OPTIONS },
  async run(argv: string[]): Promise<number> {
    const [what, ...rest] = argv;
    if (what === '--help' || what === '-h' || what === undefined) {
      process.stdout.write(HELP);
      return what === undefined ? 2 : 0;
    }
    if (!(what in OPTIONS_OF)) throw new UsageError(`unknown provision command "${what}" (known: ${Object.keys(OPTIONS_OF).join(', ')})`);
    const { values, positionals } = parse(rest, OPTIONS, true);
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const foreign = Object.keys(values).find((k) => !OPTIONS_OF[what].includes(k));
    if (foreign !== undefined) throw new UsageError(`--${foreign} is not an option of provision ${what}`);
    if (what !== 'inventory' && positionals.length > 0) throw new UsageError(`provision ${what} takes no arguments (got ${positionals[0]})`);
    if (what === 'discover') return discoverCommand(values);
    if (what === 'inventory') return inventoryCommand(values, positionals);
    if (what === 'run') return runCommand(values);
    if (what === 'status') return statusCommand(values);
    return planCommand(values);
  },
};

function stateDir(values: Values): string {
  return str(values, 'state') ?? defaultStateDir();
}

/** The store of a state directory that already holds one; nothing is created for a command that only reads. */
function existingStore(values: Values): SqliteProvisioningStore {
  const file = join(stateDir(values), DB_FILE_NAME);
  if (!existsSync(file)) throw new Error(`no hosts yet: ${file} does not exist (bmcfleet provision discover finds them; --state names another)`);
  return new SqliteProvisioningStore(file);
}

function sweepRange(text: string | undefined): Cidr {
  if (text === undefined) throw new UsageError('--range CIDR is required, e.g. --range 10.1.0.0/16');
  let c: Cidr;
  try {
    c = parseCidr(text);
  } catch (err) {
    throw new UsageError(`--range: ${(err as Error).message}`);
  }
  const n = cidrHostCount(c);
  if (n > MAX_SWEEP_ADDRESSES) {
    throw new UsageError(`--range: ${c.text} is ${n.toLocaleString('en-US')} addresses; one sweep takes at most a /12 (${MAX_SWEEP_ADDRESSES.toLocaleString('en-US')}): sweep it in parts`);
  }
  return c;
}

async function discoverCommand(values: Values): Promise<number> {
  const range = sweepRange(str(values, 'range'));
  const options = {
    port: integer(str(values, 'port'), 'port', DISCOVER_DEFAULTS.port, 1, 65535),
    window: integer(str(values, 'window'), 'window', DISCOVER_DEFAULTS.window, 1, 65536),
    retries: integer(str(values, 'retries'), 'retries', DISCOVER_DEFAULTS.retries, 0, 20),
    timeoutMs: integer(str(values, 'timeout'), 'timeout', DISCOVER_DEFAULTS.timeoutMs, 1, 60_000),
    concurrency: integer(str(values, 'concurrency'), 'concurrency', DISCOVER_DEFAULTS.concurrency, 1, 4096),
  };
  const login = bmcLogin(values);
  const dir = stateDir(values);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const store = new SqliteProvisioningStore(join(dir, DB_FILE_NAME));
  const total = cidrHostCount(range);
  const bars = progressBars(['sweep', 'identify']);
  const started = performance.now();
  try {
    const result = await discover({
      ...options, addresses: cidrHosts(range), login, store, clock: systemClock,
      onProgress: (p) => bars?.update([
        [p.swept, total, `${p.found} answered`],
        [p.identified + p.failed, p.found, `${p.failed} failed`],
      ]),
    });
    bars?.stop();
    const ms = performance.now() - started;
    if (values.json) {
      process.stdout.write(`${JSON.stringify({
        range: range.text, addresses: total, port: options.port, durationMs: Math.round(ms), sweep: result.sweep,
        identified: result.identified, failed: result.failed, hosts: result.hosts.map(hostView),
      })}\n`);
    } else {
      process.stdout.write(discoverText(range.text, result, ms, join(dir, DB_FILE_NAME)));
    }
    if (result.sweep.found === 0) {
      process.stderr.write(`bmcfleet provision discover: no BMC answered in ${range.text} (UDP port ${options.port}; --port names another)\n`);
      return 1;
    }
    return result.failed > 0 ? 1 : 0;
  } finally {
    bars?.stop();
    store.close();
  }
}

async function inventoryCommand(values: Values, addresses: string[]): Promise<number> {
  const bad = addresses.find((a) => !isIpv4(a));
  if (bad !== undefined) throw new UsageError(`"${bad}" is not an IPv4 address (provision inventory takes hosts' BMC addresses)`);
  const concurrency = integer(str(values, 'concurrency'), 'concurrency', INVENTORY_DEFAULTS.concurrency, 1, 4096);
  const login = bmcLogin(values);
  const store = existingStore(values);
  const bars = progressBars(['inventory']);
  try {
    const result = await readInventories({
      login, concurrency, store, clock: systemClock, ...(addresses.length ? { addresses } : {}),
      onProgress: (p) => bars?.update([[p.read + p.failed, p.total, `${p.failed} failed`]]),
    });
    bars?.stop();
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ read: result.read, failed: result.failed, skipped: result.skipped, hosts: result.hosts.map(hostView) })}\n`);
    } else {
      process.stdout.write(inventoryText(result));
    }
    if (result.hosts.length === 0) {
      process.stderr.write('bmcfleet provision inventory: no identified host to read (bmcfleet provision discover first)\n');
      return 1;
    }
    return result.failed > 0 ? 1 : 0;
  } catch (err) {
    if (err instanceof UnknownHostError) throw new UsageError(err.message);
    throw err;
  } finally {
    bars?.stop();
    store.close();
  }
}

function planCommand(values: Values): number {
  const role = str(values, 'role');
  if (role === undefined) throw new UsageError('--role R is required: a role of the policy');
  if (str(values, 'count') === undefined) throw new UsageError('--count K is required: how many hosts the role needs');
  const count = integer(str(values, 'count'), 'count', 1, 1, 1_000_000);
  const policyFile = str(values, 'policy') ?? join(stateDir(values), POLICY_FILE_NAME);
  const policy = loadPolicyFile(policyFile);
  const store = existingStore(values);
  let plan;
  try {
    plan = planRole(policy, role, count, store.hosts());
  } catch (err) {
    if (err instanceof UnknownRoleError) throw new UsageError(`--role: ${err.message} (${policyFile})`);
    throw err;
  } finally {
    store.close();
  }
  process.stdout.write(values.json ? `${JSON.stringify({ policyFile, ...plan })}\n` : planText(plan, policyFile));
  if (plan.satisfied) return 0;
  const hosts = plan.picked.length + plan.notPicked.length;
  process.stderr.write(plan.picked.length === 0
    ? `bmcfleet provision plan: no host matches role ${role}: ${hosts === 0 ? 'no hosts yet' : hosts === 1 ? 'the one host misses something (listed)' : `each of the ${hosts} hosts misses something (listed)`}\n`
    : `bmcfleet provision plan: only ${plan.picked.length} of the ${plural(count, 'host')} role ${role} asks for fit\n`);
  return 1;
}

/** Progress bars on stderr while it is a terminal (never in CI or a pipe); null otherwise. */
function progressBars(names: string[]): { update(rows: [number, number, string][]): void; stop(): void } | null {
  if (!process.stderr.isTTY) return null;
  const multi = new MultiBar({
    format: '{name} [{bar}] {value}/{total} {note}', stream: process.stderr, hideCursor: true, clearOnComplete: false, autopadding: true,
  });
  const width = Math.max(...names.map((n) => n.length));
  const bars: SingleBar[] = names.map((name) => multi.create(1, 0, { name: name.padEnd(width), note: '' }));
  let stopped = false;
  return {
    update(rows) {
      rows.forEach(([value, total, note], i) => {
        bars[i].setTotal(Math.max(1, total));
        bars[i].update(value, { note });
      });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      multi.stop();
    },
  };
}
