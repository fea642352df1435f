// The host's sensors as the BMC reads them — IPMI 2.0 §35.14 Get Sensor Reading (Table 35-15), §36.3 reading
// conversion, §42.1 threshold event offsets, §43.1 full / §43.2 compact sensor records. Readings are pure
// functions of the BMC's identity, the host power state and `now`: no timers, no randomness.
import {
  AnalogFormat, EventReadingType, SdrRecordType, rawToValue, valueToRaw,
  type CompactSensorRecord, type FullSensorRecord,
} from '../../protocols/ipmi/sdr-records.js';
import { SensorType, ThresholdOffset } from '../../protocols/ipmi/sel-record.js';
import { fnv1a } from '../host/host-identity.js';

/** Sensor unit type codes (§43.17 Table 43-15). */
export const SensorUnit = { DEGREES_C: 1, VOLTS: 4, AMPS: 5, WATTS: 6, RPM: 18 } as const;

/** Entity ID codes (§43.14 Table 43-13). */
export const EntityId = {
  PROCESSOR: 0x03, SYSTEM_BOARD: 0x07, MEMORY_MODULE: 0x08, POWER_SUPPLY: 0x0a, POWER_UNIT: 0x13,
  SYSTEM_CHASSIS: 0x17, FAN: 0x1d, MEMORY_DEVICE: 0x20, SYSTEM_FIRMWARE: 0x22, BATTERY: 0x28, AIR_INLET: 0x37,
  MANAGEMENT_CONTROLLER: 0x06,
} as const;

/** What a discrete sensor reports; the BMC derives its state from the host and the SEL. */
export type DiscreteRole = 'acpi-state' | 'power-unit' | 'system-restart' | 'event-log' | 'critical-interrupt';

/** Engineering-unit thresholds; absent ones are not readable. */
export interface Thresholds { lnr?: number; lc?: number; lnc?: number; unc?: number; uc?: number; unr?: number }

/** Linear conversion y = (M*x + B*10^bExp) * 10^rExp (§36.3). */
export interface Conversion { m: number; b: number; bExp: number; rExp: number }

export interface ThresholdSensorSpec {
  kind: 'threshold';
  number: number;
  name: string;
  sensorType: number;
  entityId: number;
  entityInstance: number;
  unit: number;
  conversion: Conversion;
  thresholds: Thresholds;
  /** Hysteresis in raw counts, both directions. */
  hysteresis: number;
  /** Reading with the host on at no load. */
  nominal: number;
  /** Added at full load; the load follows a slow, per-BMC wave. */
  load: number;
  /** Reading with the host off (ambient temperature, stopped fan, dead rail, standby power). */
  standby: number;
  /** Peak noise, engineering units. */
  jitter: number;
  /** Thresholds are armed only while the host is on (CPU, fans, main rails). */
  hostPowered: boolean;
}

export interface DiscreteSensorSpec {
  kind: 'discrete';
  number: number;
  name: string;
  sensorType: number;
  entityId: number;
  entityInstance: number;
  role: DiscreteRole;
  /** Event offsets the sensor may assert (bit n = offset n). */
  states: number;
}

export type SensorSpec = ThresholdSensorSpec | DiscreteSensorSpec;

const temp = (number: number, name: string, entityId: number, entityInstance: number, nominal: number, load: number,
  standby: number, thresholds: Thresholds, hostPowered: boolean): ThresholdSensorSpec => ({
  kind: 'threshold', number, name, sensorType: SensorType.TEMPERATURE, entityId, entityInstance, unit: SensorUnit.DEGREES_C,
  conversion: { m: 1, b: 0, bExp: 0, rExp: 0 }, thresholds, hysteresis: 2, nominal, load, standby, jitter: 0.8, hostPowered,
});

const fan = (n: number): ThresholdSensorSpec => ({
  kind: 'threshold', number: 0x10 + n - 1, name: `Fan${n}`, sensorType: SensorType.FAN, entityId: EntityId.FAN, entityInstance: n,
  unit: SensorUnit.RPM, conversion: { m: 60, b: 0, bExp: 0, rExp: 0 }, thresholds: { lnr: 300, lc: 600, lnc: 900 },
  hysteresis: 2, nominal: 5400 + 120 * n, load: 3600, standby: 0, jitter: 90, hostPowered: true,
});

const volts = (number: number, name: string, nominal: number, m: number, standby: number, hostPowered: boolean): ThresholdSensorSpec => ({
  kind: 'threshold', number, name, sensorType: SensorType.VOLTAGE, entityId: name === 'VBAT' ? EntityId.BATTERY : EntityId.SYSTEM_BOARD,
  entityInstance: 1, unit: SensorUnit.VOLTS, conversion: { m, b: 0, bExp: 0, rExp: -3 },
  thresholds: { lc: nominal * 0.9, lnc: nominal * 0.95, unc: nominal * 1.05, uc: nominal * 1.1 },
  hysteresis: 1, nominal, load: -nominal * 0.004, standby, jitter: nominal * 0.003, hostPowered,
});

const discrete = (number: number, name: string, sensorType: number, entityId: number, role: DiscreteRole, states: number): DiscreteSensorSpec => ({
  kind: 'discrete', number, name, sensorType, entityId, entityInstance: 1, role, states,
});

/** A two-socket 1U server: temperatures, six fans, rails, input power and the discrete system sensors. */
export const DEFAULT_SENSORS: readonly SensorSpec[] = [
  temp(0x01, 'Inlet Temp', EntityId.AIR_INLET, 1, 23, 1.5, 22, { lc: 3, lnc: 8, unc: 40, uc: 45 }, false),
  temp(0x02, 'Exhaust Temp', EntityId.SYSTEM_BOARD, 1, 33, 9, 23, { lc: 3, lnc: 8, unc: 70, uc: 75 }, false),
  temp(0x03, 'CPU1 Temp', EntityId.PROCESSOR, 1, 46, 22, 23, { unc: 88, uc: 95, unr: 100 }, true),
  temp(0x04, 'CPU2 Temp', EntityId.PROCESSOR, 2, 44, 22, 23, { unc: 88, uc: 95, unr: 100 }, true),
  temp(0x05, 'DIMM Temp', EntityId.MEMORY_DEVICE, 1, 36, 8, 22, { unc: 80, uc: 85 }, true),
  ...[1, 2, 3, 4, 5, 6].map(fan),
  volts(0x20, '12V', 12.06, 60, 0, true),
  volts(0x21, '5V', 5.04, 25, 0, true),
  volts(0x22, '3.3V', 3.31, 16, 0, true),
  volts(0x23, '3.3VSB', 3.29, 16, 3.29, false),
  volts(0x24, 'VBAT', 3.04, 16, 3.04, false),
  {
    kind: 'threshold', number: 0x30, name: 'Pwr Consumption', sensorType: SensorType.CURRENT, entityId: EntityId.POWER_SUPPLY,
    entityInstance: 1, unit: SensorUnit.WATTS, conversion: { m: 4, b: 0, bExp: 0, rExp: 0 }, thresholds: { unc: 760, uc: 840 },
    hysteresis: 2, nominal: 176, load: 190, standby: 12, jitter: 6, hostPowered: false,
  },
  discrete(0x50, 'ACPI State', SensorType.SYSTEM_ACPI_POWER_STATE, EntityId.SYSTEM_BOARD, 'acpi-state', 0x0021),
  discrete(0x51, 'Host Power', SensorType.POWER_UNIT, EntityId.POWER_UNIT, 'power-unit', 0x0003),
  discrete(0x52, 'Sys Restart', SensorType.SYSTEM_BOOT_INITIATED, EntityId.SYSTEM_FIRMWARE, 'system-restart', 0x0007),
  discrete(0x53, 'Event Log', SensorType.EVENT_LOGGING_DISABLED, EntityId.SYSTEM_BOARD, 'event-log', 0x0034),
  discrete(0x54, 'Diag NMI', SensorType.CRITICAL_INTERRUPT, EntityId.SYSTEM_BOARD, 'critical-interrupt', 0x0001),
];

/** Threshold comparison status bits (Table 35-15 byte 4) and readable-threshold mask bits (§43.1 byte 19). */
export const ThresholdBit = { LNC: 0x01, LC: 0x02, LNR: 0x04, UNC: 0x08, UC: 0x10, UNR: 0x20 } as const;

/** Get Sensor Reading byte 3 (Table 35-15). */
export const ReadingFlag = { EVENTS_ENABLED: 0x80, SCANNING_ENABLED: 0x40, UNAVAILABLE: 0x20 } as const;

interface ThresholdDef { name: keyof Thresholds; bit: number; upper: boolean; offset: number }

/** Order matters: milder thresholds first, so a jump past several asserts them in rising severity. */
const THRESHOLD_DEFS: readonly ThresholdDef[] = [
  { name: 'unc', bit: ThresholdBit.UNC, upper: true, offset: ThresholdOffset.UNC_HIGH },
  { name: 'uc', bit: ThresholdBit.UC, upper: true, offset: ThresholdOffset.UC_HIGH },
  { name: 'unr', bit: ThresholdBit.UNR, upper: true, offset: ThresholdOffset.UNR_HIGH },
  { name: 'lnc', bit: ThresholdBit.LNC, upper: false, offset: ThresholdOffset.LNC_LOW },
  { name: 'lc', bit: ThresholdBit.LC, upper: false, offset: ThresholdOffset.LC_LOW },
  { name: 'lnr', bit: ThresholdBit.LNR, upper: false, offset: ThresholdOffset.LNR_LOW },
];

export interface SensorReading {
  raw: number;
  /** Engineering value of `raw`. */
  value: number;
  flags: number;
  /** Threshold sensors: comparison bits; discrete sensors: asserted states 0-14. */
  state: number;
}

export interface ThresholdCrossing {
  sensor: ThresholdSensorSpec;
  offset: number;
  assertion: boolean;
  raw: number;
  thresholdRaw: number;
}

/** Context a discrete sensor needs besides power: the SEL's fill state. */
export interface DiscreteContext { selFull: boolean; selAlmostFull: boolean }

const NOISE_WINDOW_MS = 10_000;
const LOAD_PERIOD_MS = 20 * 60_000;


/** A well-mixed 32-bit value from two inputs (murmur3 finaliser). */
function mix(a: number, b: number): number {
  let h = (a ^ Math.imul(b, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export function thresholdRaw(spec: ThresholdSensorSpec, name: keyof Thresholds): number | undefined {
  const v = spec.thresholds[name];
  return v === undefined ? undefined : valueToRaw(spec.conversion, v);
}

/** Readable thresholds as Get Sensor Thresholds / SDR byte 19 mask bits. */
export function readableMask(spec: ThresholdSensorSpec): number {
  let mask = 0;
  for (const d of THRESHOLD_DEFS) if (spec.thresholds[d.name] !== undefined) mask |= d.bit;
  return mask;
}

/** The engineering values a threshold sensor can report: its conversion of raw 00h to FFh (§36.3, unsigned analog). */
export function readingRange(spec: ThresholdSensorSpec): { min: number; max: number } {
  const low = rawToValue(spec.conversion, 0);
  const high = rawToValue(spec.conversion, 0xff);
  return { min: Math.min(low, high), max: Math.max(low, high) };
}

export class Sensors {
  readonly specs: readonly SensorSpec[];
  private readonly seed: number;
  private readonly phase: number;
  private readonly powered: () => boolean;
  private readonly overrides = new Map<number, number>();
  /** Per threshold sensor: the bits asserted at the last poll. */
  private readonly asserted = new Map<number, number>();

  /** `powered` tells whether the host is on now (the chassis state). */
  constructor(specs: readonly SensorSpec[], identity: string, powered: () => boolean) {
    const numbers = new Set<number>();
    for (const s of specs) {
      if (!Number.isInteger(s.number) || s.number < 0 || s.number > 0xfe) throw new RangeError(`sensor number ${s.number} is not 0..254`);
      if (numbers.has(s.number)) throw new Error(`two sensors numbered 0x${s.number.toString(16)}`);
      numbers.add(s.number);
    }
    this.specs = specs;
    this.seed = fnv1a(`bmcfleet sensors ${identity}`);
    this.phase = (mix(this.seed, 0xfeed) / 2 ** 32) * 2 * Math.PI;
    this.powered = powered;
  }

  find(number: number): SensorSpec | undefined {
    return this.specs.find((s) => s.number === number);
  }

  /** Forces a threshold sensor's value (fault injection); null returns it to the model. */
  setOverride(number: number, value: number | null): void {
    if (value === null) this.overrides.delete(number);
    else this.overrides.set(number, value);
  }

  /** The value forced on sensor `number`, undefined when it follows the model. */
  override(number: number): number | undefined {
    return this.overrides.get(number);
  }

  /** Every forced value, by sensor number. */
  overridden(): [number, number][] {
    return [...this.overrides];
  }

  /** Host load in [0, 1]: a slow wave, shifted per BMC. */
  load(now: number): number {
    return 0.5 + 0.5 * Math.sin((2 * Math.PI * now) / LOAD_PERIOD_MS + this.phase);
  }

  /** Noise in [-1, 1], constant over each 10 s window, distinct per sensor and BMC. */
  private noise(number: number, now: number): number {
    return (mix(mix(this.seed, number), Math.floor(now / NOISE_WINDOW_MS)) / 2 ** 32) * 2 - 1;
  }

  /** Engineering value of a threshold sensor at `now`. */
  value(spec: ThresholdSensorSpec, now: number): number {
    const forced = this.overrides.get(spec.number);
    if (forced !== undefined) return forced;
    const noise = this.noise(spec.number, now);
    if (!this.powered()) return Math.max(0, spec.standby + (spec.standby === 0 ? 0 : noise * spec.jitter * 0.3));
    return Math.max(0, spec.nominal + spec.load * this.load(now) + noise * spec.jitter);
  }

  private armed(spec: ThresholdSensorSpec): boolean {
    return !spec.hostPowered || this.powered();
  }

  /** Threshold comparison bits for a raw reading (at or beyond each threshold). */
  compare(spec: ThresholdSensorSpec, raw: number): number {
    if (!this.armed(spec)) return 0;
    let bits = 0;
    for (const d of THRESHOLD_DEFS) {
      const t = thresholdRaw(spec, d.name);
      if (t !== undefined && (d.upper ? raw >= t : raw <= t)) bits |= d.bit;
    }
    return bits;
  }

  private discreteState(spec: DiscreteSensorSpec, ctx: DiscreteContext): number {
    switch (spec.role) {
      case 'acpi-state': return this.powered() ? 0x0001 : 0x0020; // offset 00h S0/G0 working, 05h S5/G2 soft-off
      case 'power-unit': return this.powered() ? 0 : 0x0001; // offset 00h power off / power down
      case 'event-log': return (ctx.selFull ? 0x0010 : 0) | (ctx.selAlmostFull ? 0x0020 : 0); // 04h SEL full, 05h almost full
      default: return 0;
    }
  }

  reading(number: number, now: number, ctx: DiscreteContext = { selFull: false, selAlmostFull: false }): SensorReading | undefined {
    const spec = this.find(number);
    if (!spec) return undefined;
    const flags = ReadingFlag.EVENTS_ENABLED | ReadingFlag.SCANNING_ENABLED;
    if (spec.kind === 'discrete') return { raw: 0, value: 0, flags, state: this.discreteState(spec, ctx) };
    const raw = valueToRaw(spec.conversion, this.value(spec, now));
    return { raw, value: rawToValue(spec.conversion, raw), flags, state: this.compare(spec, raw) };
  }

  /**
   * Compares every armed threshold sensor with its state at the last poll: newly crossed thresholds assert, and
   * ones the reading has left by more than the hysteresis deassert (§36.4). The BMC's sensor scan, run on demand.
   */
  poll(now: number): ThresholdCrossing[] {
    const out: ThresholdCrossing[] = [];
    for (const spec of this.specs) {
      if (spec.kind !== 'threshold') continue;
      if (!this.armed(spec)) {
        this.asserted.delete(spec.number); // disarmed silently while the host is off
        continue;
      }
      const raw = valueToRaw(spec.conversion, this.value(spec, now));
      let bits = this.asserted.get(spec.number) ?? 0;
      for (const d of THRESHOLD_DEFS) {
        const t = thresholdRaw(spec, d.name);
        if (t === undefined) continue;
        const beyond = d.upper ? raw >= t : raw <= t;
        const cleared = d.upper ? raw < t - spec.hysteresis : raw > t + spec.hysteresis;
        if (!(bits & d.bit) && beyond) {
          bits |= d.bit;
          out.push({ sensor: spec, offset: d.offset, assertion: true, raw, thresholdRaw: t });
        } else if (bits & d.bit && cleared) {
          bits &= ~d.bit;
          out.push({ sensor: spec, offset: d.offset, assertion: false, raw, thresholdRaw: t });
        }
      }
      this.asserted.set(spec.number, bits);
    }
    return out;
  }
}

/** The SDR for a sensor: full record for threshold sensors, compact for discrete ones (§43.1, §43.2). */
export function sensorRecord(spec: SensorSpec, recordId: number, ownerId: number): FullSensorRecord | CompactSensorRecord {
  const common = {
    recordId, ownerId, ownerChannel: 0, ownerLun: 0, sensorNumber: spec.number, entityId: spec.entityId,
    entityInstance: spec.entityInstance & 0x7f, sensorType: spec.sensorType, oem: 0, idString: spec.name,
  };
  if (spec.kind === 'discrete') {
    return {
      ...common, recordType: SdrRecordType.COMPACT_SENSOR,
      sensorInitialization: 0x63, // scanning + events at init, event generation and scanning enabled
      sensorCapabilities: 0x40, // auto re-arm, no hysteresis, no thresholds, per-state event control
      eventReadingType: EventReadingType.SENSOR_SPECIFIC,
      assertionMask: spec.states, deassertionMask: spec.states, readingMask: spec.states,
      units1: AnalogFormat.NONE << 6, baseUnit: 0, modifierUnit: 0,
      sensorDirection: 0, sharing: 0, positiveHysteresis: 0, negativeHysteresis: 0,
    };
  }
  const raw = (name: keyof Thresholds) => thresholdRaw(spec, name) ?? 0;
  const readable = readableMask(spec);
  // Byte 15-18: event masks for the offsets we generate, plus the lower/upper "comparison returned" bits [14:12]
  let events = 0;
  for (const d of THRESHOLD_DEFS) if (spec.thresholds[d.name] !== undefined) events |= 1 << d.offset;
  const lowerReturned = ((readable & ThresholdBit.LNC ? 1 : 0) | (readable & ThresholdBit.LC ? 2 : 0) | (readable & ThresholdBit.LNR ? 4 : 0)) << 12;
  const upperReturned = ((readable & ThresholdBit.UNC ? 1 : 0) | (readable & ThresholdBit.UC ? 2 : 0) | (readable & ThresholdBit.UNR ? 4 : 0)) << 12;
  const c = spec.conversion;
  return {
    ...common, recordType: SdrRecordType.FULL_SENSOR,
    sensorInitialization: 0x7f, // init scanning, events, thresholds, hysteresis, type; events and scanning enabled
    sensorCapabilities: 0x54, // auto re-arm, hysteresis readable, thresholds readable, per-threshold events
    eventReadingType: EventReadingType.THRESHOLD,
    assertionMask: lowerReturned | events, deassertionMask: upperReturned | events, readingMask: readable,
    units1: AnalogFormat.UNSIGNED << 6, baseUnit: spec.unit, modifierUnit: 0,
    linearization: 0, m: c.m, tolerance: 0, b: c.b, accuracy: 0, accuracyExp: 0, sensorDirection: 1, rExp: c.rExp, bExp: c.bExp,
    analogFlags: 0x01, nominalReading: valueToRaw(c, spec.nominal), normalMax: 0, normalMin: 0, sensorMax: 0xff, sensorMin: 0x00,
    upperNonRecoverable: raw('unr'), upperCritical: raw('uc'), upperNonCritical: raw('unc'),
    lowerNonRecoverable: raw('lnr'), lowerCritical: raw('lc'), lowerNonCritical: raw('lnc'),
    positiveHysteresis: spec.hysteresis, negativeHysteresis: spec.hysteresis,
  };
}
