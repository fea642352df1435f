// Every Redfish payload against the DMTF schemas (issue 16; test/fixtures/dmtf-redfish-schema/, release 2025.4): a
// fleet's BMC over plain HTTP, logged in with a session, with a CD inserted, a SEL entry, an event subscription and an update task
// so those resources exist too; a walk of every @odata.id reachable from /redfish/v1/ (links inside payloads too)
// checks each payload against the schema its @odata.type names, and that it carries @odata.id (naming where it was
// read), @odata.type and, but a collection, Id; and that each action a payload offers has its target routed.
import t, { type Test } from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dmtfAjv, embeddedResources, validatorOf } from '../helpers/dmtf-redfish-schema.js';
import type { EmulatorProcess } from '../helpers/emulator-process.js';
import type { RangeServer } from '../helpers/range-server.js';
import { startRedfishMediaFleet } from '../helpers/redfish-media-fleet.js';

const BMC = '127.79.0.1';
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-rfschema-'));
/** The walk stops here: a loop of ever new links would be a bug, not a bigger tree. */
const MAX_RESOURCES = 400;

let emu: EmulatorProcess;
let images: RangeServer;
let port: number;
let token: string;

async function redfish(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(`http://${BMC}:${port}${path}`, {
    method, headers: { 'x-auth-token': token, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
}

/** Every @odata.id in a payload, without its fragment (Thermal#/Fans/0 is read as Thermal). */
function links(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(links);
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => (k === '@odata.id' && typeof x === 'string' ? [x.split('#')[0]] : links(x)));
}

/** `payload` is valid against the schema its @odata.type names. */
function checkSchema(t: Test, ajv: ReturnType<typeof dmtfAjv>, where: string, payload: Record<string, unknown>): void {
  const type = String(payload['@odata.type']);
  const validate = validatorOf(ajv, type);
  if (!validate) t.fail(`${where}: no schema for ${type} (node scripts/dmtf-redfish-schema.mjs refreshes the set)`);
  else if (!validate(payload)) {
    const errors = validate.errors!.map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    t.fail(`${where} is not a valid ${type}: ${errors.join('; ')}`);
  } else t.pass(`${where} is a valid ${type}`);
}

/** The target of each action a payload offers (Actions: { "#Type.Action": { target } }). */
function actionTargets(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(actionTargets);
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => (k.startsWith('#') && typeof x?.target === 'string' ? [x.target] : actionTargets(x)));
}

t.before(async () => {
  ({ emu, images, port } = await startRedfishMediaFleet(dir, BMC));
  const login = await fetch(`http://${BMC}:${port}/redfish/v1/SessionService/Sessions`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ UserName: 'admin', Password: 'password' }),
  });
  token = login.headers.get('x-auth-token')!;
});
t.teardown(async () => {
  await emu?.stop();
  await images?.close();
});

t.test('every payload reachable from the service root is valid against its DMTF schema', async (t) => {
  t.ok(token, 'logged in');
  t.equal((await redfish('POST', '/redfish/v1/Managers/1/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia', { Image: `${images.url}/boot.iso` })).status, 204);
  t.equal((await redfish('POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { ResetType: 'ForceOff' })).status, 204, 'a SEL entry');
  t.equal((await redfish('POST', '/redfish/v1/EventService/Subscriptions', { Destination: 'http://127.0.0.1:9/events', Context: 'walk' })).status, 201);
  // an image no server holds: the task runs and fails, and stays listed
  t.equal((await redfish('POST', '/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate', { ImageURI: 'http://127.0.0.1:9/fw.img' })).status, 202);

  const ajv = dmtfAjv();
  const seen = new Set<string>();
  const targets = new Set<string>();
  const queue = ['/redfish/v1/'];
  while (queue.length > 0 && seen.size < MAX_RESOURCES) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const r = await redfish('GET', path);
    if (r.status !== 200) {
      t.fail(`GET ${path}: ${r.status} ${JSON.stringify(r.json)}`);
      continue;
    }
    const body = r.json;
    t.equal(body['@odata.id'], path, `${path}: @odata.id names it`);
    const type = body['@odata.type'];
    t.type(type, 'string', `${path}: @odata.type`);
    if (!/Collection\.\w+Collection$/.test(type)) t.type(body.Id, 'string', `${path}: Id`);
    checkSchema(t, ajv, path, body);
    for (const { path: at, resource } of embeddedResources(body)) checkSchema(t, ajv, `${path}#${at}`, resource);
    for (const link of links(body)) if (!seen.has(link) && link.startsWith('/redfish/v1')) queue.push(link);
    for (const action of actionTargets(body)) targets.add(action);
  }
  t.ok(targets.size >= 8, `${targets.size} action targets`);
  for (const action of targets) {
    const r = await redfish('GET', action);
    t.equal(r.status, 405, `${action}: an action target, routed (POST only)`);
    t.equal(r.headers.get('allow'), 'POST', `${action}: Allow`);
  }
  t.ok(seen.size < MAX_RESOURCES, `the walk ended: ${seen.size} resources`);
  for (const must of ['/redfish/v1/Systems/1', '/redfish/v1/Managers/1/VirtualMedia/Cd', '/redfish/v1/Chassis/1/Sensors',
    '/redfish/v1/EventService/Subscriptions/1', '/redfish/v1/Managers/1/LogServices/SEL/Entries/1', '/redfish/v1/TaskService/Tasks/1', '/redfish/v1/AccountService/Roles/Operator']) {
    t.ok(seen.has(must), `the walk reached ${must}`);
  }
});
