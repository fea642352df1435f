// Sensor commands (netFn 04h) — IPMI 2.0 §35.7 Get Sensor Hysteresis (25h), §35.9 Get Sensor Thresholds (27h),
// §35.11 Get Sensor Event Enable (29h), §35.13 Get Sensor Event Status (2Bh), §35.14 Get Sensor Reading (2Dh).
// Every reading is also a sensor scan: threshold crossings found on the way are logged to the SEL.
import { CompletionCode } from '../../../protocols/ipmi/completion-codes.js';
import { NetFn } from '../../../protocols/ipmi/message.js';
import { Privilege } from '../../../protocols/ipmi/users.js';
import type { BmcModel } from '../model.js';
import { ThresholdBit, readableMask, thresholdRaw, type SensorSpec, type ThresholdSensorSpec } from '../sensors.js';
import { expectLength, fail, ok, u16le } from './request-data.js';
import type { CommandResult, CommandSpec } from './types.js';

export const SensorCommand = {
  GET_SENSOR_HYSTERESIS: 0x25,
  GET_SENSOR_THRESHOLDS: 0x27,
  GET_SENSOR_EVENT_ENABLE: 0x29,
  GET_SENSOR_EVENT_STATUS: 0x2b,
  GET_SENSOR_READING: 0x2d,
} as const;

/** Threshold comparison bit → the "going" offset it asserts (§42.1 Table 42-2), for event status. */
const BIT_TO_OFFSET: ReadonlyArray<[number, number]> = [
  [ThresholdBit.LNC, 0x00], [ThresholdBit.LC, 0x02], [ThresholdBit.LNR, 0x04],
  [ThresholdBit.UNC, 0x07], [ThresholdBit.UC, 0x09], [ThresholdBit.UNR, 0x0b],
];

export function sensorCommands(model: BmcModel): CommandSpec[] {
  const N = NetFn.SENSOR_EVENT;
  const { sensors, sel } = model;

  /** The sensor a request's first byte names, or the completion code to answer with. */
  function lookup(data: Uint8Array, min: number, max: number, what: string): SensorSpec | CommandResult {
    expectLength(data, min, max, what);
    return sensors.find(data[0]) ?? fail(CompletionCode.NOT_PRESENT);
  }

  function thresholdOnly(found: SensorSpec | CommandResult): ThresholdSensorSpec | CommandResult {
    if (!('kind' in found)) return found;
    return found.kind === 'threshold' ? found : fail(CompletionCode.ILLEGAL_FOR_SENSOR_OR_RECORD);
  }

  const selContext = () => ({ selFull: sel.overflowed, selAlmostFull: sel.count >= sel.capacity * 0.75 });

  return [
    {
      // data: sensor number, reserved (FFh) → positive-going, negative-going hysteresis (raw counts)
      netFn: N, cmd: SensorCommand.GET_SENSOR_HYSTERESIS, name: 'Get Sensor Hysteresis', privilege: Privilege.USER,
      handle: (req) => {
        const s = thresholdOnly(lookup(req.data, 2, 2, 'get sensor hysteresis'));
        if (!('kind' in s)) return s;
        return ok(Buffer.from([s.hysteresis, s.hysteresis]));
      },
    },
    {
      // data: sensor number → readable mask, LNC, LC, LNR, UNC, UC, UNR (raw)
      netFn: N, cmd: SensorCommand.GET_SENSOR_THRESHOLDS, name: 'Get Sensor Thresholds', privilege: Privilege.USER,
      handle: (req) => {
        const s = thresholdOnly(lookup(req.data, 1, 1, 'get sensor thresholds'));
        if (!('kind' in s)) return s;
        const raw = (name: 'lnc' | 'lc' | 'lnr' | 'unc' | 'uc' | 'unr') => thresholdRaw(s, name) ?? 0;
        return ok(Buffer.from([readableMask(s), raw('lnc'), raw('lc'), raw('lnr'), raw('unc'), raw('uc'), raw('unr')]));
      },
    },
    {
      // data: sensor number → [7] event messages enabled, [6] scanning enabled; assertion and deassertion enables
      netFn: N, cmd: SensorCommand.GET_SENSOR_EVENT_ENABLE, name: 'Get Sensor Event Enable', privilege: Privilege.USER,
      handle: (req) => {
        const s = lookup(req.data, 1, 1, 'get sensor event enable');
        if (!('kind' in s)) return s;
        const record = model.sdr.sensorRecord(s.number);
        const assertion = record ? record.assertionMask & 0x0fff : 0;
        const deassertion = record ? record.deassertionMask & 0x0fff : 0;
        return ok(Buffer.from([0xc0, ...u16le(assertion), ...u16le(deassertion)]));
      },
    },
    {
      // data: sensor number → flags, assertion event status (2), deassertion event status (2)
      netFn: N, cmd: SensorCommand.GET_SENSOR_EVENT_STATUS, name: 'Get Sensor Event Status', privilege: Privilege.USER,
      handle: (req, ctx) => {
        const s = lookup(req.data, 1, 1, 'get sensor event status');
        if (!('kind' in s)) return s;
        const reading = sensors.reading(s.number, ctx.now, selContext())!;
        let asserted = 0;
        if (s.kind === 'threshold') {
          for (const [bit, offset] of BIT_TO_OFFSET) if (reading.state & bit) asserted |= 1 << offset;
        } else {
          asserted = reading.state;
        }
        return ok(Buffer.from([reading.flags, ...u16le(asserted), 0, 0]));
      },
    },
    {
      // data: sensor number → reading, flags, threshold status (threshold) / state bits 0-7, 8-14 (discrete)
      netFn: N, cmd: SensorCommand.GET_SENSOR_READING, name: 'Get Sensor Reading', privilege: Privilege.USER,
      handle: (req, ctx) => {
        const s = lookup(req.data, 1, 1, 'get sensor reading');
        if (!('kind' in s)) return s;
        sel.scan(ctx.now);
        const r = sensors.reading(s.number, ctx.now, selContext())!;
        if (s.kind === 'threshold') return ok(Buffer.from([r.raw, r.flags, 0xc0 | r.state])); // [7:6] returned as 1b
        return ok(Buffer.from([0, r.flags, r.state & 0xff, 0x80 | ((r.state >> 8) & 0x7f)]));
      },
    },
  ];
}
