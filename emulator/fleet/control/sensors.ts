// A BMC's sensors (nodes/bmc-sensors.ts runs them), as ipmi_sim's sensor_set_value sets them:
//
//   GET    /bmcs/IP/sensors           every sensor: reading, unit, thresholds, what is asserted, whether it was set
//   PUT    /bmcs/IP/sensors/NAME      {"reading": N} (engineering units): forced, scanned at once (threshold events to
//                                    the SEL); {"reading": null} returns it to the simulation
//   DELETE /bmcs/IP/sensors/NAME      returns it to the simulation
//
// NAME is the sensor's SDR name, URL-encoded (a space is %20: /bmcs/127.1.0.1/sensors/CPU1%20Temp), or its number 0xNN.
import { ControlError } from '../control-error.js';
import { askBmc } from './bmcs.js';
import type { ControlRequest, Route } from './route.js';

const READING_BODY = 'body must be {"reading": N} (engineering units: degrees C, Volts, RPM, Watts) or {"reading": null}';

/** The :name segment decoded (%20 a space); 400 when it is not valid percent-encoding. */
export function sensorName(req: ControlRequest): string {
  try {
    return decodeURIComponent(req.params.name);
  } catch {
    throw new ControlError(400, `sensor name "${req.params.name}" is not valid URL encoding (a space is %20)`);
  }
}

export const sensorRoutes: readonly Route[] = [
  { method: 'GET', path: '/bmcs/:ip/sensors', answer: (req, fleet) => askBmc(fleet, req.params.ip, { op: 'sensors', ip: req.params.ip }) },
  {
    method: 'PUT', path: '/bmcs/:ip/sensors/:name',
    async answer(req, fleet) {
      const b = await req.body();
      const extra = Object.keys(b).find((k) => k !== 'reading');
      if (extra !== undefined || !('reading' in b)) throw new ControlError(400, extra === undefined ? READING_BODY : `unknown field "${extra}": ${READING_BODY}`);
      const reading = b.reading;
      if (reading !== null && (typeof reading !== 'number' || !Number.isFinite(reading))) throw new ControlError(400, READING_BODY);
      return askBmc(fleet, req.params.ip, { op: 'sensor-set', ip: req.params.ip, sensor: sensorName(req), reading });
    },
  },
  {
    method: 'DELETE', path: '/bmcs/:ip/sensors/:name',
    answer: (req, fleet) => askBmc(fleet, req.params.ip, { op: 'sensor-set', ip: req.params.ip, sensor: sensorName(req), reading: null }),
  },
];
