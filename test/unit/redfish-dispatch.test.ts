// A BMC's Redfish service without sockets (emulator/redfish/dispatch.ts and its resources) on a manual clock: login,
// sessions and their bounds, idle expiry and lockout; privileges from the IPMI user table; errors in the Redfish
// format; reset and the boot override on the same model IPMI reads.
import t from 'tap';
import { BootParam, decodeBootParameter, encodeBootParameter, type BootFlags } from '../../protocols/ipmi/commands/boot-options.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { EmulatedBmc } from '../../emulator/bmc/emulated-bmc.js';
import { BmcRedfish } from '../../emulator/redfish/bmc-redfish.js';
import { dispatch, RouteTable } from '../../emulator/redfish/dispatch.js';
import { REDFISH_ROUTES } from '../../emulator/redfish/routes.js';
import type { RedfishAnswer } from '../../emulator/redfish/route.js';
import { SessionTable } from '../../emulator/redfish/session-table.js';
import { LoginLockout } from '../../emulator/redfish/login-lockout.js';
import { TaskTable } from '../../emulator/redfish/task-table.js';
import type { RedfishConfig } from '../../emulator/fleet/schema/redfish.js';

const CONFIG: RedfishConfig = {
  port: 443, tls: true, maxSessions: 2, sessionTimeoutSeconds: 60, lockoutThreshold: 3, lockoutSeconds: 30,
  maxBodyKiB: 64, maxConnections: 16, maxConnectionsPerSource: 16,
};
const table = new RouteTable(REDFISH_ROUTES);

function setup() {
  const clock = new ManualClock(1_000_000);
  const bmc = new EmulatedBmc({
    ip: '127.9.0.1', clock, now: clock.now(),
    users: [
      { name: 'admin', password: 'password', privilege: Privilege.ADMINISTRATOR },
      { name: 'oper', password: 'oper', privilege: Privilege.OPERATOR },
      { name: 'viewer', password: 'viewer', privilege: Privilege.USER },
      { name: 'cb', password: 'cb', privilege: Privilege.CALLBACK },
    ],
  });
  let changes = 0;
  const target = new BmcRedfish(bmc, null, CONFIG, () => { changes++; });
  const call = (method: string, url: string, o: { body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<RedfishAnswer & { json: any }> => {
    const body = Buffer.from(o.raw ?? (o.body === undefined ? '' : JSON.stringify(o.body)));
    const headers = Object.fromEntries(Object.entries(o.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    return dispatch(table, target, { method, url, headers, body }, clock.now()).then((a) => ({ ...a, json: a.body as any }));
  };
  const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
  const login = async (user = 'admin', password = 'password') => call('POST', '/redfish/v1/SessionService/Sessions', { body: { UserName: user, Password: password } });
  return { clock, bmc, target, call, basic, login, changes: () => changes };
}

/** The tables a BmcRedfish made so far (its fields that are one), for the lazy-state test. */
function tablesMade(target: BmcRedfish): string[] {
  return Object.values(target).flatMap((v) => (v instanceof SessionTable ? ['sessions'] : v instanceof LoginLockout ? ['lockout'] : v instanceof TaskTable ? ['tasks'] : []));
}

function messageId(a: { json: any }): string {
  return a.json?.error?.['@Message.ExtendedInfo']?.[0]?.MessageId;
}

t.test('the service root answers without credentials; everything else asks for them (401, WWW-Authenticate)', async (t) => {
  const { call } = setup();
  const root = await call('GET', '/redfish/v1/');
  t.equal(root.status, 200);
  t.match(root.json, { '@odata.id': '/redfish/v1/', Id: 'RootService', Links: { Sessions: { '@odata.id': '/redfish/v1/SessionService/Sessions' } } });
  t.same((await call('GET', '/redfish')).json, { v1: '/redfish/v1/' });
  const refused = await call('GET', '/redfish/v1/Systems');
  t.equal(refused.status, 401);
  t.equal(refused.headers?.['WWW-Authenticate'], 'Basic realm="Redfish"');
  t.equal(messageId(refused), 'Base.1.8.NoValidSession');
  t.match(refused.json.error, { code: 'Base.1.8.NoValidSession', message: /no valid session/ });
});

t.test('a session: 201 with X-Auth-Token and Location, used by token, deleted, then refused', async (t) => {
  const { call, login } = setup();
  const opened = await login();
  t.equal(opened.status, 201);
  const token = opened.headers!['X-Auth-Token'];
  t.match(token, /^[0-9a-f]{32}$/);
  t.equal(opened.headers!.Location, '/redfish/v1/SessionService/Sessions/1');
  t.match(opened.json, { Id: '1', UserName: 'admin', '@odata.type': '#Session.v1_3_0.Session' });
  t.equal((await call('GET', '/redfish/v1/Systems', { headers: { 'X-Auth-Token': token } })).status, 200);
  t.match((await call('GET', '/redfish/v1/SessionService/Sessions', { headers: { 'X-Auth-Token': token } })).json, { 'Members@odata.count': 1 });
  t.equal((await call('DELETE', '/redfish/v1/SessionService/Sessions/1', { headers: { 'X-Auth-Token': token } })).status, 204);
  t.equal((await call('GET', '/redfish/v1/Systems', { headers: { 'X-Auth-Token': token } })).status, 401);
});

t.test('sessions are bounded per BMC, and an idle one expires on the clock', async (t) => {
  const { call, login, clock } = setup();
  const a = (await login()).headers!['X-Auth-Token'];
  await login();
  const full = await login();
  t.equal(full.status, 503);
  t.equal(messageId(full), 'Base.1.8.SessionLimitExceeded');
  clock.advance(59_000);
  t.equal((await call('GET', '/redfish/v1/', { headers: { 'X-Auth-Token': a } })).status, 200, 'the root needs no session');
  t.equal((await call('GET', '/redfish/v1/Systems', { headers: { 'X-Auth-Token': a } })).status, 200, 'used at 59 s: kept');
  clock.advance(30_000);
  t.equal((await login()).status, 201, 'the other one, idle 89 s, expired and made room');
  clock.advance(60_000);
  t.equal((await call('GET', '/redfish/v1/Systems', { headers: { 'X-Auth-Token': a } })).status, 401, 'idle 60 s: expired');
});

t.test('repeated bad passwords lock the user out, the right one included, until the lockout ends', async (t) => {
  const { call, login, basic, clock } = setup();
  for (let i = 0; i < 3; i++) t.equal((await login('admin', 'nope')).status, 401);
  t.equal((await login('admin', 'password')).status, 401, 'locked: the right password is refused too');
  t.equal((await call('GET', '/redfish/v1/Systems', { headers: basic('admin', 'password') })).status, 401, 'HTTP Basic too');
  t.equal((await login('oper', 'oper')).status, 201, 'another user is not locked');
  t.equal((await call('GET', '/redfish/v1/AccountService/Accounts/2', { headers: basic('admin', 'password') })).status, 401);
  clock.advance(30_000);
  t.equal((await login('admin', 'password')).status, 201, 'after the lockout');
  t.equal((await login('nobody', 'x')).status, 401, 'an unknown user is refused');
});

t.test('roles follow the IPMI privilege limits: user is read only, operator resets, callback cannot log in', async (t) => {
  const { call, basic, bmc } = setup();
  t.equal((await call('GET', '/redfish/v1/Systems/1', { headers: basic('viewer', 'viewer') })).status, 200);
  const refused = await call('POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { body: { ResetType: 'ForceOff' }, headers: basic('viewer', 'viewer') });
  t.equal(refused.status, 403);
  t.equal(messageId(refused), 'Base.1.8.InsufficientPrivilege');
  t.ok(bmc.model.powerOn, 'nothing happened');
  t.equal((await call('POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { body: { ResetType: 'ForceOff' }, headers: basic('oper', 'oper') })).status, 204);
  t.notOk(bmc.model.powerOn);
  t.equal((await call('GET', '/redfish/v1/Systems', { headers: basic('cb', 'cb') })).status, 401);
  t.equal((await call('GET', '/redfish/v1/AccountService/Accounts', { headers: basic('oper', 'oper') })).status, 403, 'accounts need ConfigureUsers');
  const accounts = await call('GET', '/redfish/v1/AccountService/Accounts/4', { headers: basic('admin', 'password') });
  t.match(accounts.json, { UserName: 'viewer', RoleId: 'ReadOnly' });
});

t.test('errors: 404 unknown resource, 405 with Allow, 400 malformed JSON and bad values', async (t) => {
  const { call, basic } = setup();
  const admin = basic('admin', 'password');
  const missing = await call('GET', '/redfish/v1/Systems/2', { headers: admin });
  t.equal(missing.status, 404);
  t.equal(messageId(missing), 'Base.1.8.ResourceNotFound');
  t.equal((await call('GET', '/redfish/v1/Systems/1/Processors/3', { headers: admin })).status, 404);
  const method = await call('DELETE', '/redfish/v1/Systems/1', { headers: admin });
  t.equal(method.status, 405);
  t.equal(method.headers?.Allow, 'GET, PATCH');
  const bad = await call('PATCH', '/redfish/v1/Systems/1', { raw: '{"Boot": ', headers: admin });
  t.equal(bad.status, 400);
  t.equal(messageId(bad), 'Base.1.8.MalformedJSON');
  t.equal(messageId(await call('PATCH', '/redfish/v1/Systems/1', { body: { Boot: { BootSourceOverrideTarget: 'Tape' } }, headers: admin })), 'Base.1.8.PropertyValueNotInList');
  t.equal(messageId(await call('PATCH', '/redfish/v1/Systems/1', { body: { PowerState: 'Off' }, headers: admin })), 'Base.1.8.PropertyNotWritable');
  t.equal(messageId(await call('POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { body: {}, headers: admin })), 'Base.1.8.ActionParameterMissing');
  t.equal(messageId(await call('POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { body: { ResetType: 'Explode' }, headers: admin })), 'Base.1.8.ActionParameterValueNotInList');
  t.equal((await call('GET', '/redfish/v1/Systems', { headers: { authorization: 'Basic %%%' } })).status, 401, 'a malformed Basic header is a 401');
});

t.test('reset acts on the chassis IPMI controls: ForceOff, On, ForceRestart of a host that is off is 409', async (t) => {
  const { call, basic, bmc, changes } = setup();
  const admin = basic('admin', 'password');
  const reset = (type: string) => call('POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { body: { ResetType: type }, headers: admin });
  t.equal((await reset('ForceOff')).status, 204);
  t.equal((await call('GET', '/redfish/v1/Systems/1', { headers: admin })).json.PowerState, 'Off');
  const offRestart = await reset('ForceRestart');
  t.equal(offRestart.status, 409);
  t.equal((await reset('On')).status, 204);
  t.ok(bmc.model.powerOn);
  t.equal((await reset('PowerCycle')).status, 204);
  t.equal((await reset('PushPowerButton')).status, 204);
  t.notOk(bmc.model.powerOn, 'the power button of a running host shuts it down');
  t.ok(changes() >= 4, 'the fleet is told of each change');
});

t.test('the boot override is IPMI boot flags parameter 5, both ways, and PATCH honours If-Match', async (t) => {
  const { call, basic, bmc } = setup();
  const admin = basic('admin', 'password');
  const flags = () => {
    const read = bmc.model.bootOptions.read(BootParam.BOOT_FLAGS, 0);
    return decodeBootParameter(BootParam.BOOT_FLAGS, (read as { data: Buffer }).data, 'response') as BootFlags;
  };
  const got = await call('GET', '/redfish/v1/Systems/1', { headers: admin });
  const etag = got.headers!.ETag;
  t.match(etag, /^"[0-9a-f]{16}"$/);
  const stale = await call('PATCH', '/redfish/v1/Systems/1', { body: { Boot: { BootSourceOverrideTarget: 'Cd' } }, headers: { ...admin, 'If-Match': '"0000000000000000"' } });
  t.equal(stale.status, 412);
  t.equal(messageId(stale), 'Base.1.8.PreconditionFailed');
  t.equal(flags().valid, false, 'a refused PATCH changes nothing');
  const patched = await call('PATCH', '/redfish/v1/Systems/1', {
    body: { Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Once', BootSourceOverrideMode: 'UEFI' } },
    headers: { ...admin, 'If-Match': etag },
  });
  t.equal(patched.status, 200);
  t.not(patched.headers!.ETag, etag, 'a new ETag');
  t.match(flags(), { valid: true, persistent: false, efi: true, device: 0x5 }, 'IPMI sees force boot from CD/DVD, next boot, EFI');
  t.equal(bmc.model.bootDevice, 'cdrom');
  // and the other way: ipmitool chassis bootdev pxe options=persistent
  bmc.model.bootOptions.write(BootParam.BOOT_FLAGS, encodeBootParameter({ kind: 'boot-flags', valid: true, persistent: true, efi: false, device: 0x1 }), false);
  t.match((await call('GET', '/redfish/v1/Systems/1', { headers: admin })).json.Boot, {
    BootSourceOverrideEnabled: 'Continuous', BootSourceOverrideTarget: 'Pxe', BootSourceOverrideMode: 'Legacy',
  });
  await call('PATCH', '/redfish/v1/Systems/1', { body: { Boot: { BootSourceOverrideTarget: 'UefiHttp' } }, headers: admin });
  t.match(flags(), { device: 0x1, efi: true }, 'UefiHttp is network boot with EFI over IPMI');
  t.equal((await call('GET', '/redfish/v1/Systems/1', { headers: admin })).json.Boot.BootSourceOverrideTarget, 'UefiHttp');
  await call('PATCH', '/redfish/v1/Systems/1', { body: { Boot: { BootSourceOverrideEnabled: 'Disabled' } }, headers: admin });
  t.equal(flags().valid, false);
});

t.test('inventory from the hardware template the OEM inventory command reads', async (t) => {
  const { call, basic, bmc } = setup();
  const admin = basic('admin', 'password');
  const hw = bmc.model.hardware;
  const system = (await call('GET', '/redfish/v1/Systems/1', { headers: admin })).json;
  t.match(system, {
    ProcessorSummary: { Count: hw.cpus.length, CoreCount: hw.cpus.reduce((n, c) => n + c.cores, 0) },
    MemorySummary: { TotalSystemMemoryGiB: hw.memory.reduce((n, m) => n + m.sizeGiB, 0) },
    SerialNumber: hw.serial, Manufacturer: hw.vendor, Links: { ManagedBy: [{ '@odata.id': '/redfish/v1/Managers/1' }] },
  });
  t.match((await call('GET', '/redfish/v1/Systems/1/Processors', { headers: admin })).json, { 'Members@odata.count': hw.cpus.length });
  t.match((await call('GET', '/redfish/v1/Systems/1/Processors/1', { headers: admin })).json, { TotalCores: hw.cpus[0].cores, Model: hw.cpus[0].model });
  t.match((await call('GET', '/redfish/v1/Systems/1/Memory/8', { headers: admin })).json, { DeviceLocator: hw.memory[7].slot, CapacityMiB: hw.memory[7].sizeGiB * 1024 });
  t.match((await call('GET', '/redfish/v1/Systems/1/Storage/1/Drives/2', { headers: admin })).json, { SerialNumber: hw.disks[1].serial, CapacityBytes: hw.disks[1].sizeGB * 1e9 });
  t.match((await call('GET', '/redfish/v1/Systems/1/EthernetInterfaces/1', { headers: admin })).json, { MACAddress: hw.nics[0].mac.toLowerCase() });
});

t.test('the SEL log service lists the IPMI SEL entries; ClearLog clears the SEL', async (t) => {
  const { call, basic, bmc } = setup();
  const admin = basic('admin', 'password');
  await call('POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { body: { ResetType: 'ForceOff' }, headers: admin });
  const entries = (await call('GET', '/redfish/v1/Managers/1/LogServices/SEL/Entries', { headers: admin })).json;
  const sel = bmc.model.sel.list();
  t.ok(sel.length > 0, 'the power off was logged');
  t.equal(entries['Members@odata.count'], sel.length);
  t.same(entries.Members.map((m: { Id: string }) => m.Id), sel.map((r) => String(r.recordId)));
  const last = entries.Members[entries.Members.length - 1];
  t.match(last, { EntryType: 'SEL', SensorType: 'PowerUnit', EntryCode: 'Assert' });
  t.same((await call('GET', last['@odata.id'], { headers: admin })).json, last, 'each entry is its own resource too');
  t.equal((await call('POST', '/redfish/v1/Managers/1/LogServices/SEL/Actions/LogService.ClearLog', { headers: basic('oper', 'oper') })).status, 403);
  t.equal((await call('POST', '/redfish/v1/Managers/1/LogServices/SEL/Actions/LogService.ClearLog', { headers: admin })).status, 204);
  const after = (await call('GET', '/redfish/v1/Managers/1/LogServices/SEL/Entries', { headers: admin })).json;
  t.equal(after['Members@odata.count'], 1, 'one entry left: the log was cleared (§31.9)');
  t.match(after.Members[0], { SensorType: 'Event Logging Disabled' });
});

t.test('a BMC asked only for its service root makes no session, lockout or task table; a login makes the first two', async (t) => {
  const { call, login, target } = setup();
  t.equal((await call('GET', '/redfish/v1/')).status, 200);
  t.equal((await call('GET', '/redfish/v1/Systems')).status, 401, 'no credentials: refused before any table is needed');
  t.same(tablesMade(target), [], 'a discovery sweep of a fleet leaves its BMCs holding no tables');
  t.equal((await login()).status, 201);
  t.same(tablesMade(target).sort(), ['lockout', 'sessions']);
  t.equal((await call('GET', '/redfish/v1/TaskService/Tasks', { headers: { authorization: `Basic ${Buffer.from('admin:password').toString('base64')}` } })).status, 200);
  t.same(tablesMade(target).sort(), ['lockout', 'sessions', 'tasks']);
});

t.test('a ResetType named like a property of Object.prototype is not in the list (400), not a thrown TypeError', async (t) => {
  const { call, basic, bmc } = setup();
  for (const type of ['constructor', 'toString', '__proto__']) {
    const refused = await call('POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { body: { ResetType: type }, headers: basic('admin', 'password') });
    t.equal(messageId(refused), 'Base.1.8.ActionParameterValueNotInList', type);
  }
  t.ok(bmc.model.powerOn, 'nothing happened');
});
