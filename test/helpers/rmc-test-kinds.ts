// The node kinds of a shard process (rmc-shard-main.ts) whose RMCs flash through a SCRIPTED FAKE flasher (not the real HPM.1 one, clients/ipmi/
// hpm-upgrader.ts): a BMC whose address ends in .2 is at 2.07 already, one ending in .9 is unreachable, the others
// are at 1.00 and each flash takes 30 ms and brings the target version. For test/integration/rmc-rollout.test.ts.
import type { BmcFlasher, BmcLogin, FirmwareVersion, FlashRequest, FlashResult, VersionRead } from '../../clients/ipmi/bmc-flasher.js';
import { bmcKind } from '../../emulator/fleet/nodes/bmc.js';
import { rmcKindWith } from '../../emulator/fleet/nodes/rmc.js';
import type { NodeKind } from '../../emulator/fleet/nodes/node-kind.js';
import { BmcOutcome, FailureReason } from '../../protocols/rollout/rack-status.js';

class ScriptedShardFlasher implements BmcFlasher {
  private readonly versions = new Map<string, FirmwareVersion>();

  private versionOf(host: string): FirmwareVersion | null {
    if (host.endsWith('.9')) return null;
    return this.versions.get(host) ?? (host.endsWith('.2') ? { major: 2, minor: 7 } : { major: 1, minor: 0 });
  }

  readVersion(bmc: BmcLogin): Promise<VersionRead> {
    const v = this.versionOf(bmc.host);
    return Promise.resolve(v ? { ok: true, firmware: v, component: null } : { ok: false, reason: FailureReason.UNREACHABLE });
  }

  flash(r: FlashRequest): Promise<FlashResult> {
    return new Promise((resolve) => setTimeout(() => {
      this.versions.set(r.bmc.host, { ...r.target });
      resolve({ outcome: BmcOutcome.FLASHED, reason: FailureReason.NONE, firmware: { ...r.target }, detail: '' });
    }, 30));
  }
}

export const RMC_TEST_KINDS: readonly NodeKind<unknown>[] = [bmcKind, rmcKindWith(() => new ScriptedShardFlasher())];
