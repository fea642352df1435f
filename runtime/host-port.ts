// "HOST:PORT" as every command and the fleet file take it: a name or IPv4 address, or a bracketed IPv6
// address ("[::1]:3205"), then a port 0-65535. Callers add their own limits (a listen port may be 0).

/** The host and port of `text`, or null when it is not HOST:PORT. */
export function parseHostPort(text: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const port = Number(m[3]);
  return port <= 65535 ? { host: m[1] ?? m[2], port } : null;
}

/** HOST:PORT for messages and URLs: an IPv6 address (anything with a colon) in brackets, as parseHostPort reads it back. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
