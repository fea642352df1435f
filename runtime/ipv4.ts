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

/**
 * The first and last of `count` consecutive addresses from `first` (as consecutiveAddresses gives them: .0 and .255
 * skipped), as numbers, without listing them: each /24 holds 254 host addresses. `last` may lie past 255.255.255.255
 * (above 0xffffffff) when the range does not fit.
 */
export function addressRange(first: number, count: number): { first: number; last: number } {
  const start = hostOrdinal(first);
  return { first: addressOfOrdinal(start), last: addressOfOrdinal(start + count - 1) };
}

/** How many host addresses lie before `n` in the range starting at `first` (n a host address in it). */
export function addressOffset(first: number, n: number): number {
  return hostOrdinal(n) - hostOrdinal(first);
}

/** Host addresses numbered in order, 0.0.0.1 as 0, 0.0.0.254 as 253, 0.0.1.1 as 254; a .0 or .255 gets the next one's. */
function hostOrdinal(n: number): number {
  const last = n & 0xff;
  return Math.floor(n / 256) * 254 + (last === 0 ? 0 : last === 255 ? 254 : last - 1);
}

function addressOfOrdinal(k: number): number {
  return Math.floor(k / 254) * 256 + (k % 254) + 1;
}

/** Is `text` a dotted-quad IPv4 address (parseIpv4 takes it)? */
export function isIpv4(text: string): boolean {
  try {
    parseIpv4(text);
    return true;
  } catch {
    return false;
  }
}

export function isLoopback(ip: string): boolean {
  return (parseIpv4(ip) >>> 24) === 127;
}

/** An IPv4 block in CIDR notation (RFC 4632 §3.1): its first and last address, as numbers. */
export interface Cidr { text: string; prefix: number; first: number; last: number }

/** "10.1.0.0/16"; a RangeError saying what is wrong (no prefix, a prefix past 32, host bits set). */
export function parseCidr(text: string): Cidr {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m) throw new RangeError(`not a CIDR block (ADDRESS/PREFIX, e.g. 10.1.0.0/16): "${text}"`);
  const base = parseIpv4(m[1]);
  const prefix = Number(m[2]);
  if (prefix > 32) throw new RangeError(`a prefix is 0 to 32, not ${prefix}: "${text}"`);
  const size = 2 ** (32 - prefix);
  const first = Math.floor(base / size) * size;
  if (first !== base) throw new RangeError(`${m[1]} has bits set past the /${prefix}: the block is ${formatIpv4(first)}/${prefix}`);
  return { text: `${m[1]}/${prefix}`, prefix, first, last: first + size - 1 };
}

/**
 * The addresses a host may have in the block: all but its network and broadcast addresses, except in a /31 (a
 * point-to-point link, RFC 3021) and a /32.
 */
export function cidrHostCount(c: Cidr): number {
  const size = c.last - c.first + 1;
  return c.prefix >= 31 ? size : size - 2;
}

/** Those addresses in order, one at a time. */
export function* cidrHosts(c: Cidr): Generator<string> {
  const [from, to] = c.prefix >= 31 ? [c.first, c.last] : [c.first + 1, c.last - 1];
  for (let n = from; n <= to; n++) yield formatIpv4(n);
}
