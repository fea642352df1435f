#!/usr/bin/env node
// `npm run schema`: writes schema/fleet.schema.json, the fleet file's JSON Schema for editors, from the zod schema
// (emulator/fleet/schema/). Run it after changing a section; test/unit/fleet-json-schema.test.ts fails until then.
// `npm run schema` builds first (scripts/ensure-built.mjs), so dist holds the schema as the sources say.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { FLEET_SCHEMA_FILE, fleetJsonSchemaText } = await import(join(root, 'dist', 'emulator', 'fleet', 'schema', 'json-schema.js'));
const file = join(root, FLEET_SCHEMA_FILE);
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, fleetJsonSchemaText());
console.log(`wrote ${FLEET_SCHEMA_FILE}`);
