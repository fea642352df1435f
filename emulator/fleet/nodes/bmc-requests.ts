// What the control API asks of the shard running a BMC (or of every shard, for `ip: null`), and what it answers:
// plain data, as it crosses from the supervisor to the shard processes and back.
import type { CountersSnapshot } from '../../bmc/counters.js';
import type { FaultSettings } from '../../bmc/faults.js';
import type { DriveKind } from '../../../protocols/scsi/medium.js';
import type { BlockCacheCounters } from '../../media/block-cache.js';
import type { UsbipCountersSnapshot } from '../../media/usbip-counters.js';

/** The BMC kind's name in control requests. */
export const BMC = 'bmc';

export type BmcRequest =
  | { op: 'list'; offset: number; limit: number }
  | { op: 'bmc'; ip: string }
  | { op: 'console'; ip: string; after: number; limit: number }
  | { op: 'faults'; ip: string | null; change: Partial<FaultSettings> }
  | { op: 'stall'; ip: string | null; ms: number }
  | { op: 'reboot'; ip: string; ms: number }
  | { op: 'power-loss'; ip: string; offMs: number }
  | { op: 'power'; ip: string; action: string }
  | { op: 'counters' }
  | MediaRequest
  | SensorRequest;

/** A BMC's sensors and SEL (nodes/bmc-sensors.ts runs them). `sensor`: a name as the SDR spells it. */
export type SensorRequest =
  | { op: 'sensors'; ip: string }
  | { op: 'sensor-set'; ip: string; sensor: string; reading: number | null }
  | { op: 'sel'; ip: string }
  | { op: 'sel-add'; ip: string; entry: SelEntryRequest };

/**
 * A SEL entry to add (IPMI 2.0 §32): a system event record, naming its sensor by name (`sensor`) or by type and
 * number; or an OEM record (C0h-DFh timestamped, with a manufacturer; E0h-FFh not).
 */
export type SelEntryRequest =
  | {
    kind: 'system'; sensor: string | null; sensorType: number | null; sensorNumber: number | null; generatorId: number;
    deassertion: boolean; eventType: number; eventData: [number, number, number];
  }
  | { kind: 'oem'; recordType: number; manufacturerId: number | null; oemData: number[] };

/** A BMC's virtual media (nodes/shard-media.ts runs them). */
export type MediaRequest =
  | { op: 'media'; ip: string }
  | { op: 'media-insert'; ip: string; drive: DriveKind; image: string; writeProtected: boolean }
  | { op: 'media-eject'; ip: string; drive: DriveKind };

/** One BMC as the control API lists it. */
export interface BmcSummary {
  index: number;
  ip: string;
  rack: string;
  power: 'on' | 'off';
  sessions: number;
  faults: FaultSettings;
  busy: boolean;
  rebooting: boolean;
}

export interface BmcDetail extends BmcSummary {
  guid: string;
  mac: string;
  bootDevice: string;
  firmware: string;
  counters: CountersSnapshot;
}

export interface ShardCounters extends CountersSnapshot {
  shard: number;
  bmcs: number;
  sessions: number;
  /** The shard's virtual media (null without a virtualMedia section). */
  media: ShardMediaCounters | null;
}

export interface ShardMediaCounters {
  usbip: UsbipCountersSnapshot;
  /** The shard's block cache: bytes held, and what reads found (emulator/media/block-cache.ts). */
  cache: BlockCacheCounters & { bytes: number };
  openImages: number;
  /** Bytes the hosts' disk writes hold in copy-on-write overlays. */
  overlayBytes: number;
}
