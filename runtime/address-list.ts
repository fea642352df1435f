// Address lists as users write them: "A-B" (a range), "A,B,C", or a mix: "127.1.0.1-127.1.0.9,127.2.0.1". Addresses
// ending in .0 or .255 are left out of a range, as the fleet leaves them out of its racks.
import { formatIpv4, isHostAddress, parseIpv4 } from './ipv4.js';

const MAX_ADDRESSES = 1_000_000;

/** The addresses of `spec`, in the order written; an Error naming the part that is wrong. */
export function expandAddressList(spec: string): string[] {
  const out: string[] = [];
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [a, b] = part.split('-');
    let lo: number;
    let hi: number;
    try {
      lo = parseIpv4(a);
      hi = b === undefined ? lo : parseIpv4(b);
    } catch (err) {
      throw new Error(`${(err as Error).message} (expected A, A-B or a comma-separated list)`);
    }
    if (hi < lo) throw new Error(`${part} runs backwards`);
    if (out.length + (hi - lo + 1) > MAX_ADDRESSES) throw new Error(`more than ${MAX_ADDRESSES} addresses`);
    for (let n = lo; n <= hi; n++) if (isHostAddress(n)) out.push(formatIpv4(n));
  }
  if (out.length === 0) throw new Error('no addresses');
  return out;
}
