// A shard process loads only what it runs: not the YAML parser, not the fleet file's schema and its library (zod):
// it receives a checked FleetConfig. The control API's fault check is imported when a body arrives, in the
// supervisor (emulator/fleet/control/faults.ts).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Packages and project files a module loads when it loads, following static imports (not import()). */
function loadedWith(file: string, seen = new Set<string>(), packages = new Set<string>()): { files: Set<string>; packages: Set<string> } {
  if (seen.has(file)) return { files: seen, packages };
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)) {
    const spec = m[1] ?? m[2];
    if (spec.startsWith('.')) loadedWith(resolve(dirname(file), spec), seen, packages);
    else packages.add(spec);
  }
  return { files: seen, packages };
}

t.test('shard-main loads neither yaml nor zod nor the fleet file\'s checks', (t) => {
  const { files, packages } = loadedWith(join(DIST, 'emulator', 'fleet', 'shard-main.js'));
  t.ok(files.size > 20, `${files.size} project files followed`);
  t.notOk(packages.has('zod'), 'no zod');
  t.notOk(packages.has('yaml'), 'no yaml');
  t.same([...files].filter((f) => /fleet-config|fleet-checks|fleet-file|[\\/]schema[\\/]/.test(f)), []);
  t.end();
});
