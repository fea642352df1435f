// Writable Redfish accounts (emulator/redfish/account-change.ts, resources/accounts.ts) on the user table IPMI uses,
// without sockets on a manual clock: PATCH of Password, UserName, RoleId, Enabled and Locked with If-Match; an
// account holder's own password; errors in the Redfish format; changes either way between IPMI and Redfish, open
// sessions following them; POST into the fixed slots and DELETE.
import t from 'tap';
import { Privilege } from '../../protocols/ipmi/users.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { EmulatedBmc } from '../../emulator/bmc/emulated-bmc.js';
import { USER_SLOTS } from '../../emulator/bmc/user-table.js';
import { BmcRedfish } from '../../emulator/redfish/bmc-redfish.js';
import { dispatch, RouteTable } from '../../emulator/redfish/dispatch.js';
import { REDFISH_ROUTES } from '../../emulator/redfish/routes.js';
import type { RedfishAnswer } from '../../emulator/redfish/route.js';
import type { RedfishConfig } from '../../emulator/fleet/schema/redfish.js';

const CONFIG: RedfishConfig = {
  port: 443, tls: true, maxSessions: 4, sessionTimeoutSeconds: 60, lockoutThreshold: 3, lockoutSeconds: 30,
  maxBodyKiB: 64, maxConnections: 16, maxConnectionsPerSource: 16,
};
const table = new RouteTable(REDFISH_ROUTES);
const ACCOUNTS = '/redfish/v1/AccountService/Accounts';

function setup() {
  const clock = new ManualClock(1_000_000);
  const bmc = new EmulatedBmc({
    ip: '127.9.0.1', clock, now: clock.now(),
    users: [
      { name: 'admin', password: 'password', privilege: Privilege.ADMINISTRATOR }, // slot 2
      { name: 'oper', password: 'oper', privilege: Privilege.OPERATOR }, // 3
      { name: 'viewer', password: 'viewer', privilege: Privilege.USER }, // 4
    ],
  });
  let changes = 0;
  const target = new BmcRedfish(bmc, null, CONFIG, () => { changes++; });
  const call = (method: string, url: string, o: { body?: unknown; headers?: Record<string, string> } = {}): Promise<RedfishAnswer & { json: any }> => {
    const body = Buffer.from(o.body === undefined ? '' : JSON.stringify(o.body));
    const headers = Object.fromEntries(Object.entries(o.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    return dispatch(table, target, { method, url, headers, body }, clock.now()).then((a) => ({ ...a, json: a.body as any }));
  };
  const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
  const token = async (user: string, password: string) => {
    const opened = await call('POST', '/redfish/v1/SessionService/Sessions', { body: { UserName: user, Password: password } });
    return { 'X-Auth-Token': opened.headers!['X-Auth-Token'] };
  };
  return { clock, bmc, call, basic, token, admin: basic('admin', 'password'), changes: () => changes };
}

function messageId(a: { json: any }): string {
  return a.json?.error?.['@Message.ExtendedInfo']?.[0]?.MessageId;
}

t.test('an administrator changes a password with If-Match: at once the one IPMI checks, a stale ETag changes nothing', async (t) => {
  const { call, basic, bmc, admin, changes } = setup();
  const heard: string[] = [];
  bmc.model.onChange((e) => { if (e.kind === 'user') heard.push(`${e.userId} ${e.field}`); });
  const got = await call('GET', `${ACCOUNTS}/3`, { headers: admin });
  const etag = got.headers!.ETag;
  t.match(etag, /^"[0-9a-f]{16}"$/);
  t.match(got.json, { UserName: 'oper', RoleId: 'Operator', Password: null });
  const stale = await call('PATCH', `${ACCOUNTS}/3`, { body: { Password: 'new-secret' }, headers: { ...admin, 'If-Match': '"0000000000000000"' } });
  t.equal(stale.status, 412);
  t.equal(messageId(stale), 'Base.1.8.PreconditionFailed');
  t.equal(bmc.model.users.byName('oper')!.password.toString(), 'oper', 'a refused PATCH changes nothing');
  t.same(heard, [], 'and tells nothing');

  const patched = await call('PATCH', `${ACCOUNTS}/3`, { body: { Password: 'new-secret' }, headers: { ...admin, 'If-Match': etag } });
  t.equal(patched.status, 200);
  t.match(patched.json, { UserName: 'oper', Password: null });
  t.ok(patched.headers!.ETag, 'the answer carries the account and its ETag');
  t.same(heard, ['3 password'], 'the model hears it as from Set User Password');
  const oper = bmc.model.users.byName('oper')!;
  t.same([...oper.password], [...Buffer.from('new-secret')], 'the IPMI user table holds the new password');
  t.equal(bmc.model.users.testPassword(oper.id, Buffer.concat([Buffer.from('new-secret')], 16)), 'match', 'Set User Password "test" (16-byte form) agrees');
  t.equal((await call('GET', '/redfish/v1/Systems', { headers: basic('oper', 'new-secret') })).status, 200);
  t.equal((await call('GET', '/redfish/v1/Systems', { headers: basic('oper', 'oper') })).status, 401, 'the old one no longer logs in');

  const long = await call('PATCH', `${ACCOUNTS}/3`, { body: { Password: 'a-password-of-20-byt' }, headers: admin });
  t.equal(long.status, 200);
  t.equal(bmc.model.users.testPassword(oper.id, Buffer.from('a-password-of-20-byt')), 'match', 'past 16 bytes: the 20-byte form, as IPMI 2.0 stores it');
  t.ok(changes() >= 2, 'the fleet is told (its state directory keeps the user table)');
});

t.test('UserName, RoleId and Enabled are the IPMI name, privilege limit and enable; IPMI changes show here', async (t) => {
  const { call, basic, bmc, admin } = setup();
  const patched = await call('PATCH', `${ACCOUNTS}/4`, { body: { UserName: 'watcher', RoleId: 'Operator', Enabled: true }, headers: admin });
  t.equal(patched.status, 200);
  t.match(patched.json, { Id: '4', UserName: 'watcher', RoleId: 'Operator', Links: { Role: { '@odata.id': '/redfish/v1/AccountService/Roles/Operator' } } });
  t.match(bmc.model.users.byId(4), { name: 'watcher', privilegeLimit: Privilege.OPERATOR, enabled: true });
  t.equal((await call('GET', '/redfish/v1/Systems', { headers: basic('watcher', 'viewer') })).status, 200, 'the new name logs in');

  t.equal((await call('PATCH', `${ACCOUNTS}/4`, { body: { RoleId: 'NoAccess' }, headers: admin })).status, 200);
  t.equal(bmc.model.users.byId(4)!.privilegeLimit, Privilege.NO_ACCESS);
  t.equal((await call('GET', '/redfish/v1/Systems', { headers: basic('watcher', 'viewer') })).status, 401, 'NoAccess: no login');
  t.equal((await call('PATCH', `${ACCOUNTS}/4`, { body: { RoleId: 'ReadOnly', Enabled: false }, headers: admin })).status, 200);
  t.match(bmc.model.users.byId(4), { privilegeLimit: Privilege.USER, enabled: false });

  // the other way: ipmitool user set name 4 viewer2; user set password 4 pw2; user priv 4 4; user enable 4
  bmc.model.users.setName(4, 'viewer2');
  bmc.model.users.setPassword(4, Buffer.concat([Buffer.from('pw2')], 16));
  bmc.model.users.setAccess(4, { privilegeLimit: Privilege.ADMINISTRATOR });
  bmc.model.users.setEnabled(4, true);
  t.match((await call('GET', `${ACCOUNTS}/4`, { headers: admin })).json, { UserName: 'viewer2', RoleId: 'Administrator', Enabled: true });
  t.equal((await call('GET', `${ACCOUNTS}/2`, { headers: basic('viewer2', 'pw2') })).status, 200, 'the password set over IPMI logs in, as an administrator');
});

t.test('without ConfigureUsers an account holder reads and changes only its own password', async (t) => {
  const { call, basic, bmc, token } = setup();
  const viewer = basic('viewer', 'viewer');
  t.equal((await call('GET', `${ACCOUNTS}/4`, { headers: viewer })).status, 200, 'its own account');
  t.equal(messageId(await call('GET', `${ACCOUNTS}/2`, { headers: viewer })), 'Base.1.8.InsufficientPrivilege', 'another account');
  t.equal((await call('GET', ACCOUNTS, { headers: viewer })).status, 403, 'the collection needs ConfigureUsers');
  const other = await call('PATCH', `${ACCOUNTS}/2`, { body: { Password: 'x' }, headers: viewer });
  t.equal(other.status, 403);
  t.equal(messageId(other), 'Base.1.8.InsufficientPrivilege');
  t.equal(messageId(await call('PATCH', `${ACCOUNTS}/4`, { body: { RoleId: 'Administrator' }, headers: viewer })), 'Base.1.8.InsufficientPrivilege', 'not its own role');
  t.equal((await call('PATCH', `${ACCOUNTS}/4`, { body: { Password: 'x', Enabled: true }, headers: viewer })).status, 403, 'nothing but the password');
  t.equal(bmc.model.users.byId(4)!.password.toString(), 'viewer', 'nothing changed');
  const session = await token('oper', 'oper');
  t.equal((await call('PATCH', `${ACCOUNTS}/3`, { body: { Password: 'mine' }, headers: session })).status, 200, 'an operator, by session');
  t.equal((await call('GET', '/redfish/v1/Systems', { headers: session })).status, 200, 'its session goes on');
  t.equal((await call('GET', '/redfish/v1/Systems', { headers: basic('oper', 'mine') })).status, 200);
  t.equal((await call('POST', ACCOUNTS, { body: { UserName: 'x', Password: 'x', RoleId: 'ReadOnly' }, headers: viewer })).status, 403);
  t.equal((await call('DELETE', `${ACCOUNTS}/4`, { headers: viewer })).status, 403);
});

t.test('bad values: the Redfish error of each, and a refused PATCH writes nothing', async (t) => {
  const { call, bmc, admin } = setup();
  const patch = (body: unknown) => call('PATCH', `${ACCOUNTS}/3`, { body, headers: admin });
  const role = await patch({ RoleId: 'Root' });
  t.equal(role.status, 400);
  t.equal(messageId(role), 'Base.1.8.PropertyValueNotInList');
  t.same(role.json.error['@Message.ExtendedInfo'][0].MessageArgs, ['Root', 'RoleId']);
  t.equal(messageId(await patch({ RoleId: 'constructor' })), 'Base.1.8.PropertyValueNotInList', 'a name on Object.prototype is no role');
  const long = await patch({ Password: 'twenty-one-bytes-long' });
  t.equal(messageId(long), 'Base.1.8.PropertyValueFormatError');
  t.notMatch(JSON.stringify(long.json), /twenty-one/, 'the password is never echoed');
  t.equal(messageId(await patch({ Password: '' })), 'Base.1.8.PropertyValueFormatError');
  t.equal(messageId(await patch({ Password: 'a\u0000b' })), 'Base.1.8.PropertyValueFormatError', 'a NUL cannot be stored NUL-padded');
  t.equal(messageId(await patch({ Password: 42 })), 'Base.1.8.PropertyValueTypeError');
  t.equal(messageId(await patch({ UserName: 'seventeen-letters' })), 'Base.1.8.PropertyValueFormatError', 'IPMI names are 16 bytes');
  t.equal(messageId(await patch({ UserName: 'a:b' })), 'Base.1.8.PropertyValueFormatError', 'HTTP Basic could not send it');
  const taken = await patch({ UserName: 'admin' });
  t.equal(messageId(taken), 'Base.1.8.ResourceAlreadyExists');
  t.same(taken.json.error['@Message.ExtendedInfo'][0].MessageArgs, ['ManagerAccount', 'UserName', 'admin']);
  t.equal((await patch({ UserName: 'oper' })).status, 200, 'its own name again is no clash');
  t.equal(messageId(await patch({ Enabled: 'yes' })), 'Base.1.8.PropertyValueTypeError');
  t.equal(messageId(await patch({ Id: '9' })), 'Base.1.8.PropertyNotWritable');
  t.equal(messageId(await patch({ Shell: 'bash' })), 'Base.1.8.PropertyUnknown');
  t.equal(messageId(await patch({ Locked: true })), 'Base.1.8.PropertyValueNotInList', 'only the service locks');
  t.equal(messageId(await patch([1])), 'Base.1.8.MalformedJSON');
  t.equal(messageId(await patch({ Password: 'fine', RoleId: 'Root' })), 'Base.1.8.PropertyValueNotInList');
  t.match(bmc.model.users.byId(3), { name: 'oper', privilegeLimit: Privilege.OPERATOR }, 'the good half was not written either');
  t.equal(bmc.model.users.byId(3)!.password.toString(), 'oper');
  t.equal((await call('PATCH', `${ACCOUNTS}/9`, { body: { Password: 'x' }, headers: admin })).status, 404, 'an empty slot');
  t.equal((await call('PATCH', `${ACCOUNTS}/1`, { body: { Password: 'x' }, headers: admin })).status, 404, 'the null user is no account');
});

t.test('open sessions follow the table: demoted, disabled or renamed over either protocol', async (t) => {
  const { call, bmc, admin, token } = setup();
  const oper = await token('oper', 'oper');
  const reset = () => call('POST', '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', { body: { ResetType: 'ForceOff' }, headers: oper });
  await call('PATCH', `${ACCOUNTS}/3`, { body: { RoleId: 'ReadOnly' }, headers: admin });
  t.equal((await reset()).status, 403, 'demoted over Redfish: its session is read only now');
  bmc.model.users.setAccess(3, { privilegeLimit: Privilege.OPERATOR }); // ipmitool user priv 3 3
  t.equal((await reset()).status, 204, 'promoted again over IPMI');
  bmc.model.users.setEnabled(3, false); // ipmitool user disable 3
  t.equal((await call('GET', '/redfish/v1/Systems', { headers: oper })).status, 401, 'disabled: its session ended');
  bmc.model.users.setEnabled(3, true);
  t.equal((await call('GET', '/redfish/v1/Systems', { headers: oper })).status, 401, 'and stays ended');
  const again = await token('oper', 'oper');
  await call('PATCH', `${ACCOUNTS}/3`, { body: { UserName: 'operator' }, headers: admin });
  t.equal((await call('GET', '/redfish/v1/Systems', { headers: again })).status, 401, 'renamed: the session named the old user');
});

t.test('Locked: false ends a lockout', async (t) => {
  const { call, basic, admin } = setup();
  for (let i = 0; i < 3; i++) await call('GET', '/redfish/v1/Systems', { headers: basic('oper', 'wrong') });
  t.equal((await call('GET', '/redfish/v1/Systems', { headers: basic('oper', 'oper') })).status, 401, 'locked out');
  t.equal((await call('GET', `${ACCOUNTS}/3`, { headers: admin })).json.Locked, true);
  const unlocked = await call('PATCH', `${ACCOUNTS}/3`, { body: { Locked: false }, headers: admin });
  t.equal(unlocked.json.Locked, false);
  t.equal((await call('GET', '/redfish/v1/Systems', { headers: basic('oper', 'oper') })).status, 200);
});

t.test('POST fills the first free slot of the fixed sixteen, DELETE empties one', async (t) => {
  const { call, basic, bmc, admin, token } = setup();
  const missing = await call('POST', ACCOUNTS, { body: { UserName: 'new', Password: 'pw' }, headers: admin });
  t.equal(messageId(missing), 'Base.1.8.PropertyMissing');
  t.same(missing.json.error['@Message.ExtendedInfo'][0].MessageArgs, ['RoleId']);
  t.equal(messageId(await call('POST', ACCOUNTS, { body: { UserName: 'oper', Password: 'pw', RoleId: 'ReadOnly' }, headers: admin })), 'Base.1.8.ResourceAlreadyExists');
  const created = await call('POST', ACCOUNTS, { body: { UserName: 'new', Password: 'pw', RoleId: 'Operator' }, headers: admin });
  t.equal(created.status, 201);
  t.equal(created.headers!.Location, `${ACCOUNTS}/5`);
  t.match(created.json, { Id: '5', UserName: 'new', RoleId: 'Operator', Enabled: true });
  t.match(bmc.model.users.byId(5), { name: 'new', privilegeLimit: Privilege.OPERATOR, enabled: true, ipmiMessaging: true });
  t.equal((await call('GET', '/redfish/v1/Systems', { headers: basic('new', 'pw') })).status, 200);
  t.match((await call('GET', ACCOUNTS, { headers: admin })).json, { 'Members@odata.count': 4 });

  const session = await token('new', 'pw');
  const heard: string[] = [];
  bmc.model.onChange((e) => { if (e.kind === 'user') heard.push(`${e.userId} ${e.field}`); });
  t.equal((await call('DELETE', `${ACCOUNTS}/5`, { headers: admin })).status, 204);
  t.same(heard, ['5 name', '5 password', '5 enabled', '5 access']);
  t.match(bmc.model.users.byId(5), { name: '', enabled: false, privilegeLimit: Privilege.NO_ACCESS, ipmiMessaging: false });
  t.equal(bmc.model.users.byId(5)!.password.length, 0);
  t.equal((await call('GET', `${ACCOUNTS}/5`, { headers: admin })).status, 404);
  t.equal((await call('GET', '/redfish/v1/Systems', { headers: session })).status, 401, 'its session ended with it');
  t.equal((await call('DELETE', `${ACCOUNTS}/5`, { headers: admin })).status, 404);

  for (let i = 5; i <= USER_SLOTS; i++) {
    t.equal((await call('POST', ACCOUNTS, { body: { UserName: `u${i}`, Password: 'pw', RoleId: 'ReadOnly', Enabled: false }, headers: admin })).headers?.Location, `${ACCOUNTS}/${i}`);
  }
  t.equal(bmc.model.users.byId(USER_SLOTS)!.enabled, false, 'Enabled given: kept');
  const full = await call('POST', ACCOUNTS, { body: { UserName: 'one-more', Password: 'pw', RoleId: 'ReadOnly' }, headers: admin });
  t.equal(full.status, 400);
  t.equal(messageId(full), 'Base.1.8.CreateLimitReachedForResource');
});

t.test('a role is only one of the roles: a name on Object.prototype is 404, not a thrown TypeError', async (t) => {
  const { call, admin } = setup();
  t.match((await call('GET', '/redfish/v1/AccountService/Roles/Operator', { headers: admin })).json, { RoleId: 'Operator', AssignedPrivileges: ['Login', 'ConfigureComponents', 'ConfigureSelf'] });
  for (const name of ['constructor', 'toString', '__proto__']) {
    t.equal((await call('GET', `/redfish/v1/AccountService/Roles/${name}`, { headers: admin })).status, 404, name);
  }
});
