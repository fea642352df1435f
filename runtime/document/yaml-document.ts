// A YAML document checked into a value, every mistake with its line and column, found from the YAML nodes' own
// positions: the caller's check reports issues by path in the parsed document, and each is placed here.
import { readFileSync } from 'node:fs';
import { isAlias, isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { inFileOrder, type DocumentIssue } from './issues.js';

export type Checked<T> = { value: T; issues: [] } | { value: null; issues: DocumentIssue[] };

/** `text` parsed as YAML and given to `check`: its value, or every mistake (YAML's or the check's) in file order. */
export function checkYamlText<T>(text: string, check: (doc: unknown) => Checked<T>): Checked<T> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      value: null,
      issues: doc.errors.map((e) => ({ path: null, message: `not valid YAML: ${e.message.split('\n')[0]}`, ...position(lines, e.pos[0]) })),
    };
  }
  const checked = check(doc.toJS());
  if (checked.value !== null) return checked;
  return { value: null, issues: inFileOrder(checked.issues.map((issue) => ({ ...issue, ...position(lines, offsetOf(doc, issue)) }))) };
}

/** The file at `path` read and checked as checkYamlText does; a file that cannot be read is one issue (path null). */
export function checkYamlFile<T>(path: string, check: (doc: unknown) => Checked<T>): Checked<T> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { value: null, issues: [{ path: null, message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }] };
  }
  return checkYamlText(text, check);
}

function position(lines: LineCounter, offset: number | undefined): { line?: number; column?: number } {
  if (offset === undefined) return {};
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

/**
 * Where `issue` is in the file: the node at its path (an unknown key: the key), or, for something missing, the
 * deepest node on the way there.
 */
function offsetOf(doc: Document, issue: DocumentIssue): number | undefined {
  const path = issue.at ?? issue.path;
  if (!path) return undefined;
  let node = resolved(doc, doc.contents);
  let offset = node?.range?.[0];
  for (let i = 0; i < path.length && node; i++) {
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => String((p.key as { value?: unknown } | null)?.value ?? p.key) === String(path[i]));
      if (!pair) break;
      const key = pair.key as Node | null;
      if (issue.key && i === path.length - 1) return key?.range?.[0] ?? offset;
      offset = key?.range?.[0] ?? offset;
      next = pair.value;
    } else if (isSeq(node) && typeof path[i] === 'number') {
      next = node.items[path[i] as number];
    } else break;
    node = resolved(doc, next);
    offset = node?.range?.[0] ?? offset;
  }
  return offset;
}

/** The node, or the node an alias (*name) stands for. */
function resolved(doc: Document, v: unknown): Node | null {
  if (isAlias(v)) return (v.resolve(doc) as Node | undefined) ?? null;
  return v && typeof v === 'object' && 'range' in v ? v as Node : null;
}
