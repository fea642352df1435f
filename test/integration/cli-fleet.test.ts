// `bmcfleet fleet validate` and `bmcfleet fleet init` as a user runs them (issue 18), and fleet-file mistakes as
// `bmcfleet emulate` reports them: exit codes, every mistake with FILE:LINE:COLUMN, the flag of the quick form.
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, startEmulator } from '../helpers/emulator-process.js';
import { freeUdpPort } from '../helpers/free-port.js';

function run(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000, cwd }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-fleet-'));
const BAD = [
  'racks:',
  '  - { name: a, bmcs: 10, firstIp: 127.77.1.1 }',
  '  - { name: a, bmcs: 2, firstIp: 127.77.1.4 }',
  '  - { name: c, bmcs: 0, firstIp: 127.77.2.1 }',
  'colour: blue',
].join('\n');

t.test('validate: a valid file, one line and exit 0; mistakes, every one and exit 1; no file, exit 2', async (t) => {
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, BAD);
  const good = await run(['fleet', 'validate', 'fleets/default.yaml'], join(CLI, '..', '..', '..'));
  t.equal(good.code, 0);
  t.equal(good.stdout, 'fleets/default.yaml: valid: 8 BMCs in 2 racks, 127.1.0.1 to 127.1.1.4, 2 RMCs, 2 iSCSI targets\n');
  const r = await run(['fleet', 'validate', bad]);
  t.equal(r.code, 1);
  t.same(r.stdout.trimEnd().split('\n'), [
    `${bad}:3:13: racks[1].name: "a" is racks[0]'s name already: rack names are unique (a rollout selects racks by name)`,
    `${bad}:3:34: racks[1].firstIp: two BMCs on 127.77.1.4: racks[1] ("a"), 127.77.1.4-127.77.1.5, overlaps racks[0] ("a"), 127.77.1.1-127.77.1.10`,
    `${bad}:4:22: racks[2].bmcs: expected a whole number from 1 to 1000000, got 0`,
    `${bad}:5:1: colour: unknown key (known here: name, ipmiPort, users, security, shards, control, controlTokenFile, stateDir, templates, firmware, faults, console, racks, bmcs, isns, targets, rollout, firmwareTimings, virtualMedia, redfish, hooks)`,
    `${bad}: 4 errors`,
  ]);
  const json = await run(['fleet', 'validate', '--json', bad, join(dir, 'missing.yaml')]);
  t.equal(json.code, 1);
  const [first, second] = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
  t.match(first, { file: bad, valid: false, errors: [{ line: 3, column: 13, path: 'racks[1].name' }] });
  t.equal(first.errors.length, 4);
  t.same(second.errors, [{ line: null, column: null, path: null, message: 'cannot read: ENOENT' }]);
  t.equal((await run(['fleet', 'validate'])).code, 2, 'no FILE: a usage error');
  t.equal((await run(['fleet', 'check', bad])).code, 2, 'an unknown subcommand');
  const help = await run(['fleet', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /FILE:LINE:COLUMN: PATH/);
  t.match(help.stdout, /# yaml-language-server: \$schema=/);
});

t.test('emulate refuses the same file with every mistake, each with its line', async (t) => {
  const bad = join(dir, 'bad-emulate.yaml');
  writeFileSync(bad, BAD);
  const r = await run(['emulate', '--config', bad]);
  t.equal(r.code, 1);
  t.match(r.stderr, `bmcfleet emulate: ${bad}: 4 errors\n`);
  t.match(r.stderr, `${bad}:3:34: racks[1].firstIp: two BMCs on 127.77.1.4`);
  t.match(r.stderr, `${bad}:4:22: racks[2].bmcs:`);
});

t.test('the quick form: a bad value is reported as its flag, a usage error', async (t) => {
  const ip = await run(['emulate', '--first-ip', '127.1.0']);
  t.equal(ip.code, 2);
  t.match(ip.stderr, /^bmcfleet emulate: --first-ip: not an IPv4 address: "127\.1\.0"\n/);
  const far = await run(['emulate', '--first-ip', '127.255.255.250', '--bmcs', '10']);
  t.equal(far.code, 2);
  t.match(far.stderr, /--bmcs: 10 BMCs from 127\.255\.255\.250 run past 127\.255\.255\.254, .*at most 5 fit/);
  const away = await run(['emulate', '--first-ip', '10.1.1.1']);
  t.match(away.stderr, /--first-ip: 10\.1\.1\.1 is not in 127\.0\.0\.0\/8/);
});

t.test('validate default, as emulate --config default: the shipped fleets/default.yaml from any folder', async (t) => {
  const r = await run(['fleet', 'validate', 'default'], dir);
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, /^default: valid: 8 BMCs in 2 racks, 127\.1\.0\.1 to 127\.1\.1\.4/);
});

t.test('init: a commented starter file that validates and runs; never overwritten without --force', async (t) => {
  const file = join(dir, 'starter.yaml');
  const made = await run(['fleet', 'init', file]);
  t.equal(made.code, 0, made.stderr);
  t.match(made.stdout, `wrote ${file}: 8 BMCs in 2 racks, 127.1.0.1 to 127.1.1.4`);
  const text = readFileSync(file, 'utf8');
  t.match(text, /^# yaml-language-server: \$schema=\/.*\/schema\/fleet\.schema\.json\n/, 'the schema named for editors (absolute: the file is outside the package)');
  t.match(text, /\.0 or \.255 are skipped/);
  t.equal((await run(['fleet', 'validate', file])).code, 0);
  writeFileSync(file, 'mine');
  const again = await run(['fleet', 'init', file]);
  t.equal(again.code, 1);
  t.match(again.stderr, /exists: not overwritten \(--force overwrites it\)/);
  t.equal(readFileSync(file, 'utf8'), 'mine', 'left as it was');
  t.equal((await run(['fleet', 'init', file, '--force'])).code, 0);
  t.equal(readFileSync(file, 'utf8'), text);
  const printed = await run(['fleet', 'init', '-']);
  t.match(printed.stdout, /^# yaml-language-server: \$schema=\/.*\nracks:|name: my-fleet/s);

  const port = await freeUdpPort();
  const emu = await startEmulator(['--config', file, '--ipmi-port', String(port), '--control', '127.0.0.1:0']);
  t.match(emu.readyLine, new RegExp(`^ready: 8 BMCs in 2 racks from 127\\.1\\.0\\.1 to 127\\.1\\.1\\.4 udp/${port} `));
  t.equal(await emu.stop(), 0);
});

t.test('the ready line names the real first and last BMC: a first address ending in .0 is skipped', async (t) => {
  const emu = await startEmulator(['--bmcs', '3', '--first-ip', '127.78.1.0', '--ipmi-port', String(await freeUdpPort())]);
  t.match(emu.readyLine, /^ready: 3 BMCs on 127\.78\.1\.1-127\.78\.1\.3 udp\//);
  for (let i = 0; i < 100 && !/try: .*\n/.test(emu.output()); i++) await new Promise((r) => setTimeout(r, 20));
  t.match(emu.output(), /try: ipmitool -I lanplus -H 127\.78\.1\.1 /, 'the try line too');
  t.equal(await emu.stop(), 0);
});
