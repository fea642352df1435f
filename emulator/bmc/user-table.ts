// The BMC's user table — IPMI 2.0 §6.9 (users, user 1 = null user) and the state behind §22.26-22.30
// (Set/Get User Access, Set/Get User Name, Set User Password) for the one LAN channel.
import { Privilege, type UserDirectory, type UserRecord } from '../../protocols/ipmi/users.js';

export const USER_SLOTS = 16;
export const USER_NAME_BYTES = 16;
export const MAX_PASSWORD_BYTES = 20;
/** User 1 has a fixed (empty) name. */
export const FIXED_NAME_USERS = 1;

export interface BmcUser extends UserRecord {
  /** Get/Set User Access byte 4 [6]: restricted to callback. */
  callbackOnly: boolean;
  /** [5]: link authentication enabled. */
  linkAuth: boolean;
  /** [4]: IPMI messaging enabled. */
  ipmiMessaging: boolean;
  /** Set User Access byte 4: simultaneous session limit, 0 = only the channel's limit. */
  sessionLimit: number;
  /** The form (16 or 20 bytes) the password was last set with; Set User Password "test" must match it. */
  passwordSize: 16 | 20;
}

export interface UserOptions {
  name: string;
  password: string | Uint8Array;
  /** Privilege limit on the LAN channel; default ADMINISTRATOR. */
  privilege?: number;
}

export interface UserTableState { slots: (Omit<BmcUser, 'password'> & { password: string })[] }

export type SetNameResult = 'ok' | 'invalid-id' | 'fixed-name' | 'duplicate';
export type TestPasswordResult = 'match' | 'mismatch' | 'wrong-size';

export interface UserAccessChange {
  callbackOnly?: boolean;
  linkAuth?: boolean;
  ipmiMessaging?: boolean;
  privilegeLimit?: number;
  sessionLimit?: number;
}

function emptySlot(id: number): BmcUser {
  return {
    id, name: '', password: Buffer.alloc(0), privilegeLimit: Privilege.NO_ACCESS, enabled: false,
    callbackOnly: false, linkAuth: false, ipmiMessaging: false, sessionLimit: 0, passwordSize: 16,
  };
}

/** The form a password of `length` bytes is stored and sent in (IPMI 2.0 §22.30: NUL-padded to 16 bytes, or to 20). */
export function passwordForm(length: number): 16 | 20 {
  return length > 16 ? 20 : 16;
}

function trimPassword(bytes: Uint8Array): Buffer {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return Buffer.from(bytes.subarray(0, end));
}

/** Sixteen user slots; the session layer reads it through UserDirectory, the App commands change it. */
export class UserTable implements UserDirectory {
  private readonly slots: BmcUser[] = [];

  /** `users` fill IDs 2, 3, ...; user 1 is the null user, disabled. Throws RangeError on a bad entry. */
  constructor(users: readonly UserOptions[]) {
    for (let id = 1; id <= USER_SLOTS; id++) this.slots.push(emptySlot(id));
    if (users.length > USER_SLOTS - 1) throw new RangeError(`at most ${USER_SLOTS - 1} users, got ${users.length}`);
    users.forEach((u, i) => {
      const slot = this.slots[i + 1];
      if (u.name === '' || Buffer.byteLength(u.name, 'latin1') > USER_NAME_BYTES) throw new RangeError(`bad user name ${JSON.stringify(u.name)}`);
      if (this.byName(u.name)) throw new RangeError(`duplicate user name ${JSON.stringify(u.name)}`);
      const password = typeof u.password === 'string' ? Buffer.from(u.password, 'utf8') : Buffer.from(u.password);
      if (password.length > MAX_PASSWORD_BYTES) throw new RangeError(`password of ${u.name} is longer than ${MAX_PASSWORD_BYTES} bytes`);
      Object.assign(slot, {
        name: u.name, password: trimPassword(password), passwordSize: passwordForm(password.length),
        privilegeLimit: u.privilege ?? Privilege.ADMINISTRATOR, enabled: true, ipmiMessaging: true,
      });
    });
  }

  /** Plain data for a state directory: every slot, passwords as hex. */
  toJSON(): UserTableState {
    return { slots: this.slots.map((u) => ({ ...u, password: u.password.toString('hex') })) };
  }

  /** Restores what toJSON() saved; slots it does not name keep their state. */
  load(state: UserTableState): void {
    for (const saved of state.slots) {
      const slot = this.slots[saved.id - 1];
      if (!slot) continue;
      Object.assign(slot, { ...saved, password: Buffer.from(saved.password, 'hex') });
    }
  }

  byId(id: number): BmcUser | undefined {
    return id >= 1 && id <= USER_SLOTS ? this.slots[id - 1] : undefined;
  }

  /** The first slot with this exact name ('' finds the null user, slot 1). */
  byName(name: string): BmcUser | undefined {
    return this.slots.find((u) => u.name === name);
  }

  enabledCount(): number {
    return this.slots.filter((u) => u.enabled).length;
  }

  setName(id: number, name: string): SetNameResult {
    const user = this.byId(id);
    if (!user) return 'invalid-id';
    if (id <= FIXED_NAME_USERS) return 'fixed-name';
    if (name !== '' && this.slots.some((u) => u.id !== id && u.name === name)) return 'duplicate';
    user.name = name;
    return 'ok';
  }

  /** Stores the password without its NUL padding and remembers which form (16/20) set it. */
  setPassword(id: number, padded: Uint8Array): boolean {
    const user = this.byId(id);
    if (!user) return false;
    user.password = trimPassword(padded);
    user.passwordSize = passwordForm(padded.length);
    return true;
  }

  testPassword(id: number, padded: Uint8Array): TestPasswordResult {
    const user = this.byId(id);
    if (!user) return 'mismatch';
    if (passwordForm(padded.length) !== user.passwordSize) return 'wrong-size';
    return trimPassword(padded).equals(user.password) ? 'match' : 'mismatch';
  }

  setEnabled(id: number, enabled: boolean): boolean {
    const user = this.byId(id);
    if (!user) return false;
    user.enabled = enabled;
    return true;
  }

  /** The first slot without a user (no name), user 1 aside; null when every one is taken. */
  freeSlot(): number | null {
    return this.slots.find((u) => u.id > FIXED_NAME_USERS && u.name === '')?.id ?? null;
  }

  /** The slot as if never set (no name, no password, disabled, no access): a user deleted. False for user 1 or no such slot. */
  clearSlot(id: number): boolean {
    if (id <= FIXED_NAME_USERS || !this.byId(id)) return false;
    this.slots[id - 1] = emptySlot(id);
    return true;
  }

  setAccess(id: number, change: UserAccessChange): boolean {
    const user = this.byId(id);
    if (!user) return false;
    if (change.callbackOnly !== undefined) user.callbackOnly = change.callbackOnly;
    if (change.linkAuth !== undefined) user.linkAuth = change.linkAuth;
    if (change.ipmiMessaging !== undefined) user.ipmiMessaging = change.ipmiMessaging;
    if (change.privilegeLimit !== undefined) user.privilegeLimit = change.privilegeLimit;
    if (change.sessionLimit !== undefined) user.sessionLimit = change.sessionLimit;
    return true;
  }
}
