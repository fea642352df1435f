// The control API refuses what a web page in the user's browser can send it: a cross-site request (text/plain body,
// a foreign Origin) or a DNS-rebound one (a foreign Host); with a token set, a request without it. What it refuses
// never reaches a shard. Real HTTP on loopback, over a stub fleet.
import t from 'tap';
import { rawRequest, startStubApi } from '../helpers/control-stub.js';

const HOST = '127.71.0.1';
const POWER_OFF = JSON.stringify({ action: 'off' });
const JSON_TYPE = { 'content-type': 'application/json' };

t.test('a body must be application/json: a page\'s text/plain POST is refused before it reaches the BMC', async (t) => {
  const { api, port, calls } = await startStubApi(HOST);
  t.teardown(() => api.close());
  const page = await rawRequest(HOST, port, 'POST', '/bmcs/127.1.0.1/power', { 'content-type': 'text/plain;charset=UTF-8' }, POWER_OFF);
  t.equal(page.status, 415);
  t.match(page.json.error, /application\/json/);
  t.equal((await rawRequest(HOST, port, 'POST', '/bmcs/127.1.0.1/power', {}, POWER_OFF)).status, 415, 'no Content-Type at all');
  t.equal((await rawRequest(HOST, port, 'PUT', '/faults', { 'content-type': 'application/x-www-form-urlencoded' }, '{"lossPercent":100}')).status, 415, 'a form post');
  t.same(calls, [], 'no request reached a shard');

  const ok = await rawRequest(HOST, port, 'POST', '/bmcs/127.1.0.1/power', { 'content-type': 'Application/JSON; charset=utf-8' }, POWER_OFF);
  t.equal(ok.status, 200, 'application/json with parameters');
  t.equal((await rawRequest(HOST, port, 'GET', '/shards')).status, 200, 'a request without a body needs no Content-Type');
  t.same(calls, [{ op: 'power', ip: '127.1.0.1', action: 'off' }]);
});

t.test('Origin: absent or the API\'s own; a web page\'s is refused', async (t) => {
  const { api, port, calls } = await startStubApi(HOST);
  t.teardown(() => api.close());
  for (const origin of ['http://evil.example', `http://evil.example:${port}`, 'null', `https://${HOST}:${port}`, `http://${HOST}:${port + 1}`, 'not a url']) {
    const r = await rawRequest(HOST, port, 'POST', '/bmcs/127.1.0.1/power', { ...JSON_TYPE, origin }, POWER_OFF);
    t.equal(r.status, origin === 'not a url' ? 400 : 403, `Origin ${origin}`);
  }
  t.same(calls, [], 'none reached a shard');
  for (const origin of [`http://${HOST}:${port}`, `http://localhost:${port}`, `http://127.0.0.1:${port}`]) {
    t.equal((await rawRequest(HOST, port, 'POST', '/bmcs/127.1.0.1/power', { ...JSON_TYPE, origin }, POWER_OFF)).status, 200, `Origin ${origin}`);
  }
});

t.test('Host: the listen address or loopback; a rebound domain name is refused', async (t) => {
  const { api, port, calls } = await startStubApi(HOST);
  t.teardown(() => api.close());
  const rebound = await rawRequest(HOST, port, 'POST', '/bmcs/127.1.0.1/power', { ...JSON_TYPE, host: `attacker.example:${port}` }, POWER_OFF);
  t.equal(rebound.status, 403);
  t.match(rebound.json.error, /Host attacker\.example/);
  t.equal((await rawRequest(HOST, port, 'GET', '/shards', { host: `10.1.2.3:${port}` })).status, 403, 'another machine\'s address');
  t.same(calls, []);
  for (const host of [`${HOST}:${port}`, HOST, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
    t.equal((await rawRequest(HOST, port, 'GET', '/shards', { host })).status, 200, `Host ${host}`);
  }
});

t.test('listening on every address (0.0.0.0): any address is a good Host, a name is not', async (t) => {
  const { api, port } = await startStubApi('0.0.0.0');
  t.teardown(() => api.close());
  t.equal((await rawRequest('127.0.0.1', port, 'GET', '/shards', { host: `10.1.2.3:${port}` })).status, 200);
  t.equal((await rawRequest('127.0.0.1', port, 'GET', '/shards', { host: `attacker.example:${port}` })).status, 403);
});

t.test('with a token: a request without it, or with another, is refused (401, WWW-Authenticate: Bearer)', async (t) => {
  const { api, port, calls } = await startStubApi(HOST, { token: 's3cret-token' });
  t.teardown(() => api.close());
  const none = await rawRequest(HOST, port, 'POST', '/bmcs/127.1.0.1/power', JSON_TYPE, POWER_OFF);
  t.equal(none.status, 401);
  t.equal(none.headers['www-authenticate'], 'Bearer');
  for (const authorization of ['Bearer s3cret-tokeN', 'Bearer s3cret', 'Basic czNjcmV0LXRva2Vu', 's3cret-token']) {
    t.equal((await rawRequest(HOST, port, 'GET', '/shards', { authorization })).status, 401, authorization);
  }
  t.same(calls, []);
  t.equal((await rawRequest(HOST, port, 'POST', '/bmcs/127.1.0.1/power', { ...JSON_TYPE, authorization: 'Bearer s3cret-token' }, POWER_OFF)).status, 200);
  t.equal((await rawRequest(HOST, port, 'GET', '/metrics', { authorization: 'bearer s3cret-token' })).status, 200, 'the scheme in any case (RFC 6750 §2.1)');
  t.equal(calls.length, 1);
});
