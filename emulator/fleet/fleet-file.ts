// The fleet file: YAML read into a checked FleetConfig (fleet-config.ts), every mistake with its line and column
// (runtime/document/yaml-document.ts). Kept apart from the checks so that shard processes, which only receive
// a FleetConfig, never load the YAML parser.
import { readFileSync } from 'node:fs';
import { checkYamlText } from '../../runtime/document/yaml-document.js';
import { checkFleetDocument, type FleetConfig } from './fleet-config.js';
import { FleetFileError, type FleetIssue } from './fleet-issues.js';

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
  const checked = checkYamlText(text, (doc) => {
    const { config, issues } = checkFleetDocument(doc);
    return config ? { value: config, issues: [] } : { value: null, issues };
  });
  return checked.value ? { config: checked.value, issues: [] } : { config: null, issues: checked.issues };
}

export function loadFleetFile(path: string): FleetConfig {
  const { config, issues } = readFleetFile(path);
  if (!config) throw new FleetFileError(path, issues);
  return config;
}
