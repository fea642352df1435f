// The house's layer rule (README "Architecture"): protocols <- runtime <- clients <- emulator | orchestrator <- cli.
// Reads the imports of every source file and fails on one that points the wrong way, or on an import cycle.
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const RANK: Record<string, number> = { protocols: 0, runtime: 1, clients: 2, emulator: 3, orchestrator: 3, cli: 4 };

interface Import { from: string; line: number; to: string }

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Relative imports of one file (static, re-export, side-effect and dynamic), resolved to .ts paths from the root. */
export function importsOf(file: string, text: string): Import[] {
  const out: Import[] = [];
  const spec = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;
  text.split('\n').forEach((lineText, i) => {
    for (const m of lineText.matchAll(spec)) {
      out.push({ from: file, line: i + 1, to: normalize(join(dirname(file), m[1])).replace(/\.js$/, '.ts') });
    }
  });
  return out;
}

/** Why `imp` breaks the layer rule, or null when it doesn't. */
export function layerViolation(imp: Import): string | null {
  const from = imp.from.split('/')[0];
  const to = imp.to.split('/')[0];
  if (!(from in RANK) || !(to in RANK) || from === to) return null;
  if (RANK[to] < RANK[from]) return null;
  return `${imp.from}:${imp.line} imports ${imp.to}: ${from}/ may import only ${Object.keys(RANK).filter((k) => RANK[k] < RANK[from]).join(', ') || 'itself'}`;
}

/** One import cycle among `graph`'s files, as a path that ends where it started, or null. */
export function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): string[] | null => {
    if (state.get(f) === 'done') return null;
    if (state.get(f) === 'open') return [...stack.slice(stack.indexOf(f)), f];
    state.set(f, 'open');
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      const c = visit(g);
      if (c) return c;
    }
    stack.pop();
    state.set(f, 'done');
    return null;
  };
  for (const f of graph.keys()) {
    const c = visit(f);
    if (c) return c;
  }
  return null;
}

const files = Object.keys(RANK).flatMap(sources);
const imports = files.flatMap((f) => importsOf(f, readFileSync(join(ROOT, f), 'utf8')));

t.test('the checker itself catches what it should', async (t) => {
  const imp = (from: string, to: string) => importsOf(from, `import { x } from '${relative(dirname(from), to).replace(/^(?!\.)/, './').replace(/\.ts$/, '.js')}';`)[0];
  t.match(layerViolation(imp('protocols/a.ts', 'runtime/clock.ts')), /^protocols\/a\.ts:1 imports runtime\/clock\.ts/);
  t.ok(layerViolation(imp('emulator/x/a.ts', 'orchestrator/b.ts')), 'emulator and orchestrator never import each other');
  t.ok(layerViolation(imp('clients/a.ts', 'emulator/b.ts')));
  t.equal(layerViolation(imp('cli/a.ts', 'emulator/b.ts')), null);
  t.equal(layerViolation(imp('emulator/a/b.ts', 'emulator/c.ts')), null);
  t.same(importsOf('cli/a.ts', "export * from '../x.js';\nconst m = await import('./y.js');").map((i) => i.to), ['x.ts', 'cli/y.ts']);
  t.same(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]])), ['a', 'b', 'c', 'a']);
  t.equal(findCycle(new Map([['a', ['b']], ['b', []]])), null);
});

t.test('every import points down the layers', async (t) => {
  t.ok(files.length > 100, `read ${files.length} source files`);
  const wrong = imports.map(layerViolation).filter((v): v is string => v !== null);
  t.same(wrong, [], wrong.join('\n'));
});

t.test('no import cycles between source files', async (t) => {
  const graph = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const i of imports) graph.get(i.from)?.push(i.to);
  const cycle = findCycle(graph);
  t.equal(cycle, null, cycle ? `import cycle: ${cycle.join(' -> ')}` : 'no cycle');
});
