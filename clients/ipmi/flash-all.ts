// Flashes many BMCs, at most `concurrency` at a time: what an RMC does with its rack, and what the manager does with
// every BMC in the baseline that has no RMCs (xCAT-style, 64 at a time). Results come back in the requests' order.
import type { BmcFlasher, FlashRequest, FlashResult } from './bmc-flasher.js';

export async function flashAll(flasher: BmcFlasher, requests: readonly FlashRequest[], concurrency: number): Promise<FlashResult[]> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a whole number from 1, got ${concurrency}`);
  const results = new Array<FlashResult>(requests.length);
  let next = 0;
  // Each worker takes the next request as it finishes one: `concurrency` upgrades run while any are left
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const i = next++;
      results[i] = await flasher.flash(requests[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, worker));
  return results;
}
