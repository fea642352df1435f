// Users and privilege levels as the session layer needs them — IPMI 2.0 §6.8 (privilege levels), §6.9 (users).

/** Privilege levels — IPMI 2.0 §6.8 / Table 22-? "Requested Maximum Privilege Level". */
export const Privilege = {
  CALLBACK: 0x01,
  USER: 0x02,
  OPERATOR: 0x03,
  ADMINISTRATOR: 0x04,
  OEM: 0x05,
  /** "No access" in Get/Set User Access (§22.27). */
  NO_ACCESS: 0x0f,
} as const;

export interface UserRecord {
  /** 1-based user ID; user 1 is the null (anonymous) user. */
  id: number;
  name: string;
  /** Up to 20 bytes (IPMI 2.0 passwords); 1.5 auth uses the first 16. */
  password: Buffer;
  /** Channel privilege limit for the LAN channel. */
  privilegeLimit: number;
  enabled: boolean;
  /** IPMI Messaging access on the LAN channel (Set User Access byte 1 bit 4); false refuses LAN logins. */
  ipmiMessaging?: boolean;
}

/** May this user open a LAN session at all? (enabled, and IPMI Messaging not switched off, §22.26). */
export function mayLogIn(user: UserRecord | undefined): user is UserRecord {
  return !!user && user.enabled && user.ipmiMessaging !== false;
}

/** What the session layer reads about users; the BMC model owns and mutates the table. */
export interface UserDirectory {
  byName(name: string): UserRecord | undefined;
  byId(id: number): UserRecord | undefined;
}
