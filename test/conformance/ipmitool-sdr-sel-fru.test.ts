// Conformance: the real ipmitool reads sensors (SDR repository + readings), the SEL and the FRU inventory of
// emulated BMCs over lanplus on loopback, while the real tshark captures and independently decodes the traffic.
import t, { type Test } from 'tap';
import { conformanceFleet } from '../helpers/conformance.js';
import { ipmitool, type Target } from '../helpers/ipmitool.js';
import { dissect, malformedLines } from '../helpers/tshark.js';

const PORT = 9625;
const BMC: Target = { host: '127.23.0.1', port: PORT };
const OTHER: Target = { host: '127.23.0.2', port: PORT };
const SENSOR_NAMES = ['Inlet Temp', 'Exhaust Temp', 'CPU1 Temp', 'CPU2 Temp', 'DIMM Temp', 'Fan1', 'Fan2', 'Fan3', 'Fan4', 'Fan5', 'Fan6',
  '12V', '5V', '3.3V', '3.3VSB', 'VBAT', 'Pwr Consumption', 'ACPI State', 'Host Power', 'Sys Restart', 'Event Log', 'Diag NMI'];

const fleet = conformanceFleet(BMC);
const ok = (t: Test, args: string[], target = BMC, opts: Parameters<typeof fleet.ok>[3] = {}) => fleet.ok(t, args, target, opts);

/** `name | value unit | status` rows of `sdr list`, by sensor name. */
function sdrRows(out: string): Map<string, { value: string; status: string }> {
  const rows = new Map<string, { value: string; status: string }>();
  for (const line of out.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length === 3) rows.set(cells[0], { value: cells[1], status: cells[2] });
  }
  return rows;
}

const numberIn = (text: string) => Number(/^(-?[\d.]+)/.exec(text)?.[1] ?? NaN);

let cpuWhileOn = NaN;

t.test('sdr list: every sensor, with live readings and units, all ok', async (t) => {
  const rows = sdrRows(await ok(t, ['sdr', 'list']));
  t.same([...rows.keys()], SENSOR_NAMES, 'the whole repository, in record order');
  t.match(rows.get('CPU1 Temp'), { value: /^\d+ degrees C$/, status: 'ok' });
  t.match(rows.get('Fan1'), { value: /^\d+ RPM$/, status: 'ok' });
  t.match(rows.get('12V'), { value: /^1[12](\.\d+)? Volts$/, status: 'ok' });
  t.match(rows.get('Pwr Consumption'), { value: /^\d+ Watts$/, status: 'ok' });
  cpuWhileOn = numberIn(rows.get('CPU1 Temp')!.value);
  t.ok(cpuWhileOn >= 40, `CPU1 at ${cpuWhileOn} °C while the host runs`);
  t.ok(numberIn(rows.get('Fan3')!.value) >= 4000, 'fans spin');
  for (const [name, row] of rows) t.equal(row.status, 'ok', `${name} ok`);
});

t.test('sdr elist: sensor numbers, entities and discrete states', async (t) => {
  const out = await ok(t, ['sdr', 'elist']);
  t.match(out, /^CPU1 Temp\s+\| 03h \| ok\s+\|\s+3\.1 \| \d+ degrees C$/m);
  t.match(out, /^Fan2\s+\| 11h \| ok\s+\| 29\.2 \| \d+ RPM$/m);
  t.match(out, /^ACPI State\s+\| 50h \| ok\s+\|\s+7\.1 \| S0\/G0: working$/m);
});

t.test('sdr list all shows the MC and FRU device locators; sdr info the repository', async (t) => {
  const out = await ok(t, ['sdr', 'list', 'all']);
  t.match(out, /^BMC\s+\|/m);
  t.match(out, /^PSU1 FRU\s+\| Log FRU @01h 0a\.1/m);
  const info = await ok(t, ['sdr', 'info']);
  t.match(info, /Record Count\s+: 24/);
  t.match(info, /Reserve SDR repository supported\s+: yes/);
});

t.test('sensor list: readings with thresholds from Get Sensor Thresholds', async (t) => {
  const out = await ok(t, ['sensor', 'list']);
  t.match(out, /^CPU1 Temp\s+\| \d+\.000\s+\| degrees C\s+\| ok\s+\| na\s+\| na\s+\| na\s+\| 88\.000\s+\| 95\.000\s+\| 100\.000/m);
  t.match(out, /^Fan1\s+\| \d+\.000\s+\| RPM\s+\| ok\s+\| 300\.000\s+\| 600\.000\s+\| 900\.000\s+\| na/m);
  t.match(out, /^ACPI State\s+\| 0x1\s+\| discrete/m);
  const one = await ok(t, ['sensor', 'get', 'Inlet Temp']);
  t.match(one, /Sensor Reading\s+: \d+ \(\+\/- 0\) degrees C/);
  t.match(one, /Upper Critical\s+: 45\.000/);
  t.match(one, /Positive Hysteresis\s+: 2\.000/);
});

t.test('sel info and sel list on a fresh BMC', async (t) => {
  const info = await ok(t, ['sel', 'info']);
  t.match(info, /Version\s+: 1\.5 \(v1\.5, v2 compliant\)/);
  t.match(info, /Entries\s+: 0/);
  t.match(info, /Free Space\s+: 8192 bytes/);
  t.match(info, /Supported Cmds\s+: 'Delete' 'Reserve'/);
  const r = await ipmitool(BMC, ['sel', 'list']);
  t.equal(r.code, 0);
  t.match(r.stdout + r.stderr, /SEL has no entries/);
});

t.test('after chassis power off: cold CPUs, stopped fans, and the power-off event in the SEL', async (t) => {
  await ok(t, ['chassis', 'power', 'off']);
  const rows = sdrRows(await ok(t, ['sdr', 'list']));
  const cpu = numberIn(rows.get('CPU1 Temp')!.value);
  t.ok(cpu < cpuWhileOn - 10, `CPU1 ${cpu} °C, was ${cpuWhileOn} °C`);
  for (const fan of ['Fan1', 'Fan2', 'Fan3', 'Fan4', 'Fan5', 'Fan6']) t.equal(rows.get(fan)?.value, '0 RPM', `${fan} stopped`);
  t.equal(rows.get('12V')?.value, '0 Volts', 'main rail off');
  t.match(rows.get('3.3VSB')?.value, /^3\.\d+ Volts$/, 'standby rail on');
  const list = await ok(t, ['sel', 'list']);
  t.match(list, /^\s+1 \| \d\d\/\d\d\/\d\d \| \d\d:\d\d:\d\d \S+ \| Power Unit #0x51 \| Power off\/down \| Asserted$/m);
  const elist = await ok(t, ['sel', 'elist']);
  t.match(elist, /\| Power Unit Host Power \| Power off\/down \| Asserted$/m);
  t.match(await ok(t, ['sdr', 'elist']), /^ACPI State\s+\| 50h \| ok\s+\|\s+7\.1 \| S5\/G2: soft-off$/m);
});

t.test('power on, cycle and reset are logged too, in order', async (t) => {
  await ok(t, ['chassis', 'power', 'on']);
  await ok(t, ['chassis', 'power', 'cycle']);
  await ok(t, ['chassis', 'power', 'reset']);
  const lines = (await ok(t, ['sel', 'list'])).trim().split('\n');
  t.equal(lines.length, 4);
  t.match(lines[1], /Power Unit #0x51 \| Power off\/down \| Deasserted$/);
  t.match(lines[2], /Power Unit #0x51 \| Power cycle \| Asserted$/);
  t.match(lines[3], /System Boot Initiated #0x52 \| Initiated by hard reset \| Asserted$/);
  t.match(await ok(t, ['sel', 'info']), /Entries\s+: 4/);
  t.match(await ok(t, ['sel', 'time', 'get']), /^\d\d\/\d\d\/\d\d(\d\d)? \d\d:\d\d:\d\d/);
});

t.test('sel clear: reservation + CLR, then only the clear event remains', async (t) => {
  t.match(await ok(t, ['sel', 'clear']), /Clearing SEL/);
  const info = await ok(t, ['sel', 'info']);
  t.match(info, /Entries\s+: 1/);
  t.notMatch(info, /Last Del Time\s+: Not Available/);
  t.match(await ok(t, ['sel', 'list']), /^\s+\S+ \| .* \| Event Logging Disabled #0x53 \| Log area reset\/cleared \| Asserted$/m);
});

t.test('fru print: the system FRU and the power supply FRU; serials differ per BMC', async (t) => {
  const out = await ok(t, ['fru', 'print']);
  t.match(out, /FRU Device Description : Builtin FRU Device \(ID 0\)/);
  t.match(out, /Chassis Type\s+: Rack Mount Chassis/);
  t.match(out, /Board Mfg Date\s+: \w{3} \w{3} \d+ \d\d:\d\d:\d\d 2024/);
  t.match(out, /Product Manufacturer\s+: Bmcfleet Systems/);
  t.match(out, /Board Extra\s+: NIC1 MAC 06(:[0-9a-f]{2}){5}/);
  t.match(out, /FRU Device Description : PSU1 FRU \(ID 1\)/);
  t.match(out, /Product Name\s+: 800W Power Supply/);
  const serial = /Product Serial\s+: (\S+)/.exec(out)?.[1];
  t.match(serial, /^BF[0-9A-Z]{8}$/);
  const other = /Product Serial\s+: (\S+)/.exec(await ok(t, ['fru', 'print', '0'], OTHER))?.[1];
  t.ok(other && other !== serial, `the second BMC has its own serial (${other} vs ${serial})`);
});

t.test('IPMI 1.5 (-I lan) reads the same repository', async (t) => {
  const rows = sdrRows(await ok(t, ['sdr', 'list'], OTHER, { iface: 'lan' }));
  t.equal(rows.size, SENSOR_NAMES.length);
});

t.test('tshark decodes all traffic with no malformed packet; ipmitool read the SDRs in partial reads of <= 32 bytes', async (t) => {
  await fleet.capture.stop();
  const text = await dissect(fleet.capture.file, PORT);
  t.ok(text.includes('IPMI v1.5 Session Wrapper'), 'tshark dissected the IPMI 1.5 session');
  t.same(malformedLines(text), [], 'no malformed packets or expert errors');
  // The -I lan session is not encrypted: its Get SDR requests (rsAddr 20h, netFn 0Ah, cmd 23h) are readable.
  // Request bytes: 20 28 chk 81 seq 23, reservation (2), record ID (2), offset, bytes to read, chk (IPMI 2.0 §33.12).
  const rows = (await dissect(fleet.capture.file, PORT, ['ipmi_session.authtype', 'data.data'])).trim().split('\n');
  const getSdr = rows.map((r) => r.split('\t')).filter(([auth, data]) => Number(auth) === 2 && /^2028..81..23/.test(data ?? ''))
    .map(([, data]) => Buffer.from(data, 'hex'));
  t.ok(getSdr.length >= 2 * SENSOR_NAMES.length, `${getSdr.length} Get SDR requests seen`);
  t.ok(getSdr.every((b) => b[6] | (b[7] << 8)), 'every Get SDR carries a reservation');
  t.ok(getSdr.some((b) => b[10] > 0), 'partial reads at non-zero offsets');
  t.ok(Math.max(...getSdr.map((b) => b[11])) <= 32, 'no chunk above 32 bytes');
});
