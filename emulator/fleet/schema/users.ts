// users: the IPMI users of every BMC (IDs 2, 3, ...), and security: cipher suite 0 and the session table's size.
import { z } from 'zod';
import { Privilege } from '../../../protocols/ipmi/users.js';
import { expected, flag, shown, text, wholeNumber } from './kinds.js';

/** Privilege levels by name, any case (IPMI 2.0 §6.8). */
const PRIVILEGES: Readonly<Record<string, number>> = {
  callback: Privilege.CALLBACK, user: Privilege.USER, operator: Privilege.OPERATOR, administrator: Privilege.ADMINISTRATOR, admin: Privilege.ADMINISTRATOR, oem: Privilege.OEM,
};

const privilege = text().meta({ examples: Object.keys(PRIVILEGES) }).transform((name, ctx) => {
  const level = PRIVILEGES[name.toLowerCase()];
  if (level === undefined) ctx.addIssue({ code: 'custom', message: `expected one of ${Object.keys(PRIVILEGES).join(', ')}, got ${shown(name)}`, input: name });
  return level ?? z.NEVER;
});

const user = z.strictObject({
  name: text().refine((s) => Buffer.byteLength(s) <= 16, { error: 'at most 16 bytes (IPMI user names)' }),
  // A YAML number (password: 1234) is the password's text.
  password: z.union([text(), z.number().transform(String)], { error: expected('a non-empty string') })
    .refine((s) => Buffer.byteLength(s) <= 20, { error: 'at most 20 bytes (IPMI passwords)' }),
  privilege: privilege.prefault('administrator').describe('callback, user, operator, administrator (admin) or oem'),
});

export const usersSection = z.array(user).prefault([{ name: 'admin', password: 'password', privilege: 'administrator' }])
  .describe('users on every BMC (IDs 2, 3, ...); default: admin / password, administrator');

export const securitySection = z.strictObject({
  allowCipherSuite0: flag().prefault(false).describe('also accept cipher suite 0: no authentication at all (any password logs in)'),
  maxSessions: wholeNumber(1, 255).prefault(32).describe('session table size per BMC'),
  maxBmcs: wholeNumber(1, 1_000_000).prefault(100_000)
    .describe('at most this many BMCs in the fleet after an addition at run time (the control API\'s POST /bmcs and POST /racks; the racks of the file may hold more)'),
}).prefault({});
