// What the BMC flasher needs of an RMCP+ session (IPMI 2.0 §13): the flasher's settings, how to log in to one
// BMC with them, how to leave a session that may already be dead, and the firmware version Get Device ID reports.
import { DecodeError } from '../../protocols/errors.js';
import { CompletionCode } from '../../protocols/ipmi/completion-codes.js';
import type { DeviceId } from '../../protocols/ipmi/commands/device.js';
import { ComponentSelector, GetComponentProperties } from '../../protocols/ipmi/commands/hpm.js';
import type { Clock } from '../../runtime/clock.js';
import type { BmcLogin, FirmwareVersion } from './bmc-flasher.js';
import { IpmiLanClient, type TrafficCount } from './ipmi-client.js';
import { IpmiError } from './ipmi-errors.js';

export interface HpmFlasherSettings {
  clock: Clock;
  /** One attempt of a request (IpmiLanClient timeoutMs). */
  requestTimeoutMs: number;
  /** Retransmissions of a request before it has no answer. */
  retries: number;
  /** Pause between Get Upgrade Status polls while a step answers 80h, and between logins while the BMC is silent. */
  pollIntervalMs: number;
  /** How long the BMC may stay silent after activation (or after it stopped answering mid-upgrade). */
  rebootWaitMs: number;
  /** Firmware bytes in one Upload Firmware Block. */
  blockBytes: number;
  /** Counts every datagram the flasher's sessions send (a benchmark's bytes on the wire). */
  traffic?: TrafficCount;
}

export const DEFAULT_CIPHER_SUITE = 17;

/** Opens an administrator session (the HPM.1 upgrade commands need it) with the flasher's timeouts. */
export function openSession(bmc: BmcLogin, s: HpmFlasherSettings): Promise<IpmiLanClient> {
  return IpmiLanClient.connect({
    host: bmc.host, port: bmc.port, username: bmc.username, password: bmc.password, cipherSuite: bmc.cipherSuite ?? DEFAULT_CIPHER_SUITE,
    timeoutMs: s.requestTimeoutMs, retries: s.retries, clock: s.clock, traffic: s.traffic,
  });
}

/** Closes a session, ignoring what the BMC does about it (it may have rebooted and forgotten the session). */
export async function closeQuietly(client: IpmiLanClient): Promise<void> {
  try {
    await client.close();
  } catch (err) {
    if (!(err instanceof IpmiError || err instanceof DecodeError)) throw err;
  }
}

/** NOT_BCD: the minor Get Device ID sent is not two BCD digits (it then matches no version). */
export const NOT_BCD = 0xff;

/** Get Device ID bytes 4-5 (IPMI 2.0 §20.1): the running firmware's major and minor revision. */
export function firmwareOf(id: DeviceId): FirmwareVersion {
  return { major: id.firmwareMajor, minor: id.firmwareMinor ?? NOT_BCD };
}

/**
 * Get Component Properties, selector 01h (HPM.1 §3.2.3): the version the component runs. Null when the BMC answers
 * with an error (no HPM.1, no such component: 82h) or says the component has no version (7Fh FFh).
 * `within` bounds the wait (the upgrade's deadline).
 */
export async function componentVersion(client: IpmiLanClient, component: number,
  within: <T>(p: Promise<T>) => Promise<T> = (p) => p): Promise<FirmwareVersion | null> {
  const req = { component, selector: ComponentSelector.CURRENT_VERSION };
  const answer = await within(client.request(GetComponentProperties.netFn, GetComponentProperties.cmd, GetComponentProperties.encodeRequest(req)));
  if (answer.completionCode !== CompletionCode.OK) return null;
  const property = GetComponentProperties.decodeResponse(answer.data, req);
  return 'version' in property && property.version ? { major: property.version.major, minor: property.version.minor } : null;
}

/**
 * A BMC is at the target when every version it reports is: Get Device ID's (what runs) and, when it has one, the
 * HPM.1 component's (what `ipmitool hpm upgrade` compares). Where they disagree (an activation deferred, a component
 * the running firmware does not show) it is not: only a flash leaves it running the target, as Get Device ID confirms.
 */
export function atTarget(running: FirmwareVersion, component: FirmwareVersion | null, target: FirmwareVersion): boolean {
  return sameVersion(running, target) && (component === null || sameVersion(component, target));
}

export function sameVersion(a: FirmwareVersion, b: FirmwareVersion): boolean {
  return a.major === b.major && a.minor === b.minor;
}

/** "1.02", as ipmitool prints a version. */
export function versionText(v: FirmwareVersion): string {
  return `${v.major}.${String(v.minor).padStart(2, '0')}`;
}
