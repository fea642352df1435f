// The newer Chassis/1 resources beside Thermal and Power, from the same threshold sensors as the SDR: Sensors
// (Sensor.v1_2_0, one per sensor, its Id the SDR sensor number), ThermalSubsystem (ThermalSubsystem.v1_0_0) with its
// Fans (Fan.v1_3_0) and ThermalMetrics (ThermalMetrics.v1_0_0), and PowerSubsystem (PowerSubsystem.v1_0_0) with its
// PowerSupplies (PowerSupply.v1_1_0, from the hardware template). Each reading links the Sensor it comes from.
import { RedfishError } from '../../../protocols/redfish/messages.js';
import { SensorUnit, type ThresholdSensorSpec } from '../../bmc/sensors.js';
import type { BmcRedfish } from '../bmc-redfish.js';
import { RedfishPrivilege } from '../roles.js';
import { collection, ENABLED_OK, link, ok, type Route } from '../route.js';
import { CHASSIS, namedThresholds, reading, round, thresholdSensors as sensors } from './chassis.js';

const SENSORS = `${CHASSIS}/Sensors`;
const THERMAL = `${CHASSIS}/ThermalSubsystem`;
const FANS = `${THERMAL}/Fans`;
const POWER = `${CHASSIS}/PowerSubsystem`;
const SUPPLIES = `${POWER}/PowerSupplies`;

/** Sensor.v1_2_0 ReadingType and ReadingUnits (UCUM) of the IPMI units the SDR uses (§43.17 Table 43-15). */
const READING: Record<number, { type: string; units: string }> = {
  [SensorUnit.DEGREES_C]: { type: 'Temperature', units: 'Cel' },
  [SensorUnit.VOLTS]: { type: 'Voltage', units: 'V' },
  [SensorUnit.AMPS]: { type: 'Current', units: 'A' },
  [SensorUnit.WATTS]: { type: 'Power', units: 'W' },
  [SensorUnit.RPM]: { type: 'Rotational', units: 'RPM' },
};

const readingOf = (target: BmcRedfish, s: ThresholdSensorSpec, now: number) => round(reading(target, s, now));

const sensorUri = (s: ThresholdSensorSpec) => `${SENSORS}/${s.number}`;

/** Sensor.v1_2_0 Thresholds: IPMI's non-critical, critical and non-recoverable as Caution, Critical and Fatal. */
const SENSOR_THRESHOLDS = {
  unc: 'UpperCaution', uc: 'UpperCritical', unr: 'UpperFatal', lnc: 'LowerCaution', lc: 'LowerCritical', lnr: 'LowerFatal',
} as const;

function byNumber(target: BmcRedfish, id: string, unit?: number): ThresholdSensorSpec {
  const found = /^\d+$/.test(id) ? sensors(target, unit).find((s) => s.number === Number(id)) : undefined;
  if (!found) throw new RedfishError(404, 'ResourceNotFound', [unit === SensorUnit.RPM ? 'Fan' : 'Sensor', id]);
  return found;
}

export const chassisSubsystemRoutes: readonly Route[] = [
  {
    method: 'GET', path: SENSORS, privilege: RedfishPrivilege.Login,
    handle: ({ target }) => ok(collection(SENSORS, 'SensorCollection', 'Sensors', sensors(target).filter((s) => s.unit in READING).map(sensorUri))),
  },
  {
    method: 'GET', path: `${SENSORS}/{id}`, privilege: RedfishPrivilege.Login,
    handle: ({ target, params, now }) => {
      const s = byNumber(target, params[0]);
      const reading = READING[s.unit];
      if (!reading) throw new RedfishError(404, 'ResourceNotFound', ['Sensor', params[0]]);
      return ok({
        '@odata.id': sensorUri(s), '@odata.type': '#Sensor.v1_2_0.Sensor', Id: String(s.number), Name: s.name,
        ReadingType: reading.type, ReadingUnits: reading.units, Reading: readingOf(target, s, now), Thresholds: namedThresholds(s.thresholds, SENSOR_THRESHOLDS, (v) => ({ Reading: v })),
        Status: ENABLED_OK,
      });
    },
  },
  {
    method: 'GET', path: THERMAL, privilege: RedfishPrivilege.Login,
    handle: () => ok({
      '@odata.id': THERMAL, '@odata.type': '#ThermalSubsystem.v1_0_0.ThermalSubsystem', Id: 'ThermalSubsystem', Name: 'Thermal Subsystem',
      Fans: link(FANS), ThermalMetrics: link(`${THERMAL}/ThermalMetrics`), Status: ENABLED_OK,
    }),
  },
  {
    method: 'GET', path: `${THERMAL}/ThermalMetrics`, privilege: RedfishPrivilege.Login,
    handle: ({ target, now }) => ok({
      '@odata.id': `${THERMAL}/ThermalMetrics`, '@odata.type': '#ThermalMetrics.v1_0_0.ThermalMetrics', Id: 'ThermalMetrics', Name: 'Thermal Metrics',
      TemperatureReadingsCelsius: sensors(target, SensorUnit.DEGREES_C).map((s) => ({ DataSourceUri: sensorUri(s), Reading: readingOf(target, s, now) })),
    }),
  },
  {
    method: 'GET', path: FANS, privilege: RedfishPrivilege.Login,
    handle: ({ target }) => ok(collection(FANS, 'FanCollection', 'Fans', sensors(target, SensorUnit.RPM).map((s) => `${FANS}/${s.number}`))),
  },
  {
    method: 'GET', path: `${FANS}/{id}`, privilege: RedfishPrivilege.Login,
    handle: ({ target, params, now }) => {
      const s = byNumber(target, params[0], SensorUnit.RPM);
      return ok({
        '@odata.id': `${FANS}/${s.number}`, '@odata.type': '#Fan.v1_3_0.Fan', Id: String(s.number), Name: s.name,
        SpeedPercent: { DataSourceUri: sensorUri(s), SpeedRPM: Math.round(readingOf(target, s, now)) }, Status: ENABLED_OK,
      });
    },
  },
  {
    method: 'GET', path: POWER, privilege: RedfishPrivilege.Login,
    handle: ({ target }) => ok({
      '@odata.id': POWER, '@odata.type': '#PowerSubsystem.v1_0_0.PowerSubsystem', Id: 'PowerSubsystem', Name: 'Power Subsystem',
      CapacityWatts: target.bmc.model.hardware.powerSupplies.reduce((n, p) => n + p.watts, 0), PowerSupplies: link(SUPPLIES), Status: ENABLED_OK,
    }),
  },
  {
    method: 'GET', path: SUPPLIES, privilege: RedfishPrivilege.Login,
    handle: ({ target }) => ok(collection(SUPPLIES, 'PowerSupplyCollection', 'Power Supplies', target.bmc.model.hardware.powerSupplies.map((_, i) => `${SUPPLIES}/${i + 1}`))),
  },
  {
    method: 'GET', path: `${SUPPLIES}/{id}`, privilege: RedfishPrivilege.Login,
    handle: ({ target, params }) => {
      const supplies = target.bmc.model.hardware.powerSupplies;
      const p = /^\d+$/.test(params[0]) ? supplies[Number(params[0]) - 1] : undefined;
      if (!p) throw new RedfishError(404, 'ResourceNotFound', ['PowerSupply', params[0]]);
      return ok({
        '@odata.id': `${SUPPLIES}/${params[0]}`, '@odata.type': '#PowerSupply.v1_1_0.PowerSupply', Id: params[0], Name: p.name,
        Model: p.model, SerialNumber: p.serial, PartNumber: p.partNumber, PowerCapacityWatts: p.watts, Status: ENABLED_OK,
      });
    },
  },
];
