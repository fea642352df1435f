// The BMC flasher over IPMI LAN: BmcFlasher (bmc-flasher.ts) with HPM.1 upgrades (hpm-upgrade.ts) through RMCP+
// sessions, cipher suite 17 unless the BMC's login names another. Every timer runs on the Clock.
import { DecodeError } from '../../protocols/errors.js';
import { GetDeviceId } from '../../protocols/ipmi/commands/device.js';
import { FailureReason } from '../../protocols/rollout/rack-status.js';
import { systemClock, type Clock } from '../../runtime/clock.js';
import type { BmcFlasher, BmcLogin, FlashRequest, FlashResult, VersionRead } from './bmc-flasher.js';
import { closeQuietly, componentVersion, firmwareOf, openSession, type HpmFlasherSettings } from './hpm-session.js';
import { HpmUpgrade } from './hpm-upgrade.js';
import type { IpmiLanClient } from './ipmi-client.js';
import { CompletionCodeError, IpmiAuthError, IpmiError } from './ipmi-errors.js';

/**
 * Firmware bytes in one Upload Firmware Block: the largest whose request fits one RMCP+ datagram in a 1500-byte
 * Ethernet frame with any suite the BMCs offer. 1472 bytes of UDP payload, less RMCP's header (4), the session header
 * (12), the integrity trailer at most (pad 3, pad length 1, next header 1, AuthCode 16: 21), leaves 1435 for the
 * payload; AES-CBC-128 takes a 16-byte IV and pads the message and its pad-length byte to 16s (IPMI 2.0 §13.29):
 * 1407 bytes of IPMI message, less its 7 bytes of addresses, command and checksums (§13.8), less the PICMG identifier
 * and the block number.
 */
export const UPLOAD_BLOCK_BYTES = 1398;

export interface HpmFlasherOptions extends Partial<Omit<HpmFlasherSettings, 'clock'>> {
  clock?: Clock;
}

export const DEFAULT_FLASHER_SETTINGS: Readonly<Omit<HpmFlasherSettings, 'clock' | 'traffic'>> = Object.freeze({
  requestTimeoutMs: 1000, retries: 3, pollIntervalMs: 500, rebootWaitMs: 180_000, blockBytes: UPLOAD_BLOCK_BYTES,
});

export class HpmFlasher implements BmcFlasher {
  readonly settings: Readonly<HpmFlasherSettings>;

  constructor(options: HpmFlasherOptions = {}) {
    const settings = { ...DEFAULT_FLASHER_SETTINGS, ...options, clock: options.clock ?? systemClock };
    for (const key of Object.keys(DEFAULT_FLASHER_SETTINGS) as (keyof typeof DEFAULT_FLASHER_SETTINGS)[]) {
      const v = settings[key];
      if (!Number.isInteger(v) || v < 0 || (key === 'blockBytes' && v < 1)) throw new RangeError(`${key} must be a whole number${key === 'blockBytes' ? ' from 1' : ''}, got ${v}`);
    }
    this.settings = Object.freeze(settings);
  }

  flash(request: FlashRequest): Promise<FlashResult> {
    return new HpmUpgrade(request, this.settings).run();
  }

  async readVersion(bmc: BmcLogin, component: number | null = null): Promise<VersionRead> {
    let client: IpmiLanClient | null = null;
    try {
      client = await openSession(bmc, this.settings);
      const firmware = firmwareOf(await client.call(GetDeviceId));
      return { ok: true, firmware, component: component === null ? null : await componentVersion(client, component) };
    } catch (err) {
      // Refused at login (a RAKP status, a wrong password, Set Session Privilege Level refused)
      if (err instanceof IpmiAuthError || (err instanceof CompletionCodeError && client === null)) return { ok: false, reason: FailureReason.LOGIN_FAILED };
      // No answer, or none that says a version
      if (err instanceof IpmiError || err instanceof DecodeError) return { ok: false, reason: FailureReason.UNREACHABLE };
      throw err;
    } finally {
      if (client) await closeQuietly(client);
    }
  }
}
