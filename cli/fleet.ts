// bmcfleet fleet validate | init: check fleet files (every mistake at once, each with its line, column and path)
// and write a commented starter file.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { UsageError, parse } from './args.js';
import { PACKAGE_ROOT, fleetFileArg, shippedFleetFile } from './package-info.js';
import { readFleetFile, readFleetText, type FleetConfig } from '../emulator/fleet/fleet-file.js';
import { formatIssue, formatPath } from '../emulator/fleet/fleet-issues.js';
import { fleetEnds, fleetSize } from '../emulator/fleet/plan.js';
import { FLEET_SCHEMA_FILE } from '../emulator/fleet/schema/json-schema.js';
import { plural } from '../runtime/plural.js';

const HELP = `usage: bmcfleet fleet validate FILE... [--json]
       bmcfleet fleet init [FILE] [--force]

A fleet file (YAML) describes the fleet "bmcfleet emulate --config FILE" runs: racks of BMCs on loopback
addresses, users, hardware templates, firmware, faults, rack controllers, an iSNS server and iSCSI targets.

validate   checks each FILE as emulate would ("default": the fleets/default.yaml bmcfleet ships, as for
           emulate --config), and reports every mistake at once, one line each, as
           FILE:LINE:COLUMN: PATH: what is wrong     e.g.
           fleet.yaml:12:14: racks[1].firstIp: two BMCs on 127.1.0.5: racks[1] ("b"), ... overlaps racks[0] ("a"), ...
           Beyond each field's own kind and range it checks what spans the file: rack names unique, every
           address in 127.0.0.0/8 and of one BMC, RMC or target only (no overlaps, no range past
           127.255.255.254), RMC IDs and target IQNs unique, templates and bmcs: entries that exist.
           A valid file gets one line: how many BMCs, racks, RMCs and targets, first and last address.
           Exit status: 0 all valid, 1 a mistake (or a file that cannot be read), 2 a usage error.
init       writes a commented starter fleet file (default fleet.yaml; "-" prints it) of two racks of four
           BMCs, which validates and runs as it is. It never overwrites a file unless --force is given.

Editors: a fleet file whose first line is
  # yaml-language-server: $schema=PATH/TO/bmcfleet/${FLEET_SCHEMA_FILE}
gets completion, help and checks as it is typed (VS Code with the YAML extension, and any editor using
yaml-language-server); init writes that line. The schema is in the package: ${join(PACKAGE_ROOT, FLEET_SCHEMA_FILE)}

options:
  --json     validate: one JSON object per FILE on stdout: {"file", "valid", "bmcs", "racks", ...} or
             {"file", "valid": false, "errors": [{"line", "column", "path", "message"}]}
  --force    init: overwrite FILE
  -h, --help this help

examples:
  bmcfleet fleet init lab.yaml && bmcfleet fleet validate lab.yaml && bmcfleet emulate --config lab.yaml
  bmcfleet fleet validate fleets/*.yaml
`;

const VALIDATE_OPTIONS = { json: { type: 'boolean' } } as const;
const INIT_OPTIONS = { force: { type: 'boolean' } } as const;

export const fleetCommand = {
  options: { validate: VALIDATE_OPTIONS, init: INIT_OPTIONS },
  async run(argv: string[]): Promise<number> {
    const [what, ...rest] = argv;
    if (what === '--help' || what === '-h' || what === undefined) {
      process.stdout.write(HELP);
      return what === undefined ? 2 : 0;
    }
    if (what === 'validate') return validate(rest);
    if (what === 'init') return init(rest);
    throw new UsageError(`unknown fleet command "${what}" (known: validate, init)`);
  },
};

function validate(argv: string[]): number {
  const { values, positionals } = parse(argv, VALIDATE_OPTIONS, true);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('validate needs a FILE: bmcfleet fleet validate fleet.yaml');
  let allValid = true;
  for (const file of positionals) {
    const { config, issues } = readFleetFile(fleetFileArg(file));
    allValid &&= config !== null;
    if (values.json) {
      const report = config ? { file, valid: true, ...summary(config) }
        : { file, valid: false, errors: issues.map((i) => ({ line: i.line ?? null, column: i.column ?? null, path: i.path && formatPath(i.path), message: i.message })) };
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else if (config) {
      const s = summary(config);
      const extra = [s.rmcs > 0 ? plural(s.rmcs, 'RMC') : '', s.targets > 0 ? plural(s.targets, 'iSCSI target') : ''].filter(Boolean);
      process.stdout.write(`${file}: valid: ${plural(s.bmcs, 'BMC')} in ${plural(s.racks, 'rack')}, ${s.first} to ${s.last}${extra.map((e) => `, ${e}`).join('')}\n`);
    } else {
      for (const issue of issues) process.stdout.write(`${formatIssue(file, issue)}\n`);
      process.stdout.write(`${file}: ${plural(issues.length, 'error')}\n`);
    }
  }
  return allValid ? 0 : 1;
}

function summary(config: FleetConfig): { bmcs: number; racks: number; rmcs: number; targets: number; first: string; last: string } {
  return { bmcs: fleetSize(config), racks: config.racks.length, rmcs: config.racks.filter((r) => r.rmc).length, targets: config.targets.length, ...fleetEnds(config)! }; // a valid file has a BMC
}

function init(argv: string[]): number {
  const { values, positionals } = parse(argv, INIT_OPTIONS, true);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`init writes one file, got ${positionals.length}: ${positionals.join(' ')}`);
  const file = positionals[0] ?? 'fleet.yaml';
  if (file === '-') {
    process.stdout.write(starterText(resolve(PACKAGE_ROOT, FLEET_SCHEMA_FILE)));
    return 0;
  }
  if (existsSync(file) && !values.force) throw new Error(`${file} exists: not overwritten (--force overwrites it)`);
  const text = starterText(schemaReference(file));
  const { config } = readFleetText(text);
  if (!config) throw new Error('the starter file does not validate: a bug, please report it');
  writeFileSync(file, text);
  const s = summary(config);
  process.stdout.write(`wrote ${file}: ${plural(s.bmcs, 'BMC')} in ${plural(s.racks, 'rack')}, ${s.first} to ${s.last}. Check it: bmcfleet fleet validate ${file}; run it: bmcfleet emulate --config ${file}\n`);
  return 0;
}

/** The starter file (fleets/starter.yaml) with its first line naming the JSON Schema at `schema`. */
function starterText(schema: string): string {
  const text = readFileSync(shippedFleetFile('starter'), 'utf8');
  return text.replace(/^# yaml-language-server: \$schema=.*$/m, `# yaml-language-server: $schema=${schema}`);
}

/** The schema as the file at `file` names it: a relative path inside the package (a clone's fleets/), else absolute. */
function schemaReference(file: string): string {
  const schema = resolve(PACKAGE_ROOT, FLEET_SCHEMA_FILE);
  const dir = dirname(resolve(file));
  return relative(PACKAGE_ROOT, dir).startsWith('..') ? schema : relative(dir, schema);
}
