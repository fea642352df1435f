// The published JSON Schema (schema/fleet.schema.json), what editors complete and check fleet files with: the same
// as the zod schema generates (`npm run schema` writes it), and it takes the shipped fleet files and refuses mistakes.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PACKAGE_ROOT } from '../../cli/package-info.js';
import { FLEET_SCHEMA_FILE, fleetJsonSchemaText } from '../../emulator/fleet/schema/json-schema.js';

const committed = readFileSync(join(PACKAGE_ROOT, FLEET_SCHEMA_FILE), 'utf8');

t.test('the committed schema is what the zod schema generates (else: npm run schema)', (t) => {
  t.equal(committed, fleetJsonSchemaText());
  t.end();
});

t.test('an editor reading it: the shipped fleet files pass, mistakes do not, defaults and help are there', (t) => {
  const schema = JSON.parse(committed);
  const jsonSchema = z.fromJSONSchema(schema);
  for (const name of ['default', 'starter']) {
    const doc = parseYaml(readFileSync(join(PACKAGE_ROOT, 'fleets', `${name}.yaml`), 'utf8'));
    t.ok(jsonSchema.safeParse(doc).success, `fleets/${name}.yaml passes`);
  }
  const rack = { bmcs: 2, firstIp: '127.1.0.1' };
  for (const [doc, what] of [
    [{}, 'no racks'],
    [{ racks: [] }, 'no rack in racks'],
    [{ racks: [{ ...rack, bmcs: 0 }] }, 'a rack of no BMCs'],
    [{ racks: [{ ...rack, colour: 'red' }] }, 'an unknown key'],
    [{ racks: [rack], faults: { lossPercent: 101 } }, 'a loss over 100%'],
    [{ racks: [rack], templates: { t: { vendor: 'v'.repeat(64) } } }, 'a FRU field over 63 bytes'],
    [{ racks: [rack], shards: 'many' }, 'shards neither auto nor a number'],
  ] as const) t.notOk(jsonSchema.safeParse(doc).success, what);
  t.equal(schema.properties.ipmiPort.default, 623);
  t.match(schema.properties.racks.items.properties.firstIp.description, /\.0 or \.255 are skipped/);
  t.same(schema.properties.racks.items.required, ['bmcs', 'firstIp']);
  t.end();
});
