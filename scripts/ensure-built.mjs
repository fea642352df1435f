#!/usr/bin/env node
// `npm start` and `npm test` on a fresh clone: install what package-lock.json pins when node_modules is missing or
// older than the lock (npm ci), then build (tsc, incremental: a no-op when nothing changed). So the README's set-up
// is those two commands and nothing before them.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
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

if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  console.error('installing the dependencies package-lock.json pins (npm ci)...');
  run('installing the dependencies', process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci', '--no-audit', '--no-fund']);
}
run('building', process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')]);
