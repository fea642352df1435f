// Progress (09h) and Rack Report (0Ah) bodies: README "The rollout protocol" (its byte tables).
// One layout for both: the rack's phase, its counts, and a page of per-BMC entries. An RMC sends Progress while it
// works (and to answer a Poll, Flash, Pause, Resume or Abort), and Rack Report when its rack is done or aborted:
// as many pages as its BMCs need, each naming the index of its first entry in the rack's BMC list.
//
//   header (12):  phase(1) bmcCount(2) flashed(2) skipped(2) failed(2) firstIndex(2) entryCount(1)
//   entry (8):    address(4) outcome(1) reason(1) firmwareMajor(1) firmwareMinor(1)
import { valuesOf, type BodyCodec, type Reader } from './fields.js';

/** Entries in one message: 128 keeps a page under 1,100 bytes, one datagram on any link. */
export const MAX_BMC_ENTRIES = 128;
const ENTRY_LENGTH = 8;

export const RackPhase = {
  /** Answered the Prepare; no image yet. */
  PREPARED: 1,
  RECEIVING: 2,
  /** Image verified: counting down to the flash time. */
  VERIFIED: 3,
  /** Reading each BMC's firmware version (Get Device ID, HPM.1 component properties). */
  READING_VERSIONS: 4,
  FLASHING: 5,
  PAUSED: 6,
  /** Every BMC flashed, skipped or failed. */
  DONE: 7,
  ABORTED: 8,
} as const;
export type RackPhase = typeof RackPhase[keyof typeof RackPhase];

/** Each phase as people read it (`rollout status`, failure texts); an unknown one as "phase N". */
export function rackPhaseName(phase: number): string {
  return RACK_PHASE_NAMES[phase] ?? `phase ${phase}`;
}

const RACK_PHASE_NAMES: Record<number, string> = {
  [RackPhase.PREPARED]: 'prepared', [RackPhase.RECEIVING]: 'receiving', [RackPhase.VERIFIED]: 'counting down',
  [RackPhase.READING_VERSIONS]: 'reading versions', [RackPhase.FLASHING]: 'flashing', [RackPhase.PAUSED]: 'paused',
  [RackPhase.DONE]: 'done', [RackPhase.ABORTED]: 'aborted',
};

export const BmcOutcome = {
  PENDING: 0,
  IN_PROGRESS: 1,
  FLASHED: 2,
  /** Already at the new version. */
  SKIPPED: 3,
  FAILED: 4,
} as const;
export type BmcOutcome = typeof BmcOutcome[keyof typeof BmcOutcome];

/** Why a BMC failed (NONE unless the outcome is FAILED). */
export const FailureReason = {
  NONE: 0,
  /** No answer over IPMI. */
  UNREACHABLE: 1,
  /** The RMCP+ session could not be opened. */
  LOGIN_FAILED: 2,
  /** An HPM.1 command answered an error completion code. */
  UPGRADE_REFUSED: 3,
  /** Not done within the Flash's bmcTimeoutMs. */
  TIMED_OUT: 4,
  /** The BMC rolled back to its old image (e.g. power lost mid-flash). */
  ROLLED_BACK: 5,
  /** Came back from its reboot without the new version in Get Device ID. */
  WRONG_VERSION: 6,
  /** The rollout was aborted before this BMC was done. */
  ABORTED: 7,
} as const;
export type FailureReason = typeof FailureReason[keyof typeof FailureReason];

export interface BmcEntry {
  address: string;
  outcome: BmcOutcome;
  reason: FailureReason;
  /** The version the BMC reports now (Get Device ID). */
  firmware: { major: number; minor: number };
}

export interface RackStatus {
  phase: RackPhase;
  /** BMCs in the rack; the counts are of those. */
  bmcCount: number;
  flashed: number;
  skipped: number;
  failed: number;
  /** Index in the rack's BMC list of entries[0]. */
  firstIndex: number;
  entries: BmcEntry[];
}

const PHASES = valuesOf(RackPhase);
const OUTCOMES = valuesOf(BmcOutcome);
const REASONS = valuesOf(FailureReason);

/** Why a status cannot be sent or read: [field, reason, DecodeError code], or null. */
function statusProblem(s: RackStatus, report: boolean): [string, string, string] | null {
  if (report && s.phase !== RackPhase.DONE && s.phase !== RackPhase.ABORTED) return ['phase', `a Rack Report in phase ${s.phase}, not DONE or ABORTED`, 'ERR_PHASE'];
  if (s.flashed + s.skipped + s.failed > s.bmcCount) return ['counts', `flashed + skipped + failed is over bmcCount ${s.bmcCount}`, 'ERR_COUNTS'];
  if (s.entries.length > MAX_BMC_ENTRIES) return ['entryCount', `${s.entries.length} entries, at most ${MAX_BMC_ENTRIES}`, 'ERR_RANGE'];
  if (s.firstIndex + s.entries.length > s.bmcCount) return ['firstIndex', `entries ${s.firstIndex}.. run past bmcCount ${s.bmcCount}`, 'ERR_RANGE'];
  const bad = s.entries.findIndex((e) => (e.outcome === BmcOutcome.FAILED) !== (e.reason !== FailureReason.NONE));
  return bad < 0 ? null : ['reason', `entry ${bad}: a failed BMC needs a reason, and only a failed one has one`, 'ERR_REASON'];
}

function readEntry(r: Reader): BmcEntry {
  return {
    address: r.ipv4('address'),
    outcome: r.code(OUTCOMES, 'outcome'),
    reason: r.code(REASONS, 'reason'),
    firmware: { major: r.u8('firmwareMajor'), minor: r.u8('firmwareMinor') },
  };
}

function codec(report: boolean): BodyCodec<RackStatus> {
  return {
    encodingLength: (s) => 12 + ENTRY_LENGTH * s.entries.length,
    write: (w, s) => {
      const problem = statusProblem(s, report);
      if (problem) throw new RangeError(`${problem[0]}: ${problem[1]}`);
      w.u8(s.phase, 'phase').u16(s.bmcCount, 'bmcCount').u16(s.flashed, 'flashed').u16(s.skipped, 'skipped').u16(s.failed, 'failed')
        .u16(s.firstIndex, 'firstIndex').u8(s.entries.length, 'entryCount');
      for (const e of s.entries) {
        w.ipv4(e.address, 'address').u8(e.outcome, 'outcome').u8(e.reason, 'reason').u8(e.firmware.major, 'firmwareMajor').u8(e.firmware.minor, 'firmwareMinor');
      }
    },
    read: (r) => {
      const start = r.offset;
      const phase = r.code(PHASES, 'phase');
      const bmcCount = r.u16('bmcCount');
      const flashed = r.u16('flashed');
      const skipped = r.u16('skipped');
      const failed = r.u16('failed');
      const firstIndex = r.u16('firstIndex');
      const countAt = r.offset;
      const entryCount = r.u8('entryCount');
      if (entryCount > MAX_BMC_ENTRIES) throw r.fail('entryCount', `${entryCount} entries, at most ${MAX_BMC_ENTRIES}`, 'ERR_RANGE', countAt);
      const entries: BmcEntry[] = [];
      for (let i = 0; i < entryCount; i++) entries.push(readEntry(r));
      const s = { phase, bmcCount, flashed, skipped, failed, firstIndex, entries };
      const problem = statusProblem(s, report);
      if (problem) throw r.fail(problem[0], problem[1], problem[2], start);
      return s;
    },
  };
}

export const progressCodec = codec(false);
export const rackReportCodec = codec(true);
