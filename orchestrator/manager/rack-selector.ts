// Which RMCs a rollout is for: a selector of comma-separated items, each a rack name ("rack-3"), a glob over rack
// names ("rack-*", "row?-*": * any run of characters, ? one), or an RMC ID ("12"; a rack of that name wins). The
// chosen RMCs keep the inventory's order (the plan order). An item that matches no rack is an error naming it.
import type { RolloutRmc } from '../rollout/rollout-plan.js';

export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

/** The items of a selector given as one string or several ("rack-1,rack-2" and ["rack-1", "rack-2"] alike). */
export function selectorItems(selector: string | readonly string[]): string[] {
  return (typeof selector === 'string' ? [selector] : selector).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

/** The RMCs the items select, in inventory order; every RMC when there are no items. */
export function selectRmcs(inventory: readonly RolloutRmc[], items: readonly string[]): RolloutRmc[] {
  if (items.length === 0) return [...inventory];
  const chosen = new Set<RolloutRmc>();
  const unmatched: string[] = [];
  for (const item of items) {
    const matches = inventory.filter(matcher(item, inventory));
    if (matches.length === 0) unmatched.push(item);
    for (const m of matches) chosen.add(m);
  }
  if (unmatched.length > 0) {
    const known = inventory.map((r) => r.rackName);
    const shown = known.length > 10 ? `${known.slice(0, 10).join(', ')}, ... (${known.length} in all)` : known.join(', ');
    throw new SelectorError(`unknown rack${unmatched.length > 1 ? 's' : ''}: ${unmatched.join(', ')} (racks: ${shown || 'none'})`);
  }
  return inventory.filter((r) => chosen.has(r));
}

function matcher(item: string, inventory: readonly RolloutRmc[]): (r: RolloutRmc) => boolean {
  if (/[*?]/.test(item)) {
    const pattern = new RegExp(`^${item.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`);
    return (r) => pattern.test(r.rackName);
  }
  if (/^\d+$/.test(item) && !inventory.some((r) => r.rackName === item)) return (r) => r.rmcId === Number(item);
  return (r) => r.rackName === item;
}
