#!/usr/bin/env node
// `npm run bench [-- NAME...] [-- args]`: build, then run every benchmark in bench/*.bench.ts (compiled to
// dist/bench/*.bench.js), or only those NAMEd (`npm run bench -- congestion`), one after another, forwarding the
// other arguments (e.g. --quick). Each benchmark prints one
// JSON object; this prints it as one line on stdout. Build output and progress go to stderr. Exits non-zero
// if the build or any benchmark fails.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const names = new Set(benchmarks().map((b) => b.name));
const chosen = process.argv.slice(2).filter((a) => names.has(a));
const args = process.argv.slice(2).filter((a) => !names.has(a));

/** Always builds, so dist is never stale; any type error stops the run, as in `npm test`. */
function build() {
  const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')],
    { cwd: root, stdio: ['ignore', 2, 'inherit'] });
  if (r.status !== 0) {
    console.error(`bench: build failed (tsc exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

/** Benchmarks are found from the sources, so a stale dist/bench file of a deleted benchmark is not run. */
function benchmarks() {
  const dir = join(root, 'bench');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .sort()
    .map((f) => ({ name: f.replace(/\.bench\.ts$/, ''), file: join(root, 'dist', 'bench', f.replace(/\.ts$/, '.js')) }));
}

/** The one JSON object a benchmark printed, or an error message. */
function parseResult(stdout) {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== 1) return { error: `expected one JSON line on stdout, got ${lines.length}` };
  try {
    const value = JSON.parse(lines[0]);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: 'stdout is not a JSON object' };
    return { value };
  } catch (e) {
    return { error: `stdout is not JSON: ${e.message}` };
  }
}

build();
const list = benchmarks().filter((b) => chosen.length === 0 || chosen.includes(b.name));
if (list.length === 0) {
  console.error('bench: no benchmarks in bench/');
  process.exit(1);
}

const failed = [];
for (const b of list) {
  console.error(`bench: ${b.name}${args.length ? ` ${args.join(' ')}` : ''}`);
  const r = spawnSync(process.execPath, [b.file, ...args],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error || r.status !== 0) {
    console.error(`bench: ${b.name} failed (${r.error ? r.error.message : `exit ${r.status ?? r.signal}`})`);
    if (r.stdout) process.stderr.write(r.stdout);
    failed.push(b.name);
    continue;
  }
  const result = parseResult(r.stdout);
  if (result.error) {
    console.error(`bench: ${b.name} failed: ${result.error}`);
    process.stderr.write(r.stdout);
    failed.push(b.name);
    continue;
  }
  process.stdout.write(`${JSON.stringify(result.value)}\n`);
}

if (failed.length > 0) {
  console.error(`bench: ${failed.length} of ${list.length} failed: ${failed.join(', ')}`);
  process.exit(1);
}
console.error(`bench: ${list.length} benchmark(s) done`);
