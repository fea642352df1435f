// Issue 11: the Wireshark dissector (protocols/rollout/wireshark/bmcfleet-rollout.lua) on a capture of a real
// rollout, not of hand-made messages: a real fleet's RMCs (`bmcfleet emulate`) and the real RolloutManager run one
// rollout to the end while tshark captures the rollout port; then every message must dissect with nothing malformed,
// and the run's message types must all be there (broadcast Prepare, replies, offer, chunks, acks, verdicts, Flash,
// Progress, Rack Report).
import t from 'tap';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFirmware, packFirmwareImage } from '../../protocols/ipmi/oem/bmcfleet-firmware.js';
import { generateManagerKey } from '../../protocols/rollout/keys.js';
import { BmcModel } from '../../emulator/bmc/model.js';
import { RolloutManager } from '../../orchestrator/rollout/rollout-manager.js';
import { SqliteRolloutStore } from '../../orchestrator/store/sqlite-rollout-store.js';
import { RolloutStatus } from '../../orchestrator/store/run-records.js';
import { startEmulator } from '../helpers/emulator-process.js';
import { malformedLines, startCapture } from '../helpers/tshark.js';

const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const DISSECTOR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'protocols', 'rollout', 'wireshark', 'bmcfleet-rollout.lua');
const IPMI_PORT = 9731;
const ROLLOUT_PORT = 4731;
const RACKS = [
  { name: 'tshark-a', firstIp: '127.113.0.1', rmc: '127.113.0.200' },
  { name: 'tshark-b', firstIp: '127.113.1.1', rmc: '127.113.1.200' },
];

function tshark(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('tshark', ['-X', `lua_script:${DISSECTOR}`, ...args], { maxBuffer: 256 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout)));
  });
}

t.test('every message of a real rollout dissects, and nothing is malformed', { skip: have('tshark') ? false : 'tshark not installed' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-rollout-tshark-'));
  const key = generateManagerKey();
  const fleet = join(dir, 'fleet.yaml');
  writeFileSync(fleet, [
    `ipmiPort: ${IPMI_PORT}`, 'control: none', 'firmware: "1.00"',
    'firmwareTimings: { backupMs: 0, prepareMs: 0, writeMs: 20, activateMs: 20, rebootMs: 300 }',
    `rollout: { port: ${ROLLOUT_PORT}, managerKey: ${key.rawPublicKey.toString('base64')} }`, 'racks:',
    ...RACKS.map((r, i) => `  - { name: ${r.name}, bmcs: 2, firstIp: ${r.firstIp}, rmc: { ip: ${r.rmc}, id: ${i + 1} } }`), '',
  ].join('\n'));
  const emu = await startEmulator(['--config', fleet]);
  t.teardown(() => emu.stop());

  const capture = await startCapture(`udp port ${ROLLOUT_PORT}`);
  const store = new SqliteRolloutStore(join(dir, 'manager.db'));
  const manager = await RolloutManager.open({ store, key: key.signing, rmcPort: ROLLOUT_PORT });
  const device = new BmcModel({ ip: '127.0.0.1' }).device;
  const image = packFirmwareImage(buildFirmware(device, { major: 1, minor: 5, aux: new Uint8Array(4) }, 40_000), 1_767_225_600);
  const id = manager.start({
    image, flashTimeMs: Date.now() + 1500, rmcs: RACKS.map((r, i) => ({ rmcId: i + 1, address: r.rmc, rackName: r.name })),
  });
  for (let i = 0; i < 600 && manager.status(id).status !== RolloutStatus.DONE; i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 300)); // the last datagrams reach the capture
  await capture.stop();
  const report = manager.report(id);
  manager.close();
  store.close();
  t.equal(report.status, RolloutStatus.DONE, 'the rollout ran to the end');
  t.same(report.racks.flatMap((r) => r.bmcs.map((b) => b.result)), ['flashed', 'flashed', 'flashed', 'flashed'], 'every BMC flashed');

  const decode = ['-r', capture.file, '-d', `udp.port==${ROLLOUT_PORT},bmcfleet_rollout`];
  t.same(malformedLines(await tshark([...decode, '-V'])), [], 'no message of the run shows anything malformed');
  const types = (await tshark([...decode, '-T', 'fields', '-e', 'bmcfleet_rollout.type'])).trim().split('\n').filter((l) => l !== '');
  const datagrams = (await tshark(['-r', capture.file, '-T', 'fields', '-e', 'frame.number'])).trim().split('\n').length;
  t.equal(types.length, datagrams, `each of the ${datagrams} datagrams dissected as a rollout message`);
  // Types 1 Prepare, 2 Prepare Reply, 4 Image Offer, 5 Image Chunk, 6 Transfer Ack, 7 Verify Result, 8 Flash,
  // 9 Progress, 10 Rack Report: every step of a rollout with no fault (no Poll, Pause, Resume or Abort was needed).
  const seen = new Set(types.map((v) => Number(v)));
  for (const type of [1, 2, 4, 5, 6, 7, 8, 9, 10]) t.ok(seen.has(type), `message type ${type} seen`);
});
