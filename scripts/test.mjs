#!/usr/bin/env node
// `npm test`: install the real peers the conformance tests need (commands, and python3-sushy for Debian's python),
// build, run every test with tap, and end with one line "N passed, N failed".
import { spawnSync, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

// command -> Debian package, one a line so that peers added by different changes do not collide
const PEERS = {
  ipmitool: 'ipmitool',
  tshark: 'tshark',
  ipmi_sim: 'openipmi',
  isnsadm: 'open-isns-utils',
  isnsd: 'open-isns-server',
  'bmc-info': 'freeipmi-tools',
  usbip: 'usbip',
  isoinfo: 'genisoimage',
  tgtd: 'tgt',
  redfishtool: 'redfishtool',
};
const PYTHON_PEERS = { sushy: 'python3-sushy' }; // module of Debian's /usr/bin/python3 -> Debian package

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function haveModule(module) {
  return spawnSync('/usr/bin/python3', ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

function installPeers() {
  const missing = [
    ...Object.entries(PEERS).filter(([cmd]) => !have(cmd)).map(([, pkg]) => pkg),
    ...Object.entries(PYTHON_PEERS).filter(([module]) => !haveModule(module)).map(([, pkg]) => pkg),
  ];
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.error(`missing peers: ${missing.join(' ')}; run as root or: sudo apt-get install -y ${missing.join(' ')}`);
    process.exit(1);
  }
  console.log(`installing real peers for the conformance tests: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', ...missing]]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0) { console.error(`apt-get ${args[0]} failed`); process.exit(1); }
  }
}

function build() {
  const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  if (r.status !== 0) { console.log('0 passed, 1 failed'); process.exit(1); }
}

installPeers();
build();

/** Every compiled *.test.js under dist/test (helpers are not tests). */
function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith('.test.js') ? [join(dir, e.name)] : []);
}

const files = process.argv.slice(2);
const tap = spawn(process.execPath, ['node_modules/tap/dist/esm/run.mjs', '--reporter=tap', '-j2', ...(files.length ? files : testFiles('dist/test'))],
  { stdio: ['ignore', 'pipe', 'inherit'] });
let tail = '';
let partial = '';
const failures = []; // "not ok" lines with their indentation: files at the top, failing assertions under them
tap.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk).slice(-4096);
  const lines = (partial + chunk).split('\n');
  partial = lines.pop() ?? '';
  for (const line of lines) if (/^\s*not ok /.test(line) && failures.length < 40) failures.push(line);
});
tap.on('close', (code) => {
  // tap closes with "# { total: N, pass: N, fail: N, todo: N, skip: N }" (keys only when non-zero).
  const m = /# \{ (total: \d+[^}]*)\}/.exec(tail);
  const counts = Object.fromEntries((m ? m[1] : '').split(',').map((kv) => kv.trim().split(/:\s*/)).filter((kv) => kv.length === 2).map(([k, v]) => [k, Number(v)]));
  const passed = counts.pass ?? 0;
  const failed = m ? (counts.fail ?? 0) : 1;
  const skipped = (counts.skip ?? 0) + (counts.todo ?? 0);
  // CI shows only the end of the output: name what failed there.
  if (failures.length > 0) console.log(`failed:\n${failures.join('\n')}`);
  console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
  process.exit(code === 0 && failed === 0 ? 0 : 1);
});
