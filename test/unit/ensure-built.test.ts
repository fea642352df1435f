// scripts/ensure-built.mjs (npm start / npm test's pretest): node_modules is reinstalled exactly when it does not hold
// what package-lock.json pins, read from npm's own record of what it installed, not from file times.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../cli/package-info.js';

const SCRIPT = join(PACKAGE_ROOT, 'scripts', 'ensure-built.mjs');

function project(locked: Record<string, object>, installed: Record<string, object> | null): string {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-ensure-'));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'x' }, ...locked } }));
  if (installed) {
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'node_modules', '.package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: installed }));
  }
  return dir;
}

function check(dir: string): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [SCRIPT, '--check', dir], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout.trim() };
}

const LOCKED = { 'node_modules/yaml': { version: '2.9.1' }, 'node_modules/fsevents': { version: '2.3.3', optional: true } };

t.test('installed as pinned: nothing to do (an optional package of another platform may be absent)', async (t) => {
  t.same(check(project(LOCKED, { 'node_modules/yaml': { version: '2.9.1' } })), { code: 0, out: 'installed as the lock pins' });
});

t.test('nothing installed, a package missing or at another version: install', async (t) => {
  t.same(check(project(LOCKED, null)), { code: 1, out: 'nothing is installed' });
  t.same(check(project(LOCKED, {})), { code: 1, out: 'node_modules/yaml is missing' });
  t.same(check(project(LOCKED, { 'node_modules/yaml': { version: '2.8.0' } })), { code: 1, out: 'node_modules/yaml is 2.8.0, the lock pins 2.9.1' });
});
