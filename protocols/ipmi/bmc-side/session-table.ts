// The BMC's bounded session table: session IDs, handles, idle and half-open expiry (IPMI 2.0 §6.12.15 timeouts),
// and the bounds that keep clients without credentials from holding it: a quota of half-open sessions per source
// address, and half-open sessions evicted (never active ones) when the table is full.
import type { BmcSession } from './session.js';

export interface SessionTableLimits {
  /** Sessions of any state, including half-open ones. */
  maxSessions: number;
  /** An active session with no traffic for this long is closed (spec suggests 60 s ± 3 s). */
  idleTimeoutMs: number;
  /** A half-open session (mid-RAKP or challenged) is dropped this long after its setup began, whatever it sends meanwhile. */
  setupTimeoutMs: number;
  /** Half-open sessions one source address (any port) may hold at once; its next setup is refused. */
  maxHalfOpenPerSource: number;
}

/** Every bound of the session table and its default (the fleet file's `security:` section may set them later). */
export const DEFAULT_SESSION_LIMITS: Readonly<SessionTableLimits> = Object.freeze({
  maxSessions: 32,
  idleTimeoutMs: 60_000,
  setupTimeoutMs: 10_000,
  maxHalfOpenPerSource: 8,
});

/**
 * Why a session left the table: Close Session (or a refused activation), no traffic in time, a BMC reset, or a
 * half-open session making room for a new setup in a full table.
 */
export type SessionEndReason = 'removed' | 'expired' | 'cleared' | 'evicted';

/** Told of every session that leaves the table, so what lives with a session (SOL payloads, §24.2) can end too. */
export type SessionEndListener = (session: BmcSession, reason: SessionEndReason) => void;

export class SessionTable {
  private readonly byId = new Map<number, BmcSession>();
  private nextHandle = 1;
  private readonly endListeners = new Set<SessionEndListener>();

  readonly limits: SessionTableLimits;
  private readonly randomU32: () => number;
  private readonly clock: (() => number) | undefined;

  /**
   * `limits` override DEFAULT_SESSION_LIMITS field by field. `clock` is the time `size` is read at; every other
   * method takes the time as an argument.
   */
  constructor(limits: Partial<SessionTableLimits>, randomU32: () => number, clock?: () => number) {
    this.limits = { ...DEFAULT_SESSION_LIMITS, ...limits };
    this.randomU32 = randomU32;
    this.clock = clock;
  }

  /** Sessions of any state, not counting those expired by the clock's time (without a clock, every session held). */
  get size(): number {
    if (!this.clock) return this.byId.size;
    const now = this.clock();
    let n = 0;
    for (const s of this.byId.values()) if (now <= this.deadline(s)) n++;
    return n;
  }

  /** The session with this BMC session ID, whether or not it has expired (see lookup()). */
  get(bmcId: number): BmcSession | undefined {
    return this.byId.get(bmcId);
  }

  /** The session with this BMC session ID unless it has expired by `now` (then it leaves the table, as 'expired'). */
  lookup(bmcId: number, now: number): BmcSession | undefined {
    const session = this.byId.get(bmcId);
    if (!session || now <= this.deadline(session)) return session;
    this.byId.delete(bmcId);
    this.ended(session, 'expired');
    return undefined;
  }

  /** Active sessions not expired by `now`, in handle order. */
  active(now: number): BmcSession[] {
    return [...this.byId.values()].filter((s) => s.state === 'active' && now <= this.deadline(s)).sort((a, b) => a.handle - b.handle);
  }

  byHandle(handle: number): BmcSession | undefined {
    for (const s of this.byId.values()) if (s.handle === handle && s.state === 'active') return s;
    return undefined;
  }

  /**
   * Adds a half-open session with a fresh non-zero ID and handle. Returns undefined when its source address already
   * holds maxHalfOpenPerSource half-open sessions, or when the table is full of active ones. A table full with
   * half-open ones among them makes room first: see evictHalfOpen().
   */
  add(fields: Omit<BmcSession, 'bmcId' | 'handle'>, now: number): BmcSession | undefined {
    this.expire(now);
    if (this.halfOpenFrom(fields.remoteAddress) >= this.limits.maxHalfOpenPerSource) return undefined;
    if (this.byId.size >= this.limits.maxSessions && !this.evictHalfOpen()) return undefined;
    let id = 0;
    while (id === 0 || this.byId.has(id)) id = this.randomU32();
    const session: BmcSession = { ...fields, bmcId: id, handle: this.allocateHandle() };
    this.byId.set(id, session);
    return session;
  }

  /** Subscribes to sessions leaving the table; returns the unsubscribe function. */
  onEnd(listener: SessionEndListener): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  remove(bmcId: number): void {
    const session = this.byId.get(bmcId);
    if (!session) return;
    this.byId.delete(bmcId);
    this.ended(session, 'removed');
  }

  /** Drops idle active sessions and stale half-open ones. Returns how many were dropped. */
  expire(now: number): number {
    let dropped = 0;
    for (const [id, s] of this.byId) {
      if (now > this.deadline(s)) {
        this.byId.delete(id);
        dropped++;
        this.ended(s, 'expired');
      }
    }
    return dropped;
  }

  clear(): void {
    const all = [...this.byId.values()];
    this.byId.clear();
    for (const s of all) this.ended(s, 'cleared');
  }

  /** The last moment `s` is still valid: idle timeout after its last traffic, or setup timeout after its setup began. */
  private deadline(s: BmcSession): number {
    return s.lastActivity + (s.state === 'active' ? this.limits.idleTimeoutMs : this.limits.setupTimeoutMs);
  }

  private halfOpenFrom(address: string): number {
    let n = 0;
    for (const s of this.byId.values()) if (s.state !== 'active' && s.remoteAddress === address) n++;
    return n;
  }

  /**
   * Drops the oldest half-open session of the source address holding the most of them (the oldest of all on a tie),
   * so a flood from a few sources evicts its own setups before a lone client's. False when every session is active.
   */
  private evictHalfOpen(): boolean {
    const held = new Map<string, number>();
    for (const s of this.byId.values()) if (s.state !== 'active') held.set(s.remoteAddress, (held.get(s.remoteAddress) ?? 0) + 1);
    let victim: BmcSession | undefined;
    let most = 0;
    // The map iterates in insertion order, oldest setup first: a strict ">" keeps the oldest among equals.
    for (const s of this.byId.values()) {
      const n = s.state === 'active' ? 0 : held.get(s.remoteAddress)!;
      if (n > most) {
        victim = s;
        most = n;
      }
    }
    if (!victim) return false;
    this.byId.delete(victim.bmcId);
    this.ended(victim, 'evicted');
    return true;
  }

  private ended(session: BmcSession, reason: SessionEndReason): void {
    for (const listener of this.endListeners) listener(session, reason);
  }

  private allocateHandle(): number {
    const used = new Set([...this.byId.values()].map((s) => s.handle));
    for (let i = 0; i < 255; i++) {
      const h = this.nextHandle;
      this.nextHandle = (this.nextHandle % 255) + 1;
      if (!used.has(h)) return h;
    }
    return this.nextHandle;
  }
}
