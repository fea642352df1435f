// A BMC's System Event Log (nodes/bmc-sensors.ts runs it), added to as ipmi_sim's sel_add adds:
//
//   GET  /bmcs/IP/sel    the entries, oldest first, and the SEL's fill state; a system event of one of the BMC's own
//                        sensors carries "sensorName", the SDR's (nodes/bmc-sensors.ts selView)
//   POST /bmcs/IP/sel    one entry (IPMI 2.0 §32), answered {"recordId": N}; the BMC stamps its time (§31.6), and a full
//                        SEL drops its oldest entry as it does for the BMC's own events
//     system event record (§32.1): {"sensor": "CPU1 Temp"} or {"sensorType": 1, "sensorNumber": 3},
//       "eventType": 1 (event/reading type, 01h threshold, 6Fh sensor-specific), "eventData": [1 to 3 bytes] (missing
//       ones FFh, unspecified), "direction": "assertion" (default) or "deassertion", "generatorId": 32 (default: the BMC)
//     OEM record (§32.2, §32.3): {"recordType": 192-255, "oemData": [bytes], "manufacturerId": N (C0h-DFh; default
//       the BMC's)}: 6 bytes for C0h-DFh, 13 for E0h-FFh, zero-filled
import { ControlError } from '../control-error.js';
import type { SelEntryRequest } from '../nodes/bmc-requests.js';
import { BMC_GENERATOR_ID, SEL_OEM_NON_TIMESTAMPED_FIRST, SEL_OEM_TIMESTAMPED_FIRST, SEL_RECORD_TYPE_SYSTEM, UNSPECIFIED } from '../../../protocols/ipmi/sel-record.js';
import { askBmc } from './bmcs.js';
import type { Route } from './route.js';

const SYSTEM_FIELDS = ['recordType', 'sensor', 'sensorType', 'sensorNumber', 'eventType', 'eventData', 'direction', 'generatorId'];
const OEM_FIELDS = ['recordType', 'oemData', 'manufacturerId'];

export const selRoutes: readonly Route[] = [
  { method: 'GET', path: '/bmcs/:ip/sel', answer: (req, fleet) => askBmc(fleet, req.params.ip, { op: 'sel', ip: req.params.ip }) },
  {
    method: 'POST', path: '/bmcs/:ip/sel',
    answer: async (req, fleet) => askBmc(fleet, req.params.ip, { op: 'sel-add', ip: req.params.ip, entry: selEntryBody(await req.body()) }),
  },
];

/** A POST /bmcs/IP/sel body checked field by field; ControlError 400 naming the first field that is wrong. */
export function selEntryBody(b: Record<string, unknown>): SelEntryRequest {
  const recordType = b.recordType === undefined ? SEL_RECORD_TYPE_SYSTEM : whole(b.recordType, 'recordType', 0, 0xff);
  if (recordType >= SEL_OEM_TIMESTAMPED_FIRST) {
    onlyFields(b, OEM_FIELDS, 'an OEM record');
    const timestamped = recordType < SEL_OEM_NON_TIMESTAMPED_FIRST;
    const oemData = bytes(b.oemData, 'oemData', 0, timestamped ? 6 : 13);
    if (!timestamped && b.manufacturerId !== undefined) throw new ControlError(400, 'manufacturerId: records E0h-FFh carry none (§32.3)');
    return { kind: 'oem', recordType, oemData, manufacturerId: b.manufacturerId === undefined ? null : whole(b.manufacturerId, 'manufacturerId', 0, 0xfffff) };
  }
  if (recordType !== SEL_RECORD_TYPE_SYSTEM) throw new ControlError(400, `recordType: 0x${recordType.toString(16)} is reserved; 2 (system event) or 192-255 (OEM)`);
  onlyFields(b, SYSTEM_FIELDS, 'a system event record');
  const named = b.sensor !== undefined;
  if (named === (b.sensorType !== undefined || b.sensorNumber !== undefined)) {
    throw new ControlError(400, 'name the sensor by "sensor" (its SDR name) or by "sensorType" and "sensorNumber", not both');
  }
  if (named && (typeof b.sensor !== 'string' || b.sensor === '')) throw new ControlError(400, 'sensor must be a sensor\'s name');
  if (b.direction !== undefined && b.direction !== 'assertion' && b.direction !== 'deassertion') throw new ControlError(400, 'direction must be "assertion" or "deassertion"');
  if (b.eventType === undefined) throw new ControlError(400, 'eventType is missing: the event/reading type code (1: threshold, 111 (6Fh): sensor-specific)');
  const data = bytes(b.eventData, 'eventData', 1, 3);
  return {
    kind: 'system',
    sensor: named ? b.sensor as string : null,
    sensorType: named ? null : whole(b.sensorType, 'sensorType', 0, 0xff),
    sensorNumber: named ? null : whole(b.sensorNumber, 'sensorNumber', 0, 0xfe), // FFh is reserved (§32.1)
    generatorId: b.generatorId === undefined ? BMC_GENERATOR_ID : whole(b.generatorId, 'generatorId', 0, 0xffff),
    deassertion: b.direction === 'deassertion',
    eventType: whole(b.eventType, 'eventType', 0, 0x7f),
    eventData: [data[0], data[1] ?? UNSPECIFIED, data[2] ?? UNSPECIFIED],
  };
}

function whole(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ControlError(400, `${field} must be a whole number from ${min} to ${max}`);
  return v;
}

function bytes(v: unknown, field: string, min: number, max: number): number[] {
  if (!Array.isArray(v) || v.length < min || v.length > max || v.some((x) => !Number.isInteger(x) || x < 0 || x > 0xff)) {
    throw new ControlError(400, `${field} must be ${min === max ? max : `${min} to ${max}`} bytes (whole numbers 0-255)`);
  }
  return v as number[];
}

function onlyFields(b: Record<string, unknown>, known: readonly string[], what: string): void {
  const extra = Object.keys(b).find((k) => !known.includes(k));
  if (extra !== undefined) throw new ControlError(400, `unknown field "${extra}" for ${what}; its fields: ${known.join(', ')}`);
}
