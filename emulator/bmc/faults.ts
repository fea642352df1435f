// Faults an emulated BMC can be told to show: packet loss, added latency, busy stalls, reboots, slow
// commands and a firmware upgrade that never finishes. Pure state: the BMC asks it what to do with each datagram and when; time comes in as `now`.

export interface FaultSettings {
  /** Share of datagrams silently lost, 0-100, each way: to the BMC, and the BMC's answers and SOL packets. */
  lossPercent: number;
  /** Added to every answer, in ms (the answers a BMC holds meanwhile are bounded: DEFAULT_BMC_QUEUE_LIMITS). */
  latencyMs: number;
  /** Extra delay for chosen commands, keyed "0xNN/0xNN" (netFn/cmd of the request), in ms. */
  slowCommands: Record<string, number>;
  /** Periodic busy stalls: every `everyMs` the BMC stops processing for `stallMs` (both 0 = none). */
  busyStallMs: number;
  busyEveryMs: number;
  /** The HPM.1 steps that answer 80h (backup, flash write, activation, rollback) never finish while set (firmware-link.ts). */
  firmwareHang: boolean;
}

/** The longest latency, stall or delay a fault may ask for, in ms (an hour): the fleet file's, the control API's, ctl's. */
export const MAX_FAULT_MS = 3_600_000;

export const NO_FAULTS: Readonly<FaultSettings> = Object.freeze({
  lossPercent: 0, latencyMs: 0, slowCommands: Object.freeze({}), busyStallMs: 0, busyEveryMs: 0, firmwareHang: false,
});

/** What happens to a datagram that just arrived: handled (now, or queued while busy), or dropped and why. */
export type Admission = 'accept' | 'lost' | 'rebooting';

export class FaultGate {
  settings: FaultSettings = { ...NO_FAULTS, slowCommands: {} };
  /** Until then the BMC processes nothing and queues what arrives. */
  busyUntil = 0;
  /** Until then the BMC is rebooting: everything is dropped. */
  rebootUntil = 0;
  private nextPeriodicStall = 0;
  /** settings.slowCommands parsed once: netFn << 8 | cmd -> ms. */
  private slow = new Map<number, number>();
  private readonly random: () => number;

  constructor(random: () => number = Math.random) {
    this.random = random;
  }

  /** Replaces the settings with `change` merged over them; validates first (RangeError names the bad field). */
  configure(change: Partial<FaultSettings>, now: number): void {
    const next = this.check(change);
    this.settings = next;
    this.slow = new Map(Object.entries(next.slowCommands).map(([key, ms]) => {
      const [netFn, cmd] = key.split('/').map((x) => parseInt(x, 16));
      return [(netFn << 8) | cmd, ms];
    }));
    this.nextPeriodicStall = next.busyEveryMs > 0 ? now + next.busyEveryMs : 0;
  }

  /** The settings `change` would give, validated (RangeError naming the bad field); changes nothing. */
  check(change: Partial<FaultSettings>): FaultSettings {
    const next = { ...this.settings, ...change, slowCommands: { ...(change.slowCommands ?? this.settings.slowCommands) } };
    validateFaults(next);
    return next;
  }

  /** Starts a busy stall now (it extends one already running). */
  stall(ms: number, now: number): void {
    this.busyUntil = Math.max(this.busyUntil, now + ms);
  }

  /** Starts a reboot now: silent for `ms`. The caller drops the BMC's sessions. */
  reboot(ms: number, now: number): void {
    this.rebootUntil = Math.max(this.rebootUntil, now + ms);
  }

  isBusy(now: number): boolean {
    this.startPeriodicStall(now);
    return now < this.busyUntil;
  }

  /** Is this outgoing datagram lost (the other direction of lossPercent)? */
  loseOutgoing(): boolean {
    return this.settings.lossPercent > 0 && this.random() * 100 < this.settings.lossPercent;
  }

  admit(now: number): Admission {
    if (now < this.rebootUntil) return 'rebooting';
    if (this.settings.lossPercent > 0 && this.random() * 100 < this.settings.lossPercent) return 'lost';
    return 'accept';
  }

  /** Delay before the answer to `netFn`/`cmd` goes out. */
  answerDelay(netFn: number, cmd: number): number {
    return this.settings.latencyMs + (this.slow.size === 0 ? 0 : this.slow.get((netFn << 8) | cmd) ?? 0);
  }

  private startPeriodicStall(now: number): void {
    const s = this.settings;
    if (s.busyEveryMs <= 0 || s.busyStallMs <= 0 || now < this.nextPeriodicStall) return;
    this.stall(s.busyStallMs, now);
    this.nextPeriodicStall = now + s.busyEveryMs;
  }
}

/** Throws a RangeError naming the first bad field. */
export function validateFaults(f: FaultSettings): void {
  const ms = (v: number, name: string) => {
    if (!Number.isFinite(v) || v < 0 || v > MAX_FAULT_MS) throw new RangeError(`${name} must be 0-${MAX_FAULT_MS} ms, got ${v}`);
  };
  if (!Number.isFinite(f.lossPercent) || f.lossPercent < 0 || f.lossPercent > 100) {
    throw new RangeError(`lossPercent must be 0-100, got ${f.lossPercent}`);
  }
  ms(f.latencyMs, 'latencyMs');
  ms(f.busyStallMs, 'busyStallMs');
  ms(f.busyEveryMs, 'busyEveryMs');
  if (f.busyStallMs > 0 && f.busyEveryMs > 0 && f.busyStallMs >= f.busyEveryMs) {
    throw new RangeError(`busyStallMs (${f.busyStallMs}) must be shorter than busyEveryMs (${f.busyEveryMs})`);
  }
  if (typeof f.firmwareHang !== 'boolean') throw new RangeError(`firmwareHang must be true or false, got ${JSON.stringify(f.firmwareHang)}`);
  for (const [key, v] of Object.entries(f.slowCommands)) {
    if (!/^0x[0-9a-f]{2}\/0x[0-9a-f]{2}$/.test(key)) throw new RangeError(`slowCommands key must look like "0x06/0x01" (netFn/cmd), got "${key}"`);
    ms(v, `slowCommands["${key}"]`);
  }
}
