// The emulated host's serial console: the scripted output of each power-on (console-script.ts, computed on demand
// from the power-on time and now), what was typed and answered (login-shell.ts, kept in a bounded ring), and live
// delivery to whoever watches (a SOL instance). No timer runs unless someone watches: 50,000 idle hosts cost only
// their power-on times.
//
// Positions order everything the console printed: a scripted line at time T has position T * 1024, an interactive
// chunk at T has T * 1024 + k (k = 1, 2, ...). history(after) returns what came after a position.
import type { Clock } from '../../runtime/clock.js';
import { ConsoleRing, POSITIONS_PER_MS } from './console-ring.js';
import { ConsoleScript, InstallerScript, NetworkBootScript, ResumedScript, kernelStamp, type BootScript, type ResumeAt } from './console-script.js';
import type { HostIdentity, InstalledIdentity } from './host-identity.js';
import { LoginShell } from './login-shell.js';

export interface HostConsoleSettings {
  /** One numbered log line every this many ms once booted (default 1000). */
  lineIntervalMs?: number;
  /** Interactive chunks kept for history (default 256). */
  ringCapacity?: number;
  /** Power-on periods remembered for history (default 8). */
  maxBoots?: number;
  /** A host that is on when created booted this long ago; default derived from its identity (1 to 72 hours). */
  initialUptimeMs?: number;
}

export interface HostConsoleOptions extends HostConsoleSettings {
  /** Who the host is; a function is called once, when the console is first read (cheap for idle hosts). */
  identity: HostIdentity | (() => HostIdentity);
  /** Seeds the default initial uptime; default the identity's seed. */
  seed?: number;
  clock: Clock;
  powerOn: boolean;
  /** Creation time, on `clock`. */
  now: number;
}

export interface ConsoleChunk {
  position: number;
  at: number;
  text: string;
  /** 'script': the host's own output; 'interactive': echo and answers to console input. */
  source: 'script' | 'interactive';
}

export interface ConsoleHistory {
  chunks: ConsoleChunk[];
  /** Position of the last chunk returned (or `after` when none): pass it back as `after` to continue. */
  position: number;
  /** More chunks follow (the limit was reached). */
  more: boolean;
}

export type ConsoleListener = (bytes: Buffer, at: number) => void;

interface Boot {
  at: number;
  /** When the host powered on or restarted: `at`, unless the firmware handed over to this part of the boot. */
  poweredAt: number;
  /** Power-off or restart time (or the firmware's hand-over); null while this boot is current. */
  until: number | null;
  shell: LoginShell | null;
  /** 'installer': booted from the virtual CD-ROM (its installer prints what follows the boot loader); 'network': the NIC's iSCSI boot firmware. */
  from: 'disk' | 'installer' | 'network';
  /** The bmcfleet-installed system this boot runs, if any. */
  installed: InstalledIdentity | null;
  /** Where a disk's boot resumed after the firmware handed over; null: from power-on. */
  resumedAt: ResumeAt | null;
  /** The script of an installed system's or a resumed boot (made when first read). */
  ownScript?: BootScript;
}

/** How a boot goes: from the disk (default), with the system an installer put there, into the installer, or from the network. */
export interface BootHow {
  from?: 'disk' | 'installer' | 'network';
  installed?: InstalledIdentity | null;
}

const HOUR_MS = 3_600_000;

export class HostConsole {
  readonly ring: ConsoleRing;
  private identitySource: HostIdentity | (() => HostIdentity);
  private scriptCache: ConsoleScript | null = null;
  private installerScript: InstallerScript | null = null;
  private networkScript: NetworkBootScript | null = null;
  private readonly lineIntervalMs: number;
  private readonly clock: Clock;
  private readonly maxBoots: number;
  private boots: Boot[] = [];
  private listeners: ConsoleListener[] = [];
  /** Live delivery has covered scripted lines up to this time. */
  private cursor = 0;
  private timer: { cancel(): void } | null = null;

  constructor(opts: HostConsoleOptions) {
    this.identitySource = opts.identity;
    this.lineIntervalMs = opts.lineIntervalMs ?? 1000;
    if (!(this.lineIntervalMs >= 1)) throw new RangeError(`console line interval ${this.lineIntervalMs} ms must be at least 1 ms`);
    this.ring = new ConsoleRing(opts.ringCapacity ?? 256);
    this.clock = opts.clock;
    this.maxBoots = Math.max(1, opts.maxBoots ?? 8);
    if (opts.powerOn) {
      const seed = opts.seed ?? (typeof opts.identity === 'function' ? 0 : opts.identity.seed);
      const uptime = opts.initialUptimeMs ?? HOUR_MS + (seed % (71 * HOUR_MS));
      const at = opts.now - uptime;
      this.boots.push({ at, poweredAt: at, until: null, shell: null, from: 'disk', installed: null, resumedAt: null });
    }
  }

  /** The script of this host's output (built at first use). */
  get script(): ConsoleScript {
    if (!this.scriptCache) {
      const id = typeof this.identitySource === 'function' ? this.identitySource() : this.identitySource;
      this.identitySource = id;
      this.scriptCache = new ConsoleScript(id, this.lineIntervalMs);
    }
    return this.scriptCache;
  }

  get identity(): HostIdentity {
    return this.script.identity;
  }

  get powerOn(): boolean {
    return this.current() !== null;
  }

  /** When the current boot started (the host powered on or restarted), or null while off. */
  get bootAt(): number | null {
    return this.current()?.poweredAt ?? null;
  }

  /** Power on, or restart (reset, cycle): the script starts over at `now` (`how`: into the installer, or an installed system). */
  boot(now: number, how: BootHow = {}): void {
    this.begin({ at: now, poweredAt: now, until: null, shell: null, from: how.from ?? 'disk', installed: how.installed ?? null, resumedAt: null });
  }

  /**
   * The firmware hands over to a disk's boot without a power event (the network boot firmware, at `now`): the disk's
   * script goes on from `at` (the boot device line, or the boot loader) with the system `installed` (null: a plain one).
   */
  handOver(now: number, at: ResumeAt, installed: InstalledIdentity | null = null): void {
    const cur = this.current();
    if (!cur) return;
    this.begin({ at: now, poweredAt: cur.poweredAt, until: null, shell: null, from: 'disk', installed, resumedAt: at });
  }

  private begin(boot: Boot): void {
    const cur = this.current();
    if (cur) cur.until = boot.at;
    this.boots.push(boot);
    if (this.boots.length > this.maxBoots) this.boots.splice(0, this.boots.length - this.maxBoots);
    this.cursor = boot.at;
    this.reschedule(boot.at);
  }

  powerOff(now: number): void {
    const cur = this.current();
    if (!cur) return;
    cur.until = now;
    this.cursor = now;
    this.reschedule(now);
  }

  /** Characters typed on the console (from SOL). The host reads them once its login prompt is up. */
  input(bytes: Uint8Array, now: number): void {
    const cur = this.current();
    if (!cur || now - cur.at < this.scriptOf(cur).loginPromptMs) return;
    cur.shell ??= new LoginShell(this.identity);
    const out = cur.shell.input(bytes, now - cur.at);
    if (out.length > 0) this.interactive(now, out);
  }

  /** Delivers everything the host prints from `now` on to `listener`; returns the unsubscribe function. */
  subscribe(listener: ConsoleListener, now: number): () => void {
    if (this.listeners.length === 0) this.cursor = Math.max(this.cursor, now);
    this.listeners = [...this.listeners, listener];
    this.reschedule(now);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
      if (this.listeners.length === 0) this.cancelTimer();
    };
  }

  get watchers(): number {
    return this.listeners.length;
  }

  /** The position just past everything printed by `now`. */
  positionAt(now: number): number {
    return now * POSITIONS_PER_MS + POSITIONS_PER_MS - 1;
  }

  /** What the console printed after position `after` up to `now`, oldest first, at most `limit` chunks. */
  history(after: number, now: number, limit = 500): ConsoleHistory {
    const scripted = this.scriptedSince(after, now, limit + 1);
    const typed = this.ring.since(after, limit + 1).filter((e) => e.at <= now)
      .map((e): ConsoleChunk => ({ position: e.position, at: e.at, text: e.text, source: 'interactive' }));
    const merged = [...scripted, ...typed].sort((a, b) => a.position - b.position);
    const chunks = merged.slice(0, limit);
    return { chunks, position: chunks.length > 0 ? chunks[chunks.length - 1].position : after, more: merged.length > limit };
  }

  /** The text of history(after, now, limit), joined. */
  text(after: number, now: number, limit = 500): string {
    return this.history(after, now, limit).chunks.map((c) => c.text).join('');
  }

  /** Stops live delivery (for shutdown). */
  close(): void {
    this.listeners = [];
    this.cancelTimer();
  }

  /** What the host itself prints beside its boot script (an installer's lines), now. */
  print(now: number, text: string): void {
    if (this.current()) this.interactive(now, text);
  }

  /** True while the current boot runs the installer. */
  get inInstaller(): boolean {
    return this.current()?.from === 'installer';
  }

  private scriptOf(boot: Boot): BootScript {
    if (boot.from === 'installer') return (this.installerScript ??= new InstallerScript(this.identity));
    if (boot.from === 'network') return (this.networkScript ??= new NetworkBootScript(this.identity));
    if (!boot.installed && boot.resumedAt === null) return this.script;
    boot.ownScript ??= this.diskScript(boot);
    return boot.ownScript;
  }

  private diskScript(boot: Boot): BootScript {
    const disk = boot.installed ? new ConsoleScript({ ...this.identity, installed: boot.installed }, this.lineIntervalMs) : this.script;
    return boot.resumedAt === null ? disk : new ResumedScript(disk, boot.resumedAt);
  }

  private current(): Boot | null {
    const last = this.boots[this.boots.length - 1];
    return last && last.until === null ? last : null;
  }

  private scriptedSince(after: number, now: number, limit: number): ConsoleChunk[] {
    const out: ConsoleChunk[] = [];
    const from = Math.floor(after / POSITIONS_PER_MS) + 1; // first ms whose scripted line is past `after`
    for (const boot of this.boots) {
      const to = Math.min(now, boot.until === null ? Infinity : boot.until - 1);
      if (to < from || to < boot.at) continue;
      const script = this.scriptOf(boot);
      const first = script.countAt(Math.max(from, boot.at) - 1 - boot.at);
      const end = script.countAt(to - boot.at);
      for (let n = first; n < end && out.length < limit; n++) {
        const at = boot.at + script.offset(n);
        out.push({ position: at * POSITIONS_PER_MS, at, text: script.text(n), source: 'script' });
      }
      if (out.length >= limit) break;
    }
    return out;
  }

  private interactive(now: number, text: string): void {
    this.ring.push(now, text);
    this.deliver(Buffer.from(text, 'latin1'), now);
  }

  nmi(now: number): void {
    const cur = this.current();
    if (!cur) return;
    const stamp = kernelStamp(now - cur.at, this.identity, 0);
    this.interactive(now, `${stamp}Uhhuh. NMI received for unknown reason 3d on CPU 0.\r\n${stamp}Dazed and confused, but trying to continue\r\n`);
  }

  private deliver(bytes: Buffer, at: number): void {
    for (const listener of this.listeners) listener(bytes, at);
  }

  /** Pushes scripted lines due by now, then sets the timer for the next one (only while watched and on). */
  private pump(now: number): void {
    const cur = this.current();
    if (cur && now > this.cursor) {
      const script = this.scriptOf(cur);
      const first = script.countAt(this.cursor - cur.at);
      const end = script.countAt(now - cur.at);
      let text = '';
      for (let n = first; n < end; n++) text += script.text(n);
      this.cursor = now;
      if (text.length > 0) this.deliver(Buffer.from(text, 'latin1'), now);
    }
    this.reschedule(this.clock.now());
  }

  private reschedule(now: number): void {
    this.cancelTimer();
    const cur = this.current();
    if (!cur || this.listeners.length === 0) return;
    const script = this.scriptOf(cur);
    const next = cur.at + script.offset(script.countAt(this.cursor - cur.at));
    if (next === Infinity) return; // an installer's boot script has ended: nothing more is scripted
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.pump(this.clock.now());
    }, Math.max(0, next - now));
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = null;
  }
}
