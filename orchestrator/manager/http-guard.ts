// Who may use the manager's HTTP API, and how many at once: the same rules as the emulator's control API (README
// "The control API"), written here because orchestrator/ does not import emulator/. A web page in the operator's
// browser must not drive a rollout: Host must name the listen address or loopback (no DNS rebinding), Origin must be
// absent or the API's own, a body must be application/json (no cross-site form or text post without a CORS
// preflight, which is never granted), and with a token every request shows it (RFC 6750 §2.1). Slow clients cannot
// hold every connection: a limit in all and per source address, and timeouts on each stage of a request.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { isIP, type Socket } from 'node:net';
import { formatHostPort } from '../../runtime/host-port.js';

/** A request refused or failed, with the HTTP status to answer. */
export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
  }
}

/** localhost, 127.0.0.0/8 (also ::ffff:127.x.y.z) and ::1, brackets allowed. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

export class RequestGuard {
  private readonly port: number;
  private readonly hostname: string;
  private readonly anyAddress: boolean;
  private readonly tokenDigest: Buffer | null;

  constructor(host: string, port: number, token: string | null) {
    this.port = port;
    this.hostname = new URL(`http://${formatHostPort(host, port)}`).hostname;
    this.anyAddress = isWildcardHost(host);
    this.tokenDigest = token === null ? null : digest(token);
  }

  /** Throws HttpError 400, 401, 403 or 415, saying why, for a request the API must not run. */
  check(headers: IncomingHttpHeaders): void {
    if (headers.host !== undefined && !this.trusted(urlOf(headers.host, 'Host').hostname)) {
      throw new HttpError(403, `Host ${headers.host} is not this API's address: use ${formatHostPort(this.hostname, this.port)} or a loopback address`);
    }
    const origin = headers.origin;
    if (origin !== undefined && !this.ownOrigin(origin)) throw new HttpError(403, `requests from web pages (Origin ${origin}) are refused`);
    if (this.tokenDigest && !this.tokenShown(headers.authorization)) throw new HttpError(401, 'this API needs Authorization: Bearer TOKEN (the manager\'s --token-file)');
    const hasBody = headers['transfer-encoding'] !== undefined || (headers['content-length'] ?? '0') !== '0';
    if (hasBody && (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() !== 'application/json') {
      throw new HttpError(415, `a body must be sent as Content-Type: application/json, not ${headers['content-type'] ?? 'none'}`);
    }
  }

  private trusted(hostname: string): boolean {
    if (hostname === this.hostname || isLoopbackHost(hostname)) return true;
    return this.anyAddress && isIP(hostname.replace(/^\[(.*)\]$/, '$1')) !== 0;
  }

  private ownOrigin(origin: string): boolean {
    const url = origin === 'null' ? null : urlOf(origin, 'Origin');
    return url !== null && url.protocol === 'http:' && Number(url.port || 80) === this.port && this.trusted(url.hostname);
  }

  private tokenShown(authorization: string | undefined): boolean {
    const m = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
    return m !== null && timingSafeEqual(digest(m[1]), this.tokenDigest!);
  }
}

function urlOf(text: string, header: string): URL {
  try {
    return new URL(header === 'Host' ? `http://${text}` : text);
  } catch {
    throw new HttpError(400, `${header} is not valid: ${text}`);
  }
}

/** Equal-length values to compare in constant time. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export interface ConnectionLimits {
  maxConnections: number;
  maxConnectionsPerSource: number;
  /** Until a request's headers are in (then 408). */
  headersTimeoutMs: number;
  /** Until the whole request is in, body included (then 408). */
  requestTimeoutMs: number;
  /** No traffic either way for this long: closed. */
  idleTimeoutMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = Object.freeze({
  maxConnections: 64,
  maxConnectionsPerSource: 16,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  idleTimeoutMs: 30_000,
});

/** The options of http.createServer that apply the timeouts of `limits`. */
export function serverTimeouts(limits: ConnectionLimits): { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number } {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/**
 * Closes at once a connection past its source's share. When the table is full, the oldest connection that has not
 * yet sent a whole request makes room (slow clients on many loopback addresses could otherwise hold every slot until
 * their timeouts); when every open connection has sent one, the new connection is closed.
 */
export function limitConnections(server: Server, limits: ConnectionLimits): void {
  server.setTimeout(limits.idleTimeoutMs); // no 'timeout' listener: Node destroys the idle socket
  const perSource = new Map<string, number>();
  /** Open connections, oldest first (a Map keeps insertion order), and whether each has sent a whole request. */
  const open = new Map<Socket, { requested: boolean }>();
  server.on('request', (req) => {
    const entry = open.get(req.socket);
    if (entry) entry.requested = true;
  });
  server.on('connection', (socket: Socket) => {
    const source = socket.remoteAddress ?? '';
    const fromSource = perSource.get(source) ?? 0;
    if (fromSource >= limits.maxConnectionsPerSource) {
      socket.destroy();
      return;
    }
    if (open.size >= limits.maxConnections) {
      const oldestWaiting = [...open].find(([, e]) => !e.requested)?.[0];
      if (!oldestWaiting) {
        socket.destroy();
        return;
      }
      oldestWaiting.destroy();
      open.delete(oldestWaiting); // its 'close' comes later: the slot is free now
    }
    open.set(socket, { requested: false });
    perSource.set(source, fromSource + 1);
    socket.once('close', () => {
      open.delete(socket);
      const left = (perSource.get(source) ?? 1) - 1;
      if (left === 0) perSource.delete(source);
      else perSource.set(source, left);
    });
  });
}
