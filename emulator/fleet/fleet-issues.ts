// What is wrong with a fleet file: the document issues of runtime/document/issues.ts, and the error that lists them,
// which names `bmcfleet fleet validate` for the whole list.
import { DocumentError, type DocumentIssue, type DocumentPath } from '../../runtime/document/issues.js';

export { formatIssue, formatPath, inFileOrder } from '../../runtime/document/issues.js';
export type FleetPath = DocumentPath;
export type FleetIssue = DocumentIssue;

export class FleetFileError extends DocumentError {
  constructor(where: string, issues: readonly FleetIssue[]) {
    super(where, issues, `bmcfleet fleet validate ${where}`);
    this.name = 'FleetFileError';
  }
}
