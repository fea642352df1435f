// The rack's status as Progress and Rack Report carry it (README "The rollout protocol", Progress and Rack Report;
// protocols/rollout/rack-status.ts): the phase, the counts over every BMC, and pages of at most 128 entries.
import { BmcOutcome, FailureReason, MAX_BMC_ENTRIES, type BmcEntry, type RackPhase, type RackStatus } from '../../protocols/rollout/rack-status.js';
import type { BmcProgress } from './rack-flash.js';

function entry(address: string, b: BmcProgress | undefined): BmcEntry {
  if (!b) return { address, outcome: BmcOutcome.PENDING, reason: FailureReason.NONE, firmware: { major: 0, minor: 0 } };
  return { address, outcome: b.outcome, reason: b.reason, firmware: { major: b.firmware.major, minor: b.firmware.minor } };
}

/** The status page starting at BMC `firstIndex`; `bmcs` is null before the rack has a flash (no entries then). */
export function statusPage(phase: RackPhase, addresses: readonly string[], bmcs: readonly BmcProgress[] | null, firstIndex = 0): RackStatus {
  const count = (o: BmcOutcome) => bmcs?.reduce((n, b) => n + (b.outcome === o ? 1 : 0), 0) ?? 0;
  const entries = bmcs === null
    ? []
    : addresses.slice(firstIndex, firstIndex + MAX_BMC_ENTRIES).map((address, k) => entry(address, bmcs[firstIndex + k]));
  return {
    phase, bmcCount: addresses.length, flashed: count(BmcOutcome.FLASHED), skipped: count(BmcOutcome.SKIPPED), failed: count(BmcOutcome.FAILED),
    firstIndex, entries,
  };
}

/** Every page of the rack's report (one, with no entries, for a rack of no BMCs). */
export function reportPages(phase: RackPhase, addresses: readonly string[], bmcs: readonly BmcProgress[]): RackStatus[] {
  const pages: RackStatus[] = [];
  for (let first = 0; first < addresses.length || first === 0; first += MAX_BMC_ENTRIES) pages.push(statusPage(phase, addresses, bmcs, first));
  return pages;
}
