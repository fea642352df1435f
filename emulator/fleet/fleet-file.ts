// The fleet file: YAML read into a checked FleetConfig (fleet-config.ts). Kept apart from the checks so that
// shard processes, which only receive a FleetConfig, never load the YAML parser.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { FleetFileError, fleetConfig, type FleetConfig } from './fleet-config.js';

export * from './fleet-config.js';

export function loadFleetFile(path: string): FleetConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new FleetFileError(path, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new FleetFileError(path, `not valid YAML: ${(err as Error).message}`);
  }
  return fleetConfig(doc, path);
}
