// Lockout after repeated bad logins (the AccountService's AccountLockoutThreshold and AccountLockoutDuration,
// DSP2046 AccountService): per user of the BMC's user table, so its size bounds what is kept. A locked user is
// refused even with the right password until the lockout ends; a good login starts the count over.

export interface LockoutSettings { threshold: number; durationMs: number }

export class LoginLockout {
  private readonly settings: LockoutSettings;
  /** User name -> bad passwords in a row, and until when the user is locked (0: not locked); made at the first bad one. */
  private users: Map<string, { failures: number; lockedUntil: number }> | null = null;

  constructor(settings: LockoutSettings) {
    this.settings = settings;
  }

  isLocked(userName: string, now: number): boolean {
    return now < (this.users?.get(userName)?.lockedUntil ?? 0);
  }

  /** Counts a bad password of a user the table has; true when this one locked the user. */
  failed(userName: string, now: number): boolean {
    this.users ??= new Map();
    const entry = this.users.get(userName) ?? { failures: 0, lockedUntil: 0 };
    this.users.set(userName, entry);
    entry.failures++;
    if (entry.failures < this.settings.threshold) return false;
    entry.failures = 0;
    entry.lockedUntil = now + this.settings.durationMs;
    return true;
  }

  succeeded(userName: string): void {
    this.unlock(userName);
  }

  /** The user's count starts over and any lockout ends (an administrator sets the account's Locked to false). */
  unlock(userName: string): void {
    this.users?.delete(userName);
  }
}
