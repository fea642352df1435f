// SDR repository and sensor commands (IPMI 2.0 §33, §35) against the model, read the way ipmitool reads them.
import t from 'tap';
import { CompletionCode as CC } from '../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { SdrRecordType, decode, rawToValue, type FullSensorRecord, type SdrRecord } from '../../protocols/ipmi/sdr-records.js';
import { DEFAULT_SENSORS } from '../../emulator/bmc/sensors.js';
import { bytes, fixture, type Fixture } from '../helpers/bmc-command-fixture.js';

const ST = NetFn.STORAGE;
const SE = NetFn.SENSOR_EVENT;

function must(cc: number, what: string): void {
  if (cc !== CC.OK) throw new Error(`${what}: completion code 0x${cc.toString(16)}`);
}

function reserve(f: Fixture): number {
  const r = f.send(ST, 0x22);
  must(r.cc, 'Reserve SDR Repository');
  return r.data![0] | (r.data![1] << 8);
}

function getSdr(f: Fixture, reservation: number, id: number, offset: number, count: number) {
  return f.send(ST, 0x23, [reservation & 0xff, reservation >> 8, id & 0xff, id >> 8, offset, count]);
}

/** ipmitool's walk: header (5 bytes) first, then the body in chunks of `chunk` bytes with the reservation. */
function readAll(f: Fixture, chunk: number): SdrRecord[] {
  const reservation = reserve(f);
  const out: SdrRecord[] = [];
  for (let id = 0, guard = 0; id !== 0xffff && guard < 500; guard++) {
    const head = getSdr(f, reservation, id, 0, 5);
    must(head.cc, 'Get SDR header');
    const next = head.data![0] | (head.data![1] << 8);
    const header = head.data!.subarray(2);
    const body: number[] = [];
    for (let off = 0; off < header[4]; off += chunk) {
      const part = getSdr(f, reservation, header[0] | (header[1] << 8), 5 + off, Math.min(chunk, header[4] - off));
      must(part.cc, 'Get SDR body');
      body.push(...part.data!.subarray(2));
    }
    out.push(decode(Buffer.from([...header, ...body])));
    id = next;
  }
  return out;
}

t.test('Get SDR Repository Info reports version 51h, the record count and reserve support', (t) => {
  const f = fixture();
  const info = bytes(f.send(ST, 0x20));
  t.equal(info.length, 14);
  t.equal(info[0], 0x51);
  t.equal(info[1] | (info[2] << 8), f.model.sdr.count);
  t.ok(f.model.sdr.count > 0, 'never an empty repository');
  t.equal(info[13] & 0x02, 0x02, 'reserve supported');
  t.end();
});

t.test('the repository read in 32-byte and 7-byte chunks gives the same records: MC locator, sensors, FRU locator', (t) => {
  const f = fixture();
  const records = readAll(f, 32);
  t.same(readAll(f, 7), records);
  t.equal(records.length, f.model.sdr.count);
  t.equal(records[0].recordType, SdrRecordType.MC_DEVICE_LOCATOR);
  t.equal(records.filter((r) => r.recordType === SdrRecordType.FULL_SENSOR).length, DEFAULT_SENSORS.filter((s) => s.kind === 'threshold').length);
  t.ok(records.some((r) => r.recordType === SdrRecordType.COMPACT_SENSOR && r.idString === 'ACPI State'));
  t.ok(records.some((r) => r.recordType === SdrRecordType.FRU_DEVICE_LOCATOR && r.fruDeviceId === 1 && r.logical));
  const cpu = records.find((r) => r.recordType === SdrRecordType.FULL_SENSOR && r.idString === 'CPU1 Temp') as FullSensorRecord;
  t.equal(cpu.ownerId, 0x20, 'owned by the BMC, so ipmitool does not bridge');
  t.equal(rawToValue(cpu, cpu.upperCritical), 95);
  t.end();
});

t.test('reservations: a stale one gets C5h, whether replaced by a new reservation or by a repository change', (t) => {
  const f = fixture();
  const first = reserve(f);
  t.not(first, 0, 'reservation IDs are never 0');
  t.equal(getSdr(f, first, 0, 5, 10).cc, CC.OK);
  const second = reserve(f);
  t.equal(getSdr(f, first, 0, 5, 10).cc, CC.RESERVATION_CANCELLED, 'superseded');
  t.equal(getSdr(f, second, 0, 5, 10).cc, CC.OK);
  f.model.sdr.replace([...f.model.sdr.all()].map((b) => decode(b)), 2);
  t.equal(getSdr(f, second, 0, 5, 10).cc, CC.RESERVATION_CANCELLED, 'cancelled by the change');
  t.equal(getSdr(f, 0, 0, 5, 10).cc, CC.RESERVATION_CANCELLED, 'partial read without a reservation');
  t.equal(getSdr(f, 0, 0, 0, 0xff).cc, CC.OK, 'whole-record read from offset 0 needs none');
  t.throws(() => f.model.sdr.replace([], 3), RangeError, 'an empty repository is refused');
  t.end();
});

t.test('Get SDR: 0000h is the first record, FFFFh the last, unknown IDs CBh, bad offsets C9h, bad length C7h', (t) => {
  const f = fixture();
  const all = f.model.sdr.all();
  const first = bytes(getSdr(f, 0, 0, 0, 0xff));
  t.same(first.slice(2), [...all[0]]);
  t.equal(first[0] | (first[1] << 8), all[1][0] | (all[1][1] << 8), 'next record ID');
  const last = bytes(getSdr(f, 0, 0xffff, 0, 0xff));
  t.same(last.slice(0, 2), [0xff, 0xff], 'no record after the last');
  t.same(last.slice(2), [...all[all.length - 1]]);
  t.equal(getSdr(f, 0, 0x4242, 0, 5).cc, CC.NOT_PRESENT);
  const r = reserve(f);
  t.equal(getSdr(f, r, 1, 200, 5).cc, CC.PARAMETER_OUT_OF_RANGE);
  t.equal(f.send(ST, 0x23, [0, 0, 0]).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.end();
});

t.test('Get Sensor Reading: live values; a powered-off host reads cold with stopped fans and dead rails', (t) => {
  const f = fixture();
  const reading = (n: number) => bytes(f.send(SE, 0x2d, [n]));
  const cpuOn = reading(0x03);
  t.equal(cpuOn.length, 3);
  t.equal(cpuOn[1] & 0xc0, 0xc0, 'events and scanning enabled');
  t.ok(cpuOn[0] >= 40 && cpuOn[0] <= 75, `CPU ${cpuOn[0]} °C with the host on`);
  const fanOn = reading(0x10)[0] * 60;
  t.ok(fanOn >= 4000, `fan ${fanOn} RPM with the host on`);
  t.equal(reading(0x50)[2], 0x01, 'ACPI S0/G0 working');
  t.equal(f.send(NetFn.CHASSIS, 0x02, [0x00]).cc, CC.OK);
  const cpuOff = reading(0x03);
  t.ok(cpuOff[0] < cpuOn[0] - 10 && cpuOff[0] <= 25, `CPU cools to ${cpuOff[0]} °C`);
  t.equal(cpuOff[2] & 0x3f, 0, 'no threshold status while the host is off');
  t.equal(reading(0x10)[0], 0, 'fan stopped');
  t.equal(reading(0x20)[0], 0, '12V rail off');
  t.ok(reading(0x23)[0] > 0, '3.3VSB standby rail still up');
  t.same(reading(0x50).slice(2), [0x20, 0x80], 'ACPI S5/G2 soft-off');
  t.same(reading(0x51).slice(2), [0x01, 0x80], 'power unit: power off/down');
  t.end();
});

t.test('readings are deterministic per BMC and time, and differ between BMCs', (t) => {
  const a = fixture({ ip: '10.9.0.1' });
  const b = fixture({ ip: '10.9.0.1' });
  const c = fixture({ ip: '10.9.0.2' });
  const series = (f: Fixture) => [0, 60_000, 300_000, 900_000].flatMap((dt) => {
    f.now = 1_000 + dt;
    return [0x01, 0x03, 0x10, 0x11, 0x30].map((n) => f.send(SE, 0x2d, [n]).data![0]);
  });
  t.same(series(a), series(b));
  t.notSame(series(a), series(c));
  t.end();
});

t.test('thresholds, hysteresis, event enable/status; discrete sensors refuse threshold commands; unknown CBh', (t) => {
  const f = fixture();
  t.same(bytes(f.send(SE, 0x27, [0x03])), [0x38, 0, 0, 0, 88, 95, 100], 'CPU: UNC, UC, UNR readable');
  t.same(bytes(f.send(SE, 0x27, [0x10])), [0x07, 15, 10, 5, 0, 0, 0], 'fan: LNC 900, LC 600, LNR 300 RPM at 60 RPM/count');
  t.same(bytes(f.send(SE, 0x25, [0x03, 0xff])), [2, 2]);
  t.equal(f.send(SE, 0x27, [0x50]).cc, CC.ILLEGAL_FOR_SENSOR_OR_RECORD);
  t.equal(f.send(SE, 0x25, [0x50, 0xff]).cc, CC.ILLEGAL_FOR_SENSOR_OR_RECORD);
  t.equal(f.send(SE, 0x2d, [0x99]).cc, CC.NOT_PRESENT);
  t.equal(f.send(SE, 0x2d, []).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  const enable = bytes(f.send(SE, 0x29, [0x03]));
  t.equal(enable[0], 0xc0);
  t.equal(enable[1] | (enable[2] << 8), (1 << 7) | (1 << 9) | (1 << 11), 'UNC, UC, UNR going-high assertions enabled');
  f.model.sensors.setOverride(0x03, 96);
  const status = bytes(f.send(SE, 0x2b, [0x03]));
  t.equal(status[1] | (status[2] << 8), (1 << 7) | (1 << 9), 'UNC and UC asserted at 96 °C');
  t.equal(bytes(f.send(SE, 0x2d, [0x03]))[2] & 0x3f, 0x18, 'comparison status: at or above UNC and UC');
  t.end();
});

t.test('a template may replace the sensor set; its records follow', (t) => {
  const only = DEFAULT_SENSORS.filter((s) => s.number === 0x01);
  const f = fixture({ hardware: { sensors: [...only], powerSupplies: [] } });
  t.equal(f.model.sdr.count, 2, 'MC locator + one sensor');
  t.equal(f.send(SE, 0x2d, [0x03]).cc, CC.NOT_PRESENT);
  t.end();
});

t.test('no storage or sensor request, however malformed, makes a handler fail (FFh)', (t) => {
  const errors: unknown[] = [];
  const f = fixture({}, { onError: (e) => errors.push(e) });
  let seed = 0x2545f491;
  const next = () => {
    seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
    return (seed >>> 0) & 0xff;
  };
  const commands = f.table.commands.filter((c) => c.netFn === ST || c.netFn === SE);
  t.ok(commands.length >= 18, `${commands.length} storage and sensor commands`);
  for (let i = 0; i < 4000; i++) {
    const spec = commands[next() % commands.length];
    const data = Array.from({ length: next() % 20 }, next);
    const cc = f.send(spec.netFn, spec.cmd, data).cc;
    if (cc === CC.UNSPECIFIED) errors.push(`${spec.name} [${data.join(',')}]`);
  }
  t.same(errors, []);
  t.end();
});
