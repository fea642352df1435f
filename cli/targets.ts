// Target lists on the command line (runtime/address-list.ts): "A-B", "A,B,C", or a mix.
import { UsageError } from './args.js';
import { expandAddressList } from '../runtime/address-list.js';

export function parseTargets(spec: string): string[] {
  try {
    return expandAddressList(spec);
  } catch (err) {
    throw new UsageError(`--targets: ${(err as Error).message}`);
  }
}
