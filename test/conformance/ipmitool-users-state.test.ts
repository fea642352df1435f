// Conformance: user management with the real ipmitool, and --state-dir: users, the SEL and boot options made
// through ipmitool survive a restart of the emulator (a new process on the same state directory).
import t, { type Test } from 'tap';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { ipmitool, type Target } from '../helpers/ipmitool.js';

const PORT = 9627;
const BMC: Target = { host: '127.27.0.1', port: PORT };
const BOB: Target = { ...BMC, user: 'bob', password: 'bobs-secret' };
const stateDir = mkdtempSync(join(tmpdir(), 'bmcfleet-state-'));
const args = ['--bmcs', '2', '--first-ip', BMC.host, '--ipmi-port', String(PORT), '--control', 'none', '--state-dir', stateDir];
let emulator: EmulatorProcess | undefined;

t.teardown(() => emulator?.stop());

async function ok(t: Test, target: Target, cmd: string[]): Promise<string> {
  const r = await ipmitool(target, cmd);
  t.equal(r.code, 0, `ipmitool ${cmd.join(' ')}${r.code ? `\n${r.stderr}` : ''}`);
  return r.stdout;
}

t.test('user set name/password, access, then user list and a login as the new user', async (t) => {
  emulator = await startEmulator(args);
  await ok(t, BMC, ['user', 'set', 'name', '3', 'bob']);
  await ok(t, BMC, ['user', 'set', 'password', '3', 'bobs-secret']);
  await ok(t, BMC, ['channel', 'setaccess', '1', '3', 'callin=on', 'ipmi=on', 'link=on', 'privilege=4']);
  await ok(t, BMC, ['user', 'enable', '3']);
  t.match(await ok(t, BMC, ['user', 'list', '1']), /^3\s+bob\s+true\s+true\s+true\s+ADMINISTRATOR/m);
  t.match(await ok(t, BOB, ['chassis', 'power', 'status']), /Chassis Power is on/, 'bob logs in');
  const wrong = await ipmitool({ ...BOB, password: 'guess' }, ['mc', 'info']);
  t.not(wrong.code, 0, 'a wrong password for bob is refused');
});

t.test('a boot device and SEL events, then a restart on the same state directory keeps them', async (t) => {
  await ok(t, BMC, ['chassis', 'bootdev', 'pxe', 'options=persistent']);
  await ok(t, BMC, ['chassis', 'power', 'off']);
  const selBefore = await ok(t, BMC, ['sel', 'list']);
  t.match(selBefore, /Power off\/down/);
  t.equal(await emulator!.stop('SIGTERM'), 0, 'clean stop (state flushed)');
  t.ok(readdirSync(stateDir).some((f) => f === `bmc-${BMC.host}.json`), 'one state file per BMC');

  emulator = await startEmulator(args);
  t.match(await ok(t, BMC, ['user', 'list', '1']), /^3\s+bob\s+true\s+true\s+true\s+ADMINISTRATOR/m, 'users survived');
  t.match(await ok(t, BOB, ['mc', 'info']), /Device ID/, 'bob still logs in with his password');
  t.match(await ok(t, BMC, ['chassis', 'bootparam', 'get', '5']), /Force PXE/, 'boot device survived');
  const selAfter = await ok(t, BMC, ['sel', 'list']);
  t.match(selAfter, /Power off\/down/, 'SEL entries survived');
  t.equal(selAfter.trim().split('\n').length, selBefore.trim().split('\n').length, 'same number of SEL entries');
  t.match(await ok(t, { ...BMC, host: '127.27.0.2' }, ['user', 'list', '1']), /^2\s+admin/m, 'the other BMC kept its own users');
  t.notMatch(await ok(t, { ...BMC, host: '127.27.0.2' }, ['user', 'list', '1']), /bob/);
});
