// iSNS IP address values — RFC 4171 §6.2.3 (Management IP), §6.3.1 (Portal IP) and the other 16-byte
// address attributes: always 16 bytes, IPv6 in network order; an IPv4 address is carried as the
// IPv4-mapped form ::ffff:a.b.c.d (RFC 4291 §2.5.5.2).
//
// Decoding accepts the mapped form and the IPv4-compatible form ::a.b.c.d that open-isns' isnsadm
// and isnsd send, and returns both as plain dotted-quad text, so the same portal compares equal
// whichever client registered it. ::0.0.0.0 and ::0.0.0.1 stay IPv6 (`::`, `::1`). Encoding takes
// dotted-quad or IPv6 text and writes IPv4 in the mapped form.
import { isIPv4, isIPv6 } from 'node:net';

export const IP_ADDRESS_LENGTH = 16;

/** Text form of 16 address bytes at `offset`: dotted quad for IPv4-mapped/compatible, else RFC 5952 IPv6. */
export function formatIsnsAddress(buf: Uint8Array, offset = 0): string {
  let zeros10 = true;
  for (let i = 0; i < 10; i++) if (buf[offset + i] !== 0) { zeros10 = false; break; }
  const b10 = buf[offset + 10];
  const b11 = buf[offset + 11];
  const v4 = `${buf[offset + 12]}.${buf[offset + 13]}.${buf[offset + 14]}.${buf[offset + 15]}`;
  if (zeros10 && b10 === 0xff && b11 === 0xff) return v4; // ::ffff:a.b.c.d
  if (zeros10 && b10 === 0 && b11 === 0) {
    const tail = ((buf[offset + 12] << 24) | (buf[offset + 13] << 16) | (buf[offset + 14] << 8) | buf[offset + 15]) >>> 0;
    if (tail > 1) return v4; // ::a.b.c.d (IPv4-compatible, as open-isns sends it)
  }
  return formatIPv6(buf, offset);
}

/** RFC 5952 text: lower-case hex, leading zeros dropped, the longest run (>= 2) of zero groups as `::`. */
function formatIPv6(buf: Uint8Array, offset: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((buf[offset + 2 * i] << 8) | buf[offset + 2 * i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (g: number) => g.toString(16);
  if (bestStart < 0) return groups.map(hex).join(':');
  const head = groups.slice(0, bestStart).map(hex).join(':');
  const tail = groups.slice(bestStart + bestLen).map(hex).join(':');
  return `${head}::${tail}`;
}

/** Writes the 16-byte form of `text` (dotted-quad IPv4 or IPv6) at `offset`; throws RangeError on bad text. */
export function writeIsnsAddress(text: string, out: Uint8Array, offset = 0): void {
  if (isIPv4(text)) {
    out.fill(0, offset, offset + 10);
    out[offset + 10] = 0xff;
    out[offset + 11] = 0xff;
    const parts = text.split('.');
    for (let i = 0; i < 4; i++) out[offset + 12 + i] = Number(parts[i]);
    return;
  }
  if (!isIPv6(text)) throw new RangeError(`not an IPv4 or IPv6 address: ${JSON.stringify(text)}`);
  let body = text;
  const zone = body.indexOf('%');
  if (zone >= 0) body = body.slice(0, zone);
  const words: number[] = [];
  const parseSide = (side: string): number[] => {
    if (side === '') return [];
    const out16: number[] = [];
    for (const part of side.split(':')) {
      if (part.includes('.')) {
        const q = part.split('.').map(Number);
        out16.push((q[0] << 8) | q[1], (q[2] << 8) | q[3]);
      } else {
        out16.push(parseInt(part, 16));
      }
    }
    return out16;
  };
  const gap = body.indexOf('::');
  if (gap >= 0) {
    const left = parseSide(body.slice(0, gap));
    const right = parseSide(body.slice(gap + 2));
    words.push(...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right);
  } else {
    words.push(...parseSide(body));
  }
  for (let i = 0; i < 8; i++) {
    out[offset + 2 * i] = words[i] >> 8;
    out[offset + 2 * i + 1] = words[i] & 0xff;
  }
}

/** The 16 bytes for `text`. */
export function encodeIsnsAddress(text: string): Buffer {
  const out = Buffer.alloc(IP_ADDRESS_LENGTH);
  writeIsnsAddress(text, out, 0);
  return out;
}

/** The canonical text of `text` (what a decode of its encoding yields): lets callers compare addresses. */
export function canonicalIsnsAddress(text: string): string {
  return formatIsnsAddress(encodeIsnsAddress(text));
}

/** 224.0.0.0/4 or ff00::/8: where a Heartbeat (§5.6.5.14) goes to a multicast group. */
export function isMulticastAddress(host: string): boolean {
  if (isIPv4(host)) {
    const first = Number(host.split('.')[0]);
    return first >= 224 && first <= 239;
  }
  return isIPv6(host) && /^ff/i.test(host);
}
