// The multipart HTTP push end to end (README "Redfish"): curl -F sends an UpdateParameters part and an HPM.1 image of
// bmcfleet firmware as the UpdateFile to a plain-HTTP fleet whose request bodies are otherwise bounded to 1 KiB (a push may be
// as large as the firmware model takes); the task monitor answers 202, then 200 Completed; ipmitool's Get Device ID
// then reports the pushed version after the BMC's reboot. A bad image fails its task; a malformed body is a 400.
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFirmware, packFirmwareImage } from '../../protocols/ipmi/oem/bmcfleet-firmware.js';
import { DEFAULT_MANUFACTURER_ID } from '../../emulator/bmc/model.js';
import { startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { freeTcpPort, freeUdpPort } from '../helpers/free-port.js';
import { ipmitool } from '../helpers/ipmitool.js';

const BMC = '127.77.0.1';
const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-push-'));
const TARGET = { deviceId: 0x20, manufacturerId: DEFAULT_MANUFACTURER_ID, productId: 0x0001 };

let emu: EmulatorProcess;
let ipmiPort: number;
let port: number;

function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-s', '-u', 'admin:password', ...args], { timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }));
  });
}

/** The push with curl: status line and headers (-i), then the body. */
async function push(file: string, parameters = '{"Targets":["/redfish/v1/Managers/1"],"@Redfish.OperationApplyTime":"Immediate"}') {
  const r = await curl(['-i', '-F', `UpdateParameters=${parameters};type=application/json`, '-F', `UpdateFile=@${file};type=application/octet-stream`,
    `http://${BMC}:${port}/redfish/v1/UpdateService/update-multipart`]);
  // the last status line: curl may print a 100 Continue before it (it sends Expect: 100-continue with a large file)
  const status = Number([...r.stdout.matchAll(/^HTTP\/1\.1 (\d+)/gm)].at(-1)?.[1]);
  const location = /^location: (\S+)/im.exec(r.stdout)?.[1];
  return { status, location, raw: r.stdout };
}

async function monitor(location: string): Promise<{ status: number; task: any }> {
  const r = await curl(['-w', '\n%{http_code}', `http://${BMC}:${port}${location}`]);
  const lines = r.stdout.trimEnd().split('\n');
  return { status: Number(lines.pop()), task: JSON.parse(lines.join('\n')) };
}

t.before(async () => {
  ipmiPort = await freeUdpPort();
  port = await freeTcpPort();
  writeFileSync(join(dir, 'fleet.yaml'), [
    `ipmiPort: ${ipmiPort}`, 'control: none', `redfish: { port: ${port}, tls: false, maxBodyKiB: 1 }`,
    'racks:', `  - { name: p, bmcs: 1, firstIp: ${BMC} }`, '',
  ].join('\n'));
  // an HPM.1 image file, as `bmcfleet firmware pack` writes it for ipmitool
  writeFileSync(join(dir, 'good.hpm'), packFirmwareImage(buildFirmware(TARGET, { major: 3, minor: 7, aux: new Uint8Array(4) }, 500_000), 1_767_225_600));
  const bad = buildFirmware(TARGET, { major: 4, minor: 0, aux: new Uint8Array(4) }, 20_000);
  bad[bad.length - 1] ^= 0x01;
  writeFileSync(join(dir, 'bad.fw'), bad);
  emu = await startEmulator(['--config', join(dir, 'fleet.yaml')]);
});
t.teardown(() => emu?.stop());

t.test('a bad image: 202, then its task fails with VerificationFailed', async (t) => {
  const accepted = await push(join(dir, 'bad.fw'));
  t.equal(accepted.status, 202, accepted.raw);
  const done = await monitor(accepted.location!);
  t.equal(done.status, 200);
  t.match(done.task, { TaskState: 'Exception', Messages: [{ MessageId: 'TaskEvent.1.0.TaskStarted' }] });
  t.ok(done.task.Messages.some((m: any) => m.MessageId === 'Update.1.0.VerificationFailed'));
});

t.test('a malformed push: 400 in the Redfish format', async (t) => {
  const r = await curl(['-w', '\n%{http_code}', '-H', 'content-type: multipart/form-data; boundary=x', '--data-binary', '--x\r\nbroken',
    `http://${BMC}:${port}/redfish/v1/UpdateService/update-multipart`]);
  const lines = r.stdout.trimEnd().split('\n');
  t.equal(lines.pop(), '400');
  t.equal(JSON.parse(lines.join('\n')).error.code, 'Base.1.8.UnrecognizedRequestBody');
});

t.test('curl pushes a 500 KB HPM.1 image past the 1 KiB body bound; the task completes; ipmitool sees 3.07 after the reboot', async (t) => {
  const accepted = await push(join(dir, 'good.hpm'));
  t.equal(accepted.status, 202, accepted.raw);
  t.match(accepted.location, /^\/redfish\/v1\/TaskService\/TaskMonitors\/\d+$/);
  let state = await monitor(accepted.location!);
  for (let i = 0; i < 50 && state.status === 202; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    state = await monitor(accepted.location!);
  }
  t.equal(state.status, 200);
  t.match(state.task, { TaskState: 'Completed', PercentComplete: 100 });
  let info = '';
  for (let i = 0; i < 40 && !/Firmware Revision\s*:\s*3\.07/.test(info); i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    info = (await ipmitool({ host: BMC, port: ipmiPort }, ['mc', 'info'])).stdout;
  }
  t.match(info, /Firmware Revision\s*:\s*3\.07/);
});
