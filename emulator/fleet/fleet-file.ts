// The fleet file: YAML read into a checked FleetConfig (fleet-config.ts), every mistake with its line and column
// (runtime/document/yaml-document.ts). Kept apart from the checks so that shard processes, which only receive
// a FleetConfig, never load the YAML parser.
import { checkYamlFile, checkYamlText, type Checked } from '../../runtime/document/yaml-document.js';
import { checkFleetDocument, type FleetConfig } from './fleet-config.js';
import { FleetFileError, type FleetIssue } from './fleet-issues.js';

export * from './fleet-config.js';

type CheckedFleet = { config: FleetConfig; issues: [] } | { config: null; issues: FleetIssue[] };

/** The fleet file at `path` checked: its FleetConfig, or every mistake in the order of the file. */
export function readFleetFile(path: string): CheckedFleet {
  return asFleet(checkYamlFile(path, checkFleet));
}

/** A fleet file's text checked, as readFleetFile. */
export function readFleetText(text: string): CheckedFleet {
  return asFleet(checkYamlText(text, checkFleet));
}

function checkFleet(doc: unknown): Checked<FleetConfig> {
  const { config, issues } = checkFleetDocument(doc);
  return config ? { value: config, issues: [] } : { value: null, issues };
}

function asFleet(checked: Checked<FleetConfig>): CheckedFleet {
  return checked.value ? { config: checked.value, issues: [] } : { config: null, issues: checked.issues };
}

export function loadFleetFile(path: string): FleetConfig {
  const { config, issues } = readFleetFile(path);
  if (!config) throw new FleetFileError(path, issues);
  return config;
}
