// The LUNs of a target that publishes no vendor LUN attributes (a real tgtd): an iSCSI login as the manager, REPORT
// LUNS, and READ CAPACITY of each (SBC-3 §5.15/§5.16). A LUN that is not a block device (tgtd's LUN 0, its controller)
// answers READ CAPACITY with an error and is left out.
import { IscsiCommandError, IscsiInitiator } from '../../clients/iscsi/iscsi-initiator.js';
import type { Clock } from '../../runtime/clock.js';

export interface LunCapacity { lun: number; sizeBytes: number }

export async function readTargetCapacity(o: {
  host: string; port: number; initiatorName: string; targetName: string; clock: Clock; chap?: { name: string; secret: Buffer };
}): Promise<LunCapacity[]> {
  const session = await IscsiInitiator.login({ ...o, timeoutMs: 5000 });
  try {
    const out: LunCapacity[] = [];
    for (const lun of await session.reportLuns()) {
      try {
        const { blockCount, blockSize } = await session.readCapacity(lun);
        out.push({ lun, sizeBytes: blockCount * blockSize });
      } catch (err) {
        if (!(err instanceof IscsiCommandError)) throw err;
      }
    }
    return out;
  } finally {
    await session.logout().catch(() => session.close());
  }
}
