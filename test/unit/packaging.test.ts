// What `npm pack` ships (issue 18, packaging): the built code, the shipped fleet files and the Wireshark dissector,
// not the tests, benches, sources or CI scripts; and what --version and `--config default` rely on.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT, packageVersion, shippedFleetFile } from '../../cli/package-info.js';

t.test('npm pack ships what runs and nothing else', async (t) => {
  // --ignore-scripts: the listing only (prepack's declaration build is not needed to see which paths go in).
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PACKAGE_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const files = (JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
  for (const needed of ['package.json', 'README.md', 'dist/cli/bmcfleet.js', 'dist/emulator/fleet/shard-main.js', 'fleets/default.yaml',
    'fleets/starter.yaml', 'schema/fleet.schema.json', 'protocols/rollout/wireshark/bmcfleet-rollout.lua']) {
    t.ok(files.includes(needed), `ships ${needed}`);
  }
  const unwanted = files.filter((f) => /^(test|bench|scripts|\.ci)\/|^dist\/(test|bench)\/|(?<!\.d)\.ts$/.test(f));
  t.same(unwanted, [], 'no tests, benches, scripts, CI files or TypeScript sources');
});

t.test('exports name every layer a user may import, with types', async (t) => {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8'));
  for (const layer of ['protocols', 'runtime', 'clients', 'emulator', 'orchestrator']) {
    t.same(pkg.exports[`./${layer}/*`], { types: `./dist/${layer}/*.d.ts`, default: `./dist/${layer}/*.js` }, layer);
  }
  // A package may import itself by name through its exports: the README's imports resolve as a user's code's would
  // (in plain node, as a user runs it: tap's own loader resolves differently).
  const script = `
    const names = {};
    for (const [specifier, name] of [['bmcfleet/clients/ipmi/ipmi-client', 'IpmiLanClient'], ['bmcfleet/protocols/rollout/message', 'decodeMessage'],
      ['bmcfleet/emulator/fleet/fleet', 'Fleet'], ['bmcfleet/runtime/log', 'createLogger']]) names[specifier] = typeof (await import(specifier))[name];
    names.tests = await import('bmcfleet/dist/test/unit/packaging.test.js').then(() => 'exported', (err) => err.code);
    console.log(JSON.stringify(names));`;
  const imported = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: PACKAGE_ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } }));
  t.same(imported, {
    'bmcfleet/clients/ipmi/ipmi-client': 'function', 'bmcfleet/protocols/rollout/message': 'function',
    'bmcfleet/emulator/fleet/fleet': 'function', 'bmcfleet/runtime/log': 'function', tests: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
  }, 'the README\'s imports resolve by package name; the tests do not');
  t.notOk(pkg.scripts.prepare, 'nothing builds on a consumer\'s install');
  t.ok(pkg.scripts.prepack, 'the package is built when it is packed');
});

t.test('--version and the shipped default fleet', async (t) => {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8'));
  t.equal(packageVersion(), pkg.version);
  const cli = join(PACKAGE_ROOT, 'dist', 'cli', 'bmcfleet.js');
  t.equal(execFileSync(process.execPath, [cli, '--version'], { encoding: 'utf8' }), `bmcfleet ${pkg.version}\n`);
  t.ok(existsSync(shippedFleetFile('default')), 'fleets/default.yaml is found from the installed code');
});
