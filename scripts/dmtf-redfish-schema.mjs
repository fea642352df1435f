#!/usr/bin/env node
// `node scripts/dmtf-redfish-schema.mjs DMTF_REPO`: refreshes test/fixtures/dmtf-redfish-schema/, the DMTF Redfish JSON
// schemas the Redfish walk test checks payloads against. DMTF_REPO is a clone of github.com/DMTF/Redfish-Publications
// (a work tree, or a bare git dir: its HEAD is read). Copied: the schema every @odata.type in emulator/ and protocols/
// names (`#X.v1_2_3.X`, and each 'XCollection' a resource collection is built with), and the files their $refs reach, links followed
// as links only (test/helpers/dmtf-redfish-schema.ts says why); with DMTF's LICENSE.md and a README naming the release.
// Builds first (scripts/ensure-built.mjs), as the closure is computed by the test helper's compiled code.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = process.argv[2];
if (!source) {
  console.error('usage: node scripts/dmtf-redfish-schema.mjs DMTF_REDFISH_PUBLICATIONS_CLONE');
  process.exit(2);
}
if (spawnSync(process.execPath, [join(root, 'scripts', 'ensure-built.mjs')], { stdio: 'inherit' }).status !== 0) process.exit(1);
const { DMTF_SCHEMA_DIR, schemaClosure, schemaFileOf } = await import(join(root, 'dist', 'test', 'helpers', 'dmtf-redfish-schema.js'));

const worktree = existsSync(join(source, 'json-schema'));
/** A file of the publication, from its work tree or its HEAD commit. */
const published = (path) => (worktree ? readFileSync(join(source, path), 'utf8') : execFileSync('git', ['-C', source, 'show', `HEAD:${path}`], { encoding: 'utf8', maxBuffer: 1 << 26 }));
const release = execFileSync('git', ['-C', source, 'log', '-1', '--format=%s'], { encoding: 'utf8' }).trim();

/** The schema files our sources name. */
function namedSchemas() {
  const files = new Set();
  const scan = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) scan(path);
      else if (entry.name.endsWith('.ts')) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(/#(\w+)\.v\d+_\d+_\d+\.\1\b/g)) files.add(schemaFileOf(m[0]));
        for (const m of text.matchAll(/'(\w+Collection)'/g)) files.add(`${m[1]}.json`);
      }
    }
  };
  scan(join(root, 'emulator'));
  scan(join(root, 'protocols'));
  return [...files].sort();
}

const roots = namedSchemas();
const closure = schemaClosure(roots, (file) => JSON.parse(published(`json-schema/${file}`)));
rmSync(DMTF_SCHEMA_DIR, { recursive: true, force: true });
mkdirSync(DMTF_SCHEMA_DIR, { recursive: true });
for (const file of [...closure].sort()) writeFileSync(join(DMTF_SCHEMA_DIR, file), published(`json-schema/${file}`));
writeFileSync(join(DMTF_SCHEMA_DIR, 'LICENSE.md'), published('LICENSE.md'));
writeFileSync(join(DMTF_SCHEMA_DIR, 'README.md'), [
  `# DMTF Redfish JSON schemas (${release})`,
  '',
  `Unchanged copies of the DMTF Redfish schemas (DSP8010, ${release}, from github.com/DMTF/Redfish-Publications,`,
  'json-schema/), under the DMTF licence in LICENSE.md (BSD-3-Clause). Only the schemas our payloads name in',
  '@odata.type and the files their $refs reach (links as links) are here; the Redfish walk test',
  '(test/integration/redfish-schema.test.ts) checks every payload against them. To refresh, after a new release or a',
  'new @odata.type: `node scripts/dmtf-redfish-schema.mjs PATH_TO_A_CLONE_OF_Redfish-Publications`.',
  '',
  `Named by our sources: ${roots.join(', ')}.`,
  '',
].join('\n'));
console.log(`${closure.size} schema files (${roots.length} named) from ${release} in ${DMTF_SCHEMA_DIR}`);
