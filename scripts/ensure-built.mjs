#!/usr/bin/env node
// `npm start` and `npm test` on a fresh clone: install what package-lock.json pins when node_modules does not hold
// exactly that (npm ci), then build (tsc, incremental: a no-op when nothing changed). So the README's set-up is those
// two commands and nothing before them. What is installed is read from npm's own record, node_modules/.package-lock.json,
// package by package: file times say nothing after a checkout.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// `--check [DIR]`: only say whether DIR's (default: this project's) node_modules holds what its lock pins; exit 1 if not.
const checkOnly = process.argv[2] === '--check';
const root = (checkOnly && process.argv[3]) || join(dirname(fileURLToPath(import.meta.url)), '..');
/** npm ci writes this file last: its age is the install's. */
const installed = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');

function run(what, command, args) {
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`${what} failed (${command} ${args.join(' ')} exited ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

/** Why node_modules is not what the lock pins, or null when it is. Optional packages may be absent (other platforms'). */
function notInstalled() {
  if (!existsSync(installed)) return 'nothing is installed';
  const wanted = JSON.parse(readFileSync(lock, 'utf8')).packages ?? {};
  const have = JSON.parse(readFileSync(installed, 'utf8')).packages ?? {};
  for (const [path, pkg] of Object.entries(wanted)) {
    if (!path.startsWith('node_modules/')) continue;
    if (!have[path]) { if (pkg.optional) continue; return `${path} is missing`; }
    if (have[path].version !== pkg.version) return `${path} is ${have[path].version}, the lock pins ${pkg.version}`;
  }
  return null;
}

const why = notInstalled();
if (checkOnly) {
  console.log(why ?? 'installed as the lock pins');
  process.exit(why ? 1 : 0);
}
if (why) {
  console.error(`${why}: installing what package-lock.json pins (npm ci)...`);
  run('installing the dependencies', process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci', '--no-audit', '--no-fund']);
}
run('building', process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')]);
