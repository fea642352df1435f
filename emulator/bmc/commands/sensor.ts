// Sensor commands (netFn 04h) — IPMI 2.0 §35.7, §35.9, §35.11, §35.13, §35.14, on the definitions in
// protocols/ipmi/commands/sensor.ts. Every reading is also a sensor scan: threshold crossings found on the way are
// logged to the SEL.
import {
  GetSensorEventEnable, GetSensorEventStatus, GetSensorHysteresis, GetSensorReading, GetSensorThresholds, type SensorFlags,
} from '../../../protocols/ipmi/commands/sensor.js';
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import { ReadingFlag, ThresholdBit, thresholdRaw, type Sensors, type SensorSpec, type ThresholdSensorSpec } from '../sensors.js';
import { handler, refuse, type Refusal } from './define.js';
import type { CommandSpec } from './types.js';

/** Threshold comparison bit → the "going" offset it asserts (§42.1 Table 42-2), for event status. */
const BIT_TO_OFFSET: ReadonlyArray<[number, number]> = [
  [ThresholdBit.LNC, 0x00], [ThresholdBit.LC, 0x02], [ThresholdBit.LNR, 0x04],
  [ThresholdBit.UNC, 0x07], [ThresholdBit.UC, 0x09], [ThresholdBit.UNR, 0x0b],
];

function flags(readingFlags: number): SensorFlags {
  return {
    eventMessagesEnabled: (readingFlags & ReadingFlag.EVENTS_ENABLED) !== 0,
    scanningEnabled: (readingFlags & ReadingFlag.SCANNING_ENABLED) !== 0,
    unavailable: (readingFlags & ReadingFlag.UNAVAILABLE) !== 0,
  };
}

/** The sensor numbered `n`, or CBh. */
function lookup(sensors: Sensors, n: number): SensorSpec | Refusal {
  return sensors.find(n) ?? refuse(CompletionCode.NOT_PRESENT);
}

/** The threshold sensor numbered `n`, or CBh / CDh (a discrete sensor has no thresholds). */
function thresholdSensor(sensors: Sensors, n: number): ThresholdSensorSpec | Refusal {
  const s = lookup(sensors, n);
  if (!('kind' in s)) return s;
  return s.kind === 'threshold' ? s : refuse(CompletionCode.ILLEGAL_FOR_SENSOR_OR_RECORD);
}

export const sensorCommands: readonly CommandSpec[] = [
  handler(GetSensorHysteresis, (n, ctx) => {
    const s = thresholdSensor(ctx.model.sensors, n);
    return 'kind' in s ? { positiveGoing: s.hysteresis, negativeGoing: s.hysteresis } : s;
  }),
  handler(GetSensorThresholds, (n, ctx) => {
    const s = thresholdSensor(ctx.model.sensors, n);
    if (!('kind' in s)) return s;
    return {
      lnc: thresholdRaw(s, 'lnc'), lc: thresholdRaw(s, 'lc'), lnr: thresholdRaw(s, 'lnr'),
      unc: thresholdRaw(s, 'unc'), uc: thresholdRaw(s, 'uc'), unr: thresholdRaw(s, 'unr'),
    };
  }),
  handler(GetSensorEventEnable, (n, ctx) => {
    const s = lookup(ctx.model.sensors, n);
    if (!('kind' in s)) return s;
    const record = ctx.model.sdr.sensorRecord(s.number);
    return {
      eventMessagesEnabled: true, scanningEnabled: true,
      assertionEvents: record ? record.assertionMask & 0x0fff : 0, deassertionEvents: record ? record.deassertionMask & 0x0fff : 0,
    };
  }),
  handler(GetSensorEventStatus, (n, ctx) => {
    const { sensors, sel } = ctx.model;
    const s = lookup(sensors, n);
    if (!('kind' in s)) return s;
    const reading = sensors.reading(s.number, ctx.now, sel.fillState())!;
    let asserted = 0;
    if (s.kind === 'threshold') {
      for (const [bit, offset] of BIT_TO_OFFSET) if (reading.state & bit) asserted |= 1 << offset;
    } else {
      asserted = reading.state;
    }
    return { ...flags(reading.flags), assertedEvents: asserted, deassertedEvents: 0 };
  }),
  handler(GetSensorReading, (n, ctx) => {
    const { sensors, sel } = ctx.model;
    const s = lookup(sensors, n);
    if (!('kind' in s)) return s;
    sel.scan(ctx.now);
    const r = sensors.reading(s.number, ctx.now, sel.fillState())!;
    if (s.kind === 'threshold') return { kind: 'threshold', raw: r.raw, ...flags(r.flags), thresholds: r.state };
    return { kind: 'discrete', raw: 0, ...flags(r.flags), states: r.state };
  }),
];
