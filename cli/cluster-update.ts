// bmcfleet cluster-update: one image updating a whole cluster under max-down limits (issue 14). `plan` shows, before
// anything goes down, where an update applies, why each other host is skipped, and the waves the limits allow. It
// reads the hosts the provisioning commands found and inventoried in the manager's database (--state).
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { UsageError, parse, str, type Values } from './args.js';
import { DB_FILE_NAME, defaultStateDir } from './manager.js';
import { MANAGER_OPTIONS, MANAGER_OPTIONS_HELP, ManagerClient } from './manager-client.js';
import { loadClusterFile } from '../orchestrator/cluster-update/cluster-file.js';
import { loadDescriptorFile } from '../orchestrator/cluster-update/update-descriptor.js';
import { hostFacts, planUpdate, type UpdatePlan } from '../orchestrator/cluster-update/update-plan.js';
import { SqliteProvisioningStore } from '../orchestrator/store/sqlite-provisioning-store.js';
import { SqliteClusterUpdateStore } from '../orchestrator/store/cluster-update-store.js';
import { installedVersions } from '../orchestrator/cluster-update/cluster-updates.js';
import { plural } from '../runtime/plural.js';

const HELP = `usage: bmcfleet cluster-update plan --cluster FILE --update DESCRIPTOR [--state DIR] [--json]
       bmcfleet cluster-update start --cluster FILE --update DESCRIPTOR [--wait] [--manager URL] [--json]
       bmcfleet cluster-update status [ID] [--manager URL] [--json]
       bmcfleet cluster-update pause|abort ID [--manager URL]
       bmcfleet cluster-update resume ID [--retry-failed] [--manager URL]

One image updating a whole cluster, a few hosts at a time.
  plan    shows what an update would do, and changes nothing: for each host of the cluster, whether the
          update applies (its model is one the descriptor names and it does not run that version or a
          newer one) or why it is skipped; then the waves: which hosts would go down together, within
          every group's max-down and never both hosts of a redundancy pair. A host whose hardware was
          never read (bmcfleet provision inventory) is skipped: its model is not known.
  start   has the manager (bmcfleet manager serve) run it: each host of a wave gets the image in its
          BMC's virtual CD-ROM, boots from it, its agent applies the update and it boots from disk; the
          next host goes down as soon as the limits allow. Failed hosts stay counted down (the wave does
          not grow past them); failures beyond the budget pause the update. --wait follows it to the end
          (exit status 1 when a host failed or it paused). A manager killed and started again goes on.
  status  every update, or one with each host: updated, skipped or failed with the reason.
  pause   no more hosts go down; those updating finish.     abort   the same, and it ends.
  resume  goes on after a pause; --retry-failed puts the failed hosts back in line.

options:
  --cluster FILE     the cluster: its groups and their limits (YAML):
                       cluster: web
                       groups:
                         - { name: rack-a, hosts: 127.60.1.1-127.60.1.10, maxDown: 2 }
                         - { name: rack-b, hosts: "127.60.1.11-127.60.1.20", maxDown: 10% }
                       pairs: [[127.60.1.1, 127.60.1.11]]   # never down together
                       failureBudget: 3                     # failures that pause the update (or 5%)
  --update FILE      the update's descriptor (YAML or JSON):
                       name: web-os
                       version: 2.4.1
                       image: web-os-2.4.1.iso
                       sha256: <64 hex digits>
                       appliesTo: [{ vendor: bmcfleet, product: Emulated Server }]
                       updates: [os]
  --state DIR        the manager's state, where the hosts were found (default ${defaultStateDir()})
  --wait             start: follow the update until it is done, paused or aborted
  --retry-failed     resume: try the failed hosts again
${MANAGER_OPTIONS_HELP}
  --json             one JSON object instead of text

examples:
  bmcfleet cluster-update plan --cluster fleets/cluster.yaml --update web-os-2.4.1.yaml
  bmcfleet cluster-update start --cluster fleets/cluster.yaml --update web-os-2.4.1.yaml --wait
`;

const OPTIONS = {
  cluster: { type: 'string' }, update: { type: 'string' }, state: { type: 'string' }, json: { type: 'boolean' },
  wait: { type: 'boolean' }, 'retry-failed': { type: 'boolean' }, ...MANAGER_OPTIONS,
} as const;

export const clusterUpdateCommand = {
  options: { '': OPTIONS },
  async run(argv: string[]): Promise<number> {
    const [what, ...rest] = argv;
    if (what === '--help' || what === '-h' || what === undefined) {
      process.stdout.write(HELP);
      return what === undefined ? 2 : 0;
    }
    if (!COMMANDS.includes(what)) throw new UsageError(`unknown cluster-update command "${what}" (known: ${COMMANDS.join(', ')})`);
    const { values, positionals } = parse(rest, OPTIONS, true);
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const takesId = what !== 'plan' && what !== 'start';
    if (positionals.length > (takesId ? 1 : 0)) throw new UsageError(`cluster-update ${what} takes ${takesId ? 'at most an update ID' : 'no arguments'} (got ${positionals.join(' ')})`);
    if (what === 'plan') return planCommand(values);
    if (what === 'start') return startCommand(values);
    if (what === 'status') return statusCommand(values, positionals[0]);
    if (positionals[0] === undefined) throw new UsageError(`cluster-update ${what} ID: which update (bmcfleet cluster-update status lists them)`);
    const update = await new ManagerClient(values).call<UpdateView>('POST', `/cluster-updates/${positionals[0]}/${what}`, what === 'resume' ? { retryFailed: values['retry-failed'] === true } : {});
    process.stdout.write(values.json ? `${JSON.stringify(update)}\n` : updateText(update));
    return 0;
  },
};

const WAIT_POLL_MS = 2000;
const COMMANDS = ['plan', 'start', 'status', 'pause', 'resume', 'abort'];
const LIVE = ['running', 'paused', 'aborting'];

interface UpdateView {
  id: number;
  status: string;
  cluster: { cluster: string };
  descriptor: { name: string; version: string };
  progress: { failuresSinceResume: number; paused: string | null };
  hosts: { bmc: string; state: string; reason: string | null }[];
}

async function startCommand(values: Values): Promise<number> {
  const read = (name: string) => {
    const file = required(values, name);
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`--${name} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  const manager = new ManagerClient(values);
  let update = await manager.call<UpdateView>('POST', '/cluster-updates', { cluster: read('cluster'), update: read('update') });
  if (!values.wait) {
    process.stdout.write(values.json ? `${JSON.stringify(update)}\n` : updateText(update));
    return 0;
  }
  let shown = '';
  for (;;) {
    const text = updateText(update);
    if (!values.json && text !== shown) process.stdout.write(`${text}\n`);
    shown = text;
    if (!LIVE.includes(update.status) || (update.status === 'paused' && update.hosts.every((h) => h.state !== 'updating'))) break;
    await sleep(WAIT_POLL_MS); // a timer that keeps the process alive (the system clock's do not)
    update = await manager.call<UpdateView>('GET', `/cluster-updates/${update.id}`);
  }
  if (values.json) process.stdout.write(`${JSON.stringify(update)}\n`);
  return update.status === 'done' && update.hosts.every((h) => h.state !== 'failed') ? 0 : 1;
}

async function statusCommand(values: Values, id: string | undefined): Promise<number> {
  const manager = new ManagerClient(values);
  if (id !== undefined) {
    const update = await manager.call<UpdateView>('GET', `/cluster-updates/${id}`);
    process.stdout.write(values.json ? `${JSON.stringify(update)}\n` : updateText(update));
    return 0;
  }
  const { updates } = await manager.call<{ updates: { id: number; status: string }[] }>('GET', '/cluster-updates');
  process.stdout.write(values.json ? `${JSON.stringify({ updates })}\n` : updates.length === 0 ? 'no cluster updates yet\n' : `${updates.map((u) => `${u.id} ${u.status}`).join('\n')}\n`);
  return 0;
}

export function updateText(u: UpdateView): string {
  const counts = new Map<string, number>();
  for (const h of u.hosts) counts.set(h.state, (counts.get(h.state) ?? 0) + 1);
  const lines = [
    `cluster update ${u.id}: ${u.descriptor.name} ${u.descriptor.version} on ${u.cluster.cluster}: ${u.status}${u.progress.paused ? ` (${u.progress.paused})` : ''}; `
      + [...counts].map(([state, n]) => `${n} ${state}`).join(', '),
    ...u.hosts.filter((h) => h.state !== 'pending').map((h) => `  ${h.bmc.padEnd(15)} ${h.state}${h.reason ? `: ${h.reason}` : ''}`),
  ];
  return `${lines.join('\n')}\n`;
}

function required(values: Values, name: string): string {
  const v = str(values, name);
  if (v === undefined) throw new UsageError(`--${name} FILE is required (bmcfleet cluster-update --help shows its form)`);
  return v;
}

function planCommand(values: Values): number {
  const cluster = loadClusterFile(required(values, 'cluster'));
  const update = loadDescriptorFile(required(values, 'update'));
  const dbFile = join(str(values, 'state') ?? defaultStateDir(), DB_FILE_NAME);
  const store = existsSync(dbFile) ? new SqliteProvisioningStore(dbFile) : null;
  const updates = store === null ? null : new SqliteClusterUpdateStore(dbFile);
  let plan: UpdatePlan;
  try {
    // what each host runs: the newest version of this update that an earlier cluster update gave it
    const installed = updates === null ? new Map<string, string>() : installedVersions(updates, update.name);
    plan = planUpdate(cluster, update, (bmc) => hostFacts(bmc, store?.host(bmc) ?? null, installed.get(bmc) ?? null));
  } finally {
    updates?.close();
    store?.close();
  }
  process.stdout.write(values.json ? `${JSON.stringify(plan)}\n` : planText(plan));
  return 0;
}

export function planText(p: UpdatePlan): string {
  const applying = p.hosts.filter((h) => h.applies).length;
  const lines = [`${p.update.name} ${p.update.version} for cluster ${p.cluster}: ${applying} of ${plural(p.hosts.length, 'host')} to update`];
  p.waves.forEach((wave, i) => lines.push(`  wave ${i + 1}: ${wave.join(' ')}`));
  const skipped = p.hosts.filter((h) => !h.applies);
  if (skipped.length > 0) lines.push('skipped:', ...skipped.map((h) => `  ${h.bmc.padEnd(15)} ${h.reason}`));
  return `${lines.join('\n')}\n`;
}
