// Faults of an RMC set at run time (README "Rack controllers in the emulator"; PUT /rmcs/IP/faults, PUT /rmcs/faults):
// datagrams lost each way, and stored image chunks corrupted after their CRC-32 passed (a flipped byte), so the
// image's verification fails and the manager must send it again. Checked here, merged field by field.
import { ControlError } from '../fleet/control-error.js';

export interface RmcFaults {
  /** Datagrams lost, each way, percent. */
  lossPercent: number;
  /** Stored chunks that get a flipped byte, percent. */
  corruptChunkPercent: number;
}

export const NO_RMC_FAULTS: Readonly<RmcFaults> = { lossPercent: 0, corruptChunkPercent: 0 };

export interface RmcFaultCounts {
  lostIn: number;
  lostOut: number;
  chunksCorrupted: number;
  crashes: number;
  /** Datagrams that came while it was down after a crash. */
  droppedWhileDown: number;
}

const FIELDS = Object.keys(NO_RMC_FAULTS) as (keyof RmcFaults)[];

/** The faults a control request's body sets: ControlError 400 naming the field for anything else. */
export function rmcFaultsBody(b: Record<string, unknown>): Partial<RmcFaults> {
  const out: Partial<RmcFaults> = {};
  for (const [k, v] of Object.entries(b)) {
    if (!(FIELDS as string[]).includes(k)) throw new ControlError(400, `faults.${k}: unknown; an RMC's faults are ${FIELDS.join(', ')}`);
    if (typeof v !== 'number' || !(v >= 0 && v <= 100)) throw new ControlError(400, `faults.${k}: a percentage from 0 to 100`);
    out[k as keyof RmcFaults] = v;
  }
  return out;
}
