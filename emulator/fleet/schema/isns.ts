// isns: the fleet's iSNS server (RFC 4171) and its heartbeats; targets: the emulated iSCSI targets that register
// with it (also the control API's POST /targets body).
import { z } from 'zod';
import type { HeartbeatConfig } from '../../isns/heartbeat-sender.js';
import { DEFAULT_ISNS_SLP, type IsnsSlpConfig } from '../../isns/isns-slp.js';
import { LUN_STATES } from '../../isns/target-spec.js';
import { chapAccount } from '../../../runtime/document/chap-account.js';
import { flag, hostPortText, ipv4Text, oneOf, text, wholeNumber } from './kinds.js';

/** Where and how often the server sends Heartbeats (RFC 4171 §5.6.5.14). */
const heartbeat = z.strictObject({
  to: hostPortText('where heartbeats go, HOST:PORT (unicast, broadcast or multicast)')
    .refine((hp) => hp.port !== 0, { error: 'port 0 cannot be a destination' })
    .describe('HOST:PORT: unicast, broadcast, or a multicast group (TTL 1)'),
  intervalSeconds: wholeNumber(1, 86_400).prefault(5).describe('seconds between heartbeats'),
}).transform(({ to, intervalSeconds }): HeartbeatConfig => ({ address: to.host, port: to.port, intervalSeconds }));

/** How SLP clients find the server (RFC 2608; service:iscsi:sms as open-isns registers it). */
const slp = z.strictObject({
  scopes: z.array(text().regex(/^[^(),\\!<=>~;*+]+$/, { error: 'a scope name cannot hold ( ) , \\ ! < = > ~ ; * +' }))
    .min(1, { error: 'at least one scope' }).prefault(DEFAULT_ISNS_SLP.scopes).describe('SLP scopes the server is found in'),
  port: wholeNumber(1, 65535).prefault(DEFAULT_ISNS_SLP.port).describe('UDP port of the Service Agent (427, the SLP port: needs root)'),
  multicast: flag().prefault(DEFAULT_ISNS_SLP.multicast).describe('answer requests to 239.255.255.253, joined on 127.0.0.1'),
  directoryAgent: hostPortText('HOST:PORT of an SLP Directory Agent')
    .refine((hp) => hp.port !== 0, { error: 'port 0 cannot be a destination' }).nullable().optional()
    .describe('register with this Directory Agent (bmcfleet slp da runs one)'),
  lifetimeSeconds: wholeNumber(1, 65535).prefault(DEFAULT_ISNS_SLP.lifetimeSeconds).describe('how long the registration is valid'),
}).transform((s): IsnsSlpConfig => ({ ...s, directoryAgent: s.directoryAgent ?? null }));

export const isnsSection = z.strictObject({
  listen: hostPortText().describe('HOST:PORT the server listens on, TCP and UDP'),
  defaultDiscoveryDomain: flag().prefault(true).describe('nodes in no discovery domain see each other (isnsd\'s DefaultDiscoveryDomain = 1)'),
  heartbeat: heartbeat.nullable().optional().describe('off when left out, as in isnsd'),
  slp: slp.nullable().optional().describe('off when left out; {} for scope DEFAULT on UDP 427'),
}).transform(({ listen, defaultDiscoveryDomain, heartbeat, slp }) => ({
  ...listen, defaultDiscoveryDomain, ...(heartbeat ? { heartbeat } : {}), ...(slp ? { slp } : {}),
})).describe('the fleet\'s iSNS server (RFC 4171)');

const lun = z.strictObject({
  lun: wholeNumber(0, 16383),
  sizeGB: wholeNumber(1, 1_000_000),
  state: oneOf(Object.keys(LUN_STATES) as [string, ...string[]]).prefault('online'),
});

/** `count` targets named iqn.2026-11.org.bmcfleet:NAME-N on consecutive portal addresses from firstIp (NAME alone when count is 1). */
export const targetEntry = z.strictObject({
  name: text().regex(/^[a-z0-9][a-z0-9.-]*$/, { error: 'lower-case letters, digits, dots and dashes (it goes into an IQN)' })
    .describe('the target is iqn.2026-11.org.bmcfleet:NAME, or NAME-1, NAME-2, ... when count is more than 1'),
  count: wholeNumber(1, 10_000).prefault(1),
  firstIp: ipv4Text().describe('the first target\'s portal address, in 127.0.0.0/8; .0 and .255 are skipped'),
  port: wholeNumber(1, 65535).prefault(3260).describe('the portals\' TCP port'),
  luns: z.array(lun).prefault([{ lun: 0, sizeGB: 100 }]),
  chap: chapAccount.extend({
    mutual: chapAccount.optional().describe('the target\'s own account, for initiators that ask it to prove itself (mutual CHAP)'),
  }).nullable().optional().describe('initiators must log in with this CHAP account; none when left out'),
});

export const targetsSection = z.array(targetEntry).describe('emulated iSCSI targets; they register with the fleet\'s iSNS server (isns:)');
