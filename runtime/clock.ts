// The one clock every emulator timer goes through, so long flows can run on a fake clock in tests.

/** The longest timer Node holds (2^31-1 ms, about 24.8 days); it fires a longer one at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

/** Resolves after `ms` on `clock` (capped at MAX_TIMER_MS: wait again for longer). */
export function sleepOn(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => { clock.setTimeout(resolve, Math.min(ms, MAX_TIMER_MS)); });
}
