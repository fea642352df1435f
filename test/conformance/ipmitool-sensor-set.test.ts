// Conformance: readings set and SEL entries added through the control API (issue 18, as ipmi_sim's sensor_set_value
// and sel_add) are what the real ipmitool reads: sdr, sensor reading / get, sel list / elist show the reading and the
// threshold events it logged, once per crossing. The API's bad input is refused with a 4xx saying why.
import t, { type Test } from 'tap';
import { startEmulator, type EmulatorProcess } from '../helpers/emulator-process.js';
import { ipmitool, type Target } from '../helpers/ipmitool.js';

const BMC: Target = { host: '127.187.0.1', port: 9687 };
let emu: EmulatorProcess;
let control: string;

t.before(async () => {
  emu = await startEmulator(['--bmcs', '2', '--first-ip', BMC.host, '--ipmi-port', String(BMC.port)]);
  control = /control (http:\S+)/.exec(emu.readyLine)![1];
});
t.teardown(() => emu?.stop());

async function api(method: string, path: string, body?: unknown, raw?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${control}/bmcs/${BMC.host}${path}`, {
    method, headers: { 'content-type': 'application/json' }, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  return { status: res.status, body: await res.json() as Record<string, unknown> };
}

async function ok(t: Test, args: string[]): Promise<string> {
  const r = await ipmitool(BMC, args);
  t.equal(r.code, 0, `ipmitool ${args.join(' ')} exits 0\n${r.stderr}`);
  return r.stdout;
}

const elistLines = (out: string) => out.trim().split('\n').filter((l) => l.includes('CPU1 Temp'));

t.test('a reading set over the API: ipmitool sdr, sensor reading and sensor get show it, sel elist its two events', async (t) => {
  const set = await api('PUT', '/sensors/CPU1%20Temp', { reading: 97 });
  t.equal(set.status, 200);
  t.match(set.body, { reading: 97, asserted: ['unc', 'uc'], selEntries: [1, 2] });
  t.match(await ok(t, ['sdr', 'list']), /^CPU1 Temp\s+\| 97 degrees C\s+\| cr$/m, 'sdr: 97, critical');
  t.match(await ok(t, ['sensor', 'reading', 'CPU1 Temp']), /^CPU1 Temp\s+\| 97$/m);
  const got = await ok(t, ['sensor', 'get', 'CPU1 Temp']);
  t.match(got, /Sensor Reading\s+: 97 \(\+\/- 0\) degrees C/);
  t.match(got, /Status\s+: Upper Critical/);
  t.match(got, /Assertion Events\s+: unc\+ ucr\+/);
  const elist = elistLines(await ok(t, ['sel', 'elist']));
  t.equal(elist.length, 2, 'once per crossing: reading it three times logged nothing more');
  t.match(elist[0], /Temperature CPU1 Temp \| Upper Non-critical going high \| Asserted \| Reading 97 > Threshold 88 degrees C/);
  t.match(elist[1], /Temperature CPU1 Temp \| Upper Critical going high \| Asserted \| Reading 97 > Threshold 95 degrees C/);
  t.match(await ok(t, ['sel', 'list']), /Temperature #0x03 \| Upper Critical going high \| Asserted/);
});

t.test('back to the simulation: the reading returns and both events deassert', async (t) => {
  const back = await api('DELETE', '/sensors/CPU1%20Temp');
  t.match(back.body, { overridden: false, asserted: [], selEntries: [3, 4] });
  t.match(await ok(t, ['sdr', 'list']), /^CPU1 Temp\s+\| \d+ degrees C\s+\| ok$/m);
  const elist = elistLines(await ok(t, ['sel', 'elist']));
  t.equal(elist.length, 4);
  t.match(elist[2], /Upper Non-critical going high \| Deasserted/);
  t.match(elist[3], /Upper Critical going high \| Deasserted/);
});

t.test('a low voltage crosses the lower thresholds; the list shows it with its thresholds', async (t) => {
  const set = await api('PUT', '/sensors/12V', { reading: 10.5 });
  t.match(set.body, { reading: 10.5, asserted: ['lc', 'lnc'] });
  t.match(await ok(t, ['sensor', 'reading', '12V']), /^12V\s+\| 10\.5/m);
  t.match(await ok(t, ['sel', 'elist']), /Voltage 12V \| Lower Critical going low\s+\| Asserted \| Reading 10\.50 < Threshold 10\.86 Volts/);
  const list = await api('GET', '/sensors');
  t.match((list.body as unknown as Record<string, unknown>[]).find((s) => s.name === '12V'), { reading: 10.5, unit: 'Volts', overridden: true, thresholds: { lc: 10.86, lnc: 11.46 } });
});

t.test('an entry added through the API: its record ID answered, ipmitool lists it', async (t) => {
  const added = await api('POST', '/sel', { sensor: 'Fan1', eventType: 1, eventData: [0x52, 3, 5] });
  t.equal(added.status, 200);
  const id = added.body.recordId as number;
  t.ok(id > 0);
  const line = (await ok(t, ['sel', 'elist'])).split('\n').find((l) => l.trim().startsWith(`${id.toString(16)} |`));
  t.match(line, /Fan Fan1 \| Lower Critical going low\s+\| Asserted \| Reading 180 < Threshold 300 RPM/);
  const oem = await api('POST', '/sel', { recordType: 0xe0, oemData: [0xde, 0xad] });
  t.match(await ok(t, ['sel', 'list']), new RegExp(`^\\s*${(oem.body.recordId as number).toString(16)} \\| OEM record e0 \\| dead0000`, 'm'));
});

t.test('bad input: 404 for an unknown sensor, 400 for a discrete one given a number, a reading out of range, bad JSON', async (t) => {
  const unknown = await api('PUT', '/sensors/CPU9%20Temp', { reading: 50 });
  t.equal(unknown.status, 404);
  t.match(unknown.body.error, /no sensor "CPU9 Temp" at 127\.187\.0\.1; its sensors: Inlet Temp, /);
  const discrete = await api('PUT', '/sensors/Host%20Power', { reading: 1 });
  t.equal(discrete.status, 400);
  t.match(discrete.body.error, /"Host Power" is a discrete sensor/);
  const range = await api('PUT', '/sensors/Fan1', { reading: 20000 });
  t.equal(range.status, 400);
  t.match(range.body.error, /reading 20000 is outside what "Fan1" can report: 0 to 15300 RPM/);
  const json = await api('PUT', '/sensors/Fan1', undefined, '{"reading": ');
  t.equal(json.status, 400);
  t.match(json.body.error, /body is not JSON/);
  t.equal((await api('PUT', '/sensors/Fan1', { value: 5 })).status, 400, 'a field that is not reading');
  t.equal((await api('POST', '/sel', { sensor: 'Fan1', eventData: [1] })).status, 400, 'an entry without an event type');
  t.equal((await api('POST', '/sel', { sensor: 'Nope', eventType: 1, eventData: [1] })).status, 404, 'an entry for an unknown sensor');
  t.equal((await fetch(`${control}/bmcs/127.187.9.9/sensors`)).status, 404, 'an unknown BMC');
});
