// Dotted-quad IPv4 text and the 32-bit number it stands for (RFC 791 §3.2 addresses), for every codec and helper.

/** The address as a 32-bit unsigned number; throws a RangeError on anything but four decimal octets 0-255. */
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
