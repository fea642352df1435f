// The rules both local HTTP APIs (the fleet's control API, the manager's) share, from runtime/http/, without a socket:
// the request guard on header values as Node hands them over, answered with the error class each API gives it; the
// stage timeouts handed to http.createServer; the token file.
import t from 'tap';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverTimeouts } from '../../runtime/http/connection-limits.js';
import { isWildcardHost } from '../../runtime/http/loopback.js';
import { RequestGuard } from '../../runtime/http/request-guard.js';
import { readOrMakeToken } from '../../runtime/http/token-file.js';

class PlainError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}
class OtherError extends PlainError {}

const refusals = { errorClass: PlainError, tokenHint: 'see --some-token-file' };

/** The status `check` refuses `headers` with, and its message; null when it lets them through. */
function verdict(guard: RequestGuard, headers: Record<string, string>): { status: number; message: string } | null {
  try {
    guard.check(headers);
    return null;
  } catch (err) {
    if (!(err instanceof PlainError)) throw err;
    return { status: err.status, message: err.message };
  }
}

t.test('refusals come as the error class the API gives, with its status and its token hint', async (t) => {
  const guard = new RequestGuard({ host: '127.0.0.1', port: 8623, token: 'secret' }, { errorClass: OtherError, tokenHint: 'see --x' });
  const refused = verdict(guard, { host: '127.0.0.1:8623' });
  t.same(refused, { status: 401, message: 'this API needs Authorization: Bearer TOKEN (see --x)' });
  try {
    guard.check({ host: '127.0.0.1:8623' });
  } catch (err) {
    t.ok(err instanceof OtherError, 'an OtherError');
  }
  t.match(verdict(guard, { host: 'evil.example:8623' }), { status: 403 });
  t.same(verdict(guard, { host: 'a b' }), { status: 400, message: 'Host is not valid: a b' });
  t.doesNotThrow(() => guard.check({ host: '127.0.0.1:8623', authorization: 'Bearer secret' }));
});

t.test('Host: the listen address (IPv6 normalised) or loopback; on a wildcard address any address, never a name', async (t) => {
  const v6 = new RequestGuard({ host: '::1', port: 9000, token: null }, refusals);
  for (const host of ['[::1]:9000', '[0:0:0:0:0:0:0:1]:9000', 'localhost:9000', '127.5.6.7']) t.equal(verdict(v6, { host }), null, host);
  t.match(verdict(v6, { host: 'rebound.example:9000' }), { status: 403, message: /^Host rebound\.example:9000 is not this API's address/ });
  const v4 = new RequestGuard({ host: '127.0.0.1', port: 9000, token: null }, refusals);
  t.same(verdict(v4, { host: 'rebound.example:9000' }), { status: 403, message: 'Host rebound.example:9000 is not this API\'s address: use 127.0.0.1:9000 or a loopback address' });
  const lan = new RequestGuard({ host: '10.1.2.3', port: 80, token: null }, refusals);
  t.equal(verdict(lan, { host: '10.1.2.3' }), null, 'its own address');
  t.match(verdict(lan, { host: '10.1.2.4' }), { status: 403 }, 'another address');
  const any = new RequestGuard({ host: '0.0.0.0', port: 80, token: null }, refusals);
  for (const host of ['10.1.2.4', '192.168.0.9:80', '[fe80::1]']) t.equal(verdict(any, { host }), null, host);
  t.match(verdict(any, { host: 'example.com' }), { status: 403 });
  t.equal(verdict(any, {}), null, 'no Host (HTTP/1.0): nothing to check');
});

t.test('Origin: absent or http://HOST:PORT of this API; "null", another scheme, port or site is a web page', async (t) => {
  const guard = new RequestGuard({ host: '127.0.0.1', port: 8623, token: null }, refusals);
  for (const origin of ['http://127.0.0.1:8623', 'http://localhost:8623']) t.equal(verdict(guard, { origin }), null, origin);
  for (const origin of ['null', 'https://127.0.0.1:8623', 'http://127.0.0.1:8624', 'http://evil.example:8623']) {
    t.match(verdict(guard, { origin }), { status: 403, message: `requests from web pages (Origin ${origin}) are refused` }, origin);
  }
  t.match(verdict(guard, { origin: 'not a url' }), { status: 400, message: 'Origin is not valid: not a url' });
  const onPort80 = new RequestGuard({ host: '127.0.0.1', port: 80, token: null }, refusals);
  t.equal(verdict(onPort80, { origin: 'http://127.0.0.1' }), null, 'no port in Origin: 80');
});

t.test('a body (Content-Length > 0, or chunked) must be application/json', async (t) => {
  const guard = new RequestGuard({ host: '127.0.0.1', port: 8623, token: null }, refusals);
  t.equal(verdict(guard, { 'content-length': '0' }), null, 'an empty body needs no type');
  t.equal(verdict(guard, { 'content-length': '2', 'content-type': 'Application/JSON ; charset=utf-8' }), null);
  t.match(verdict(guard, { 'content-length': '2', 'content-type': 'text/plain' }), { status: 415, message: 'a body must be sent as Content-Type: application/json, not text/plain' });
  t.match(verdict(guard, { 'transfer-encoding': 'chunked' }), { status: 415, message: /not none$/ });
});

t.test('the bearer token: the scheme in any case, the exact token, nothing after it', async (t) => {
  const guard = new RequestGuard({ host: '127.0.0.1', port: 8623, token: 'tok-1' }, refusals);
  for (const authorization of ['Bearer tok-1', 'bearer  tok-1 ']) t.equal(verdict(guard, { authorization }), null, authorization);
  for (const authorization of ['Bearer tok-12', 'Bearer tok', 'Basic tok-1', 'Bearer tok-1 more', 'tok-1', '']) {
    t.match(verdict(guard, { authorization }), { status: 401 }, JSON.stringify(authorization));
  }
  t.match(verdict(guard, { host: 'evil.example' }), { status: 403 }, 'a foreign Host is refused before the token is asked for');
});

t.test('wildcard listen addresses', async (t) => {
  for (const host of ['0.0.0.0', '::', '[::]']) t.ok(isWildcardHost(host), host);
  for (const host of ['127.0.0.1', '::1', '0.0.0.1', 'localhost']) t.notOk(isWildcardHost(host), host);
});

t.test('stage timeouts for http.createServer: the request bound never below the headers one; checks often enough', async (t) => {
  const limits = { maxConnections: 1, maxConnectionsPerSource: 1, idleTimeoutMs: 1 };
  t.same(serverTimeouts({ ...limits, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 }), { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1000 });
  t.same(serverTimeouts({ ...limits, headersTimeoutMs: 200, requestTimeoutMs: 100 }), { headersTimeout: 200, requestTimeout: 200, connectionsCheckingInterval: 50 });
  t.same(serverTimeouts({ ...limits, headersTimeoutMs: 20, requestTimeoutMs: 20 }).connectionsCheckingInterval, 10);
});

t.test('the token file: made once (0600), then read; one word or an error naming the token', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'bmcfleet-http-token-')), 'token');
  const made = readOrMakeToken(file);
  t.match(made, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
  t.equal(statSync(file).mode & 0o777, 0o600);
  t.equal(readFileSync(file, 'utf8'), `${made}\n`);
  t.equal(readOrMakeToken(file), made, 'read back');
  writeFileSync(file, 'two words\n');
  t.throws(() => readOrMakeToken(file), { message: `${file}: a token is one word (no spaces), and this file holds more` });
  writeFileSync(file, ' \n');
  t.throws(() => readOrMakeToken(file, 'manager token'), { message: `${file}: a manager token is one word (no spaces), and this file holds nothing` });
  t.throws(() => readOrMakeToken(join(file, 'below-a-file')), { code: 'ENOTDIR' }, 'other errors than a missing file surface');
});
