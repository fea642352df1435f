// Chassis/1 (Chassis.v1_15_0): the enclosure's type and FRU identity, links to the newer subsystems
// (chassis-subsystems.ts), and its Thermal (Thermal.v1_7_0) and Power
// (Power.v1_6_0) readings from the same sensors the SDR describes and `ipmitool sensor` reads, at the same moment's
// values, with the same thresholds; power supplies from the hardware template (FRU devices 1, 2, ...).
import { ChassisType } from '../../../protocols/ipmi/fru-format.js';
import { SensorUnit, type Thresholds, type ThresholdSensorSpec } from '../../bmc/sensors.js';
import type { BmcRedfish } from '../bmc-redfish.js';
import { RedfishPrivilege } from '../roles.js';
import { collection, ENABLED_OK, link, ok, type Route } from '../route.js';

export const CHASSIS = '/redfish/v1/Chassis/1';

/** SMBIOS chassis types (FRU §10 Table 10-1, SMBIOS 3.x 7.4.1) as Redfish ChassisType. */
function chassisType(code: number): string {
  switch (code) {
    case ChassisType.RACK_MOUNT: return 'RackMount';
    case ChassisType.BLADE: return 'Blade';
    case ChassisType.MAIN_SERVER: return 'StandAlone';
    default: return 'Other';
  }
}

/** The threshold sensors (of one unit, when given). */
export function thresholdSensors(target: BmcRedfish, unit?: number): ThresholdSensorSpec[] {
  return target.bmc.model.sensors.specs.filter((s): s is ThresholdSensorSpec => s.kind === 'threshold' && (unit === undefined || s.unit === unit));
}

/** A sensor's reading now, as `ipmitool sensor` shows it (through the SDR's raw conversion). */
export function reading(target: BmcRedfish, spec: ThresholdSensorSpec, now: number): number {
  return target.bmc.model.sensors.reading(spec.number, now)?.value ?? 0;
}

/** An IPMI sensor's thresholds that are set, under the Redfish names `names` gives them (in its order), each as `value` makes it. */
export function namedThresholds<V>(t: Thresholds, names: Readonly<Record<keyof Thresholds, string>>, value: (v: number) => V): Record<string, V> {
  const out: Record<string, V> = {};
  for (const [key, name] of Object.entries(names) as [keyof Thresholds, string][]) {
    const v = t[key];
    if (v !== undefined) out[name] = value(v);
  }
  return out;
}

/** Thermal Temperatures' and Fans', Power Voltages' threshold properties. */
const THRESHOLD_PROPERTIES = {
  unc: 'UpperThresholdNonCritical', uc: 'UpperThresholdCritical', unr: 'UpperThresholdFatal',
  lnc: 'LowerThresholdNonCritical', lc: 'LowerThresholdCritical', lnr: 'LowerThresholdFatal',
} as const;
const thresholds = (t: Thresholds) => namedThresholds(t, THRESHOLD_PROPERTIES, (v) => v);

export const round = (v: number) => Math.round(v * 1000) / 1000;

export const chassisRoutes: readonly Route[] = [
  { method: 'GET', path: '/redfish/v1/Chassis', privilege: RedfishPrivilege.Login, handle: () => ok(collection('/redfish/v1/Chassis', 'ChassisCollection', 'Chassis Collection', [CHASSIS])) },
  {
    method: 'GET', path: CHASSIS, privilege: RedfishPrivilege.Login,
    handle: ({ target }) => {
      const { model } = target.bmc;
      const hw = model.hardware;
      return ok({
        '@odata.id': CHASSIS, '@odata.type': '#Chassis.v1_15_0.Chassis', Id: '1', Name: 'Chassis', ChassisType: chassisType(hw.chassisType),
        Manufacturer: hw.vendor, Model: hw.product, PartNumber: hw.chassisPartNumber, SerialNumber: hw.serial, AssetTag: hw.assetTag,
        PowerState: model.powerOn ? 'On' : 'Off', Status: ENABLED_OK,
        Thermal: link(`${CHASSIS}/Thermal`), Power: link(`${CHASSIS}/Power`),
        ThermalSubsystem: link(`${CHASSIS}/ThermalSubsystem`), PowerSubsystem: link(`${CHASSIS}/PowerSubsystem`), Sensors: link(`${CHASSIS}/Sensors`),
        Links: { ComputerSystems: [link('/redfish/v1/Systems/1')], ManagedBy: [link('/redfish/v1/Managers/1')] },
      });
    },
  },
  {
    method: 'GET', path: `${CHASSIS}/Thermal`, privilege: RedfishPrivilege.Login,
    handle: ({ target, now }) => ok({
      '@odata.id': `${CHASSIS}/Thermal`, '@odata.type': '#Thermal.v1_7_0.Thermal', Id: 'Thermal', Name: 'Thermal',
      Temperatures: thresholdSensors(target, SensorUnit.DEGREES_C).map((s, i) => ({
        '@odata.id': `${CHASSIS}/Thermal#/Temperatures/${i}`, MemberId: String(i), Name: s.name, SensorNumber: s.number,
        ReadingCelsius: round(reading(target, s, now)), ...thresholds(s.thresholds), Status: ENABLED_OK,
      })),
      Fans: thresholdSensors(target, SensorUnit.RPM).map((s, i) => ({
        '@odata.id': `${CHASSIS}/Thermal#/Fans/${i}`, MemberId: String(i), Name: s.name, SensorNumber: s.number,
        Reading: Math.round(reading(target, s, now)), ReadingUnits: 'RPM', ...thresholds(s.thresholds), Status: ENABLED_OK,
      })),
    }),
  },
  {
    method: 'GET', path: `${CHASSIS}/Power`, privilege: RedfishPrivilege.Login,
    handle: ({ target, now }) => {
      const hw = target.bmc.model.hardware;
      const watts = thresholdSensors(target, SensorUnit.WATTS);
      return ok({
        '@odata.id': `${CHASSIS}/Power`, '@odata.type': '#Power.v1_6_0.Power', Id: 'Power', Name: 'Power',
        PowerControl: [{
          '@odata.id': `${CHASSIS}/Power#/PowerControl/0`, MemberId: '0', Name: 'System Power Control',
          PowerConsumedWatts: watts.length > 0 ? Math.round(reading(target, watts[0], now)) : null,
          PowerCapacityWatts: hw.powerSupplies.reduce((n, p) => n + p.watts, 0), Status: ENABLED_OK,
        }],
        Voltages: thresholdSensors(target, SensorUnit.VOLTS).map((s, i) => ({
          '@odata.id': `${CHASSIS}/Power#/Voltages/${i}`, MemberId: String(i), Name: s.name, SensorNumber: s.number,
          ReadingVolts: round(reading(target, s, now)), ...thresholds(s.thresholds), Status: ENABLED_OK,
        })),
        PowerSupplies: hw.powerSupplies.map((p, i) => ({
          '@odata.id': `${CHASSIS}/Power#/PowerSupplies/${i}`, MemberId: String(i), Name: p.name, Model: p.model,
          SerialNumber: p.serial, PartNumber: p.partNumber, PowerCapacityWatts: p.watts, Status: ENABLED_OK,
        })),
      });
    },
  },
];
