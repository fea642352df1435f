// The BMC's bounded session table: session IDs, handles, idle and half-open expiry (IPMI 2.0 §6.12.15 timeouts).
import type { BmcSession } from './session.js';

export interface SessionTableLimits {
  /** Sessions of any state, including half-open ones. */
  maxSessions: number;
  /** An active session with no traffic for this long is closed (spec suggests 60 s ± 3 s). */
  idleTimeoutMs: number;
  /** A half-open session (mid-RAKP or challenged) is dropped after this long. */
  setupTimeoutMs: number;
}

/** Why a session left the table: Close Session (or a refused activation), no traffic in time, or a BMC reset. */
export type SessionEndReason = 'removed' | 'expired' | 'cleared';

/** Told of every session that leaves the table, so what lives with a session (SOL payloads, §24.2) can end too. */
export type SessionEndListener = (session: BmcSession, reason: SessionEndReason) => void;

export class SessionTable {
  private readonly byId = new Map<number, BmcSession>();
  private nextHandle = 1;
  private readonly endListeners = new Set<SessionEndListener>();

  readonly limits: SessionTableLimits;
  private readonly randomU32: () => number;

  constructor(limits: SessionTableLimits, randomU32: () => number) {
    this.limits = limits;
    this.randomU32 = randomU32;
  }

  get size(): number {
    return this.byId.size;
  }

  get(bmcId: number): BmcSession | undefined {
    return this.byId.get(bmcId);
  }

  /** Active sessions in handle order. */
  active(): BmcSession[] {
    return [...this.byId.values()].filter((s) => s.state === 'active').sort((a, b) => a.handle - b.handle);
  }

  byHandle(handle: number): BmcSession | undefined {
    for (const s of this.byId.values()) if (s.handle === handle && s.state === 'active') return s;
    return undefined;
  }

  /** Adds a session with a fresh non-zero ID and handle; returns undefined when the table is full. */
  add(fields: Omit<BmcSession, 'bmcId' | 'handle'>, now: number): BmcSession | undefined {
    this.expire(now);
    if (this.byId.size >= this.limits.maxSessions) return undefined;
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
      const limit = s.state === 'active' ? this.limits.idleTimeoutMs : this.limits.setupTimeoutMs;
      if (now - s.lastActivity > limit) {
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
