// The Prepare's target ranges (README "The rollout protocol", Prepare): the plan's RMC IDs, in plan order, with
// each run of consecutive IDs folded into one range, so an RMC's rank in the ranges is its place in the plan.
import { MAX_TARGET_RANGES, type RmcRange } from '../../protocols/rollout/prepare.js';

/** RangeError when the plan needs more than the 64 ranges a Prepare holds. */
export function targetRanges(rmcIdsInPlanOrder: readonly number[]): RmcRange[] {
  const ranges: RmcRange[] = [];
  for (const id of rmcIdsInPlanOrder) {
    const last = ranges[ranges.length - 1];
    if (last && last.firstRmcId + last.count === id) last.count++;
    else ranges.push({ firstRmcId: id, count: 1 });
  }
  if (ranges.length > MAX_TARGET_RANGES) {
    throw new RangeError(`the plan's RMC IDs fold into ${ranges.length} ranges, a Prepare holds ${MAX_TARGET_RANGES}: number RMCs in plan order`);
  }
  return ranges;
}
