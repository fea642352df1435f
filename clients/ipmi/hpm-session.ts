// What the BMC flasher needs of an RMCP+ session (IPMI 2.0 §13): the flasher's settings, how to log in to one
// BMC with them, how to leave a session that may already be dead, and the firmware version Get Device ID reports.
import { DecodeError } from '../../protocols/errors.js';
import type { DeviceId } from '../../protocols/ipmi/commands/device.js';
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

export function sameVersion(a: FirmwareVersion, b: FirmwareVersion): boolean {
  return a.major === b.major && a.minor === b.minor;
}

/** "1.02", as ipmitool prints a version. */
export function versionText(v: FirmwareVersion): string {
  return `${v.major}.${String(v.minor).padStart(2, '0')}`;
}
