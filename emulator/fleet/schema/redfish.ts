// redfish: every BMC's Redfish service (issue 16, README "Redfish") over HTTPS at the BMC's own address; left out,
// BMCs serve none.
import { z } from 'zod';
import { flag, wholeNumber } from './kinds.js';

export interface RedfishConfig {
  /** The TCP port at every BMC's address. */
  port: number;
  /** HTTPS with the fleet CA's certificates; false: plain HTTP (tests, sushy without verification). */
  tls: boolean;
  /** Open sessions per BMC; a login past it is refused (503) until one ends or expires. */
  maxSessions: number;
  /** A session unused this long ends (the SessionService's SessionTimeout). */
  sessionTimeoutSeconds: number;
  /** Bad passwords in a row for one user before the account locks (AccountService.AccountLockoutThreshold). */
  lockoutThreshold: number;
  /** How long a locked account stays locked (AccountLockoutDuration). */
  lockoutSeconds: number;
  /** The largest request body, KiB (413 past it). */
  maxBodyKiB: number;
  /** Connections open at once in each fleet process (every BMC of it together), and from one source address. */
  maxConnections: number;
  maxConnectionsPerSource: number;
}

export const redfishSection = z.strictObject({
  port: wholeNumber(1, 65535).prefault(443).describe('TCP port at every BMC\'s address; 443 needs root'),
  tls: flag().prefault(true).describe('HTTPS with certificates from the fleet\'s own CA (STATE_DIR/redfish-ca.pem, or ~/.local/state/bmcfleet/redfish-NAME/); false: plain HTTP'),
  maxSessions: wholeNumber(1, 1024).prefault(16).describe('open Redfish sessions per BMC'),
  sessionTimeoutSeconds: wholeNumber(30, 86_400).prefault(1800).describe('an unused session ends after this long'),
  lockoutThreshold: wholeNumber(1, 1000).prefault(5).describe('bad passwords in a row that lock a user out'),
  lockoutSeconds: wholeNumber(1, 86_400).prefault(60).describe('how long a locked-out user stays locked'),
  maxBodyKiB: wholeNumber(1, 65_536).prefault(64).describe('largest request body (413 past it)'),
  maxConnections: wholeNumber(1, 100_000).prefault(1024).describe('connections open at once in each fleet process'),
  maxConnectionsPerSource: wholeNumber(1, 100_000).prefault(256).describe('connections open at once from one source address, in each fleet process'),
}).describe('every BMC\'s Redfish service at its own address (README "Redfish")');
