// Conformance: the iSCSI boot parameters (System Boot Options OEM parameters, README "bmcfleet OEM boot parameters: iSCSI boot") pushed
// by our client helper read back with the real ipmitool: `chassis bootparam get N [BLOCK]` prints an OEM
// parameter's data as hex ("Boot parameter data: ...", then " Unsupported parameter N": it has no decoder for
// it). The CHAP secret reads as its block number alone, through ipmitool and through our client; unassigned
// numbers are refused. The parameters survive a restart on the same state directory.
import t, { type Test } from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withBmcSession } from '../../clients/ipmi/bmc-session.js';
import { readIscsiBoot, writeIscsiBoot, type IscsiBootConfig } from '../../clients/ipmi/iscsi-boot.js';
import { startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { ipmitool, type Target } from '../helpers/ipmitool.js';

const PORT = 9694;
const BMC: Target = { host: '127.193.3.1', port: PORT };
const LOGIN = { host: BMC.host, port: PORT, username: 'admin', password: 'password' };
const stateDir = mkdtempSync(join(tmpdir(), 'bmcfleet-bootparams-'));
const args = ['--bmcs', '1', '--first-ip', BMC.host, '--ipmi-port', String(PORT), '--control', 'none', '--state-dir', stateDir];
let emulator: EmulatorProcess | undefined;
t.teardown(() => emulator?.stop());

const CONFIG: IscsiBootConfig = {
  initiatorName: 'iqn.2026-11.org.bmcfleet:host-127.193.3.1',
  initiator: { address: '10.0.5.17', netmask: '255.255.255.0', gateway: '10.0.5.1' },
  targetName: 'iqn.2026-11.org.bmcfleet:boot-images-1',
  portal: { address: '127.2.0.1', port: 3260 },
  lun: 1,
  chapName: 'host1',
  chapSecret: 'sixteen-byte-sec',
};
const hex = (s: string) => Buffer.from(s).toString('hex');

async function bootparam(t: Test, ...n: string[]): Promise<string> {
  const r = await ipmitool(BMC, ['chassis', 'bootparam', 'get', ...n]);
  t.equal(r.code, 0, `ipmitool chassis bootparam get ${n.join(' ')}${r.code ? `\n${r.stderr}` : ''}`);
  return /^Boot parameter data: ([0-9a-f]*)$/m.exec(r.stdout)?.[1] ?? `(no data line in: ${r.stdout})`;
}

t.test('pushed with the client helper, read with ipmitool', async (t) => {
  emulator = await startEmulator(args);
  await withBmcSession(LOGIN, (c) => writeIscsiBoot(c, CONFIG));
  const r = await ipmitool(BMC, ['chassis', 'bootparam', 'get', '100']);
  t.match(r.stdout, /^Boot parameter version: 1\nBoot parameter 100 is valid\/unlocked\nBoot parameter data: [0-9a-f]+\n/, 'ipmitool prints the raw data of an OEM parameter');
  t.equal(await bootparam(t, '100'), `00${hex('iqn.2026-11.org')}2e`, '100 block 0: the block number, then 16 bytes');
  t.equal(await bootparam(t, '100', '1'), `01${hex('bmcfleet:host-12')}`, 'ipmitool passes the set selector: block 1');
  t.equal(await bootparam(t, '100', '2'), `02${hex('7.193.3.1')}${'00'.repeat(7)}`, 'the last block, NUL-padded');
  t.equal(await bootparam(t, '101'), '0a000511ffffff000a000501', '101: address, netmask, gateway');
  t.equal(await bootparam(t, '104'), `00${hex('iqn.2026-11.org.')}`);
  t.equal(await bootparam(t, '105'), '7f020001bc0c', '105: 127.2.0.1, port 3260 LS byte first');
  t.equal(await bootparam(t, '106'), '0001000000000000', '106: LUN 1');
  t.equal(await bootparam(t, '108'), `00${hex('host1')}${'00'.repeat(11)}`);
  t.equal(await bootparam(t, '109'), '00', '109, the CHAP secret: its block number and nothing else');
  t.equal(await bootparam(t, '109', '1'), '01');
  const refused = await ipmitool(BMC, ['chassis', 'bootparam', 'get', '98']);
  t.not(refused.code, 0);
  t.match(refused.stderr, /Unsupported parameter/, 'an unassigned number answers 80h');

  const read = await withBmcSession(LOGIN, (c) => readIscsiBoot(c));
  t.same(read, { ...CONFIG, chapSecret: '' }, 'the client reads everything back but the secret');
});

t.test('a restart on the same state directory keeps them', async (t) => {
  t.equal(await emulator!.stop('SIGTERM'), 0, 'clean stop');
  emulator = await startEmulator(args);
  t.same(await withBmcSession(LOGIN, (c) => readIscsiBoot(c)), { ...CONFIG, chapSecret: '' });
  t.equal(await bootparam(t, '105'), '7f020001bc0c');
});
