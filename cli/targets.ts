// Target lists on the command line: "A-B" (an address range), "A,B,C", or a mix: "127.1.0.1-127.1.0.9,127.2.0.1".
import { UsageError } from './args.js';
import { formatIpv4, isHostAddress, parseIpv4 } from '../runtime/ipv4.js';

const MAX_TARGETS = 1_000_000;

export function parseTargets(spec: string): string[] {
  const out: string[] = [];
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [a, b] = part.split('-');
    let lo: number;
    let hi: number;
    try {
      lo = parseIpv4(a);
      hi = b === undefined ? lo : parseIpv4(b);
    } catch (err) {
      throw new UsageError(`--targets: ${(err as Error).message} (expected A, A-B or a comma-separated list)`);
    }
    if (hi < lo) throw new UsageError(`--targets: ${part} runs backwards`);
    if (out.length + (hi - lo + 1) > MAX_TARGETS) throw new UsageError(`--targets: more than ${MAX_TARGETS} addresses`);
    for (let n = lo; n <= hi; n++) if (isHostAddress(n)) out.push(formatIpv4(n));
  }
  if (out.length === 0) throw new UsageError('--targets: no addresses');
  return out;
}
