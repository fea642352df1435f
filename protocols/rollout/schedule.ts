// Flash (08h), Pause (0Bh), Resume (0Ch) and Abort (0Dh) bodies: README "The rollout protocol" (its byte tables).
// The manager's schedule and its controls; an RMC answers each with a Progress.
//
//   Flash (14):               flashTimeMs(8) concurrency(2) bmcTimeoutMs(4)
//   Pause, Resume, Abort (0): no body: the header's rollout ID and rmcId (one RMC, or FFFFFFFFh all) say what
import { type BodyCodec } from './fields.js';

export interface Flash {
  /** When to start, ms since the Unix epoch (may differ from the Prepare's after a pause). */
  flashTimeMs: number;
  /** BMCs of the rack flashed at once, at least 1. */
  concurrency: number;
  /** A BMC not done (activated, back with the new version) this long after its upgrade began has failed. */
  bmcTimeoutMs: number;
}

/** The body of Pause, Resume and Abort. */
export type NoBody = Record<string, never>;

export const flashCodec: BodyCodec<Flash> = {
  encodingLength: () => 14,
  write: (w, f) => {
    if (f.concurrency < 1) throw new RangeError('concurrency must be at least 1');
    w.u64(f.flashTimeMs, 'flashTimeMs').u16(f.concurrency, 'concurrency').u32(f.bmcTimeoutMs, 'bmcTimeoutMs');
  },
  read: (r) => {
    const flashTimeMs = r.u64('flashTimeMs');
    const at = r.offset;
    const concurrency = r.u16('concurrency');
    if (concurrency < 1) throw r.fail('concurrency', 'concurrency 0', 'ERR_RANGE', at);
    return { flashTimeMs, concurrency, bmcTimeoutMs: r.u32('bmcTimeoutMs') };
  },
};

export const noBodyCodec: BodyCodec<NoBody> = {
  encodingLength: () => 0,
  write: () => {},
  read: () => ({}),
};
