// Redfish accounts and IPMI users are one table (emulator/redfish/account-change.ts), with the real clients: a
// password DMTF's redfishtool sets is the one the real ipmitool logs in with at once, a user ipmitool makes shows over
// Redfish with its role, an account holder changes its own password with If-Match, redfishtool adds, promotes and
// deletes an account in the fixed IPMI slots, and a password set over Redfish survives a restart on the state directory.
import t, { type Test } from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { freeTcpPort, freeUdpPort } from '../helpers/free-port.js';
import { ipmitool, type Target } from '../helpers/ipmitool.js';

const BMC = '127.86.0.1';
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-rf-accounts-'));
const ACCOUNTS = '/redfish/v1/AccountService/Accounts';

let emu: EmulatorProcess | undefined;
let redfishPort: number;
let ipmi: Target;
let args: string[];

function run(cmd: string, argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, argv, { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as unknown as { code: number }).code : 1) : 0, stdout, stderr });
    });
  });
}

/** DMTF's redfishtool as `user` over plain HTTP, with HTTP Basic. */
const redfishtool = (user: string, password: string, ...argv: string[]) =>
  run('redfishtool', ['-r', `${BMC}:${redfishPort}`, '-u', user, '-p', password, '-S', 'Never', ...argv]);

async function redfish(method: string, path: string, user: string, password: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`http://${BMC}:${redfishPort}${path}`, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, 'content-type': 'application/json', ...headers },
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, etag: res.headers.get('etag') };
}

async function ipmiOk(t: Test, target: Target, cmd: string[]): Promise<string> {
  const r = await ipmitool(target, cmd);
  t.equal(r.code, 0, `ipmitool -U ${target.user ?? 'admin'} ${cmd.join(' ')}${r.code ? `\n${r.stderr}` : ''}`);
  return r.stdout;
}

t.before(async () => {
  redfishPort = await freeTcpPort();
  ipmi = { host: BMC, port: await freeUdpPort() };
  writeFileSync(join(dir, 'fleet.yaml'), [
    `ipmiPort: ${ipmi.port}`, `redfish: { port: ${redfishPort}, tls: false }`,
    'users:', '  - { name: admin, password: password, privilege: administrator }', '  - { name: operator, password: operator, privilege: operator }',
    'racks:', `  - { name: a, bmcs: 1, firstIp: ${BMC} }`, '',
  ].join('\n'));
  args = ['--config', join(dir, 'fleet.yaml'), '--control', 'none', '--state-dir', join(dir, 'state')];
  emu = await startEmulator(args);
});
t.teardown(() => emu?.stop());

t.test('redfishtool setpassword: ipmitool logs in with the new password at once, not the old one', async (t) => {
  const set = await redfishtool('admin', 'password', 'AccountService', 'setpassword', 'operator', 'rf-secret-1');
  t.equal(set.code, 0, set.stderr);
  // ipmitool asks for ADMINISTRATOR unless told: -L the user's own limit
  t.match(await ipmiOk(t, { ...ipmi, user: 'operator', password: 'rf-secret-1' }, ['-L', 'OPERATOR', 'chassis', 'power', 'status']), /Chassis Power is on/);
  const old = await ipmitool({ ...ipmi, user: 'operator', password: 'operator' }, ['-L', 'OPERATOR', 'chassis', 'power', 'status']);
  t.not(old.code, 0, 'the old password is refused over RMCP+');
});

t.test('a user ipmitool makes shows over Redfish with its role, and logs in there', async (t) => {
  await ipmiOk(t, ipmi, ['user', 'set', 'name', '4', 'carol']);
  await ipmiOk(t, ipmi, ['user', 'set', 'password', '4', 'carols-pw']);
  await ipmiOk(t, ipmi, ['channel', 'setaccess', '1', '4', 'callin=on', 'ipmi=on', 'link=on', 'privilege=2']);
  await ipmiOk(t, ipmi, ['user', 'enable', '4']);
  const carol = await redfish('GET', `${ACCOUNTS}/4`, 'admin', 'password');
  t.match(carol.json, { UserName: 'carol', RoleId: 'ReadOnly', Enabled: true });
  t.equal((await redfish('GET', '/redfish/v1/Systems/1', 'carol', 'carols-pw')).status, 200, 'the password set over IPMI logs in');
  await ipmiOk(t, ipmi, ['user', 'set', 'password', '3', 'ipmi-secret-2']);
  t.equal((await redfish('GET', `${ACCOUNTS}/3`, 'operator', 'ipmi-secret-2')).status, 200, 'a password changed over IPMI logs in at once');
});

t.test('an account holder changes its own password with If-Match, and no one else\'s', async (t) => {
  const own = await redfish('GET', `${ACCOUNTS}/4`, 'carol', 'carols-pw');
  t.equal(own.status, 200);
  const stale = await redfish('PATCH', `${ACCOUNTS}/4`, 'carol', 'carols-pw', { Password: 'x' }, { 'if-match': '"0000000000000000"' });
  t.equal(stale.status, 412);
  const changed = await redfish('PATCH', `${ACCOUNTS}/4`, 'carol', 'carols-pw', { Password: 'carols-new' }, { 'if-match': own.etag! });
  t.equal(changed.status, 200);
  await ipmiOk(t, { ...ipmi, user: 'carol', password: 'carols-new' }, ['-L', 'USER', 'mc', 'info']);
  const other = await redfish('PATCH', `${ACCOUNTS}/2`, 'carol', 'carols-new', { Password: 'taken-over' });
  t.equal(other.status, 403);
  t.equal(other.json.error['@Message.ExtendedInfo'][0].MessageId, 'Base.1.8.InsufficientPrivilege');
  const role = await redfish('PATCH', `${ACCOUNTS}/4`, 'carol', 'carols-new', { RoleId: 'Administrator' });
  t.equal(role.status, 403, 'nor its own role');
});

t.test('redfishtool adds a user in a free slot, promotes it and deletes it; ipmitool sees each step', async (t) => {
  const add = await redfishtool('admin', 'password', 'AccountService', 'adduser', 'dave', 'daves-pw', 'Operator');
  t.equal(add.code, 0, add.stderr);
  t.match(await ipmiOk(t, ipmi, ['user', 'list', '1']), /^5\s+dave\s+.*OPERATOR/m, 'slot 5, the first free one');
  await ipmiOk(t, { ...ipmi, user: 'dave', password: 'daves-pw' }, ['-L', 'OPERATOR', 'chassis', 'power', 'status']);
  const promote = await redfishtool('admin', 'password', 'AccountService', 'useradmin', 'dave', 'setRoleId', 'Administrator');
  t.equal(promote.code, 0, promote.stderr);
  t.match(await ipmiOk(t, ipmi, ['user', 'list', '1']), /^5\s+dave\s+.*ADMINISTRATOR/m);
  const bad = await redfish('PATCH', `${ACCOUNTS}/5`, 'admin', 'password', { RoleId: 'Root' });
  t.equal(bad.json.error['@Message.ExtendedInfo'][0].MessageId, 'Base.1.8.PropertyValueNotInList');
  const del = await redfishtool('admin', 'password', 'AccountService', 'deleteuser', 'dave');
  t.equal(del.code, 0, del.stderr);
  t.notMatch(await ipmiOk(t, ipmi, ['user', 'list', '1']), /dave/);
  const gone = await ipmitool({ ...ipmi, user: 'dave', password: 'daves-pw' }, ['-L', 'USER', 'mc', 'info']);
  t.not(gone.code, 0, 'a deleted account no longer logs in over IPMI');
});

t.test('a password set over Redfish survives a restart on the same state directory', async (t) => {
  t.equal(await emu!.stop('SIGTERM'), 0, 'clean stop (state flushed)');
  emu = await startEmulator(args);
  await ipmiOk(t, { ...ipmi, user: 'carol', password: 'carols-new' }, ['-L', 'USER', 'mc', 'info']);
  t.equal((await redfish('GET', `${ACCOUNTS}/4`, 'carol', 'carols-new')).status, 200);
});
