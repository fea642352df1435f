// One BMC's Redfish sessions (DSP0266 §13.3.4 "Redfish session login authentication"): each a token the client sends
// as X-Auth-Token, bounded in number, ending when deleted, when unused for the session timeout, or when the BMC
// reboots. No timers: an idle session is found expired when it is next looked at (time comes in as `now`).
import { randomBytes } from 'node:crypto';

export interface RedfishSession {
  /** The session's Id in /redfish/v1/SessionService/Sessions/{Id}. */
  readonly id: string;
  readonly token: string;
  /** Its user; the role is read from the user table on each request (dispatch.ts), so a change applies at once. */
  readonly userName: string;
  lastUsed: number;
}

export interface SessionLimits { maxSessions: number; timeoutMs: number }

export class SessionTable {
  private readonly limits: SessionLimits;
  private readonly byToken = new Map<string, RedfishSession>();
  private nextId = 1;

  constructor(limits: SessionLimits) {
    this.limits = limits;
  }

  /** A new session, or null when the table is full of live sessions. */
  open(userName: string, now: number): RedfishSession | null {
    this.dropExpired(now);
    if (this.byToken.size >= this.limits.maxSessions) return null;
    const session = { id: String(this.nextId++), token: randomBytes(16).toString('hex'), userName, lastUsed: now };
    this.byToken.set(session.token, session);
    return session;
  }

  /** The live session with this token, marked used now; undefined when none (an expired one is dropped). */
  use(token: string, now: number): RedfishSession | undefined {
    const session = this.byToken.get(token);
    if (session === undefined) return undefined;
    if (this.expired(session, now)) {
      this.byToken.delete(token);
      return undefined;
    }
    session.lastUsed = now;
    return session;
  }

  byId(id: string, now: number): RedfishSession | undefined {
    return this.list(now).find((s) => s.id === id);
  }

  /** The live sessions, oldest first. */
  list(now: number): RedfishSession[] {
    this.dropExpired(now);
    return [...this.byToken.values()];
  }

  close(session: RedfishSession): void {
    this.byToken.delete(session.token);
  }

  /** Every session ends (the BMC rebooted). */
  clear(): void {
    this.byToken.clear();
  }

  get size(): number {
    return this.byToken.size;
  }

  private expired(session: RedfishSession, now: number): boolean {
    return now - session.lastUsed >= this.limits.timeoutMs;
  }

  private dropExpired(now: number): void {
    for (const [token, session] of this.byToken) if (this.expired(session, now)) this.byToken.delete(token);
  }
}
