// PLACEHOLDER until the real BMC flasher is merged (clients/ipmi/hpm-upgrader.ts, HpmFlasher): every BMC is
// UNREACHABLE, so a rollout through the fleet's RMCs ends with each of their BMCs FAILED, reason 1. The lead swaps it
// for the real one in one line (emulator/fleet/nodes/rmc.ts).
import type { BmcFlasher, BmcLogin, FlashRequest, FlashResult, VersionRead } from '../../clients/ipmi/bmc-flasher.js';
import { BmcOutcome, FailureReason } from '../../protocols/rollout/rack-status.js';

export class UnreachableFlasherPlaceholder implements BmcFlasher {
  readVersion(_bmc: BmcLogin): Promise<VersionRead> {
    return Promise.resolve({ ok: false, reason: FailureReason.UNREACHABLE });
  }

  flash(_request: FlashRequest): Promise<FlashResult> {
    return Promise.resolve({
      outcome: BmcOutcome.FAILED, reason: FailureReason.UNREACHABLE, firmware: { major: 0, minor: 0 }, detail: 'no BMC flasher yet (placeholder)',
    });
  }
}
