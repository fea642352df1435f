// The fleet file's schema as JSON Schema (draft 7, what YAML and JSON editors read) for completion, hover text and
// checks as one types: the input a file may hold, defaults included. schema/fleet.schema.json is this, written by
// `npm run schema` (scripts/fleet-schema.mjs); a test keeps the two the same.
import { z } from 'zod';
import { fleetSchema } from './fleet.js';

export const FLEET_SCHEMA_FILE = 'schema/fleet.schema.json';

export function fleetJsonSchema(): Record<string, unknown> {
  return { title: 'bmcfleet fleet file', ...z.toJSONSchema(fleetSchema, { io: 'input', target: 'draft-7' }) };
}

/** The committed file's text: the schema, two-space indented, one newline at the end. */
export function fleetJsonSchemaText(): string {
  return `${JSON.stringify(fleetJsonSchema(), null, 2)}\n`;
}
