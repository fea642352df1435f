// Who a BMC is, read over an open session: Get System GUID (IPMI 2.0 §22.14) and Get Device ID (§20.1), in the
// words ipmitool prints them in (`mc guid`, `mc info`).
import { GetDeviceId, GetSystemGuid, formatGuid } from '../../protocols/ipmi/commands/device.js';
import type { IpmiLanClient } from './ipmi-client.js';

export interface BmcIdentity {
  /** RFC 4122 text. */
  guid: string;
  deviceId: number;
  deviceRevision: number;
  /** MAJOR.MINOR: "1.02" (a minor byte that is not BCD in hex, as ipmitool shows it). */
  firmware: string;
  /** "2.0". */
  ipmiVersion: string;
  /** The IANA enterprise number of the BMC's maker. */
  manufacturerId: number;
  productId: number;
}

/** Throws what the client throws (ipmi-errors.ts, or DecodeError for a malformed answer). */
export async function readBmcIdentity(client: IpmiLanClient): Promise<BmcIdentity> {
  const { guid } = await client.call(GetSystemGuid);
  const d = await client.call(GetDeviceId);
  const minor = d.firmwareMinor === undefined ? (d.firmwareMinorByte ?? 0).toString(16).padStart(2, '0') : String(d.firmwareMinor).padStart(2, '0');
  return {
    guid: formatGuid(guid), deviceId: d.deviceId, deviceRevision: d.deviceRevision, firmware: `${d.firmwareMajor}.${minor}`,
    ipmiVersion: `${d.ipmiMajor}.${d.ipmiMinor}`, manufacturerId: d.manufacturerId, productId: d.productId,
  };
}
