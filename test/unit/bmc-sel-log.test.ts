// SEL commands (IPMI 2.0 §31) and the BMC's event logging: power, reset, identify, threshold crossings, clear.
import t from 'tap';
import { CompletionCode as CC } from '../../protocols/ipmi/completion-codes.js';
import { GetSelInfo } from '../../protocols/ipmi/commands/sel.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { decode, encode, type SelRecord, type SystemEventRecord } from '../../protocols/ipmi/sel-record.js';
import { SystemEventLog } from '../../emulator/bmc/sel.js';
import { bytes, fixture, type Fixture } from '../helpers/bmc-command-fixture.js';

const ST = NetFn.STORAGE;
const CH = NetFn.CHASSIS;

function u16(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8);
}

/** ipmitool's `sel list` walk: Get SEL Entry from 0000h, whole records, no reservation, until FFFFh. */
function list(f: Fixture): SelRecord[] {
  const out: SelRecord[] = [];
  for (let id = 0, guard = 0; id !== 0xffff && guard < 5000; guard++) {
    const r = f.send(ST, 0x43, [0, 0, id & 0xff, id >> 8, 0, 0xff]);
    if (r.cc !== CC.OK) break;
    out.push(decode(r.data!.subarray(2)));
    id = u16(r.data!, 0);
  }
  return out;
}

function reserve(f: Fixture): number {
  return u16(f.send(ST, 0x42).data!, 0);
}

const describe = (r: SelRecord) => {
  if (!('sensorType' in r)) return `oem ${r.recordType.toString(16)}`;
  return `${r.sensorType.toString(16)}/${r.sensorNumber.toString(16)}/${r.eventData[0].toString(16)}${r.deassertion ? '-' : '+'}`;
};

t.test('an empty SEL: Get SEL Info and Get SEL Entry', (t) => {
  const f = fixture();
  const info = bytes(f.send(ST, 0x40));
  t.equal(info.length, 14, 'ipmitool insists on 14 bytes');
  t.equal(info[0], 0x51);
  t.equal(u16(Buffer.from(info), 1), 0, 'no entries');
  t.equal(u16(Buffer.from(info), 3), 512 * 16, 'free space in bytes');
  t.same(info.slice(5, 13), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 'no addition or erase yet');
  t.equal(info[13], 0x0a, 'delete and reserve supported');
  t.equal(f.send(ST, 0x43, [0, 0, 0, 0, 0, 0xff]).cc, CC.NOT_PRESENT);
  t.end();
});

t.test('power, reset, NMI and identify changes are logged as the spec\'s sensor events', (t) => {
  const f = fixture();
  f.send(CH, 0x02, [0x00]); // off
  f.send(CH, 0x02, [0x01]); // on
  f.send(CH, 0x02, [0x02]); // cycle
  f.send(CH, 0x02, [0x03]); // hard reset
  f.send(CH, 0x02, [0x04]); // diagnostic interrupt
  f.send(CH, 0x04, [0, 1]); // identify forced on
  const entries = list(f);
  t.same(entries.map(describe), ['9/51/0+', '9/51/0-', '9/51/1+', '1d/52/1+', '13/54/0+', 'oem c0']);
  const off = entries[0] as SystemEventRecord;
  t.match(off, { recordType: 0x02, generatorId: 0x20, evmRev: 0x04, eventType: 0x6f, eventData: [0x00, 0xff, 0xff] });
  t.same((entries[5] as { oemData: number[] }).oemData, [0x49, 0x44, 2, 0, 0, 0], 'identify: "ID", forced on');
  t.equal(new Set(entries.map((e) => e.recordId)).size, entries.length, 'distinct record IDs');
  t.end();
});

t.test('timestamps come from the SEL clock; Set SEL Time moves it', (t) => {
  const f = fixture();
  f.now = 5_000;
  const set = Buffer.alloc(4);
  set.writeUInt32LE(1_750_000_000);
  t.equal(f.send(ST, 0x49, [...set]).cc, CC.OK);
  f.now = 65_000;
  t.same(bytes(f.send(ST, 0x48)), [...(() => { const b = Buffer.alloc(4); b.writeUInt32LE(1_750_000_060); return b; })()]);
  f.send(CH, 0x02, [0x00]);
  t.equal((list(f)[0] as SystemEventRecord).timestamp, 1_750_000_060);
  const info = Buffer.from(bytes(f.send(ST, 0x40)));
  t.equal(info.readUInt32LE(5), 1_750_000_060, 'last addition');
  t.end();
});

t.test('Clear SEL needs the reservation and "CLR"; afterwards only the clear event remains', (t) => {
  const f = fixture();
  f.send(CH, 0x02, [0x00]);
  f.send(CH, 0x02, [0x01]);
  t.equal(list(f).length, 2);
  const r = reserve(f);
  t.not(r, 0, 'reservation IDs are never 0 (ipmitool treats 0 as failure)');
  t.equal(f.send(ST, 0x47, [r & 0xff, r >> 8, 0x43, 0x4c, 0x52, 0xaa]).cc === CC.OK, true);
  const after = list(f);
  t.same(after.map(describe), ['10/53/2+'], 'Event Logging Disabled: log area reset/cleared');
  t.same(bytes(f.send(ST, 0x47, [r & 0xff, r >> 8, 0x43, 0x4c, 0x52, 0x00])), [0x01], 'status poll: erase completed');
  t.equal(f.send(ST, 0x47, [r & 0xff, r >> 8, 0x43, 0x4c, 0x58, 0xaa]).cc, CC.INVALID_DATA_FIELD, 'not CLR');
  t.equal(f.send(ST, 0x47, [r & 0xff, r >> 8, 0x43, 0x4c, 0x52, 0x55]).cc, CC.INVALID_DATA_FIELD, 'unknown action');
  const newer = reserve(f);
  t.equal(f.send(ST, 0x47, [r & 0xff, r >> 8, 0x43, 0x4c, 0x52, 0xaa]).cc, CC.RESERVATION_CANCELLED, 'stale reservation');
  t.equal(f.send(ST, 0x47, [0, 0, 0x43, 0x4c, 0x52, 0xaa]).cc, CC.RESERVATION_CANCELLED, 'no reservation');
  t.equal(list(f).length, 1, 'nothing cleared by the refused requests');
  t.not(newer, r);
  const info = Buffer.from(bytes(f.send(ST, 0x40)));
  t.not(info.readUInt32LE(9), 0xffffffff, 'last erase time set');
  t.equal(f.send(ST, 0x47, [0, 0, 0x43]).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.end();
});

t.test('Add, partial Get and Delete SEL Entry', (t) => {
  const f = fixture();
  const record: SystemEventRecord = {
    recordId: 0xbeef, recordType: 0x02, timestamp: 0, generatorId: 0x0041, evmRev: 0x04, sensorType: 0x0c, sensorNumber: 0x60,
    deassertion: false, eventType: 0x6f, eventData: [0x01, 0xff, 0xff],
  };
  const added = f.send(ST, 0x44, [...encode(record)]);
  t.equal(added.cc, CC.OK);
  const id = u16(added.data!, 0);
  t.not(id, 0xbeef, 'the BMC assigns the ID');
  const r = reserve(f);
  const part = f.send(ST, 0x43, [r & 0xff, r >> 8, id & 0xff, id >> 8, 10, 6]);
  t.same(bytes(part).slice(2), [0x0c, 0x60, 0x6f, 0x01, 0xff, 0xff], 'bytes 11-16');
  t.equal(f.send(ST, 0x43, [0, 0, id & 0xff, id >> 8, 10, 6]).cc, CC.RESERVATION_CANCELLED, 'partial read needs a reservation');
  t.equal(f.send(ST, 0x43, [r & 0xff, r >> 8, id & 0xff, id >> 8, 16, 1]).cc, CC.PARAMETER_OUT_OF_RANGE);
  t.equal(f.send(ST, 0x44, [1, 2, 3]).cc, CC.REQUEST_DATA_LENGTH_INVALID);
  t.equal(f.send(ST, 0x44, [0, 0, 0x10, ...new Array(13).fill(0)]).cc, CC.INVALID_DATA_FIELD, 'reserved record type');
  t.equal(f.send(ST, 0x46, [r & 0xff, r >> 8, 0x34, 0x12]).cc, CC.NOT_PRESENT);
  t.same(bytes(f.send(ST, 0x46, [r & 0xff, r >> 8, id & 0xff, id >> 8])), [id & 0xff, id >> 8]);
  t.equal(list(f).length, 0);
  t.end();
});

t.test('threshold crossings found by the sensor scan are logged, with reading and threshold, then deasserted', (t) => {
  const f = fixture();
  f.model.sensors.setOverride(0x03, 97); // CPU1 past UNC 88 and UC 95
  f.send(NetFn.SENSOR_EVENT, 0x2d, [0x03]);
  f.model.sensors.setOverride(0x03, 97);
  f.send(NetFn.SENSOR_EVENT, 0x2d, [0x03]);
  let entries = list(f) as SystemEventRecord[];
  t.same(entries.map(describe), ['1/3/57+', '1/3/59+'], 'UNC then UC going high, once each');
  t.same(entries[1].eventData, [0x59, 97, 95], 'trigger reading and threshold in data 2 and 3');
  f.model.sensors.setOverride(0x03, 94); // within UC hysteresis (2): still asserted
  f.send(ST, 0x40);
  t.equal(list(f).length, 2);
  f.model.sensors.setOverride(0x03, 50);
  f.send(ST, 0x40);
  entries = list(f) as SystemEventRecord[];
  t.same(entries.slice(2).map(describe), ['1/3/57-', '1/3/59-'], 'both deasserted');
  f.model.sensors.setOverride(0x10, 0); // a dead fan while the host runs
  f.send(ST, 0x40);
  t.same((list(f) as SystemEventRecord[]).slice(4).map(describe), ['4/10/50+', '4/10/52+', '4/10/54+'], 'LNC, LC, LNR going low');
  t.end();
});

t.test('a healthy host logs no threshold event over a simulated day, whatever the BMC', (t) => {
  for (const ip of ['10.0.0.1', '10.0.0.2', '172.16.5.77']) {
    const f = fixture({ ip });
    let logged = 0;
    for (let now = 0; now < 86_400_000; now += 10_000) logged += f.model.sel.scan(now);
    t.equal(logged, 0, ip);
  }
  t.end();
});

t.test('an override ends with null: the modelled reading returns and the event deasserts', (t) => {
  const f = fixture();
  f.model.sensors.setOverride(0x30, 900); // power past UNC 760 and UC 840 W
  f.model.sel.scan(f.now);
  f.model.sensors.setOverride(0x30, null);
  f.model.sel.scan(f.now);
  t.same(list(f).map(describe), ['3/30/57+', '3/30/59+', '3/30/57-', '3/30/59-']);
  t.end();
});

t.test('host-powered sensors are disarmed with the host off: stopped fans log nothing', (t) => {
  const f = fixture();
  f.send(CH, 0x02, [0x00]);
  f.now += 60_000;
  f.send(ST, 0x40);
  t.same(list(f).map(describe), ['9/51/0+'], 'only the power-off event');
  t.end();
});

t.test('the log is bounded: the oldest entries go and the overflow flag is set', (t) => {
  const sel = new SystemEventLog({ capacity: 3 });
  for (let i = 0; i < 5; i++) sel.logSystemEvent(0x09, 0x51, 0x6f, [0, 0xff, 0xff], false, i * 1000);
  t.equal(sel.count, 3);
  t.same(sel.list().map((e) => e.recordId), [3, 4, 5]);
  const info = Buffer.from(GetSelInfo.encodeResponse(sel.info()));
  t.equal(info[13] & 0x80, 0x80, 'overflow');
  t.equal(info.readUInt16LE(3), 0, 'no free space');
  t.throws(() => new SystemEventLog({ capacity: 5000 }), RangeError, 'free space must fit 16 bits');
  t.end();
});

t.test('the SEL is plain data: it survives JSON and continues numbering', (t) => {
  const f = fixture();
  f.send(CH, 0x02, [0x00]);
  f.send(CH, 0x04, [5]);
  const saved = JSON.parse(JSON.stringify(f.model.sel.toJSON()));
  const restored = new SystemEventLog({ state: saved });
  t.same(restored.list(), f.model.sel.list());
  t.same(restored.info(), f.model.sel.info());
  t.equal(restored.add({ recordId: 0, recordType: 0xe0, oemData: new Array(13).fill(0) }, 0), 3, 'next ID after the restored ones');
  t.end();
});
