// Provisioning step 1, discover (issue 14): a presence-ping sweep of addresses (clients/ipmi/rmcp-discovery.ts), and
// for each BMC it finds, while the sweep goes on, its identity over an RMCP+ session (Get System GUID, Get Device
// ID), at most `concurrency` at once, each within `identifyTimeoutMs`. Every host found is saved once it is settled,
// one transaction each (a process killed meanwhile loses the hosts not settled yet: a new sweep finds them again):
// a BMC that refuses the login, or does not answer, is saved with the reason and the sweep goes on. A host that
// answers the ping without IPMI is saved as found.
import { readBmcIdentity } from '../../clients/ipmi/bmc-identity.js';
import { withBmcSession } from '../../clients/ipmi/bmc-session.js';
import { explainFailure } from '../../clients/ipmi/failure-cause.js';
import type { IpmiClientOptions } from '../../clients/ipmi/ipmi-client.js';
import { SWEEP_DEFAULTS, sweepForBmcs, type SweepFinding, type SweepReport } from '../../clients/ipmi/rmcp-discovery.js';
import { parseIpv4 } from '../../protocols/ipv4.js';
import type { AuthCapsResponse } from '../../protocols/ipmi/commands/session-setup.js';
import { AuthType } from '../../protocols/ipmi/session-v15.js';
import type { Clock } from '../../runtime/clock.js';
import { HostStep, type AuthCapabilities, type BmcIdentity, type HostRecord } from '../store/host-records.js';
import type { ProvisioningStore } from '../store/provisioning-store.js';
import { identified, sighted, stepFailed } from './host-machine.js';
import { StepDriver, type StepOutcome } from './step-driver.js';

/** The credentials and session settings every BMC is logged in with. */
export type BmcLogin = Pick<IpmiClientOptions, 'username' | 'password' | 'cipherSuite' | 'timeoutMs' | 'retries'>;

export const DISCOVER_DEFAULTS = { ...SWEEP_DEFAULTS, concurrency: 64, identifyTimeoutMs: 30_000 } as const;

export interface DiscoverOptions {
  /** The addresses to sweep, pulled as the sweep goes. */
  addresses: Iterable<string>;
  port?: number;
  window?: number;
  timeoutMs?: number;
  retries?: number;
  login: BmcLogin;
  /** BMCs being identified at once. */
  concurrency?: number;
  identifyTimeoutMs?: number;
  store: ProvisioningStore;
  clock: Clock;
  onProgress?(p: DiscoverProgress): void;
}

export interface DiscoverProgress {
  /** Addresses the sweep is through with, and devices that answered its ping. */
  swept: number;
  found: number;
  identified: number;
  failed: number;
}

export interface DiscoverResult {
  sweep: SweepReport;
  /** The hosts this sweep found, as saved, in address order. */
  hosts: HostRecord[];
  identified: number;
  failed: number;
}

const AUTH_TYPE_NAMES: [number, string][] = [
  [AuthType.NONE, 'none'], [AuthType.MD2, 'md2'], [AuthType.MD5, 'md5'], [AuthType.STRAIGHT_PASSWORD, 'password'], [AuthType.OEM, 'oem'],
];

/** Get Channel Authentication Capabilities in the store's words (IPMI 2.0 §22.13). */
function authCapabilitiesOf(r: AuthCapsResponse): AuthCapabilities {
  return {
    authTypes: AUTH_TYPE_NAMES.filter(([bit]) => (r.authTypes & (1 << bit)) !== 0).map(([, name]) => name),
    ipmi15: r.supportsV15, ipmi20: r.supportsV20, kgSet: r.kgNonZero, perMessageAuth: !r.perMessageAuthDisabled,
    userLevelAuth: !r.userLevelAuthDisabled, nonNullUsers: r.nonNullUsers, nullUsers: r.nullUsers, anonymousLogin: r.anonymousLogin,
  };
}

export async function discover(o: DiscoverOptions): Promise<DiscoverResult> {
  const port = o.port ?? DISCOVER_DEFAULTS.port;
  const known = new Map(o.store.hosts().map((h) => [h.address, h]));
  const foundNow = new Map<string, HostRecord>();
  const progress: DiscoverProgress = { swept: 0, found: 0, identified: 0, failed: 0 };
  const save = (host: HostRecord) => {
    o.store.saveHosts([host]);
    known.set(host.address, host);
    foundNow.set(host.address, host);
  };
  const identify = new StepDriver<BmcIdentity>({
    clock: o.clock,
    concurrency: o.concurrency ?? DISCOVER_DEFAULTS.concurrency,
    timeoutMs: o.identifyTimeoutMs ?? DISCOVER_DEFAULTS.identifyTimeoutMs,
    work: (address, signal) => withBmcSession({ ...o.login, host: address, port, clock: o.clock }, readBmcIdentity, signal),
    settle: (address, outcome, nowMs) => {
      const host = settled(foundNow.get(address)!, outcome, o.identifyTimeoutMs ?? DISCOVER_DEFAULTS.identifyTimeoutMs, nowMs);
      if (host.failure) progress.failed++;
      else progress.identified++;
      save(host);
      o.onProgress?.(progress);
    },
  });
  // A BMC is saved once, when its identify step is over; a device without IPMI at once.
  const onFound = (f: SweepFinding) => {
    const host = sighted(known.get(f.address) ?? null, { address: f.address, port, authCaps: f.authCaps && authCapabilitiesOf(f.authCaps) }, o.clock.now());
    foundNow.set(host.address, host);
    if (f.ipmi) identify.add(f.address);
    else save(host);
  };
  const sweep = await sweepForBmcs(o.addresses, {
    port, window: o.window, timeoutMs: o.timeoutMs, retries: o.retries, clock: o.clock, onFound,
    onProgress: (swept, found) => {
      progress.swept = swept;
      progress.found = found;
      o.onProgress?.(progress);
    },
  });
  await identify.close();
  const hosts = [...foundNow.values()].sort((a, b) => parseIpv4(a.address) - parseIpv4(b.address));
  return { sweep, hosts, identified: progress.identified, failed: progress.failed };
}

/** The host after its identify step ended this way. */
function settled(host: HostRecord, outcome: StepOutcome<BmcIdentity>, timeoutMs: number, nowMs: number): HostRecord {
  switch (outcome.kind) {
    case 'done': return identified(host, outcome.value, nowMs);
    case 'timed-out': return stepFailed(host, HostStep.IDENTIFY, 'timed-out', `${host.address}: not identified within ${timeoutMs / 1000} s`, nowMs);
    case 'failed': {
      const { cause, message } = explainFailure(outcome.error);
      return stepFailed(host, HostStep.IDENTIFY, cause, message, nowMs);
    }
  }
}
