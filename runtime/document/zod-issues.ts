// zod's issues in a document's words (a fleet file's, a policy's): "expected a list", "unknown key (known here:
// ...)", each at its path, one issue per unknown key (pointing at the key), and the fields of a section that reports
// at itself (a fleet file's faults) reported there.
import { z } from 'zod';
import type { DocumentIssue, DocumentPath } from './issues.js';

/** Sections whose fields' mistakes are reported at the section, the message naming the field. */
export const reportedAtSection = new WeakSet<z.ZodType>();

const EXPECTED: Record<string, string> = {
  object: 'a mapping (key: value)',
  array: 'a list',
  string: 'a non-empty string',
  boolean: 'true or false',
  number: 'a number',
};

/** The error map of every parse: wording for the issues a schema gives no message of its own. */
export function documentErrorMap(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      const what = EXPECTED[issue.expected] ?? issue.expected;
      return issue.input === undefined ? `required: ${what}` : `expected ${what}`;
    }
    case 'unrecognized_keys': {
      const shape = (issue.inst as z.ZodObject | undefined)?.shape;
      return `unknown key${shape ? ` (known here: ${Object.keys(shape).join(', ')})` : ''}`;
    }
    case 'invalid_key':
    case 'invalid_element':
      return issue.issues[0]?.message;
    case 'too_big':
      return issue.origin === 'array' ? `at most ${issue.maximum} items` : undefined;
    case 'too_small':
      return issue.origin === 'array' ? `at least ${issue.minimum} item${issue.minimum === 1 ? '' : 's'}` : undefined;
    default:
      return undefined;
  }
}

/** `error`'s issues under `root` (the schema that was parsed), as document issues below `prefix`. */
export function documentIssues(error: z.ZodError, root: z.ZodType, prefix: DocumentPath = []): DocumentIssue[] {
  const out: DocumentIssue[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map((p) => typeof p === 'symbol' ? String(p) : p);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: [...prefix, ...path, key], message: issue.message, key: true });
      continue;
    }
    const section = sectionOf(root, path);
    if (section === null) out.push({ path: [...prefix, ...path], message: issue.message });
    else out.push({ path: [...prefix, ...path.slice(0, section)], message: issue.message, at: [...prefix, ...path] });
  }
  return out;
}

/** How long the path to the deepest section that reports at itself is, above `path`'s end; null when none is. */
function sectionOf(root: z.ZodType, path: readonly (string | number)[]): number | null {
  let schema: z.ZodType | undefined = root;
  let found: number | null = null;
  for (let depth = 0; depth < path.length && schema; depth++) {
    schema = unwrapped(schema);
    if (reportedAtSection.has(schema)) found = depth;
    schema = child(schema, path[depth]);
  }
  return found;
}

function unwrapped(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault || s instanceof z.ZodPrefault) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else return s;
  }
}

function child(schema: z.ZodType, key: string | number): z.ZodType | undefined {
  if (schema instanceof z.ZodObject) return schema.shape[key] as z.ZodType | undefined;
  if (schema instanceof z.ZodArray) return schema.element as z.ZodType;
  if (schema instanceof z.ZodRecord) return schema.valueType as z.ZodType;
  return undefined;
}
