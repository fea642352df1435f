// A BMC's sensors and SEL through the control API, as ipmi_sim's sensor_set_value and sel_add (control/sensors.ts,
// control/sel.ts): a reading forced on a threshold sensor is scanned at once, so each threshold it crosses is logged
// once, with hysteresis, as a real BMC's scan would (IPMI 2.0 §29.7 event data, §42.1 threshold offsets); entries are
// added to the SEL as Add SEL Entry adds them (§31.6: the BMC assigns the record ID and the timestamp).
import { rawToValue } from '../../../protocols/ipmi/sdr-records.js';
import { BMC_SLAVE_ADDRESS } from '../../../protocols/ipmi/message.js';
import {
  EVM_REV, SEL_RECORD_TYPE_SYSTEM, SensorType, hasTimestamp, isSystemEvent, type SelRecord, type SystemEventRecord,
} from '../../../protocols/ipmi/sel-record.js';
import type { BmcModel } from '../../bmc/model.js';
import {
  SensorUnit, ThresholdBit, readingRange, thresholdRaw, type SensorSpec, type ThresholdSensorSpec, type Thresholds,
} from '../../bmc/sensors.js';
import { ControlError } from '../control-error.js';
import type { SelEntryRequest } from './bmc-requests.js';

/** Unit names as ipmitool prints them (§43.17 Table 43-15). */
const UNIT_NAMES: Record<number, string> = {
  [SensorUnit.DEGREES_C]: 'degrees C', [SensorUnit.VOLTS]: 'Volts', [SensorUnit.AMPS]: 'Amps', [SensorUnit.WATTS]: 'Watts',
  [SensorUnit.RPM]: 'RPM',
};

/** Sensor type names (§42.2 Table 42-3), for people reading the list. */
const TYPE_NAMES = new Map<number, string>(Object.entries(SensorType).map(([name, code]) => [code, name.toLowerCase().replaceAll('_', '-')]));

const THRESHOLD_NAMES: readonly (keyof Thresholds)[] = ['lnr', 'lc', 'lnc', 'unc', 'uc', 'unr'];
const THRESHOLD_BITS: Record<keyof Thresholds, number> = {
  lnc: ThresholdBit.LNC, lc: ThresholdBit.LC, lnr: ThresholdBit.LNR, unc: ThresholdBit.UNC, uc: ThresholdBit.UC, unr: ThresholdBit.UNR,
};

export interface ThresholdSensorView {
  number: number;
  name: string;
  kind: 'threshold';
  sensorType: number;
  type: string;
  unit: string;
  /** The reading in engineering units, as Get Sensor Reading's raw byte converts (§36.3). */
  reading: number;
  raw: number;
  /** Thresholds the reading is at or beyond (none while the sensor is disarmed). */
  asserted: (keyof Thresholds)[];
  /** The readable thresholds, in engineering units as their raw bytes convert. */
  thresholds: Partial<Record<keyof Thresholds, number>>;
  /** Raw counts, both directions. */
  hysteresis: number;
  /** False while the host is off for a sensor armed only with the host on (CPU, fans, main rails): no events then. */
  armed: boolean;
  /** Set through the control API (PUT .../sensors/NAME), not simulated. */
  overridden: boolean;
  /** What the sensor can report: raw 00h to FFh converted. */
  range: { min: number; max: number };
}

export interface DiscreteSensorView {
  number: number;
  name: string;
  kind: 'discrete';
  sensorType: number;
  type: string;
  /** Offsets asserted now (§42.2). */
  states: number[];
}

export type SensorView = ThresholdSensorView | DiscreteSensorView;

/** Every sensor of the BMC, in SDR order, after a sensor scan (so the SEL holds what the readings crossed). */
export function sensorViews(model: BmcModel, now: number): SensorView[] {
  model.sel.scan(now);
  return model.sensors.specs.map((spec) => sensorView(model, spec, now));
}

function sensorView(model: BmcModel, spec: SensorSpec, now: number): SensorView {
  const common = { number: spec.number, name: spec.name, sensorType: spec.sensorType, type: TYPE_NAMES.get(spec.sensorType) ?? 'other' };
  const reading = model.sensors.reading(spec.number, now, model.sel.fillState())!;
  if (spec.kind === 'discrete') {
    const states: number[] = [];
    for (let offset = 0; offset < 15; offset++) if (reading.state & (1 << offset)) states.push(offset);
    return { ...common, kind: 'discrete', states };
  }
  const thresholds: Partial<Record<keyof Thresholds, number>> = {};
  for (const name of THRESHOLD_NAMES) {
    const raw = thresholdRaw(spec, name);
    if (raw !== undefined) thresholds[name] = tidy(rawToValue(spec.conversion, raw));
  }
  return {
    ...common, kind: 'threshold', unit: UNIT_NAMES[spec.unit] ?? 'unspecified', reading: tidy(reading.value), raw: reading.raw,
    asserted: THRESHOLD_NAMES.filter((name) => (reading.state & THRESHOLD_BITS[name]) !== 0), thresholds,
    hysteresis: spec.hysteresis, armed: !spec.hostPowered || model.powerOn, overridden: model.sensors.override(spec.number) !== undefined,
    range: tidyRange(spec),
  };
}

/** An engineering value without binary fraction noise (3.312, not 3.3120000000000003): 6 significant digits. */
function tidy(value: number): number {
  return Number(value.toPrecision(6));
}

function tidyRange(spec: ThresholdSensorSpec): { min: number; max: number } {
  const { min, max } = readingRange(spec);
  return { min: tidy(min), max: tidy(max) };
}

/** The sensor named `name` (the SDR's ID string), or numbered `name` written 0xNN; ControlError 404 / 409 otherwise. */
export function findSensor(model: BmcModel, name: string): SensorSpec {
  const named = model.sensors.specs.filter((s) => s.name === name);
  if (named.length === 1) return named[0];
  if (named.length > 1) {
    throw new ControlError(409, `${named.length} sensors are named "${name}" (${named.map((s) => hex(s.number)).join(', ')}): name one by its number, 0xNN`);
  }
  const byNumber = /^0x[0-9a-f]{1,2}$/i.test(name) ? model.sensors.find(Number(name)) : undefined;
  if (byNumber) return byNumber;
  throw new ControlError(404, `no sensor "${name}" at ${model.ip}; its sensors: ${model.sensors.specs.map((s) => s.name).join(', ')}`);
}

/**
 * Forces `reading` (engineering units) on a threshold sensor, or returns it to the simulation (null), then scans:
 * the answer is the sensor as it reads now and the SEL record IDs the scan logged.
 */
export function setReading(model: BmcModel, name: string, reading: number | null, now: number): ThresholdSensorView & { selEntries: number[] } {
  const spec = findSensor(model, name);
  if (spec.kind !== 'threshold') {
    throw new ControlError(400, `"${spec.name}" is a discrete sensor: its states follow the host (power, restarts, the SEL); only threshold sensors take a reading`);
  }
  if (reading !== null) checkRepresentable(spec, reading);
  model.sensors.setOverride(spec.number, reading);
  const logged = model.sel.scan(now);
  const selEntries = logged === 0 ? [] : model.sel.list().slice(-logged).map((e) => e.recordId); // the scan appends
  return { ...(sensorView(model, spec, now) as ThresholdSensorView), selEntries };
}

/** A reading the sensor's raw byte can carry: within raw 00h-FFh converted, so Get Sensor Reading reports what was set. */
function checkRepresentable(spec: ThresholdSensorSpec, reading: number): void {
  const { min, max } = tidyRange(spec);
  const step = tidy(Math.abs(rawToValue(spec.conversion, 1) - rawToValue(spec.conversion, 0)));
  if (reading < min - step / 2 || reading > max + step / 2) {
    const unit = UNIT_NAMES[spec.unit] ?? '';
    throw new ControlError(400, `reading ${reading} is outside what "${spec.name}" can report: ${min} to ${max} ${unit} (raw 00h-FFh in steps of ${step})`.trimEnd());
  }
}

/** A SEL record as GET /bmcs/IP/sel answers it: a system event whose sensor the BMC's SDR has also carries its name. */
export type SelRecordView = SelRecord & { sensorName?: string };

/** The SEL's entries, oldest first, with its fill state. */
export function selView(model: BmcModel, now: number): { entries: number; capacity: number; overflow: boolean; records: SelRecordView[] } {
  model.sel.scan(now);
  const records = model.sel.list().map((r): SelRecordView => {
    const name = isSystemEvent(r) ? sdrName(model, r) : undefined;
    return name === undefined ? r : { ...r, sensorName: name };
  });
  return { entries: model.sel.count, capacity: model.sel.capacity, overflow: model.sel.overflowed, records };
}

/**
 * The SDR's name for a system event's sensor, as ipmitool's sel elist finds it: the record's generator is the sensor's
 * owner (byte 1, the BMC's slave address 20h for all of this BMC's sensors), with the same sensor number and type.
 * Undefined for an event from elsewhere (system software, another controller) or a sensor the SDR does not have.
 */
function sdrName(model: BmcModel, r: SystemEventRecord): string | undefined {
  if ((r.generatorId & 0xff) !== BMC_SLAVE_ADDRESS) return undefined;
  const spec = model.sensors.find(r.sensorNumber);
  return spec !== undefined && spec.sensorType === r.sensorType ? spec.name : undefined;
}

/** Adds an entry as Add SEL Entry does (the oldest goes when the SEL is full); answers its record ID. */
export function addSelEntry(model: BmcModel, entry: SelEntryRequest, now: number): { recordId: number } {
  return { recordId: model.sel.add(selRecord(model, entry), now) };
}

function selRecord(model: BmcModel, entry: SelEntryRequest): SelRecord {
  if (entry.kind === 'oem') {
    if (!hasTimestamp(entry.recordType)) {
      return { recordId: 0, recordType: entry.recordType, oemData: padded(entry.oemData, 13) };
    }
    return { recordId: 0, recordType: entry.recordType, timestamp: 0, manufacturerId: entry.manufacturerId ?? model.device.manufacturerId, oemData: padded(entry.oemData, 6) };
  }
  let { sensorType, sensorNumber } = entry;
  if (entry.sensor !== null) {
    const spec = findSensor(model, entry.sensor);
    sensorType = spec.sensorType;
    sensorNumber = spec.number;
  }
  return {
    recordId: 0, recordType: SEL_RECORD_TYPE_SYSTEM, timestamp: 0, generatorId: entry.generatorId, evmRev: EVM_REV,
    sensorType: sensorType!, sensorNumber: sensorNumber!, deassertion: entry.deassertion, eventType: entry.eventType, eventData: entry.eventData,
  };
}

/** OEM bytes, zero-filled to the record's length (§32.2: 6 bytes; §32.3: 13). */
function padded(bytes: number[], length: number): number[] {
  return [...bytes, ...new Array<number>(length - bytes.length).fill(0)];
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}
