// Boot configuration with CHAP, end to end with real processes: a fleet (bmcfleet emulate) whose two emulated targets
// demand CHAP (targets[].chap), the manager (manager serve --isns --chap-file) and the CLI. A request for the target
// whose account the manager holds writes it as boot parameters 108/109 (ipmitool reads the name back, the secret
// write-only), and the host logs in with CHAP and boots; a request for the target whose secret the manager's file
// has wrong fails with the host's reason, authentication. No secret is in the manager's database or its API. A
// --chap-file with a mistake stops `manager serve` at once, naming the line and column.
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, startCli, startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { freeTcpPort, freeUdpPort } from '../helpers/free-port.js';
import { ipmitool } from '../helpers/ipmitool.js';
import { consoleText } from '../helpers/fleet-console.js';

t.setTimeout(240_000);

const BMCS = ['127.97.0.11', '127.97.0.12'];
const ISNS_HOST = '127.97.0.1';
const SECRET = 'fleet-chap-secret';
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-bootcfg-chap-'));
const state = join(dir, 'manager');
let fleet: EmulatorProcess;
let manager: EmulatorProcess | null = null;
let managerUrl = '';
let ipmiPort = 0;
let control = '';

interface Run { code: number; stdout: string; stderr: string }
function bmcfleet(...args: string[]): Promise<Run> {
  return new Promise((resolve) => execFile(process.execPath, [CLI, ...args, '--manager', managerUrl], { timeout: 120_000 }, (err, stdout, stderr) =>
    resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })));
}

t.before(async () => {
  ipmiPort = await freeUdpPort();
  const isnsPort = await freeTcpPort();
  const config = join(dir, 'fleet.yaml');
  writeFileSync(config, [
    `ipmiPort: ${ipmiPort}`, 'control: 127.0.0.1:0',
    `isns: { listen: ${ISNS_HOST}:${isnsPort} }`,
    'targets:',
    `  - { name: secure, firstIp: 127.97.1.1, luns: [{ lun: 0, sizeGB: 20 }], chap: { name: boot-user, secret: ${SECRET} } }`,
    `  - { name: other, firstIp: 127.97.1.2, luns: [{ lun: 0, sizeGB: 50 }], chap: { name: boot-user, secret: other-chap-secret } }`,
    'racks:', `  - { name: boot, bmcs: ${BMCS.length}, firstIp: ${BMCS[0]} }`, '',
  ].join('\n'));
  const chapFile = join(dir, 'chap.yaml');
  writeFileSync(chapFile, [
    `iqn.2026-11.org.bmcfleet:secure: { name: boot-user, secret: ${SECRET} }`,
    'iqn.2026-11.org.bmcfleet:other: { name: boot-user, secret: not-what-the-target-holds }', '',
  ].join('\n'), { mode: 0o600 });
  fleet = await startEmulator(['--config', config]);
  control = /control (http:\/\/\S+)/.exec(fleet.readyLine)![1].replace(/,$/, '');
  manager = await startCli(['manager', 'serve', '--fleet', control, '--state', state, '--listen', '127.97.0.250:0',
    '--isns', `${ISNS_HOST}:${isnsPort}`, '--isns-listen', '127.97.0.250', '--bmc-port', String(ipmiPort), '--chap-file', chapFile]);
  managerUrl = /manager API (http:\S+),/.exec(manager.readyLine)![1];
});

t.teardown(async () => {
  await manager?.stop();
  await fleet?.stop();
});

t.test('the manager pushes the target\'s account, the host boots with CHAP; a wrong secret fails with authentication', async (t) => {
  const asked = await bmcfleet('bootcfg', 'request', '--host', BMCS[0], '--size', '10G', '--wait');
  t.equal(asked.code, 0, asked.stdout + asked.stderr);
  t.match(asked.stdout, /booted iqn\.2026-11\.org\.bmcfleet:secure LUN 0/);
  const name = await ipmitool({ host: BMCS[0], port: ipmiPort }, ['chassis', 'bootparam', 'get', '108']);
  t.match(name.stdout, `Boot parameter data: 00${Buffer.from('boot-user\0').toString('hex')}`, 'parameter 108: the CHAP name');
  const secret = await ipmitool({ host: BMCS[0], port: ipmiPort }, ['chassis', 'bootparam', 'get', '109']);
  t.match(secret.stdout, /Boot parameter data: 00\s*$/m, 'parameter 109: write-only, its block alone');
  t.match(await consoleText(control, BMCS[0]), /login with CHAP as boot-user\r\nRegistered SAN device 0x80: iqn\.2026-11\.org\.bmcfleet:secure LUN 0/);

  const refused = await bmcfleet('bootcfg', 'request', '--host', BMCS[1], '--size', '30G', '--wait');
  t.equal(refused.code, 1, refused.stdout + refused.stderr);
  t.match(refused.stdout + refused.stderr, /could not boot from iqn\.2026-11\.org\.bmcfleet:other: authentication \(.*authentication failure \(02\/01\)/);
  const view = await (await fetch(`${managerUrl}/bootcfg/requests/${BMCS[1]}`)).json() as { step: string; boot: { error: string } };
  t.match(view, { step: 'failed', boot: { error: 'authentication' } });
  t.match(await consoleText(control, BMCS[1]), /Could not boot from SAN device 0x80: .*\(authentication\)\r\nNo more network devices/);

  const targets = await (await fetch(`${control}/targets`)).text();
  t.match(JSON.parse(targets), [{ iqn: 'iqn.2026-11.org.bmcfleet:secure', chap: { name: 'boot-user' } }], 'the fleet shows the account\'s name');
  t.notMatch(targets, new RegExp(`${SECRET}|other-chap-secret`), '... never its secret');
  const requests = await (await fetch(`${managerUrl}/bootcfg/requests`)).text();
  t.notMatch(requests, new RegExp(SECRET), 'nor does the manager\'s API');
  t.notOk(readFileSync(join(state, 'rollouts.db')).includes(SECRET), 'nor its database');
});

t.test('a --chap-file with a mistake: a usage error naming its line and column, before anything starts', async (t) => {
  const bad = join(dir, 'bad-chap.yaml');
  writeFileSync(bad, 'iqn.2026-11.org.bmcfleet:secure: { name: boot-user, secret: too-short }\n');
  const run = (...args: string[]) => new Promise<Run>((resolve) => execFile(process.execPath, [CLI, 'manager', 'serve', '--state', join(dir, 'bad'),
    '--listen', '127.97.0.251:0', '--rmcs', join(dir, 'none.yaml'), ...args], { timeout: 60_000 }, (err, stdout, stderr) =>
    resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr })));
  const mistake = await run('--isns', '127.97.0.1:1', '--chap-file', bad);
  t.equal(mistake.code, 2, mistake.stderr);
  t.match(mistake.stderr, /--chap-file: .*bad-chap\.yaml:1:61: iqn\.2026-11\.org\.bmcfleet:secure\.secret: 9 bytes: a CHAP secret needs at least 12/);
  const alone = await run('--chap-file', bad);
  t.equal(alone.code, 2);
  t.match(alone.stderr, /--chap-file is for boot requests: give --isns or --isns-slp too/);
});
