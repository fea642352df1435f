// What a BMC asks of its hooks (emulator/hooks/ runs them: a command or a webhook per rule of the fleet file's hooks:
// section) when its host's power, boot device or virtual media changes, or on a reset: the BMC knows nothing of
// processes or HTTP, only whether a change must wait for its hooks and what they decided.

/** The changes hooks hear of. */
export const HookEvent = {
  /** Chassis Control: on, off, cycle, soft, diag. */
  POWER: 'power',
  /** Chassis Control hard reset of the host. */
  RESET: 'reset',
  /** The boot device set (Set System Boot Options, boot flags). */
  BOOT_DEVICE: 'boot-device',
  /** A virtual drive's image inserted or ejected. */
  MEDIA: 'media',
  /** Cold or Warm Reset of the BMC controller itself. */
  BMC_RESET: 'bmc-reset',
} as const;
export type HookEvent = typeof HookEvent[keyof typeof HookEvent];

/** One change as hooks are told of it; `old` and `new` are the state the change concerns (plain data). */
export interface HookChange {
  event: HookEvent;
  /** What was asked: on, off, cycle, soft, diag, reset; cold, warm; insert, eject; set (a boot device). */
  action: string;
  old: Record<string, unknown>;
  new: Record<string, unknown>;
  /** Who asked: an IPMI client, or the fleet's control API. */
  source: 'ipmi' | 'control-api';
}

/** A gating hook's decision: go ahead, or refuse with a completion code (and why, for logs and the control API). */
export type HookVerdict = { ok: true } | { ok: false; completionCode: number; reason: string };

export interface HookPort {
  /** True when some hook for `event` fails the command when it fails: it runs first, and the command waits for it. */
  gates(event: HookEvent): boolean;
  /** Runs the gating hooks of `change` before it is made; never rejects. */
  before(change: HookChange): Promise<HookVerdict>;
  /** Runs the other hooks of `change` once it is made; never waits, their failures are only logged. */
  after(change: HookChange): void;
}
