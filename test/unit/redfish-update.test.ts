// The UpdateService's multipart push and the TaskService (emulator/redfish/resources/update-service.ts,
// task-service.ts, firmware-update.ts) without sockets, on a manual clock: a pushed bmcfleet firmware goes through the
// same HPM.1 model as ipmitool's (written, then activated by a BMC reboot, after which Get Device ID's version is the
// image's); its task monitor answers 202 with a date Retry-After while it runs and 200 once done; a bad image fails
// the task with an Update message; bad requests are 400s in the Redfish format; tasks and updates are bounded.
import t from 'tap';
import { Privilege } from '../../protocols/ipmi/users.js';
import { buildFirmware, packFirmwareImage } from '../../protocols/ipmi/oem/bmcfleet-firmware.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { EmulatedBmc } from '../../emulator/bmc/emulated-bmc.js';
import { DEFAULT_MANUFACTURER_ID } from '../../emulator/bmc/model.js';
import { BmcRedfish, MAX_TASKS } from '../../emulator/redfish/bmc-redfish.js';
import { dispatch, RouteTable } from '../../emulator/redfish/dispatch.js';
import { ACTIVATION_DELAY_MS } from '../../emulator/redfish/firmware-update.js';
import { REDFISH_ROUTES } from '../../emulator/redfish/routes.js';
import type { RedfishConfig } from '../../emulator/fleet/schema/redfish.js';

const CONFIG: RedfishConfig = {
  port: 443, tls: true, maxSessions: 4, sessionTimeoutSeconds: 60, lockoutThreshold: 3, lockoutSeconds: 30,
  maxBodyKiB: 64, maxConnections: 16, maxConnectionsPerSource: 16,
};
const table = new RouteTable(REDFISH_ROUTES);
const PUSH = '/redfish/v1/UpdateService/update-multipart';
const TARGET = { deviceId: 0x20, manufacturerId: DEFAULT_MANUFACTURER_ID, productId: 0x0001 };
const BOUNDARY = '----bmcfleet-test';

function setup() {
  const clock = new ManualClock(1_000_000);
  const bmc = new EmulatedBmc({
    ip: '127.9.1.1', clock, now: clock.now(),
    users: [{ name: 'admin', password: 'password', privilege: Privilege.ADMINISTRATOR }, { name: 'viewer', password: 'viewer', privilege: Privilege.USER }],
  });
  const target = new BmcRedfish(bmc, null, CONFIG, () => {}, clock);
  const auth = (user = 'admin', password = 'password') => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
  const call = async (method: string, url: string, o: { body?: Uint8Array; headers?: Record<string, string> } = {}) => {
    const a = await dispatch(table, target, { method, url, headers: { ...auth(), ...o.headers }, body: o.body ?? Buffer.alloc(0) }, clock.now());
    return { ...a, json: a.body as any };
  };
  const push = (file: Uint8Array | null, parameters = '{"Targets":[]}', headers: Record<string, string> = {}) => {
    const parts = [Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="UpdateParameters"\r\nContent-Type: application/json\r\n\r\n${parameters}\r\n`)];
    if (file) parts.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="UpdateFile"; filename="bmc.fw"\r\nContent-Type: application/octet-stream\r\n\r\n`), Buffer.from(file), Buffer.from('\r\n'));
    parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
    return call('POST', PUSH, { body: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, ...headers } });
  };
  return { clock, bmc, target, call, push, auth };
}

const firmware = (major: number, minor: number, size = 200_000) => buildFirmware(TARGET, { major, minor, aux: Buffer.alloc(4) }, size);
const messageIds = (task: any) => task.Messages.map((m: any) => m.MessageId);
const errorId = (a: { json: any }) => a.json?.error?.['@Message.ExtendedInfo']?.[0]?.MessageId;

t.test('a pushed image: 202 to a monitor that answers 202 (date Retry-After) while it runs, 200 once done; the version after the reboot', async (t) => {
  const { clock, bmc, call, push } = setup();
  const accepted = await push(firmware(2, 5));
  t.equal(accepted.status, 202);
  const monitor = accepted.headers!.Location;
  t.equal(monitor, '/redfish/v1/TaskService/TaskMonitors/1');
  t.equal(accepted.body, undefined, 'no body: sushy would follow its @odata.id to the Task, which answers 200');

  const running = await call('GET', monitor);
  t.equal(running.status, 202, 'the image is being written (writeMs)');
  t.match(running.json, { '@odata.id': '/redfish/v1/TaskService/Tasks/1', Id: '1', TaskState: 'Running', TaskMonitor: monitor });
  const retryAfter = running.headers!['Retry-After'];
  t.notMatch(retryAfter, /^\d+$/, 'never a number of seconds');
  t.ok(Date.parse(retryAfter) > clock.now(), 'an HTTP date after now');
  t.same(messageIds(running.json), ['TaskEvent.1.0.TaskStarted', 'Update.1.0.TransferringToComponent', 'Update.1.0.VerifyingAtComponent']);
  t.equal((await push(firmware(3, 0))).status, 409, 'one update at a time');

  clock.advance(bmc.model.firmware.timings.writeMs);
  const done = await call('GET', monitor);
  t.equal(done.status, 200);
  t.match(done.json, { TaskState: 'Completed', TaskStatus: 'OK', PercentComplete: 100, EndTime: /Z$/ });
  t.same(messageIds(done.json).slice(-2), ['Update.1.0.UpdateSuccessful', 'TaskEvent.1.0.TaskCompletedOK']);
  t.equal((await call('GET', '/redfish/v1/TaskService/Tasks/1')).status, 200, 'the Task itself answers 200');
  t.equal((await call('GET', '/redfish/v1/Managers/1')).json.FirmwareVersion, '1.00', 'not active until the BMC reboots');

  clock.advance(ACTIVATION_DELAY_MS + bmc.model.firmware.timings.activateMs);
  t.ok(bmc.faults.rebootUntil > clock.now(), 'the BMC reboots into the new image');
  t.match(bmc.model.device, { firmwareMajor: 2, firmwareMinor: 5 }, 'Get Device ID reports it');
  t.equal((await call('GET', '/redfish/v1/Managers/1')).json.FirmwareVersion, '2.05');
  t.match((await call('GET', '/redfish/v1/UpdateService/FirmwareInventory/BMC')).json, { Version: '2.05', Updateable: true });
  t.match(bmc.model.firmware.banks.backup, { major: 1, minor: 0 }, 'the replaced image is the backup, as after HPM.1');
});

t.test('a write that hangs (the firmwareHang fault) keeps its task running, waiting on the clock, until the hang is lifted', async (t) => {
  const { clock, bmc, call, push } = setup();
  bmc.setFaults({ firmwareHang: true });
  const monitor = (await push(firmware(2, 6))).headers!.Location;
  clock.advance(bmc.model.firmware.timings.writeMs + 10_000); // never returned while the task re-checked the overdue write at once
  t.match((await call('GET', monitor)).json, { TaskState: 'Running' }, 'still running while the write hangs');
  t.ok(clock.pending < 10, `a timer or two wait, not one per check (${clock.pending})`);
  bmc.setFaults({ firmwareHang: false });
  clock.advance(1000);
  t.match((await call('GET', monitor)).json, { TaskState: 'Completed' }, 'done once the write ends');
});

t.test('an HPM.1 image file (what `bmcfleet firmware pack` writes for ipmitool) works as well as bare firmware; a damaged one fails', async (t) => {
  const { clock, bmc, call, push } = setup();
  const image = packFirmwareImage(firmware(4, 2, 100_000), 1_767_225_600);
  const damaged = Buffer.from(image);
  damaged[200] ^= 0xff; // the file's MD5 no longer matches
  const refused = await call('GET', (await push(damaged)).headers!.Location);
  t.match(refused.json, { TaskState: 'Exception' });
  t.ok(messageIds(refused.json).includes('Update.1.0.VerificationFailed'));

  const accepted = await push(image);
  clock.advance(bmc.model.firmware.timings.writeMs);
  t.match((await call('GET', accepted.headers!.Location)).json, { TaskState: 'Completed' });
  clock.advance(ACTIVATION_DELAY_MS + bmc.model.firmware.timings.activateMs);
  t.match(bmc.model.device, { firmwareMajor: 4, firmwareMinor: 2 });
});

t.test('a bad image fails its task with an Update message; the version stays', async (t) => {
  const { call, push, bmc } = setup();
  const corrupt = firmware(2, 0);
  corrupt[corrupt.length - 1] ^= 0xff;
  const other = buildFirmware({ ...TARGET, productId: 0x0bad }, { major: 2, minor: 0, aux: Buffer.alloc(4) }, 1000);
  for (const [image, what] of [[corrupt, 'a body that fails its digest'], [other, 'firmware for another product'], [Buffer.from('not firmware'), 'not firmware at all']] as const) {
    const accepted = await push(image);
    t.equal(accepted.status, 202, what);
    const task = await call('GET', accepted.headers!.Location);
    t.equal(task.status, 200, `${what}: done at once`);
    t.match(task.json, { TaskState: 'Exception', TaskStatus: 'Critical' });
    t.same(messageIds(task.json).slice(-2), ['Update.1.0.VerificationFailed', 'TaskEvent.1.0.TaskAborted'], what);
  }
  t.match(bmc.model.device, { firmwareMajor: 1, firmwareMinor: 0 });
});

t.test('bad pushes and SimpleUpdates: 400 in the Redfish format; a read-only user: 403', async (t) => {
  const { call, push, auth } = setup();
  t.equal(errorId(await call('POST', PUSH, { body: Buffer.from('{}'), headers: { 'content-type': 'application/json' } })), 'Base.1.8.UnrecognizedRequestBody');
  t.equal(errorId(await call('POST', PUSH, { body: Buffer.from(`--${BOUNDARY}\r\nbroken`), headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` } })), 'Base.1.8.UnrecognizedRequestBody');
  t.equal(errorId(await push(null)), 'Base.1.8.PropertyMissing');
  t.equal(errorId(await push(firmware(2, 0), '{not json')), 'Base.1.8.MalformedJSON');
  t.equal(errorId(await push(firmware(2, 0), '{"Targets":["/redfish/v1/Systems/1"]}')), 'Base.1.8.PropertyValueNotInList');
  t.equal(errorId(await push(firmware(2, 0), '{"@Redfish.OperationApplyTime":"OnReset"}')), 'Base.1.8.PropertyValueNotInList');
  t.equal((await push(firmware(2, 0), '{}', auth('viewer', 'viewer'))).status, 403);

  const simple = (body: unknown) => call('POST', '/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate', { body: Buffer.from(JSON.stringify(body)) });
  t.equal(errorId(await simple({})), 'Base.1.8.ActionParameterMissing');
  t.equal(errorId(await simple({ ImageURI: 'ftp://host/fw' })), 'Base.1.8.ActionParameterValueFormatError');
  t.equal(errorId(await simple({ ImageURI: 42 })), 'Base.1.8.ActionParameterValueFormatError');
  t.equal(errorId(await simple({ ImageURI: 'http://host/fw', TransferProtocol: 'TFTP' })), 'Base.1.8.ActionParameterValueNotInList');
  t.equal(errorId(await simple({ ImageURI: 'http://host/fw', Targets: '/redfish/v1/Managers/1' })), 'Base.1.8.PropertyValueTypeError');
  t.equal((await call('GET', '/redfish/v1/TaskService/TaskMonitors/99')).status, 404);
  t.equal((await call('GET', '/redfish/v1/TaskService/Tasks/x')).status, 404);
});

t.test('the task table is bounded: finished tasks make room, oldest first', async (t) => {
  const { call, push } = setup();
  for (let i = 0; i < MAX_TASKS + 3; i++) t.equal((await push(Buffer.from('bad'))).status, 202);
  const tasks = (await call('GET', '/redfish/v1/TaskService/Tasks')).json;
  t.equal(tasks['Members@odata.count'], MAX_TASKS);
  t.equal(tasks.Members[0]['@odata.id'], '/redfish/v1/TaskService/Tasks/4', 'the three oldest made room');
  t.equal((await call('GET', '/redfish/v1/TaskService/Tasks/1')).status, 404);
});

t.test('UpdateService, FirmwareInventory and TaskService read as their schemas have them; the root links them', async (t) => {
  const { call } = setup();
  const root = (await call('GET', '/redfish/v1/')).json;
  t.match(root, { UpdateService: { '@odata.id': '/redfish/v1/UpdateService' }, Tasks: { '@odata.id': '/redfish/v1/TaskService' } });
  t.match((await call('GET', '/redfish/v1/UpdateService')).json, {
    '@odata.type': '#UpdateService.v1_8_0.UpdateService', Id: 'UpdateService', MultipartHttpPushUri: PUSH,
    Actions: { '#UpdateService.SimpleUpdate': { target: '/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate' } },
  });
  t.match((await call('GET', '/redfish/v1/UpdateService/FirmwareInventory')).json, { 'Members@odata.count': 2 });
  t.match((await call('GET', '/redfish/v1/UpdateService/FirmwareInventory/BIOS')).json, { Id: 'BIOS', Updateable: false });
  t.match((await call('GET', '/redfish/v1/TaskService')).json, { Id: 'TaskService', Tasks: { '@odata.id': '/redfish/v1/TaskService/Tasks' } });
});
