// IPv4 address arithmetic for address plans (consecutive BMC addresses).
import { formatIpv4, parseIpv4 } from '../protocols/ipv4.js';

export { formatIpv4, parseIpv4 };

/** Can a BMC have this address? Not one ending in .0 or .255 (network and broadcast in a /24). */
export function isHostAddress(n: number): boolean {
  const last = n & 0xff;
  return last !== 0 && last !== 255;
}

/** `count` consecutive addresses from `first`, skipping .0 and .255 host bytes. */
export function consecutiveAddresses(first: string, count: number): string[] {
  const out: string[] = [];
  let n = parseIpv4(first);
  while (out.length < count) {
    if (isHostAddress(n)) out.push(formatIpv4(n));
    n++;
    if (n > 0xffffffff) throw new RangeError('address range runs past 255.255.255.255');
  }
  return out;
}

export function isLoopback(ip: string): boolean {
  return (parseIpv4(ip) >>> 24) === 127;
}
