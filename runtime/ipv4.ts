// IPv4 address arithmetic for address plans (consecutive BMC addresses).

export function parseIpv4(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new RangeError(`not an IPv4 address: ${ip}`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new RangeError(`not an IPv4 address: ${ip}`);
    n = n * 256 + Number(p);
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}

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
