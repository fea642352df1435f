// `bmcfleet rmc upload` (issue 11: push an image to one RMC directly, no manager running) against a real fleet: the
// RMC flashes its rack and the command prints every BMC flashed and exits 0; a corrupt image is refused before
// anything is sent, exit 1, and no rollout is stored.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFirmware, packFirmwareImage } from '../../protocols/ipmi/oem/bmcfleet-firmware.js';
import { BmcModel } from '../../emulator/bmc/model.js';
import { loadOrCreateManagerKey } from '../../orchestrator/manager/manager-key.js';
import { SqliteRolloutStore } from '../../orchestrator/store/sqlite-rollout-store.js';
import { CLI, startEmulator } from '../helpers/emulator-process.js';

const IPMI_PORT = 9732;
const ROLLOUT_PORT = 4732;
const RMC = '127.114.0.200';

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr })));
}

t.test('rmc upload flashes one rack with no manager running; a corrupt image is refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-rmc-upload-'));
  const state = join(dir, 'manager');
  const key = loadOrCreateManagerKey(state); // the RMC trusts this manager's key from the fleet file
  const fleet = join(dir, 'fleet.yaml');
  writeFileSync(fleet, [
    `ipmiPort: ${IPMI_PORT}`, 'control: none', 'firmware: "1.00"',
    'firmwareTimings: { backupMs: 0, prepareMs: 0, writeMs: 20, activateMs: 20, rebootMs: 300 }',
    `rollout: { port: ${ROLLOUT_PORT}, managerKey: ${key.rawPublicKey.toString('base64')} }`,
    `racks:\n  - { name: upload-a, bmcs: 3, firstIp: 127.114.0.1, rmc: { ip: ${RMC}, id: 7 } }`, '',
  ].join('\n'));
  const emu = await startEmulator(['--config', fleet]);
  t.teardown(() => emu.stop());
  const device = new BmcModel({ ip: '127.0.0.1' }).device;
  const image = join(dir, 'bmc-1.07.hpm');
  writeFileSync(image, packFirmwareImage(buildFirmware(device, { major: 1, minor: 7, aux: new Uint8Array(4) }, 20_000), 1_767_225_600));
  const common = ['rmc', 'upload', '--rmc', RMC, '--id', '7', '--rack', 'upload-a', '--state', state, '--rmc-port', String(ROLLOUT_PORT)];

  const corrupt = join(dir, 'corrupt.hpm');
  writeFileSync(corrupt, Buffer.from('PICMGFWU, but nothing else of an HPM.1 image'));
  const refused = await cli([...common, '--image', corrupt, '--at', '+2s']);
  t.equal(refused.code, 1, 'a corrupt image exits 1');
  t.match(refused.stderr, /bmcfleet rmc: .*HPM\.1/i, 'saying what is wrong with it');
  const before = new SqliteRolloutStore(join(state, 'rollouts.db'));
  t.same(before.runs(), [], 'no rollout stored');
  before.close();

  const run = await cli([...common, '--image', image, '--at', '+2s', '--json']);
  t.equal(run.code, 0, `exit 0${run.code ? `\n${run.stderr}` : ''}`);
  const report = JSON.parse(run.stdout);
  t.equal(report.status, 'done');
  t.same(report.racks.map((r: { rackName: string }) => r.rackName), ['upload-a']);
  t.same(report.racks[0].bmcs.map((b: { address: string; result: string; firmware: string }) => [b.address, b.result, b.firmware]),
    [['127.114.0.1', 'flashed', '1.07'], ['127.114.0.2', 'flashed', '1.07'], ['127.114.0.3', 'flashed', '1.07']], 'every BMC of the rack flashed to 1.07');
});
