// One hook under way, as the runner holds it: how it ends, and how to stop it at its timeout.

/** How a hook ended: it worked, or why not (for the log, and the control API's answer). */
export type HookResult = { ok: true } | { ok: false; reason: string };

export interface RunningHook {
  readonly done: Promise<HookResult>;
  /** Stops it (its timeout ran out, the fleet stops); `done` may still settle. */
  cancel(): void;
}
