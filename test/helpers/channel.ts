// A BMC LAN channel with a tiny user table, for in-memory session tests.
import { randomBytes } from 'node:crypto';
import { BmcLanChannel } from '../../protocols/ipmi/bmc-side/lan-channel.js';
import type { BmcChannelConfig } from '../../protocols/ipmi/bmc-side/channel-config.js';
import { CIPHER_SUITES } from '../../protocols/ipmi/cipher-suites.js';
import { AuthType } from '../../protocols/ipmi/session-v15.js';
import { Privilege, type UserRecord } from '../../protocols/ipmi/users.js';

export function testUsers(extra: UserRecord[] = []) {
  const users: UserRecord[] = [
    { id: 1, name: '', password: Buffer.alloc(0), privilegeLimit: Privilege.USER, enabled: false },
    { id: 2, name: 'admin', password: Buffer.from('password'), privilegeLimit: Privilege.ADMINISTRATOR, enabled: true },
    { id: 3, name: 'viewer', password: Buffer.from('viewpass'), privilegeLimit: Privilege.USER, enabled: true },
    ...extra,
  ];
  return {
    byName: (n: string) => users.find((u) => u.name === n && u.id !== 1) ?? (n === '' ? users[0] : undefined),
    byId: (id: number) => users.find((u) => u.id === id),
  };
}

/** Every suite implemented but 0 (more than a BMC offers by default), so session tests can run each of them. */
const EVERY_SUITE_BUT_0 = CIPHER_SUITES.map((s) => s.id).filter((id) => id !== 0);

export function testChannel(overrides: Partial<BmcChannelConfig> = {}): BmcLanChannel {
  return new BmcLanChannel({
    channel: 1,
    guid: Buffer.from('a123456789abcdefa123456789abcdef', 'hex'),
    users: testUsers(),
    cipherSuites: EVERY_SUITE_BUT_0,
    allowCipherSuite0: false,
    v15AuthTypes: [AuthType.MD5],
    kg: null,
    maxPrivilege: Privilege.ADMINISTRATOR,
    limits: { maxSessions: 8, idleTimeoutMs: 60_000, setupTimeoutMs: 10_000 },
    random: randomBytes,
    ...overrides,
  });
}

export const PEER = { address: '127.0.0.1', port: 40000 };
