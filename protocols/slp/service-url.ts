// Service URLs and service types — RFC 2608 §4.1-4.2 and RFC 2609 §2.1: "service:" abstract-type [":" concrete-type]
// "://" addr-spec, e.g. "service:iscsi:sms://127.0.0.1:3205" (RFC 4018 §6 names service:iscsi:sms for iSNS).

/** "service:iscsi:sms://127.0.0.1:3205" -> "service:iscsi:sms" (lower case); a URL without "://" is its own type. */
export function serviceTypeOf(url: string): string {
  const end = url.indexOf('://');
  return (end < 0 ? url : url.slice(0, end)).toLowerCase();
}

/** §8.1: a request for "service:iscsi" (abstract) matches "service:iscsi:sms"; "iscsi:sms" means "service:iscsi:sms". */
export function serviceTypeMatches(requested: string, registered: string): boolean {
  const want = withServicePrefix(requested.trim().toLowerCase());
  const have = withServicePrefix(registered.trim().toLowerCase());
  return have === want || have.startsWith(`${want}:`);
}

function withServicePrefix(t: string): string {
  return t.startsWith('service:') ? t : `service:${t}`;
}

/** The host and port of a service URL (port null when the URL names none); null when it has no address. */
export function serviceAddress(url: string): { host: string; port: number | null } | null {
  const start = url.indexOf('://');
  if (start < 0) return null;
  let rest = url.slice(start + 3);
  const cut = rest.search(/[/;]/); // §4.1 url-path and attributes follow the address
  if (cut >= 0) rest = rest.slice(0, cut);
  rest = rest.slice(rest.lastIndexOf('@') + 1);
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:]+))(?::(\d{1,5}))?$/.exec(rest);
  if (!m) return null;
  const port = m[3] === undefined ? null : Number(m[3]);
  if (port !== null && (port < 1 || port > 65535)) return null;
  return { host: m[1] ?? m[2], port };
}

/** A service URL for host:port ("service:iscsi:sms", "10.0.0.1", 3205 -> "service:iscsi:sms://10.0.0.1:3205"). */
export function serviceUrl(serviceType: string, host: string, port: number): string {
  return `${serviceType}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
