// Chassis/1's Sensors, ThermalSubsystem and PowerSubsystem (emulator/redfish/resources/chassis-subsystems.ts) read
// the same sensors and power supplies as Thermal and Power (and the SDR): the same readings at the same moment, the
// thresholds as Caution/Critical/Fatal, each reading linked to its Sensor; unknown members are 404s.
import t from 'tap';
import { ManualClock } from '../../runtime/manual-clock.js';
import { EmulatedBmc } from '../../emulator/bmc/emulated-bmc.js';
import { BmcRedfish } from '../../emulator/redfish/bmc-redfish.js';
import { dispatch, RouteTable } from '../../emulator/redfish/dispatch.js';
import { REDFISH_ROUTES } from '../../emulator/redfish/routes.js';
import type { RedfishConfig } from '../../emulator/fleet/schema/redfish.js';

const CONFIG: RedfishConfig = {
  port: 443, tls: true, maxSessions: 4, sessionTimeoutSeconds: 60, lockoutThreshold: 3, lockoutSeconds: 30,
  maxBodyKiB: 64, maxConnections: 16, maxConnectionsPerSource: 16,
};
const C = '/redfish/v1/Chassis/1';

const clock = new ManualClock(1_000_000);
const bmc = new EmulatedBmc({ ip: '127.9.3.1', clock, now: clock.now() });
const target = new BmcRedfish(bmc, null, CONFIG, () => {}, clock);
const table = new RouteTable(REDFISH_ROUTES);
const auth = { authorization: `Basic ${Buffer.from('admin:password').toString('base64')}` };
const get = async (url: string) => {
  const a = await dispatch(table, target, { method: 'GET', url, headers: auth, body: Buffer.alloc(0) }, clock.now());
  return { status: a.status, json: a.body as any };
};

t.test('the chassis links the subsystems; Sensors have the readings and thresholds Thermal and Power show', async (t) => {
  t.match((await get(C)).json, {
    '@odata.type': '#Chassis.v1_15_0.Chassis', ThermalSubsystem: { '@odata.id': `${C}/ThermalSubsystem` },
    PowerSubsystem: { '@odata.id': `${C}/PowerSubsystem` }, Sensors: { '@odata.id': `${C}/Sensors` },
  });
  const thermal = (await get(`${C}/Thermal`)).json;
  const power = (await get(`${C}/Power`)).json;
  const sensors = (await get(`${C}/Sensors`)).json;
  t.ok(sensors['Members@odata.count'] >= thermal.Temperatures.length + thermal.Fans.length + power.Voltages.length);
  const temperature = thermal.Temperatures[0];
  const sensor = (await get(`${C}/Sensors/${temperature.SensorNumber}`)).json;
  t.match(sensor, { '@odata.type': '#Sensor.v1_2_0.Sensor', Name: temperature.Name, ReadingType: 'Temperature', ReadingUnits: 'Cel', Reading: temperature.ReadingCelsius });
  t.type(temperature.UpperThresholdCritical, 'number', 'the first temperature sensor has an upper critical threshold');
  t.equal(sensor.Thresholds.UpperCritical?.Reading, temperature.UpperThresholdCritical);
  const voltage = power.Voltages[0];
  t.match((await get(`${C}/Sensors/${voltage.SensorNumber}`)).json, { ReadingType: 'Voltage', ReadingUnits: 'V', Reading: voltage.ReadingVolts });

  const metrics = (await get(`${C}/ThermalSubsystem/ThermalMetrics`)).json;
  t.equal(metrics.TemperatureReadingsCelsius.length, thermal.Temperatures.length);
  t.same(metrics.TemperatureReadingsCelsius[0], { DataSourceUri: `${C}/Sensors/${temperature.SensorNumber}`, Reading: temperature.ReadingCelsius });

  const fans = (await get(`${C}/ThermalSubsystem/Fans`)).json;
  t.equal(fans['Members@odata.count'], thermal.Fans.length);
  const fan = (await get(fans.Members[0]['@odata.id'])).json;
  t.match(fan, { '@odata.type': '#Fan.v1_3_0.Fan', Name: thermal.Fans[0].Name, SpeedPercent: { SpeedRPM: thermal.Fans[0].Reading, DataSourceUri: `${C}/Sensors/${thermal.Fans[0].SensorNumber}` } });

  const subsystem = (await get(`${C}/PowerSubsystem`)).json;
  t.equal(subsystem.CapacityWatts, power.PowerControl[0].PowerCapacityWatts);
  const supplies = (await get(`${C}/PowerSubsystem/PowerSupplies`)).json;
  t.equal(supplies['Members@odata.count'], power.PowerSupplies.length);
  t.match((await get(`${C}/PowerSubsystem/PowerSupplies/1`)).json, { Name: power.PowerSupplies[0].Name, SerialNumber: power.PowerSupplies[0].SerialNumber, PowerCapacityWatts: power.PowerSupplies[0].PowerCapacityWatts });
});

t.test('unknown sensors, fans and supplies: 404', async (t) => {
  for (const path of ['Sensors/999', 'Sensors/x', 'ThermalSubsystem/Fans/999', `ThermalSubsystem/Fans/${(await get(`${C}/Thermal`)).json.Temperatures[0].SensorNumber}`, 'PowerSubsystem/PowerSupplies/0', 'PowerSubsystem/PowerSupplies/99']) {
    t.equal((await get(`${C}/${path}`)).status, 404, path);
  }
});
