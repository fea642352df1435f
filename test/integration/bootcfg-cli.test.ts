// Boot configuration with real processes: a fleet (bmcfleet emulate) with its iSNS server and two emulated targets,
// the manager (bmcfleet manager serve --isns) and the CLI as a user types it. The manager lists the targets, a
// request reserves the best fit, registers its DD on the fleet's iSNS server and writes the iSCSI boot parameters and
// the PXE boot flag into the host's BMC (read back with ipmitool), powers the host, and the emulated host boots from
// the target (Get iSCSI Boot Status, its console). Refusals: a second request for the host, a size nothing fits. The
// manager is killed (SIGKILL) right after a request and started again: it takes the request up, registers one DD,
// not two, and that host boots too. The release removes the DD and frees the disk.
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsnsClient } from '../../clients/isns/isns-client.js';
import { MANAGER_IQN } from '../../orchestrator/bootcfg/start-bootcfg.js';
import { CLI, startCli, startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { freeTcpPort, freeUdpPort } from '../helpers/free-port.js';
import { ipmitool } from '../helpers/ipmitool.js';
import { consoleText } from '../helpers/fleet-console.js';
import { untilValue } from '../helpers/until.js';

t.setTimeout(240_000);

const BMCS = ['127.95.0.11', '127.95.0.12'];
const ISNS_HOST = '127.95.0.1';
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-bootcfg-cli-'));
const state = join(dir, 'manager');
let fleet: EmulatorProcess;
let manager: EmulatorProcess | null = null;
let managerUrl = '';
let ipmiPort = 0;
let isnsPort = 0;
let control = '';

interface Run { code: number; stdout: string; stderr: string }
function bmcfleet(...args: string[]): Promise<Run> {
  return new Promise((resolve) => execFile(process.execPath, [CLI, ...args, '--manager', managerUrl], { timeout: 120_000 }, (err, stdout, stderr) =>
    resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })));
}

async function startManager(): Promise<void> {
  manager = await startCli(['manager', 'serve', '--fleet', control, '--state', state, '--listen', '127.95.0.250:0',
    '--isns', `${ISNS_HOST}:${isnsPort}`, '--isns-listen', '127.95.0.250', '--bmc-port', String(ipmiPort)]);
  managerUrl = /manager API (http:\S+),/.exec(manager.readyLine)![1];
}

interface RequestView { host: string; step: string; target: string | null; ddId: number | null; failure: string | null }
async function request(host: string): Promise<RequestView> {
  return (await fetch(`${managerUrl}/bootcfg/requests/${host}`)).json() as Promise<RequestView>;
}

async function ourDds(): Promise<{ name?: string; members: string[] }[]> {
  const c = await IsnsClient.connect({ host: ISNS_HOST, port: isnsPort, source: MANAGER_IQN });
  try {
    return (await c.listDds()).filter((d) => d.name?.startsWith('bmcfleet-boot-'));
  } finally {
    await c.close();
  }
}

t.before(async () => {
  ipmiPort = await freeUdpPort();
  isnsPort = await freeTcpPort();
  const config = join(dir, 'fleet.yaml');
  writeFileSync(config, [
    `ipmiPort: ${ipmiPort}`, 'control: 127.0.0.1:0',
    `isns: { listen: ${ISNS_HOST}:${isnsPort} }`,
    'targets:',
    '  - { name: small, firstIp: 127.95.1.1, luns: [{ lun: 0, sizeGB: 20 }] }',
    '  - { name: big, firstIp: 127.95.1.2, luns: [{ lun: 0, sizeGB: 50 }] }',
    'racks:', `  - { name: boot, bmcs: ${BMCS.length}, firstIp: ${BMCS[0]} }`, '',
  ].join('\n'));
  fleet = await startEmulator(['--config', config]);
  control = /control (http:\/\/\S+)/.exec(fleet.readyLine)![1].replace(/,$/, '');
  await startManager();
});

t.teardown(async () => {
  await manager?.stop();
  await fleet?.stop();
});

t.test('targets, a request written into the BMC, refusals, a killed manager, a release', async (t) => {
  const targets = await bmcfleet('bootcfg', 'targets', '--json');
  t.equal(targets.code, 0, targets.stderr);
  t.same((JSON.parse(targets.stdout) as { targets: { target: string; sizeBytes: number; state: string }[] }).targets.map((d) => [d.target, d.sizeBytes, d.state]), [
    ['iqn.2026-11.org.bmcfleet:big', 50e9, 'online'], ['iqn.2026-11.org.bmcfleet:small', 20e9, 'online'],
  ]);

  const asked = await bmcfleet('bootcfg', 'request', '--host', BMCS[0], '--size', '10G', '--wait');
  t.equal(asked.code, 0, asked.stdout + asked.stderr);
  t.match(asked.stdout, new RegExp(`${BMCS[0].replaceAll('.', '\\.')}\\s+booted iqn\\.2026-11\\.org\\.bmcfleet:small LUN 0 \\(127\\.95\\.1\\.1:3260\\)`));
  const portal = await ipmitool({ host: BMCS[0], port: ipmiPort }, ['chassis', 'bootparam', 'get', '105']);
  t.match(portal.stdout, /Boot parameter data: 7f5f0101bc0c/, 'the target portal in the BMC (parameter 105)');
  const isns = await ipmitool({ host: BMCS[0], port: ipmiPort }, ['chassis', 'bootparam', 'get', '102']);
  t.match(isns.stdout, new RegExp(`Boot parameter data: 7f5f0001${(isnsPort & 0xff).toString(16).padStart(2, '0')}${(isnsPort >> 8).toString(16).padStart(2, '0')}`), 'the iSNS server the host asks (parameter 102)');
  const bootStatus = await ipmitool({ host: BMCS[0], port: ipmiPort }, ['raw', '0x2e', '0x32', '0xd9', '0x7e', '0x00']);
  t.match(bootStatus.stdout.replace(/\s+/g, ' '), /^ ?d9 7e 00 01 00 00 00 02 00 /, 'Get iSCSI Boot Status: run 1, booted, no error');
  t.match(await consoleText(control, BMCS[0]), /Registered SAN device 0x80: iqn\.2026-11\.org\.bmcfleet:small LUN 0/, 'the host\'s console names the target it booted from');
  t.same((await ourDds()).map((d) => [d.name, d.members.sort()]), [[`bmcfleet-boot-${BMCS[0]}`, ['iqn.2026-11.org.bmcfleet:small', 'iqn.2026-12.org.bmcfleet:host-127-95-0-11']]]);

  const again = await bmcfleet('bootcfg', 'request', '--host', BMCS[0], '--size', '10G');
  t.equal(again.code, 1);
  t.match(again.stderr, /already has a boot request \(booted, iqn\.2026-11\.org\.bmcfleet:small LUN 0\): release it first/);
  const tooBig = await bmcfleet('bootcfg', 'request', '--host', BMCS[1], '--size', '60G');
  t.equal(tooBig.code, 1);
  t.match(tooBig.stderr, /no free online disk of at least 60000000000 bytes \(the largest free one has 50000000000\): nothing reserved/);

  // killed right after a request, started again: the request goes on, with one DD
  const second = await bmcfleet('bootcfg', 'request', '--host', BMCS[1], '--size', '10G');
  t.equal(second.code, 0, second.stderr);
  await manager!.stop('SIGKILL');
  await startManager();
  t.match(manager!.output(), /resumed the boot request of 1 host/, 'started again, and took the request up');
  const resumed = await untilValue('the second request to end', () => request(BMCS[1]), (r) => r.step === 'failed' || r.step === 'booted', 60_000);
  t.match(resumed, { step: 'booted', target: 'iqn.2026-11.org.bmcfleet:big' }, 'taken up after the kill, and booted');
  t.equal((await ourDds()).filter((d) => d.name === `bmcfleet-boot-${BMCS[1]}`).length, 1, 'one DD for the host');

  const released = await bmcfleet('bootcfg', 'release', '--host', BMCS[0], '--wait');
  t.equal(released.code, 0, released.stderr);
  t.match(released.stdout, /released/);
  t.same((await ourDds()).map((d) => d.name), [`bmcfleet-boot-${BMCS[1]}`], 'its DD is gone');
  const status = JSON.parse((await bmcfleet('bootcfg', 'status', '--json')).stdout) as { requests: RequestView[] };
  t.same(status.requests.map((r) => [r.host, r.step]), [[BMCS[0], 'released'], [BMCS[1], resumed.step]]);
  const disks = JSON.parse((await bmcfleet('bootcfg', 'targets', '--json')).stdout) as { targets: { target: string; assignedTo: string | null }[] };
  t.same(disks.targets.map((d) => d.assignedTo), [BMCS[1], null], 'the small disk free again');
});
