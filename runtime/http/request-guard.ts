// Who may use a local HTTP API (the fleet's control API, the manager's). A web page open in the user's browser can
// reach it: with a cross-site request (its Origin names the page's site) or, after DNS rebinding, a same-origin one
// (its Host names the page's domain). So Host must name the address the API listens on or loopback, Origin must be
// absent or the API's own, a body must be application/json (a page cannot send that to another origin without a CORS
// preflight, which the API never grants), and when a token is set every request must show it (RFC 6750 §2.1:
// Authorization: Bearer TOKEN). Each API answers a refusal with its own error class, which carries the status.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { formatHostPort } from '../host-port.js';
import { isLoopbackHost, isWildcardHost } from './loopback.js';

export interface AccessPolicy {
  /** The address the API listens on. */
  readonly host: string;
  /** The port it listens on (the one bound, never 0). */
  readonly port: number;
  /** The bearer token every request must show; null: none is asked for. */
  readonly token: string | null;
}

/** The error an API answers with: its `status` is the HTTP status. */
export type HttpErrorClass = new (status: number, message: string) => Error;

/** How an API refuses: its error class, and where the 401 answer tells the client to find the token. */
export interface Refusals {
  readonly errorClass: HttpErrorClass;
  /** "see --control-token-file", "the manager's --token-file". */
  readonly tokenHint: string;
}

export class RequestGuard {
  private readonly port: number;
  /** The listen address as URLs spell it (IPv6 bracketed, normalised), to compare with Host and Origin. */
  private readonly hostname: string;
  private readonly anyAddress: boolean;
  private readonly tokenDigest: Buffer | null;
  private readonly refusals: Refusals;

  constructor(policy: AccessPolicy, refusals: Refusals) {
    this.port = policy.port;
    this.hostname = new URL(`http://${formatHostPort(policy.host, policy.port)}`).hostname;
    this.anyAddress = isWildcardHost(policy.host);
    this.tokenDigest = policy.token === null ? null : digest(policy.token);
    this.refusals = refusals;
  }

  /** Throws the API's error (400, 401, 403 or 415, saying why) for a request the API must not run. */
  check(headers: IncomingHttpHeaders): void {
    // HTTP/1.1 requires Host (Node refuses a request without one); a client of HTTP/1.0 may leave it out, no browser does.
    if (headers.host !== undefined && !this.trusted(this.urlOf(headers.host, 'Host').hostname)) {
      throw this.refuse(403, `Host ${headers.host} is not this API's address: use ${formatHostPort(this.hostname, this.port)} or a loopback address`);
    }
    const origin = headers.origin;
    if (origin !== undefined && !this.ownOrigin(origin)) throw this.refuse(403, `requests from web pages (Origin ${origin}) are refused`);
    if (this.tokenDigest && !this.tokenShown(headers.authorization)) {
      throw this.refuse(401, `this API needs Authorization: Bearer TOKEN (${this.refusals.tokenHint})`);
    }
    const hasBody = headers['transfer-encoding'] !== undefined || (headers['content-length'] ?? '0') !== '0';
    if (hasBody && mediaType(headers['content-type']) !== 'application/json') {
      throw this.refuse(415, `a body must be sent as Content-Type: application/json, not ${headers['content-type'] ?? 'none'}`);
    }
  }

  private trusted(hostname: string): boolean {
    if (hostname === this.hostname || isLoopbackHost(hostname)) return true;
    return this.anyAddress && isIP(hostname.replace(/^\[(.*)\]$/, '$1')) !== 0;
  }

  private ownOrigin(origin: string): boolean {
    const url = origin === 'null' ? null : this.urlOf(origin, 'Origin');
    return url !== null && url.protocol === 'http:' && Number(url.port || 80) === this.port && this.trusted(url.hostname);
  }

  private tokenShown(authorization: string | undefined): boolean {
    const m = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
    return m !== null && timingSafeEqual(digest(m[1]), this.tokenDigest!);
  }

  private urlOf(text: string, header: 'Host' | 'Origin'): URL {
    try {
      return new URL(header === 'Host' ? `http://${text}` : text);
    } catch {
      throw this.refuse(400, `${header} is not valid: ${text}`);
    }
  }

  private refuse(status: number, message: string): Error {
    return new this.refusals.errorClass(status, message);
  }
}

/** "application/json" of "Application/JSON; charset=utf-8". */
function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** Equal-length values to compare in constant time, whatever the lengths of the tokens. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
