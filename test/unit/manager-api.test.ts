// The manager's HTTP API over a real loopback socket, every status it answers. The rollout service behind it is an
// in-memory fake (test/helpers/fake-rollout-service.ts), not RolloutManager: these tests are about the API's
// checks, routing and errors, and the fake refuses bad input with the same typed errors the real one throws.
import t, { type Test } from 'tap';
import { buildFirmware, packFirmwareImage } from '../../protocols/ipmi/oem/bmcfleet-firmware.js';
import { ReplyScheme } from '../../protocols/rollout/prepare.js';
import { startManagerApi, type ManagerApiOptions } from '../../orchestrator/manager/manager-api.js';
import type { RolloutRmc } from '../../orchestrator/rollout/rollout-plan.js';
import { FakeRolloutService } from '../helpers/fake-rollout-service.js';
import { rawRequest } from '../helpers/control-stub.js';

const HOST = '127.72.0.1';
const JSON_TYPE = { 'content-type': 'application/json' };
const IMAGE = packFirmwareImage(buildFirmware({ deviceId: 0x20, manufacturerId: 32473, productId: 1 }, { major: 1, minor: 2, aux: new Uint8Array(4) }, 4096), 1_700_000_000);
const INVENTORY: RolloutRmc[] = [
  { rmcId: 1, address: '127.72.1.250', rackName: 'rack-1' },
  { rmcId: 2, address: '127.72.2.250', rackName: 'rack-2' },
  { rmcId: 3, address: '127.72.3.250', rackName: 'row2-a' },
];
const NOW = Date.UTC(2026, 11, 6, 7, 0, 0);

async function start(t: Test, options: Partial<ManagerApiOptions> = {}) {
  const service = new FakeRolloutService(() => NOW);
  const errors: Error[] = [];
  const api = await startManagerApi(service, INVENTORY, { host: HOST, port: 0, token: null, onError: (e) => errors.push(e), ...options });
  t.teardown(() => api.close());
  const port = Number(new URL(api.url).port);
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    rawRequest(HOST, port, method, path, body === undefined ? headers : { ...JSON_TYPE, ...headers }, body === undefined ? undefined : JSON.stringify(body));
  return { service, errors, call, port };
}

const startBody = (extra: Record<string, unknown> = {}) => ({ image: IMAGE.toString('base64'), flashTime: '2026-12-06T08:00:00Z', ...extra });

t.test('POST /rollouts: 201 with the new rollout; the selector picks racks in inventory order', async (t) => {
  const { service, call } = await start(t);
  const r = await call('POST', '/rollouts', startBody({ racks: 'row2-*,1', replyScheme: 'window', concurrency: 8, bmcTimeoutMs: 600000 }));
  t.equal(r.status, 201, JSON.stringify(r.json));
  t.match(r.json, { rolloutId: 1, status: 'running', phase: 'preparing', flashTimeMs: NOW + 3_600_000, rmcs: [{ rmcId: 1, rackName: 'rack-1' }, { rmcId: 3, rackName: 'row2-a' }] });
  t.same(service.started[0].rmcs.map((m) => m.rmcId), [1, 3]);
  t.match(service.started[0], { replyScheme: ReplyScheme.WINDOW, concurrency: 8, bmcTimeoutMs: 600000 });
  t.ok(Buffer.compare(service.started[0].image, IMAGE) === 0, 'the image arrives byte for byte');

  const all = await call('POST', '/rollouts', startBody({ racks: ['rack-2'], flashTime: NOW + 60_000 }));
  t.equal(all.status, 201);
  t.equal(all.json.rolloutId, 2);
});

t.test('GET /rollouts, /rollouts/ID, /rollouts/ID/report, /rmcs; POST pause, resume, abort: 200', async (t) => {
  const { service, call } = await start(t);
  await call('POST', '/rollouts', startBody({ racks: 'rack-1' }));
  t.match((await call('GET', '/rollouts')).json, { rollouts: [{ rolloutId: 1, status: 'running', rmcCount: 1 }] });
  t.match((await call('GET', '/rollouts/1')), { status: 200, json: { rolloutId: 1, rmcs: [{ rackName: 'rack-1' }] } });
  t.same((await call('GET', '/rmcs')).json.rmcs, [
    { id: 1, ip: '127.72.1.250', rack: 'rack-1', rollout: 1 },
    { id: 2, ip: '127.72.2.250', rack: 'rack-2', rollout: null },
    { id: 3, ip: '127.72.3.250', rack: 'row2-a', rollout: null },
  ]);
  t.match((await call('POST', '/rollouts/1/pause')), { status: 200, json: { status: 'paused' } });
  t.match((await call('POST', '/rollouts/1/resume', {})), { status: 200, json: { status: 'running' } });
  await call('POST', '/rollouts/1/pause');
  t.match((await call('POST', '/rollouts/1/resume', { at: 'soon' })), { status: 400, json: { error: 'unknown field at (known: flashTime)' } });
  t.match((await call('POST', '/rollouts/1/resume', { flashTime: 'tomorrow' })), { status: 400, json: { error: /^flashTime is required: ISO 8601/ } });
  t.match((await call('GET', '/rollouts/1')).json, { status: 'paused', flashTimeMs: NOW + 3_600_000 }, 'refused: unchanged');
  t.match((await call('POST', '/rollouts/1/resume', { flashTime: '2026-12-06T09:00:00Z' })), { status: 200, json: { status: 'running', flashTimeMs: NOW + 7_200_000 } });
  service.finish(1, 1);
  const report = await call('GET', '/rollouts/1/report');
  t.equal(report.status, 200);
  t.match(report.json.racks[0].bmcs, [{ result: 'flashed', reason: null }, { result: 'failed', reason: 'timed out' }]);
  t.match((await call('POST', '/rollouts/1/resume')), { status: 409, json: { code: 'ERR_STATE', error: /rollout 1 is done: it cannot resume/ } });
  await call('POST', '/rollouts', startBody({ racks: 'rack-1' }));
  t.match((await call('POST', '/rollouts/2/abort')), { status: 200, json: { status: 'aborted' } });
  t.equal((await call('GET', '/rmcs')).json.rmcs[0].rollout, null, 'an RMC is free again once its rollout ended');
});

t.test('400: bad input named, nothing started', async (t) => {
  const { service, call, port } = await start(t);
  const cases: [unknown, RegExp, string?][] = [
    [startBody({ image: 'AAAA' }), /not a usable HPM\.1 image/, 'ERR_IMAGE'],
    [startBody({ image: '!!' }), /image is not base64/],
    [{ flashTime: '2026-12-06T08:00:00Z' }, /image is required/],
    [startBody({ flashTime: '2026-12-06T06:59:00Z' }), /flash time .* is in the past/, 'ERR_FLASH_TIME'],
    [startBody({ flashTime: '2026-12-06T08:00:00' }), /flashTime is required: ISO 8601 with a zone/],
    [startBody({ flashTime: '2026-02-30T08:00:00Z' }), /flashTime/],
    [startBody({ racks: 'rack-1,rack-9,rock-*' }), /unknown racks: rack-9, rock-\* \(racks: rack-1, rack-2, row2-a\)/],
    [startBody({ racks: 7 }), /racks must be a selector/],
    [startBody({ replyScheme: 'fast' }), /replyScheme must be one of immediate, octet-sum, window, rank-slots/],
    [startBody({ concurrency: 0 }), /concurrency must be a whole number from 1 to 65535/],
    [startBody({ bmcTimeoutMs: 1.5 }), /bmcTimeoutMs must be a whole number/],
    [startBody({ flash: 'now' }), /unknown field flash/],
  ];
  for (const [body, message, code] of cases) {
    const r = await call('POST', '/rollouts', body);
    t.equal(r.status, 400, JSON.stringify(body).slice(0, 80));
    t.match(r.json.error, message);
    if (code) t.equal(r.json.code, code);
  }
  t.match(await rawRequest(HOST, port, 'POST', '/rollouts', JSON_TYPE, '{'), { status: 400, json: { error: 'body is not JSON' } });
  t.equal((await call('GET', '/rollouts/abc')).status, 400, 'a rollout ID that is not a number');
  t.same(service.started, [], 'nothing reached the service');
});

t.test('404: an unknown rollout or endpoint', async (t) => {
  const { call } = await start(t);
  for (const [method, path] of [['GET', '/rollouts/9'], ['GET', '/rollouts/9/report'], ['POST', '/rollouts/9/pause'], ['POST', '/rollouts/9/abort']]) {
    const r = await call(method, path);
    t.equal(r.status, 404, `${method} ${path}`);
    t.match(r.json, { error: 'no rollout 9', code: 'ERR_NO_ROLLOUT' });
  }
  t.match(await call('GET', '/nothing'), { status: 404, json: { error: /no such endpoint: GET \/nothing/ } });
  t.equal((await call('DELETE', '/rollouts/1')).status, 404);
  t.equal((await call('POST', '/rollouts/1/explode')).status, 404);
});

t.test('409: racks already in a running rollout, named with the rollout', async (t) => {
  const { service, call } = await start(t);
  t.equal((await call('POST', '/rollouts', startBody({ racks: 'rack-*' }))).status, 201);
  const again = await call('POST', '/rollouts', startBody({ racks: 'rack-2,row2-a' }));
  t.equal(again.status, 409);
  t.match(again.json, { code: 'ERR_RMCS_BUSY', rolloutId: 1, rmcIds: [2], error: /RMC 2 already in a running rollout: rollout 1/ });
  t.equal(service.started.length, 1);
  await call('POST', '/rollouts/1/abort');
  t.equal((await call('POST', '/rollouts', startBody({ racks: 'rack-2' }))).status, 201, 'free again after the abort');
});

t.test('413: a body past the bound', async (t) => {
  const { call } = await start(t, { maxImageBytes: 512 });
  const r = await call('POST', '/rollouts', startBody());
  t.equal(r.status, 413);
  t.match(r.json.error, /body larger than/);
  t.equal((await call('POST', '/rollouts/1/pause', { pad: 'x'.repeat(70 * 1024) })).status, 413, '64 KiB on other requests');
});

t.test('the guard: 415 for a non-JSON body, 403 for a web page or a rebound Host, 401 without the token', async (t) => {
  const { call, service } = await start(t, { token: 's3cret' });
  const bearer = { authorization: 'Bearer s3cret' };
  t.equal((await call('GET', '/rollouts')).status, 401);
  t.equal((await call('GET', '/rollouts', undefined, { authorization: 'Bearer nope' })).status, 401);
  t.equal((await call('GET', '/rollouts', undefined, bearer)).status, 200);
  t.equal((await call('POST', '/rollouts', startBody(), { ...bearer, 'content-type': 'text/plain' })).status, 415);
  t.equal((await call('POST', '/rollouts', startBody(), { ...bearer, origin: 'http://evil.example' })).status, 403);
  t.equal((await call('GET', '/rollouts', undefined, { ...bearer, host: 'evil.example:4680' })).status, 403);
  t.same(service.started, []);
});

t.test('500: a bug in the service is an internal error, and surfaces', async (t) => {
  const { call, service, errors } = await start(t);
  service.failNext = new TypeError('boom');
  const r = await call('GET', '/rollouts');
  t.equal(r.status, 500);
  t.notMatch(r.json.error, /boom/, 'no internals in the answer');
  t.equal(errors[0]?.message, 'boom');
});

t.test('connections: one past the per-source bound is closed at once', async (t) => {
  const { port } = await start(t, { limits: { maxConnectionsPerSource: 1 } });
  const { connect } = await import('node:net');
  const first = connect(port, HOST);
  await new Promise((r) => first.once('connect', r));
  t.teardown(() => first.destroy());
  const second = connect(port, HOST);
  const closed = await new Promise<boolean>((r) => { second.once('close', () => r(true)); second.once('data', () => r(false)); });
  t.ok(closed);
});

t.test('connections: with the table full, a slow client that sent nothing makes room for a new one', async (t) => {
  const { port, call } = await start(t, { limits: { maxConnections: 2 } });
  const { connect } = await import('node:net');
  const slow = [connect(port, HOST), connect(port, HOST)];
  t.teardown(() => slow.forEach((s) => s.destroy()));
  await Promise.all(slow.map((s) => new Promise((r) => s.once('connect', r))));
  const closed = new Promise((r) => slow[0].once('close', r));
  t.equal((await call('GET', '/rollouts')).status, 200, 'the legitimate client gets through');
  await closed;
  t.pass('the oldest silent connection was closed');
});
