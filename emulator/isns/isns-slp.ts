// The iSNS server found by SLP — RFC 4018 §6 (service:iscsi:sms) as open-isns registers it (slp.c): the URL
// service:iscsi:sms://ADDR:PORT with the attributes (description=iSNS Server),(protocols=isns), in the configured
// scopes. A Service Agent (emulator/slp/service-agent.ts) answers for it on UDP 427, multicast on loopback, and
// registers it with a Directory Agent when one is configured.
import type { Clock } from '../../runtime/clock.js';
import { parseAttributeList } from '../../protocols/slp/attributes.js';
import { serviceUrl } from '../../protocols/slp/service-url.js';
import { ServiceAgent } from '../slp/service-agent.js';

export const ISNS_SERVICE_TYPE = 'service:iscsi:sms';
export const ISNS_SLP_ATTRIBUTES = '(description=iSNS Server),(protocols=isns)';

/** The fleet file's isns.slp. */
export interface IsnsSlpConfig {
  scopes: string[];
  /** UDP port of the agent (427; tests pick others). */
  port: number;
  /** Join 239.255.255.253 on the loopback interface (127.0.0.1). */
  multicast: boolean;
  /** Register with this Directory Agent; null: none. */
  directoryAgent: { host: string; port: number } | null;
  /** The URL's lifetime, seconds (§4.3; RFC 2608 §13 LIFETIME_DEFAULT is 10800). */
  lifetimeSeconds: number;
}

export const DEFAULT_ISNS_SLP: IsnsSlpConfig = { scopes: ['DEFAULT'], port: 427, multicast: true, directoryAgent: null, lifetimeSeconds: 10_800 };

const isWildcard = (host: string) => host === '' || host === '0.0.0.0';

/** The agent for an iSNS server serving on host:isnsPort (a wildcard host is announced as 127.0.0.1). */
export function isnsServiceAgent(host: string, isnsPort: number, config: IsnsSlpConfig, clock: Clock): ServiceAgent {
  const address = isWildcard(host) ? '127.0.0.1' : host;
  return new ServiceAgent({
    host: address, port: config.port, scopes: config.scopes, clock,
    multicastInterface: config.multicast ? '127.0.0.1' : null,
    directoryAgent: config.directoryAgent,
    service: {
      url: serviceUrl(ISNS_SERVICE_TYPE, address, isnsPort), lifetime: config.lifetimeSeconds, serviceType: ISNS_SERVICE_TYPE,
      scopes: config.scopes, attributes: parseAttributeList(ISNS_SLP_ATTRIBUTES), langTag: 'en',
    },
  });
}
