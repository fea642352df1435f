// The DMTF schema checker the Redfish walk uses (test/helpers/dmtf-redfish-schema.ts): it refuses what the schemas
// refuse (a value outside an enum, a property the version does not define, a link carrying more than @odata.id), takes
// a link or an expanded resource where the schema has a link, and every @odata.type our sources name has its file.
import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../cli/package-info.js';
import { DMTF_SCHEMA_DIR, dmtfAjv, embeddedResources, schemaFileOf, validatorOf } from '../helpers/dmtf-redfish-schema.js';

const ajv = dmtfAjv();
const chassis = {
  '@odata.id': '/redfish/v1/Chassis/1', '@odata.type': '#Chassis.v1_15_0.Chassis', Id: '1', Name: 'Chassis', ChassisType: 'RackMount',
  Links: { ComputerSystems: [{ '@odata.id': '/redfish/v1/Systems/1' }] },
};

t.test('a Chassis payload: valid as built, refused with a wrong enum, an unknown property or a link that says more', (t) => {
  const validate = validatorOf(ajv, chassis['@odata.type'])!;
  t.ok(validate(chassis), 'valid');
  t.notOk(validate({ ...chassis, ChassisType: 'Rack Mount' }), 'ChassisType not in the enum');
  t.notOk(validate({ ...chassis, TaskService: { '@odata.id': '/redfish/v1/TaskService' } }), 'a property Chassis does not have');
  t.notOk(validate({ ...chassis, Links: { ComputerSystems: [{ '@odata.id': '/redfish/v1/Systems/1', Name: 'x' }] } }), 'a link with more than @odata.id');
  t.notOk(validate({ ...chassis, Id: undefined, Name: undefined }), 'Id and Name are required');
  t.end();
});

t.test('a collection: links or expanded members, each expanded one then checked on its own', (t) => {
  const validate = validatorOf(ajv, '#LogEntryCollection.LogEntryCollection')!;
  const entry = { '@odata.id': '/e/1', '@odata.type': '#LogEntry.v1_9_0.LogEntry', Id: '1', Name: 'e', EntryType: 'SEL', SensorType: 'Power Unit' };
  const body = { '@odata.id': '/e', '@odata.type': '#LogEntryCollection.LogEntryCollection', Name: 'E', Members: [entry], 'Members@odata.count': 1 };
  t.ok(validate(body), 'the collection takes an expanded member');
  t.notOk(validate({ ...body, Members: [{ '@odata.id': '/e/1', Id: '1' }] }), 'a member neither a link nor a resource');
  t.same(embeddedResources(body).map((e) => e.path), ['/Members/0']);
  t.notOk(validatorOf(ajv, entry['@odata.type'])!(entry), 'the member itself: "Power Unit" is not a SensorType (PowerUnit is)');
  t.end();
});

t.test('schema files by @odata.type', (t) => {
  t.equal(schemaFileOf('#Chassis.v1_15_0.Chassis'), 'Chassis.v1_15_0.json');
  t.equal(schemaFileOf('#ChassisCollection.ChassisCollection'), 'ChassisCollection.json');
  t.equal(schemaFileOf('Chassis'), null);
  t.end();
});

t.test('every versioned @odata.type in emulator/ and protocols/ has its schema here (else: scripts/dmtf-redfish-schema.mjs)', (t) => {
  const named = new Set<string>();
  const scan = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) scan(join(dir, e.name));
      else if (e.name.endsWith('.ts')) for (const m of readFileSync(join(dir, e.name), 'utf8').matchAll(/#(\w+)\.v\d+_\d+_\d+\.\1\b/g)) named.add(m[0]);
    }
  };
  scan(join(PACKAGE_ROOT, 'emulator'));
  scan(join(PACKAGE_ROOT, 'protocols'));
  t.ok(named.size >= 30, `${named.size} types`);
  for (const type of named) t.ok(existsSync(join(DMTF_SCHEMA_DIR, schemaFileOf(type)!)), type);
  t.ok(existsSync(join(DMTF_SCHEMA_DIR, 'LICENSE.md')), 'with DMTF\'s licence');
  t.end();
});
