// bmcfleet cluster-update: one image updating a whole cluster under max-down limits (issue 14). `plan` shows, before
// anything goes down, where an update applies, why each other host is skipped, and the waves the limits allow. It
// reads the hosts the provisioning commands found and inventoried in the manager's database (--state).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, parse, str, type Values } from './args.js';
import { DB_FILE_NAME, defaultStateDir } from './manager.js';
import { loadClusterFile } from '../orchestrator/cluster-update/cluster-file.js';
import { loadDescriptorFile } from '../orchestrator/cluster-update/update-descriptor.js';
import { hostFacts, planUpdate, type UpdatePlan } from '../orchestrator/cluster-update/update-plan.js';
import { SqliteProvisioningStore } from '../orchestrator/store/sqlite-provisioning-store.js';

const HELP = `usage: bmcfleet cluster-update plan --cluster FILE --update DESCRIPTOR [--state DIR] [--json]

One image updating a whole cluster, a few hosts at a time. plan shows what an update would do, and changes
nothing: for each host of the cluster, whether the update applies (its model is one the descriptor names and
it does not run that version or a newer one) or why it is skipped; then the waves: which hosts would go down
together, within every group's max-down and never both hosts of a redundancy pair. A host whose hardware was
never read (bmcfleet provision inventory) is skipped: its model is not known.

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
  --json             one JSON object instead of text

examples:
  bmcfleet cluster-update plan --cluster fleets/cluster.yaml --update web-os-2.4.1.yaml
`;

export const clusterUpdateCommand = {
  summary: 'update a whole cluster from one image, within max-down limits (plan)',
  async run(argv: string[]): Promise<number> {
    const [what, ...rest] = argv;
    if (what === '--help' || what === '-h' || what === undefined) {
      process.stdout.write(HELP);
      return what === undefined ? 2 : 0;
    }
    if (what !== 'plan') throw new UsageError(`unknown cluster-update command "${what}" (known: plan)`);
    const { values, positionals } = parse(rest, {
      cluster: { type: 'string' }, update: { type: 'string' }, state: { type: 'string' }, json: { type: 'boolean' },
    }, true);
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`cluster-update plan takes no arguments (got ${positionals[0]})`);
    return planCommand(values);
  },
};

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
  let plan: UpdatePlan;
  try {
    // what each host runs is recorded by the update itself (not built yet): until then every fitting host applies
    plan = planUpdate(cluster, update, (bmc) => hostFacts(bmc, store?.host(bmc) ?? null, null));
  } finally {
    store?.close();
  }
  process.stdout.write(values.json ? `${JSON.stringify(plan)}\n` : planText(plan));
  return 0;
}

export function planText(p: UpdatePlan): string {
  const applying = p.hosts.filter((h) => h.applies).length;
  const lines = [`${p.update.name} ${p.update.version} for cluster ${p.cluster}: ${applying} of ${p.hosts.length} hosts to update`];
  p.waves.forEach((wave, i) => lines.push(`  wave ${i + 1}: ${wave.join(' ')}`));
  const skipped = p.hosts.filter((h) => !h.applies);
  if (skipped.length > 0) lines.push('skipped:', ...skipped.map((h) => `  ${h.bmc.padEnd(15)} ${h.reason}`));
  return `${lines.join('\n')}\n`;
}
