// Issue 15 step 5 through a real fleet, as a manager drives it: a fleet with two BMCs, an iSNS server and two emulated
// targets (127.150.x.x). The iSCSI boot parameters are written with writeIscsiBoot, the host's initiator is put in a
// discovery domain with its target by our iSNS client (DDReg), then `ipmitool chassis bootdev pxe` and a power-on:
// the host boots from the target (Get iSCSI Boot Status, through readIscsiBootStatus and `ipmitool raw 0x2e 0x32`,
// says booted; the console names the target and LUN and ends at the login prompt). A host whose initiator is in no DD
// with its target fails: isns-not-visible when it asks iSNS, login-refused when it goes to the portal directly; its
// console says why and boots the disk.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withBmcSession } from '../../clients/ipmi/bmc-session.js';
import { readIscsiBoot, writeIscsiBoot, type IscsiBootConfig } from '../../clients/ipmi/iscsi-boot.js';
import { readIscsiBootStatus, type IscsiBootStatusReading } from '../../clients/ipmi/iscsi-boot-status.js';
import { IsnsClient } from '../../clients/isns/isns-client.js';
import { startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { consoleText } from '../helpers/fleet-console.js';
import { untilValue } from '../helpers/until.js';
import { freeTcpPort, freeUdpPort } from '../helpers/free-port.js';
import { ipmitool } from '../helpers/ipmitool.js';

const BMCS = ['127.150.9.1', '127.150.9.2'];
const ISNS_HOST = '127.150.0.1';
const TARGET_IP = ['127.150.1.1', '127.150.1.2'];
const TARGET = (n: number) => `iqn.2026-11.org.bmcfleet:bootvol-${n}`;
const INITIATOR = (ip: string) => `iqn.2026-12.org.example:host-${ip}`;
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-iscsi-boot-'));
let emu: EmulatorProcess;
let control: string;
let ipmiPort: number;
let isnsPort: number;
let targetPort: number;
let manager: IsnsClient;

const login = (ip: string) => ({ host: ip, port: ipmiPort, username: 'admin', password: 'password' });

function config(ip: string, n: number, isns: boolean): IscsiBootConfig {
  return {
    initiatorName: INITIATOR(ip), initiator: { address: ip.replace('.9.', '.5.'), netmask: '255.255.0.0', gateway: '127.150.0.254' },
    isns: isns ? { address: ISNS_HOST, port: isnsPort } : null,
    targetName: TARGET(n), portal: { address: TARGET_IP[n - 1], port: targetPort }, lun: 0, chapName: '', chapSecret: '',
  };
}

/** Writes the parameters, sets the next boot to PXE and powers the host on; resolves with the run before. */
async function bootFromIscsi(ip: string, c: IscsiBootConfig): Promise<number> {
  const before = await withBmcSession(login(ip), async (client) => {
    await writeIscsiBoot(client, c);
    return (await readIscsiBootStatus(client)).run;
  });
  for (const args of [['chassis', 'power', 'off'], ['chassis', 'bootdev', 'pxe'], ['chassis', 'power', 'on']]) {
    const r = await ipmitool({ host: ip, port: ipmiPort }, args);
    if (r.code !== 0) throw new Error(`ipmitool ${args.join(' ')}: ${r.stderr}`);
  }
  return before;
}

const status = (ip: string) => withBmcSession(login(ip), (client) => readIscsiBootStatus(client));
const finished = (before: number) => (s: IscsiBootStatusReading) => s.run > before && (s.state === 'booted' || s.state === 'failed');

t.before(async () => {
  ipmiPort = await freeUdpPort();
  isnsPort = await freeTcpPort();
  targetPort = await freeTcpPort();
  const fleet = join(dir, 'fleet.yaml');
  writeFileSync(fleet, [
    `ipmiPort: ${ipmiPort}`, 'control: 127.0.0.1:0', 'console: { lineIntervalMs: 1000 }',
    'racks:', `  - { name: boot, bmcs: ${BMCS.length}, firstIp: ${BMCS[0]} }`,
    `isns: { listen: ${ISNS_HOST}:${isnsPort}, defaultDiscoveryDomain: false }`,
    `targets:\n  - { name: bootvol, count: 2, firstIp: ${TARGET_IP[0]}, port: ${targetPort}, luns: [{ lun: 0, sizeGB: 2 }] }`, '',
  ].join('\n'));
  emu = await startEmulator(['--config', fleet]);
  control = /control (http:\S+)/.exec(emu.readyLine)![1];
  manager = await IsnsClient.connect({ host: ISNS_HOST, port: isnsPort, source: 'iqn.2026-12.org.example:manager' });
});
t.teardown(async () => {
  await manager?.close();
  await emu?.stop();
});

t.test('in a DD with its target: bootdev pxe + power on boots the host from iSCSI', async (t) => {
  const ip = BMCS[0];
  await manager.ddRegister({ name: `boot-${ip}`, members: [INITIATOR(ip), TARGET(1)] });
  const c = config(ip, 1, true);
  const before = await bootFromIscsi(ip, c);
  t.same(await withBmcSession(login(ip), (client) => readIscsiBoot(client)), c, 'readIscsiBoot reads parameter 102 back');
  const done = await untilValue('the iSCSI boot', () => status(ip), finished(before), 30_000);
  t.same(done, { run: before + 1, state: 'booted', error: 'none', message: `booted from ${TARGET(1)} LUN 0`, targetName: TARGET(1), lun: 0 });

  const raw = await ipmitool({ host: ip, port: ipmiPort }, ['raw', '0x2e', '0x32', '0xd9', '0x7e', '0x00']);
  t.equal(raw.code, 0, `ipmitool raw 0x2e 0x32 answers${raw.code ? `: ${raw.stderr}` : ''}`);
  const b = Buffer.from(raw.stdout.trim().split(/\s+/).map((x) => parseInt(x, 16)));
  t.same([...b.subarray(0, 3)], [0xd9, 0x7e, 0x00], 'IANA first');
  t.equal(b.readUInt32LE(3), before + 1, 'run');
  t.equal(b[7], 2, 'state 2: booted');
  t.equal(b[8], 0, 'error 0');
  t.equal(b.readUInt16LE(17), 0, 'LUN 0');
  t.equal(b.subarray(20, 20 + b[19]).toString(), TARGET(1), 'the target name');

  const text = await untilValue('the login prompt', () => consoleText(control, ip), (s) => /Booting from SAN device[\s\S]*node-127-150-009-001 login: /.test(s), 20_000);
  t.match(text, `sanboot iscsi:${TARGET_IP[0]}::${targetPort}:0:${TARGET(1)}\r\n`);
  t.match(text, `Registered SAN device 0x80: ${TARGET(1)} LUN 0, 2000 MB\r\n`, 'the console names the target and LUN');
  t.match(text, `bmcfleet ${TARGET(1)} LUN 0: booted from iSCSI\r\nWelcome to GRUB!`, 'the boot sector, then the boot loader');
  t.match(text, 'Debian GNU/Linux 12 node-127-150-009-001 ttyS0');

  const flags = await ipmitool({ host: ip, port: ipmiPort }, ['chassis', 'bootparam', 'get', '5']);
  t.match(flags.stdout, /Boot Flag Invalid/, 'the one-time PXE override was used up');
});

t.test('in no DD with its target: isns-not-visible through iSNS, login-refused at the portal; the disk boots', async (t) => {
  const ip = BMCS[1];
  await manager.ddRegister({ name: 'someone-else', members: ['iqn.2026-12.org.example:someone-else', TARGET(2)] });
  let before = await bootFromIscsi(ip, config(ip, 2, true));
  let done = await untilValue('the iSCSI boot', () => status(ip), finished(before), 30_000);
  t.match(done, { run: before + 1, state: 'failed', error: 'isns-not-visible', targetName: TARGET(2), message: /does not show/ });
  const text = await untilValue('the disk\'s login prompt', () => consoleText(control, ip), (s) => /Could not boot[\s\S]*node-127-150-009-002 login: /.test(s), 20_000);
  t.match(text, /\(isns-not-visible\)\r\nNo more network devices\r\nBooting from Bay 0: /, 'the reason, then the fallback to the disk');

  before = await bootFromIscsi(ip, config(ip, 2, false));
  done = await untilValue('the iSCSI boot', () => status(ip), finished(before), 30_000);
  t.match(done, { run: before + 1, state: 'failed', error: 'login-refused', message: /02\/02/ });
});
