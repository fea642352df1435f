// The real Redfish client Ironic uses, python3-sushy (Debian, run with /usr/bin/python3), against an emulated fleet over
// HTTPS, trusting the fleet's CA: it logs in with a session, reads the system, sets a one-time boot from CD, resets,
// inserts and ejects virtual media, and logs out; each step is checked against the same BMC with the real ipmitool.
// Then sushy runs a SimpleUpdate with its update service and follows the task monitor to completion, and ipmitool's
// Get Device ID reports the new version after the BMC's reboot. redfishtool (DMTF) reads the same resources over a
// plain-HTTP fleet, the UpdateService and TaskService included.
import t, { type Test } from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { freeTcpPort, freeUdpPort } from '../helpers/free-port.js';
import { ipmitool } from '../helpers/ipmitool.js';
import { MediaState } from '../../protocols/ipmi/oem/virtual-media.js';
import { startRangeServer, type RangeServer } from '../helpers/range-server.js';
import { buildFirmware } from '../../protocols/ipmi/oem/bmcfleet-firmware.js';
import { DEFAULT_MANUFACTURER_ID } from '../../emulator/bmc/model.js';

const BMC = '127.75.0.1';
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-sushy-'));

/** One step of a provisioning cycle per run, each in a session of its own that it deletes (sushy's SessionAuth). */
const SUSHY_STEP = `
import json, sys
import sushy
from sushy import auth
url, ca, user, password, step = sys.argv[1:6]
args = sys.argv[6:]
session = auth.SessionAuth(user, password)
root = sushy.Sushy(url, verify=ca, auth=session)
system = root.get_system('/redfish/v1/Systems/1')
manager = root.get_manager('/redfish/v1/Managers/1')
out = {}
if step == 'read':
    out = {'power': str(system.power_state.value), 'manufacturer': system.manufacturer, 'uuid': system.uuid,
           'cpus': system.processors.summary.count, 'memoryGiB': system.memory_summary.size_gib,
           'bootTarget': str(system.boot.target.value) if system.boot.target else None,
           'firmware': manager.firmware_version, 'managedBy': system.managers[0].identity,
           'nics': [n.mac_address for n in system.ethernet_interfaces.get_members()]}
elif step == 'boot-cd':
    system.set_system_boot_options(target=sushy.BOOT_SOURCE_TARGET_CD, enabled=sushy.BOOT_SOURCE_ENABLED_ONCE, mode=sushy.BOOT_SOURCE_MODE_UEFI)
    system.refresh()
    out = {'target': system.boot.target.value, 'enabled': system.boot.enabled.value, 'mode': system.boot.mode.value}
elif step == 'reset':
    system.reset_system(getattr(sushy, 'RESET_' + args[0]))
    system.refresh()
    out = {'power': system.power_state.value}
elif step == 'insert':
    cd = manager.virtual_media.get_member('/redfish/v1/Managers/1/VirtualMedia/Cd')
    cd.insert_media(args[0])
    cd.refresh()
    out = {'inserted': cd.inserted, 'image': cd.image}
elif step == 'eject':
    cd = manager.virtual_media.get_member('/redfish/v1/Managers/1/VirtualMedia/Cd')
    cd.eject_media()
    cd.refresh()
    out = {'inserted': cd.inserted, 'image': cd.image}
elif step == 'update':
    monitor = root.get_update_service().simple_update(args[0])
    monitor.wait(60)
    task = monitor.get_task()
    out = {'processing': monitor.is_processing, 'monitor': monitor.task_monitor_uri, 'state': task.task_state.value,
           'percent': task.percent_complete, 'messages': [m.message_id for m in task.messages]}
session.close()
print(json.dumps(out))
`;
writeFileSync(join(dir, 'sushy_step.py'), SUSHY_STEP);
const IMAGE = Buffer.alloc(32 * 2048, 0x5a);
/** bmcfleet firmware 2.05 for the fleet's BMCs (Get Device ID's default device, manufacturer and product IDs). */
const FIRMWARE = buildFirmware({ deviceId: 0x20, manufacturerId: DEFAULT_MANUFACTURER_ID, productId: 0x0001 }, { major: 2, minor: 5, aux: new Uint8Array(4) }, 300_000);

let emu: EmulatorProcess;
let plain: EmulatorProcess;
let images: RangeServer;
let ipmiPort: number;
let redfishPort: number;
let plainPort: number;
let ca: string;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 60_000, env }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }));
  });
}

async function sushy(t: Test, step: string, ...args: string[]): Promise<any> {
  // requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE (set on some machines) win over the verify= sushy passes: name the CA there too
  const env = { ...process.env, REQUESTS_CA_BUNDLE: ca, CURL_CA_BUNDLE: ca };
  const r = await run('/usr/bin/python3', [join(dir, 'sushy_step.py'), `https://${BMC}:${redfishPort}`, ca, 'admin', 'password', step, ...args], env);
  t.equal(r.code, 0, `sushy ${step} exits 0${r.code ? `\n${r.stderr}` : ''}`);
  return r.code === 0 ? JSON.parse(r.stdout) : {};
}

async function ipmi(t: Test, args: string[]): Promise<string> {
  const r = await ipmitool({ host: BMC, port: ipmiPort }, args);
  t.equal(r.code, 0, `ipmitool ${args.join(' ')}${r.code ? `\n${r.stderr}` : ''}`);
  return r.stdout;
}

/** The CD-ROM's state byte of the bmcfleet OEM Get Virtual Media Status (netFn 2Eh, cmd 21h, drive 0), over IPMI. */
async function cdState(t: Test): Promise<number> {
  const bytes = (await ipmi(t, ['raw', '0x2e', '0x21', '0xd9', '0x7e', '0x00', '0x00'])).trim().split(/\s+/).map((b) => parseInt(b, 16));
  return bytes[4]; // after the IANA (3 bytes) and the drive
}

/** The sessions the BMC holds now, read with HTTP Basic. */
async function sessionCount(): Promise<number> {
  const r = await run('curl', ['-s', '--cacert', ca, '-u', 'admin:password', `https://${BMC}:${redfishPort}/redfish/v1/SessionService/Sessions`]);
  return JSON.parse(r.stdout)['Members@odata.count'];
}

t.before(async () => {
  images = await startRangeServer();
  images.put('install.iso', IMAGE);
  images.put('bmc-2.05.fw', FIRMWARE);
  ipmiPort = await freeUdpPort();
  redfishPort = await freeTcpPort();
  plainPort = await freeTcpPort();
  const fleet = async (port: number, tls: boolean, firstIp: string, state: string) => [
    `ipmiPort: ${ipmiPort}`, 'control: none', `stateDir: ${join(dir, state)}`,
    `virtualMedia: { port: ${await freeTcpPort()} }`, `redfish: { port: ${port}, tls: ${tls} }`,
    'racks:', `  - { name: rf, bmcs: 2, firstIp: ${firstIp} }`, '',
  ].join('\n');
  writeFileSync(join(dir, 'https.yaml'), await fleet(redfishPort, true, BMC, 'https'));
  writeFileSync(join(dir, 'http.yaml'), await fleet(plainPort, false, '127.75.1.1', 'http'));
  emu = await startEmulator(['--config', join(dir, 'https.yaml')]);
  plain = await startEmulator(['--config', join(dir, 'http.yaml')]);
  ca = /CA (\S+)\)/.exec(emu.readyLine)![1];
});
t.teardown(async () => {
  await emu?.stop();
  await plain?.stop();
  await images?.close();
});

t.test('sushy drives a provisioning cycle over HTTPS; ipmitool sees each step on the same BMC', async (t) => {
  const read = await sushy(t, 'read');
  // sushy counts processors as the threads of all of them (ProcessorCollection.summary)
  t.match(read, { power: 'On', manufacturer: 'Bmcfleet Systems', cpus: 96, memoryGiB: 256, firmware: '1.00', managedBy: '1' });
  t.match(await ipmi(t, ['mc', 'info']), /Firmware Revision\s*:\s*1\.00/, 'the firmware IPMI reports');
  t.equal(read.nics.length, 2);

  t.match(await sushy(t, 'boot-cd'), { target: 'Cd', enabled: 'Once', mode: 'UEFI' });
  const bootparam = await ipmi(t, ['chassis', 'bootparam', 'get', '5']);
  t.match(bootparam, /Boot Flag Valid/);
  t.match(bootparam, /Options apply to only next boot/);
  t.match(bootparam, /BIOS EFI boot/);
  t.match(bootparam, /Force Boot from CD\/DVD/);

  t.match(await sushy(t, 'reset', 'FORCE_OFF'), { power: 'Off' });
  t.match(await ipmi(t, ['chassis', 'power', 'status']), /Chassis Power is off/);
  t.match(await sushy(t, 'reset', 'ON'), { power: 'On' });
  t.match(await ipmi(t, ['chassis', 'power', 'status']), /Chassis Power is on/);
  t.match(await sushy(t, 'reset', 'FORCE_RESTART'), { power: 'On' });
  const sel = await ipmi(t, ['sel', 'list']);
  t.match(sel, /Power Unit|System Boot|Chassis/i, 'the SEL logged the power changes');
  const entries = await run('curl', ['-s', '--cacert', ca, '-u', 'admin:password', `https://${BMC}:${redfishPort}/redfish/v1/Managers/1/LogServices/SEL/Entries`]);
  t.equal(JSON.parse(entries.stdout)['Members@odata.count'], sel.trim().split('\n').length, 'Redfish lists as many SEL entries as ipmitool');

  const url = `${images.url}/install.iso`;
  t.match(await sushy(t, 'insert', url), { inserted: true, image: url });
  t.equal(await cdState(t), MediaState.INSERTED, 'the OEM Get Virtual Media Status says the CD is in');
  t.match(await sushy(t, 'eject'), { inserted: false, image: null });
  t.equal(await cdState(t), MediaState.EMPTY, 'and empty after the eject');
  t.equal(await sessionCount(), 0, 'every sushy run deleted its session');
});

t.test('sushy runs a SimpleUpdate and follows its task to completion; ipmitool sees the new firmware after the reboot', async (t) => {
  const url = `${images.url}/bmc-2.05.fw`;
  const servedBefore = images.bytesServed;
  const update = await sushy(t, 'update', url);
  t.match(update, { processing: false, monitor: '/redfish/v1/TaskService/TaskMonitors/1', state: 'Completed', percent: 100 });
  t.match(update.messages, ['TaskEvent.1.0.TaskStarted', 'Update.1.0.TransferringToComponent', 'Update.1.0.VerifyingAtComponent', 'Update.1.0.UpdateSuccessful', 'TaskEvent.1.0.TaskCompletedOK']);
  t.equal(images.bytesServed - servedBefore, FIRMWARE.length, 'the BMC fetched the whole image, once');
  // The BMC activates the image and reboots a few seconds after the task completed: Get Device ID then has it.
  let info = '';
  for (let i = 0; i < 40 && !/Firmware Revision\s*:\s*2\.05/.test(info); i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    info = (await ipmitool({ host: BMC, port: ipmiPort }, ['mc', 'info'])).stdout;
  }
  t.match(info, /Firmware Revision\s*:\s*2\.05/, 'ipmitool mc info reports the new version');
  const manager = await run('curl', ['-s', '--cacert', ca, '-u', 'admin:password', `https://${BMC}:${redfishPort}/redfish/v1/Managers/1`]);
  t.equal(JSON.parse(manager.stdout).FirmwareVersion, '2.05', 'and Managers/1 the same');
});

t.test('a client that does not trust the fleet CA is refused the TLS handshake', async (t) => {
  const r = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `https://${BMC}:${redfishPort}/redfish/v1/`]);
  t.not(r.code, 0);
  const trusted = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', ca, `https://${BMC}:${redfishPort}/redfish/v1/`]);
  t.equal(trusted.stdout, '200');
});

t.test('redfishtool reads the system, its boot and power, the manager and the chassis over plain HTTP', async (t) => {
  const rt = (...args: string[]) => run('redfishtool', ['-r', `127.75.1.1:${plainPort}`, '-u', 'admin', '-p', 'password', '-A', 'Session', '-S', 'Never', ...args]);
  const system = await rt('Systems', '-1');
  t.equal(system.code, 0, system.stderr);
  t.match(JSON.parse(system.stdout), { Id: '1', PowerState: 'On', Boot: { BootSourceOverrideEnabled: 'Disabled' } });
  const boot = await rt('Systems', '-1', 'setBootOverride', 'Once', 'Pxe');
  t.equal(boot.code, 0, boot.stderr);
  t.match(JSON.parse((await rt('Systems', '-1', 'get')).stdout).Boot, { BootSourceOverrideEnabled: 'Once', BootSourceOverrideTarget: 'Pxe' });
  const manager = await rt('Managers', '-1');
  t.equal(manager.code, 0, manager.stderr);
  t.match(JSON.parse(manager.stdout), { FirmwareVersion: '1.00', ManagerType: 'BMC' });
  const chassis = await rt('Chassis', '-1');
  t.equal(chassis.code, 0, chassis.stderr);
  t.match(JSON.parse(chassis.stdout), { ChassisType: 'RackMount' });
  const thermal = await rt('Chassis', '-1', 'Thermal');
  t.equal(thermal.code, 0, thermal.stderr);
  t.ok(JSON.parse(thermal.stdout).Temperatures.length > 0);
  const updates = await rt('raw', 'GET', '/redfish/v1/UpdateService');
  t.equal(updates.code, 0, updates.stderr);
  t.match(JSON.parse(updates.stdout), { Id: 'UpdateService', MultipartHttpPushUri: '/redfish/v1/UpdateService/update-multipart' });
  const inventory = await rt('raw', 'GET', '/redfish/v1/UpdateService/FirmwareInventory/BMC');
  t.equal(inventory.code, 0, inventory.stderr);
  t.match(JSON.parse(inventory.stdout), { Id: 'BMC', Version: '1.00' });
  const tasks = await rt('raw', 'GET', '/redfish/v1/TaskService');
  t.equal(tasks.code, 0, tasks.stderr);
  t.match(JSON.parse(tasks.stdout), { Id: 'TaskService', Tasks: { '@odata.id': '/redfish/v1/TaskService/Tasks' } });
  const sessions = await run('curl', ['-s', '-u', 'admin:password', `http://127.75.1.1:${plainPort}/redfish/v1/SessionService/Sessions`]);
  t.equal(JSON.parse(sessions.stdout)['Members@odata.count'], 0, 'redfishtool -A Session deleted its sessions');
});
