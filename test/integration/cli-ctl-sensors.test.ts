// `bmcfleet ctl` on sensors and the SEL (issue 18): a reading set and the events it logged, entries added, the
// refusals named; a file of its own, so each file's ctl runs stay well within the test timeout on a loaded machine.
import t from 'tap';
import { execFile } from 'node:child_process';
import { CLI, startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { freeUdpPort } from '../helpers/free-port.js';

const FIRST = '127.187.2.1';
let emu: EmulatorProcess;
let control: string;

function ctl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'ctl', '--control', control, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

t.before(async () => {
  emu = await startEmulator(['--bmcs', '1', '--first-ip', FIRST, '--ipmi-port', String(await freeUdpPort())]);
  control = /control (http:\S+)/.exec(emu.readyLine)![1];
});
t.teardown(() => emu?.stop());

t.test('sensor sets a reading, sensors lists it, sel adds and lists entries', async (t) => {
  const set = await ctl('sensor', FIRST, 'CPU1 Temp', '97');
  t.equal(set.code, 0, set.stderr);
  t.match(set.stdout, /^reading: 97 degrees C\nstatus: unc uc\n/m);
  t.match((await ctl('sensors', FIRST)).stdout, /^0x03\s+CPU1 Temp\s+97\s+degrees C\s+unc uc\s+set$/m);
  const added = await ctl('sel', FIRST, 'add', '--sensor', 'Fan1', '--event-type', '1', '--data', '0x52,3,5');
  t.equal(added.code, 0, added.stderr);
  const recordId = /^recordId: (\d+)$/m.exec(added.stdout)?.[1];
  const sel = (await ctl('sel', FIRST)).stdout;
  t.match(sel, /CPU1 Temp \(01h #03h\)\s+type 01h\s+asserted\s+59h 61h 5fh/, 'the UC event the reading logged: 97 past 95, named');
  t.match(sel, new RegExp(`^${recordId}\\s+\\S+\\s+Fan1 \\(04h #10h\\)\\s+type 01h\\s+asserted\\s+52h 03h 05h$`, 'm'));
  const unnamed = await ctl('sel', FIRST, 'add', '--sensor-type', '1', '--sensor-number', '0xfe', '--event-type', '1', '--data', '1');
  t.equal(unnamed.code, 0, unnamed.stderr);
  t.match((await ctl('sel', FIRST)).stdout, /\stype 01h #feh\s+type 01h\s+asserted/, 'a sensor the SDR does not have: its type and number');
  const json = JSON.parse((await ctl('sel', FIRST, '--json')).stdout) as { records: Record<string, unknown>[] };
  t.match(json.records.find((r) => r.recordId === Number(recordId)), { sensorType: 4, sensorNumber: 0x10, sensorName: 'Fan1' });
});

t.test('auto returns the sensor to the simulation; refusals exit 1, usage mistakes 2', async (t) => {
  t.match((await ctl('sensor', FIRST, 'CPU1 Temp', 'auto')).stdout, /^set: false$/m);
  t.equal((await ctl('sensor', FIRST, 'CPU1 Temp', 'hot')).code, 2, 'a reading that is not a number');
  const discrete = await ctl('sensor', FIRST, 'Host Power', '1');
  t.equal(discrete.code, 1);
  t.match(discrete.stderr, /discrete sensor.*\(HTTP 400\)/);
});
