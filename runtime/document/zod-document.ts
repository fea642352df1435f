// A kind of document users write (a policy, a cluster file, an update descriptor): its zod schema, read from YAML or
// JSON text or a file, every mistake with its line and column (yaml-document.ts), in the document's words
// (zod-issues.ts).
import type { z } from 'zod';
import { DocumentError } from './issues.js';
import { checkYamlFile, checkYamlText, type Checked } from './yaml-document.js';
import { documentErrorMap, documentIssues } from './zod-issues.js';

export interface DocumentKind<T> {
  /** Text (YAML, so JSON too) checked: the value, or every mistake in file order. */
  readText(text: string): Checked<T>;
  /** A file checked; one that cannot be read is one issue. */
  checkFile(path: string): Checked<T>;
  /** A file's value; a DocumentError listing every mistake (FILE:LINE:COLUMN: path: message). */
  loadFile(path: string): T;
}

export function documentKind<S extends z.ZodType>(schema: S): DocumentKind<z.output<S>> {
  const check = (doc: unknown): Checked<z.output<S>> => {
    const parsed = schema.safeParse(doc, { error: documentErrorMap });
    return parsed.success ? { value: parsed.data, issues: [] } : { value: null, issues: documentIssues(parsed.error, schema) };
  };
  return {
    readText: (text) => checkYamlText(text, check),
    checkFile: (path) => checkYamlFile(path, check),
    loadFile(path) {
      const checked = checkYamlFile(path, check);
      if (checked.value === null) throw new DocumentError(path, checked.issues);
      return checked.value;
    },
  };
}
