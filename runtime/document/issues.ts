// What is wrong with a document a user wrote (a fleet file, a provisioning policy): every mistake found, each with its
// path in the document (racks[1].firstIp) and, when read from YAML, its line and column, printed the way compilers
// print theirs (FILE:LINE:COLUMN: ...), so editors and terminals link each one to its place.

/** Keys and list indexes from the top of the document down to the value. */
export type DocumentPath = readonly (string | number)[];

export interface DocumentIssue {
  /** Where in the document; null for the file as a whole (cannot be read, not YAML). */
  path: DocumentPath | null;
  message: string;
  /** Where in the file it points, when not at `path` (a fault's value, reported at its faults mapping). */
  at?: DocumentPath;
  /** It points at the key of the last path element (an unknown key), not at its value. */
  key?: boolean;
  /** 1-based, when the document came from a file. */
  line?: number;
  column?: number;
}

/** How many a DocumentError's message lists. */
const LISTED_ISSUES = 20;

export class DocumentError extends Error {
  readonly where: string;
  readonly issues: readonly DocumentIssue[];

  /** `listsAll`: the command that prints every issue, named when the message leaves some out. */
  constructor(where: string, issues: readonly DocumentIssue[], listsAll?: string) {
    const lines = issues.slice(0, LISTED_ISSUES).map((issue) => formatIssue(where, issue));
    if (issues.length > LISTED_ISSUES) {
      lines.push(`... and ${issues.length - LISTED_ISSUES} more${listsAll ? ` (${listsAll} lists them all)` : ''}`);
    }
    super(issues.length === 1 ? lines[0] : `${where}: ${issues.length} errors\n${lines.join('\n')}`);
    this.name = 'DocumentError';
    this.where = where;
    this.issues = issues;
  }
}

/** `racks[1].firstIp`, `bmcs.127.1.0.4.faults`; `top level` for the document itself. */
export function formatPath(path: DocumentPath): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return out || 'top level';
}

/** `fleet.yaml:12:5: racks[1].firstIp: not an IPv4 address: "127.1.0"`. */
export function formatIssue(where: string, issue: DocumentIssue): string {
  const at = issue.line === undefined ? where : `${where}:${issue.line}:${issue.column}`;
  return issue.path === null ? `${at}: ${issue.message}` : `${at}: ${formatPath(issue.path)}: ${issue.message}`;
}

/** Issues in the order of the file (those without a position keep their place after the others). */
export function inFileOrder(issues: readonly DocumentIssue[]): DocumentIssue[] {
  return issues.map((issue, i) => ({ issue, i })).sort((a, b) =>
    (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) || (a.issue.column ?? 0) - (b.issue.column ?? 0) || a.i - b.i).map((x) => x.issue);
}
