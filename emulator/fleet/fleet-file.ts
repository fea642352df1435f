// The fleet file: YAML read into a checked FleetConfig (fleet-config.ts), every mistake with its line and column,
// found from the YAML nodes' own positions. Kept apart from the checks so that shard processes, which only receive
// a FleetConfig, never load the YAML parser.
import { readFileSync } from 'node:fs';
import { isAlias, isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { checkFleetDocument, type FleetConfig } from './fleet-config.js';
import { FleetFileError, inFileOrder, type FleetIssue } from './fleet-issues.js';

export * from './fleet-config.js';

/** The fleet file at `path` checked: its FleetConfig, or every mistake in the order of the file. */
export function readFleetFile(path: string): { config: FleetConfig; issues: [] } | { config: null; issues: FleetIssue[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { config: null, issues: [{ path: null, message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }] };
  }
  return readFleetText(text);
}

/** A fleet file's text checked, as readFleetFile. */
export function readFleetText(text: string): { config: FleetConfig; issues: [] } | { config: null; issues: FleetIssue[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      config: null,
      issues: doc.errors.map((e) => ({ path: null, message: `not valid YAML: ${e.message.split('\n')[0]}`, ...position(lines, e.pos[0]) })),
    };
  }
  const checked = checkFleetDocument(doc.toJS());
  if (checked.config) return checked;
  return { config: null, issues: inFileOrder(checked.issues.map((issue) => ({ ...issue, ...position(lines, offsetOf(doc, issue)) }))) };
}

export function loadFleetFile(path: string): FleetConfig {
  const { config, issues } = readFleetFile(path);
  if (!config) throw new FleetFileError(path, issues);
  return config;
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
function offsetOf(doc: Document, issue: FleetIssue): number | undefined {
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
