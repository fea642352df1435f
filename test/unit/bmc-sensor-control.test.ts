// The control API's sensors and SEL on one BMC (nodes/bmc-sensors.ts, control/sel.ts): a reading set is scanned at
// once and logs each threshold it crosses once, as the SEL's real 16 bytes; refusals carry their HTTP status.
import t from 'tap';
import { BmcModel } from '../../emulator/bmc/model.js';
import { ControlError } from '../../emulator/fleet/control-error.js';
import { selEntryBody } from '../../emulator/fleet/control/sel.js';
import { addSelEntry, findSensor, selView, sensorViews, setReading } from '../../emulator/fleet/nodes/bmc-sensors.js';
import { controlPower, POWER_ACTIONS } from '../../emulator/bmc/power.js';
import { encode } from '../../protocols/ipmi/sel-record.js';
import { fleetConfig } from '../../emulator/fleet/fleet-config.js';
import { bmcKind } from '../../emulator/fleet/nodes/bmc.js';
import { Shard } from '../../emulator/fleet/shard.js';
import { ManualClock } from '../../runtime/manual-clock.js';

const NOW = 1_000_000; // SEL time 1000 s = e8 03 00 00

function model(): BmcModel {
  return new BmcModel({ ip: '10.9.8.7', now: 0 });
}

function hexOf(m: BmcModel): string[] {
  return m.sel.list().map((r) => encode(r).toString('hex'));
}

function status(fn: () => unknown): number | string {
  try {
    fn();
    return 'no error';
  } catch (err) {
    return err instanceof ControlError ? err.status : String(err);
  }
}

t.test('a reading past two thresholds logs both assertions at once, with reading and threshold (§29.7, §42.1)', (t) => {
  const m = model();
  const answer = setReading(m, 'CPU1 Temp', 97, NOW);
  t.match(answer, { number: 3, kind: 'threshold', reading: 97, raw: 97, asserted: ['unc', 'uc'], overridden: true, armed: true, selEntries: [1, 2] });
  t.same(answer.thresholds, { unc: 88, uc: 95, unr: 100 });
  t.same(hexOf(m), [
    // ID 1, type 02h, time 1000 s, generator 0020h (the BMC), EvM 04h, temperature #03h, threshold assertion,
    // data 1 57h (UNC going high 07h, data 2 reading, data 3 threshold), 97, 88
    '010002e80300002000040103015761' + '58',
    '020002e80300002000040103015961' + '5f', // UC going high 09h: 97, 95
  ]);
  t.end();
});

t.test('once per crossing: reading again, or moving within the hysteresis, logs nothing; leaving deasserts', (t) => {
  const m = model();
  setReading(m, 'CPU1 Temp', 97, NOW);
  t.same(setReading(m, 'CPU1 Temp', 97, NOW + 1000).selEntries, [], 'the same reading again');
  sensorViews(m, NOW + 2000);
  selView(m, NOW + 3000);
  t.same(setReading(m, 'CPU1 Temp', 94, NOW + 4000).selEntries, [], '94: within UC 95\'s hysteresis of 2');
  t.equal(m.sel.count, 2);
  const back = setReading(m, 'CPU1 Temp', 50, NOW + 5000);
  t.same(back.selEntries, [3, 4]);
  t.same(back.asserted, []);
  t.same(hexOf(m).slice(2), [
    '030002ed0300002000040103815732' + '58', // deassertion (byte 13 bit 7), reading 50 (32h)
    '040002ed0300002000040103815932' + '5f',
  ]);
  t.end();
});

t.test('null returns a sensor to the simulation', (t) => {
  const m = model();
  setReading(m, 'Pwr Consumption', 900, NOW);
  const back = setReading(m, 'Pwr Consumption', null, NOW);
  t.equal(back.overridden, false);
  t.ok(back.reading < 760, 'the modelled reading, below UNC');
  t.equal(back.selEntries.length, 2, 'UNC and UC deasserted');
  t.same(m.sensors.overridden(), []);
  t.end();
});

t.test('with the host off a host-powered sensor reads what was set but is disarmed: no event', (t) => {
  const m = model();
  controlPower(m, POWER_ACTIONS.off, NOW, 1);
  const before = m.sel.count;
  const answer = setReading(m, 'Fan1', 0, NOW);
  t.match(answer, { reading: 0, armed: false, asserted: [], selEntries: [] });
  t.equal(m.sel.count, before);
  t.end();
});

t.test('sensors are found by their SDR name or number 0xNN; the list has both kinds', (t) => {
  const m = model();
  t.equal(findSensor(m, '3.3VSB').number, 0x23);
  t.equal(findSensor(m, '0x10').name, 'Fan1');
  const views = sensorViews(m, NOW);
  t.equal(views.length, m.sensors.specs.length);
  t.match(views.find((v) => v.name === '12V'), { kind: 'threshold', unit: 'Volts', range: { min: 0, max: 15.3 } });
  t.match(views.find((v) => v.name === 'ACPI State'), { kind: 'discrete', states: [0] }, 'S0/G0 working with the host on');
  t.end();
});

t.test('refusals: an unknown sensor 404, a discrete sensor given a number 400, a reading out of its range 400', (t) => {
  const m = model();
  t.equal(status(() => setReading(m, 'CPU9 Temp', 50, NOW)), 404);
  t.equal(status(() => setReading(m, 'Host Power', 1, NOW)), 400);
  t.equal(status(() => setReading(m, 'CPU1 Temp', 256, NOW)), 400, 'past raw FFh');
  t.equal(status(() => setReading(m, 'CPU1 Temp', -1, NOW)), 400, 'below raw 00h');
  t.equal(status(() => setReading(m, '12V', 15.4, NOW)), 400, '12V reads at most 255 x 0.06 V');
  t.equal(m.sel.count, 0, 'nothing refused was logged');
  t.equal(status(() => setReading(m, '12V', 15.3, NOW)), 'no error');
  t.end();
});

t.test('entries added as Add SEL Entry adds them: ID and time from the BMC, OEM bytes zero-filled', (t) => {
  const m = model();
  t.same(addSelEntry(m, selEntryBody({ sensor: 'Fan2', eventType: 1, eventData: [0x52, 3, 5] }), NOW), { recordId: 1 });
  t.same(addSelEntry(m, selEntryBody({ sensorType: 0x0c, sensorNumber: 0x60, eventType: 0x6f, eventData: [0x01], direction: 'deassertion', generatorId: 0x41 }), NOW), { recordId: 2 });
  t.same(addSelEntry(m, selEntryBody({ recordType: 0xc1, oemData: [1, 2] }), NOW), { recordId: 3 });
  t.same(addSelEntry(m, selEntryBody({ recordType: 0xe0, oemData: [9] }), NOW), { recordId: 4 });
  t.same(hexOf(m), [
    '010002e8030000200004041101520305',
    '020002e80300004100040c60ef01ffff', // generator 41h, memory #60h, sensor-specific deassertion, data 2-3 unspecified
    '0300c1e8030000d97e00010200000000', // manufacturer 32473 (7ED9h), LS first
    '0400e009000000000000000000000000',
  ]);
  t.equal(status(() => addSelEntry(m, selEntryBody({ sensor: 'Nope', eventType: 1, eventData: [1] }), NOW)), 404);
  t.end();
});

t.test('GET /bmcs/IP/sel names the sensor of each event from the BMC\'s own SDR (sensorName), and only those', (t) => {
  const m = model();
  setReading(m, 'CPU1 Temp', 97, NOW); // two events the BMC logged: temperature #03h
  addSelEntry(m, selEntryBody({ sensor: 'Fan1', eventType: 1, eventData: [0x52, 3, 5] }), NOW);
  addSelEntry(m, selEntryBody({ sensorType: 1, sensorNumber: 0x10, eventType: 1, eventData: [1] }), NOW); // #10h is a fan
  addSelEntry(m, selEntryBody({ sensorType: 1, sensorNumber: 0xfe, eventType: 1, eventData: [1] }), NOW); // no such sensor
  addSelEntry(m, selEntryBody({ sensor: 'Fan1', generatorId: 0x0041, eventType: 1, eventData: [1] }), NOW); // system software's
  addSelEntry(m, selEntryBody({ recordType: 0xe0, oemData: [1] }), NOW);
  const records = selView(m, NOW).records;
  t.same(records.map((r) => r.sensorName), ['CPU1 Temp', 'CPU1 Temp', 'Fan1', undefined, undefined, undefined, undefined]);
  t.match(records[2], { sensorType: 4, sensorNumber: 0x10, sensorName: 'Fan1' }, 'the fields it had, and the name');
  t.notOk('sensorName' in records[3], 'no field at all when the SDR does not name it');
  t.notOk('sensorName' in m.sel.list()[0], 'the SEL\'s own records are left as they are');
  t.end();
});

t.test('a full SEL drops its oldest entry for an added one and says it overflowed', (t) => {
  const m = model();
  for (let i = 0; i < m.sel.capacity; i++) addSelEntry(m, selEntryBody({ recordType: 0xe0, oemData: [i & 0xff] }), NOW);
  t.equal(selView(m, NOW).overflow, false);
  const { recordId } = addSelEntry(m, selEntryBody({ recordType: 0xe0, oemData: [0xaa] }), NOW);
  const view = selView(m, NOW);
  t.match(view, { entries: m.sel.capacity, overflow: true });
  t.equal(view.records[0].recordId, 2, 'the first is gone');
  t.equal(view.records.at(-1)!.recordId, recordId);
  t.end();
});

t.test('POST /bmcs/IP/sel bodies: each mistake named, 400', (t) => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ eventType: 1, eventData: [1] }, /by "sensor".*or by "sensorType" and "sensorNumber"/],
    [{ sensor: 'Fan1', sensorType: 4, eventType: 1, eventData: [1] }, /not both/],
    [{ sensor: 'Fan1', eventData: [1] }, /eventType is missing/],
    [{ sensor: 'Fan1', eventType: 0x80, eventData: [1] }, /eventType must be a whole number from 0 to 127/],
    [{ sensor: 'Fan1', eventType: 1, eventData: [] }, /eventData must be 1 to 3 bytes/],
    [{ sensor: 'Fan1', eventType: 1, eventData: [256] }, /eventData must be 1 to 3 bytes/],
    [{ sensor: 'Fan1', eventType: 1, eventData: [1], direction: 'up' }, /direction must be/],
    [{ sensorType: 1, sensorNumber: 0xff, eventType: 1, eventData: [1] }, /sensorNumber must be a whole number from 0 to 254/],
    [{ recordType: 0x10 }, /recordType: 0x10 is reserved/],
    [{ recordType: 0xc0, oemData: [1, 2, 3, 4, 5, 6, 7] }, /oemData must be 0 to 6 bytes/],
    [{ recordType: 0xe0, oemData: [1], manufacturerId: 5 }, /E0h-FFh carry none/],
    [{ recordType: 0xe0, oemData: [1], sensor: 'Fan1' }, /unknown field "sensor" for an OEM record/],
    [{ sensor: 'Fan1', eventType: 1, eventData: [1], colour: 'red' }, /unknown field "colour"/],
  ];
  for (const [body, message] of bad) {
    t.throws(() => selEntryBody(body), { status: 400, message }, JSON.stringify(body));
  }
  t.end();
});

t.test('a reading set is kept by the supervisor: a shard\'s next process reads it too', async (t) => {
  const ip = '127.187.1.1';
  const config = fleetConfig({ ipmiPort: 9688, racks: [{ bmcs: 1, firstIp: ip }] });
  const kept: [string, unknown][] = [];
  const first = new Shard(config, 0, 0, 1, undefined, { clock: new ManualClock(NOW), keep: (_kind, entries) => kept.push(...entries) });
  first.run('bmc', { op: 'sensor-set', ip, sensor: 'Fan3', reading: 1200 });
  first.close();
  t.match(kept.at(-1), [ip, { sensors: [[0x12, 1200]] }]);
  const next = new Shard(config, 0, 0, 1, undefined, { clock: new ManualClock(NOW), kept: { bmc: [kept.at(-1)!] } });
  t.teardown(() => next.close());
  t.equal(next.nodesOf(bmcKind).nodes[0].model.sensors.override(0x12), 1200);
});
