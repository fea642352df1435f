// The sensor command definitions (protocols/ipmi/commands/sensor.ts): the byte layouts of §35.7-35.14, and a client
// built on them reading the emulated BMC's sensors the way `ipmitool sensor list` does.
import t from 'tap';
import type { IpmiCommand } from '../../protocols/ipmi/commands/command.js';
import {
  GetSensorEventEnable, GetSensorEventStatus, GetSensorHysteresis, GetSensorReading, GetSensorThresholds, ThresholdMask,
} from '../../protocols/ipmi/commands/sensor.js';
import { CompletionCode as CC } from '../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../protocols/ipmi/message.js';
import { rawToValue } from '../../protocols/ipmi/sdr-records.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { fixture } from '../helpers/bmc-command-fixture.js';
import { callCommand as call } from '../helpers/bmc-command-fixture.js';


const ON = { eventMessagesEnabled: true, scanningEnabled: true, unavailable: false };

t.test('Get Sensor Reading: a threshold answer is 3 bytes, a discrete one 4 (Table 35-15)', (t) => {
  t.same([...GetSensorReading.encodeRequest(0x30)], [0x30]);
  t.equal(GetSensorReading.decodeRequest(Uint8Array.of(0x30)), 0x30);
  t.match(t.throws(() => GetSensorReading.decodeRequest(Uint8Array.of(0x30, 0x00))), { code: 'ERR_LENGTH' });
  const cases: [number[], object][] = [
    [[0x2d, 0xc0, 0xc0], { kind: 'threshold', raw: 0x2d, ...ON, thresholds: 0 }],
    [[0xf0, 0xc0, 0xd8], { kind: 'threshold', raw: 0xf0, ...ON, thresholds: ThresholdMask.UNC | ThresholdMask.UC }],
    [[0x00, 0xe0, 0xc0], { kind: 'threshold', raw: 0, eventMessagesEnabled: true, scanningEnabled: true, unavailable: true, thresholds: 0 }],
    [[0x00, 0xc0, 0x01, 0x80], { kind: 'discrete', raw: 0, ...ON, states: 0x0001 }],
    [[0x00, 0x40, 0x20, 0x81], { kind: 'discrete', raw: 0, eventMessagesEnabled: false, scanningEnabled: true, unavailable: false, states: 0x0120 }],
  ];
  for (const [bytes, value] of cases) {
    const decoded = GetSensorReading.decodeResponse(Uint8Array.from(bytes), 0);
    t.same(decoded, value, bytes.join(' '));
    t.same([...GetSensorReading.encodeResponse(decoded)], bytes, 're-encodes');
  }
  t.match(t.throws(() => GetSensorReading.decodeResponse(Uint8Array.of(0x2d, 0xc0), 0)), { code: 'ERR_TRUNCATED' });
  t.end();
});

t.test('thresholds, hysteresis, event enables and status: byte layouts', (t) => {
  const thresholds = GetSensorThresholds.decodeResponse(Uint8Array.of(0x38, 0x11, 0x22, 0x33, 0x50, 0x5a, 0x5f), 3);
  t.same(thresholds, { unc: 0x50, uc: 0x5a, unr: 0x5f }, 'only what the mask says is readable');
  t.same([...GetSensorThresholds.encodeResponse(thresholds)], [0x38, 0, 0, 0, 0x50, 0x5a, 0x5f]);
  t.same([...GetSensorThresholds.encodeResponse({ lc: 3, lnc: 8 })], [0x03, 8, 3, 0, 0, 0, 0]);

  t.same([...GetSensorHysteresis.encodeRequest(3)], [0x03, 0xff], 'FFh: reserved hysteresis mask');
  t.equal(GetSensorHysteresis.decodeRequest(Uint8Array.of(0x03, 0xff)), 3);
  t.match(t.throws(() => GetSensorHysteresis.decodeRequest(Uint8Array.of(0x03))), { code: 'ERR_LENGTH' });
  t.same(GetSensorHysteresis.decodeResponse(Uint8Array.of(2, 1), 3), { positiveGoing: 2, negativeGoing: 1 });

  const enable = GetSensorEventEnable.decodeResponse(Uint8Array.of(0xc0, 0x80, 0x0a, 0x80, 0x0a), 3);
  t.same(enable, { eventMessagesEnabled: true, scanningEnabled: true, assertionEvents: 0x0a80, deassertionEvents: 0x0a80 });
  t.same([...GetSensorEventEnable.encodeResponse(enable)], [0xc0, 0x80, 0x0a, 0x80, 0x0a]);
  t.same(GetSensorEventEnable.decodeResponse(Uint8Array.of(0x80), 3), { eventMessagesEnabled: true, scanningEnabled: false, assertionEvents: 0, deassertionEvents: 0 }, 'enable bytes are optional');

  const status = GetSensorEventStatus.decodeResponse(Uint8Array.of(0xc0, 0x80, 0x00, 0x00, 0x00), 3);
  t.same(status, { ...ON, assertedEvents: 1 << 7, deassertedEvents: 0 }, 'upper non-critical going high asserted');
  t.same([...GetSensorEventStatus.encodeResponse(status)], [0xc0, 0x80, 0x00, 0x00, 0x00]);
  for (const def of [GetSensorHysteresis, GetSensorThresholds, GetSensorEventEnable, GetSensorEventStatus, GetSensorReading]) {
    t.match(def, { netFn: NetFn.SENSOR_EVENT, privilege: Privilege.USER }, def.name);
  }
  t.same([GetSensorHysteresis, GetSensorThresholds, GetSensorEventEnable, GetSensorEventStatus, GetSensorReading].map((d) => d.cmd), [0x25, 0x27, 0x29, 0x2b, 0x2d]);
  t.end();
});

t.test('a client reads the emulated BMC\'s sensors with the definitions', (t) => {
  const f = fixture();
  const cpu = f.model.sdr.sensorRecord(0x03);
  if (!cpu || cpu.recordType !== 0x01) throw new Error('CPU1 Temp has a full sensor record');
  const reading = call(f, GetSensorReading, 0x03);
  t.match(reading, { kind: 'threshold', ...ON, thresholds: 0 });
  const celsius = rawToValue(cpu, reading.raw);
  t.ok(celsius > 20 && celsius < 88, `a running CPU reads ${celsius} °C`);
  const thresholds = call(f, GetSensorThresholds, 0x03);
  t.same(Object.keys(thresholds).filter((k) => thresholds[k as keyof typeof thresholds] !== undefined).sort(), ['uc', 'unc', 'unr']);
  t.equal(rawToValue(cpu, thresholds.uc!), 95);
  t.same(call(f, GetSensorHysteresis, 0x03), { positiveGoing: cpu.positiveHysteresis, negativeGoing: cpu.negativeHysteresis }, 'as in its SDR');
  t.match(call(f, GetSensorReading, 0x50), { kind: 'discrete', states: 0x0001 }, 'ACPI State S0/G0 working');
  t.match(call(f, GetSensorEventEnable, 0x50), { assertionEvents: 0x0021, deassertionEvents: 0x0021 });
  const refused = (def: IpmiCommand<number, unknown>, n: number) => f.send(def.netFn, def.cmd, def.encodeRequest(n)).cc;
  t.equal(refused(GetSensorReading, 0x99), CC.NOT_PRESENT);
  t.equal(refused(GetSensorHysteresis, 0x50), CC.ILLEGAL_FOR_SENSOR_OR_RECORD, 'a discrete sensor has no hysteresis');
  t.equal(refused(GetSensorThresholds, 0x50), CC.ILLEGAL_FOR_SENSOR_OR_RECORD);
  t.end();
});
