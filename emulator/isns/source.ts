// Who a request comes from, for per-source limits: the peer's address as the socket reports it. An IPv4
// address (also written IPv4-mapped, ::ffff:a.b.c.d) counts as itself; an IPv6 address by its /64, the
// prefix one host or link usually holds whole (RFC 4291 §2.5.4 interface IDs are 64 bits), so that
// changing the lower 64 bits gives no fresh quota. Over UDP the address is not verified.
import { isIPv4, isIPv6 } from 'node:net';
import { encodeIsnsAddress } from '../../protocols/isns/ip-address.js';

/** Requests that came from no socket (a caller in this process). */
export const LOCAL_SOURCE = 'local';

export function sourceOf(address: string | undefined): string {
  if (address === undefined) return LOCAL_SOURCE;
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return address;
  const b = encodeIsnsAddress(address);
  const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  if (mapped) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const words: string[] = [];
  for (let i = 0; i < 8; i += 2) words.push(b.readUInt16BE(i).toString(16));
  return `${words.join(':')}::/64`;
}
