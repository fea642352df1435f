// Which host names stay on this machine: an HTTP API trusts them in Host and Origin, and asks no token on them.
import { isIP } from 'node:net';

/** localhost, 127.0.0.0/8 (also IPv4-mapped, ::ffff:127.x.y.z) and ::1; brackets around an IPv6 address allowed. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** 0.0.0.0 or :: : every address of the machine. */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}
