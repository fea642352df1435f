// Sensor commands (netFn Sensor/Event 04h) — IPMI 2.0 §35.7 Get Sensor Hysteresis (25h), §35.9 Get Sensor
// Thresholds (27h), §35.11 Get Sensor Event Enable (29h), §35.13 Get Sensor Event Status (2Bh), §35.14 Get Sensor
// Reading (2Dh). Every request starts with the sensor number; readings and thresholds are raw counts (convert
// with the sensor's SDR: rawToValue in protocols/ipmi/sdr-records.ts). Privileges per Appendix G.
import { NetFn } from '../message.js';
import { Privilege } from '../users.js';
import type { IpmiCommand } from './command.js';
import { requestLength, responseLength } from './command-data.js';

/** Threshold bits of Get Sensor Thresholds byte 2 and Get Sensor Reading byte 4 [5:0]. */
export const ThresholdMask = { LNC: 0x01, LC: 0x02, LNR: 0x04, UNC: 0x08, UC: 0x10, UNR: 0x20 } as const;

/** Byte 2 of Get Sensor Event Status, byte 3 of Get Sensor Reading. */
export interface SensorFlags {
  /** [7] 0b: all event messages from this sensor are disabled. */
  eventMessagesEnabled: boolean;
  /** [6] 0b: sensor scanning is disabled. */
  scanningEnabled: boolean;
  /** [5]: the reading or state is unavailable (still being initialised). */
  unavailable: boolean;
}

function encodeFlags(f: SensorFlags): number {
  return (f.eventMessagesEnabled ? 0x80 : 0) | (f.scanningEnabled ? 0x40 : 0) | (f.unavailable ? 0x20 : 0);
}

function decodeFlags(byte: number): SensorFlags {
  return { eventMessagesEnabled: (byte & 0x80) !== 0, scanningEnabled: (byte & 0x40) !== 0, unavailable: (byte & 0x20) !== 0 };
}

/** Event bits 0-14, two bytes LS first, each [7] reserved in the second; absent bytes read as 0. */
function events(d: Uint8Array, at: number): number {
  return (d[at] ?? 0) | (((d[at + 1] ?? 0) & 0x7f) << 8);
}

/** The commands whose request is the sensor number alone. */
function bySensorNumber<Res>(name: string, cmd: number, response: Pick<IpmiCommand<number, Res>, 'encodeResponse' | 'decodeResponse'>): IpmiCommand<number, Res> {
  return {
    name, netFn: NetFn.SENSOR_EVENT, cmd, privilege: Privilege.USER,
    encodeRequest: (sensorNumber) => Buffer.from([sensorNumber]),
    decodeRequest(d) {
      requestLength(d, 1, 1, name);
      return d[0];
    },
    ...response,
  };
}

export interface SensorHysteresis {
  /** Bytes 2, 3: raw counts. */
  positiveGoing: number;
  negativeGoing: number;
}

/** Request: sensor number, then FFh (reserved for a hysteresis mask). */
export const GetSensorHysteresis: IpmiCommand<number, SensorHysteresis> = {
  name: 'Get Sensor Hysteresis', netFn: NetFn.SENSOR_EVENT, cmd: 0x25, privilege: Privilege.USER,
  encodeRequest: (sensorNumber) => Buffer.from([sensorNumber, 0xff]),
  decodeRequest(d) {
    requestLength(d, 2, 2, 'Get Sensor Hysteresis');
    return d[0];
  },
  encodeResponse: (r) => Buffer.from([r.positiveGoing, r.negativeGoing]),
  decodeResponse(d) {
    responseLength(d, 2, 'Get Sensor Hysteresis');
    return { positiveGoing: d[0], negativeGoing: d[1] };
  },
};

/** The readable thresholds, raw; a threshold the sensor does not have is absent. */
export interface SensorThresholds { lnc?: number; lc?: number; lnr?: number; unc?: number; uc?: number; unr?: number }

/** Byte 2 is the readable mask; bytes 3-8 the thresholds in this order. */
const THRESHOLD_ORDER = ['lnc', 'lc', 'lnr', 'unc', 'uc', 'unr'] as const;

export const GetSensorThresholds = bySensorNumber<SensorThresholds>('Get Sensor Thresholds', 0x27, {
  encodeResponse(r) {
    const out = Buffer.alloc(7);
    THRESHOLD_ORDER.forEach((name, i) => {
      const raw = r[name];
      if (raw === undefined) return;
      out[0] |= 1 << i;
      out[1 + i] = raw;
    });
    return out;
  },
  decodeResponse(d) {
    responseLength(d, 7, 'Get Sensor Thresholds');
    const out: SensorThresholds = {};
    THRESHOLD_ORDER.forEach((name, i) => {
      if (d[0] & (1 << i)) out[name] = d[1 + i];
    });
    return out;
  },
});

export interface SensorEventEnable {
  /** Byte 2 [7]: event messages from this sensor are enabled. */
  eventMessagesEnabled: boolean;
  /** Byte 2 [6]: the sensor is scanned. */
  scanningEnabled: boolean;
  /** Bytes 3-4: events 0-14 enabled for assertion (optional in a response: absent reads 0). */
  assertionEvents: number;
  /** Bytes 5-6: events 0-14 enabled for deassertion. */
  deassertionEvents: number;
}

export const GetSensorEventEnable = bySensorNumber<SensorEventEnable>('Get Sensor Event Enable', 0x29, {
  encodeResponse(r) {
    const out = Buffer.alloc(5);
    out[0] = (r.eventMessagesEnabled ? 0x80 : 0) | (r.scanningEnabled ? 0x40 : 0);
    out.writeUInt16LE(r.assertionEvents & 0x7fff, 1);
    out.writeUInt16LE(r.deassertionEvents & 0x7fff, 3);
    return out;
  },
  decodeResponse(d) {
    responseLength(d, 1, 'Get Sensor Event Enable');
    return { eventMessagesEnabled: (d[0] & 0x80) !== 0, scanningEnabled: (d[0] & 0x40) !== 0, assertionEvents: events(d, 1), deassertionEvents: events(d, 3) };
  },
});

export interface SensorEventStatus extends SensorFlags {
  /** Bytes 3-4: events 0-14 asserted (optional in a response: absent reads 0). */
  assertedEvents: number;
  /** Bytes 5-6: events 0-14 deasserted. */
  deassertedEvents: number;
}

export const GetSensorEventStatus = bySensorNumber<SensorEventStatus>('Get Sensor Event Status', 0x2b, {
  encodeResponse(r) {
    const out = Buffer.alloc(5);
    out[0] = encodeFlags(r);
    out.writeUInt16LE(r.assertedEvents & 0x7fff, 1);
    out.writeUInt16LE(r.deassertedEvents & 0x7fff, 3);
    return out;
  },
  decodeResponse(d) {
    responseLength(d, 1, 'Get Sensor Event Status');
    return { ...decodeFlags(d[0]), assertedEvents: events(d, 1), deassertedEvents: events(d, 3) };
  },
});

/**
 * Get Sensor Reading's answer. A threshold sensor's is 3 bytes: the reading, flags, and the thresholds it is at or
 * past; a discrete sensor's carries byte 5 (states 8-14), so the length tells them apart.
 */
export type SensorReading =
  | (SensorFlags & { kind: 'threshold'; /** Byte 2. */ raw: number; /** Byte 4 [5:0]: ThresholdMask bits. */ thresholds: number })
  | (SensorFlags & { kind: 'discrete'; /** Byte 2 (ignored for discrete sensors). */ raw: number; /** Bytes 4, 5 [6:0]: state n = bit n. */ states: number });

export const GetSensorReading = bySensorNumber<SensorReading>('Get Sensor Reading', 0x2d, {
  encodeResponse(r) {
    const flags = encodeFlags(r);
    if (r.kind === 'threshold') return Buffer.from([r.raw, flags, 0xc0 | (r.thresholds & 0x3f)]); // [7:6] returned as 1b
    return Buffer.from([r.raw, flags, r.states & 0xff, 0x80 | ((r.states >> 8) & 0x7f)]); // byte 5 [7] returned as 1b
  },
  decodeResponse(d) {
    responseLength(d, 3, 'Get Sensor Reading');
    const flags = decodeFlags(d[1]);
    if (d.length === 3) return { kind: 'threshold', raw: d[0], ...flags, thresholds: d[2] & 0x3f };
    return { kind: 'discrete', raw: d[0], ...flags, states: events(d, 2) };
  },
});
