// A BMC's Redfish events (emulator/redfish/redfish-events.ts, resources/event-service.ts) on a manual clock with a
// stand-in for the HTTP POST: model changes (power, new SEL entries) become Event records for the subscriptions whose
// EventTypes and RegistryPrefixes take them; delivery is one at a time, retried a bounded number of times, from a
// bounded queue; the model is watched only while someone listens; subscriptions are bounded and checked (400s).
import t from 'tap';
import { Privilege } from '../../protocols/ipmi/users.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { EmulatedBmc } from '../../emulator/bmc/emulated-bmc.js';
import { BmcRedfish } from '../../emulator/redfish/bmc-redfish.js';
import { dispatch, RouteTable } from '../../emulator/redfish/dispatch.js';
import {
  DELIVERY_RETRY_ATTEMPTS, DELIVERY_RETRY_INTERVAL_MS, EventType, MAX_QUEUED_EVENTS, MAX_STREAMS, MAX_SUBSCRIPTIONS, RedfishEvents,
} from '../../emulator/redfish/redfish-events.js';
import { REDFISH_ROUTES } from '../../emulator/redfish/routes.js';
import type { RedfishConfig } from '../../emulator/fleet/schema/redfish.js';

const CONFIG: RedfishConfig = {
  port: 443, tls: true, maxSessions: 4, sessionTimeoutSeconds: 60, lockoutThreshold: 3, lockoutSeconds: 30,
  maxBodyKiB: 64, maxConnections: 16, maxConnectionsPerSource: 16,
};
const DEST = new URL('http://127.0.0.1:9/events');
const flush = () => new Promise((resolve) => setImmediate(resolve));

function setup(answer: () => Promise<boolean> = () => Promise.resolve(true)) {
  const clock = new ManualClock(1_700_000_000_000);
  const bmc = new EmulatedBmc({ ip: '127.9.2.1', clock, now: clock.now() });
  const posts: Array<{ destination: string; body: any }> = [];
  const events = new RedfishEvents(bmc.model, null, clock, (destination, json) => {
    posts.push({ destination: destination.href, body: JSON.parse(json) });
    return answer();
  });
  const powerOff = () => bmc.model.emit({ kind: 'power', outcome: 'powered-off', powerOn: false }, clock.now());
  const selEntry = () => bmc.model.sel.logSystemEvent(0x01, 0x30, 0x01, [0x52, 0x60, 0x5f], false, clock.now());
  return { clock, bmc, events, posts, powerOff, selEntry };
}

t.test('a power change and a new SEL entry reach a subscription as Event records, with its Context', async (t) => {
  const { events, posts, selEntry, bmc, clock } = setup();
  events.subscribe(DEST, 'ctx-1', null, null);
  bmc.model.emit({ kind: 'power', outcome: 'powered-off', powerOn: false }, clock.now()); // also logs a SEL entry
  await flush();
  t.equal(posts.length, 2, 'the SEL entry the power change logged (the SEL hears first), then the power change');
  t.match(posts[1], {
    destination: DEST.href,
    body: {
      '@odata.type': '#Event.v1_4_0.Event', Context: 'ctx-1',
      Events: [{ EventType: 'StatusChange', MessageId: 'ResourceEvent.1.0.ResourceChanged', OriginOfCondition: { '@odata.id': '/redfish/v1/Systems/1' }, EventTimestamp: '2023-11-14T22:13:20Z' }],
    },
  });
  t.match(posts[0].body.Events[0], { EventType: 'Alert', MessageId: 'ResourceEvent.1.0.ResourceCreated', OriginOfCondition: { '@odata.id': /\/LogServices\/SEL\/Entries\/\d+$/ } });
  selEntry();
  await flush();
  t.equal(posts.length, 3);
  t.not(posts[2].body.Id, posts[1].body.Id, 'each event its own Id');
});

t.test('EventTypes and RegistryPrefixes filter what a subscription gets', async (t) => {
  const { events, posts, powerOff } = setup();
  events.subscribe(new URL('http://127.0.0.1:9/alerts'), '', [EventType.Alert], null);
  events.subscribe(new URL('http://127.0.0.1:9/tasks'), '', null, ['TaskEvent']);
  powerOff();
  events.publish(EventType.StatusChange, 'TaskEvent.1.0.TaskStarted', ['1'], '/redfish/v1/TaskService/Tasks/1');
  await flush();
  t.same(posts.map((p) => [p.destination, p.body.Events[0].MessageId]), [
    ['http://127.0.0.1:9/alerts', 'ResourceEvent.1.0.ResourceCreated'],
    ['http://127.0.0.1:9/tasks', 'TaskEvent.1.0.TaskStarted'],
  ]);
});

t.test('a destination that fails: retried DELIVERY_RETRY_ATTEMPTS times on the clock, then the event is dropped and the next goes', async (t) => {
  let ok = false;
  const { events, posts, selEntry, clock } = setup(() => Promise.resolve(ok));
  const s = events.subscribe(DEST, '', null, null)!;
  selEntry();
  selEntry();
  await flush();
  t.equal(posts.length, 1, 'one event at a time');
  for (let i = 0; i < DELIVERY_RETRY_ATTEMPTS; i++) {
    clock.advance(DELIVERY_RETRY_INTERVAL_MS);
    await flush();
  }
  t.equal(posts.filter((p) => p.body.Id === '1').length, 1 + DELIVERY_RETRY_ATTEMPTS, 'the first event: tried, then retried');
  t.equal(s.dropped, 1, 'then dropped');
  t.equal(posts.at(-1)!.body.Id, '2', 'the second event tried at once');
  ok = true;
  clock.advance(DELIVERY_RETRY_INTERVAL_MS);
  await flush();
  t.equal(posts.length, 3 + DELIVERY_RETRY_ATTEMPTS, 'and retried');
  t.equal(s.delivered, 1);
  t.equal(s.queue.length, 0);
});

t.test('a destination that never answers: the queue stays bounded, the oldest dropped', async (t) => {
  const { events, selEntry } = setup(() => new Promise(() => {}));
  const s = events.subscribe(DEST, '', null, null)!;
  for (let i = 0; i < MAX_QUEUED_EVENTS + 10; i++) selEntry();
  t.equal(s.queue.length, MAX_QUEUED_EVENTS);
  t.equal(s.dropped, 10);
});

t.test('the model is watched only while someone listens; subscriptions and streams are bounded', async (t) => {
  const { events, posts, selEntry } = setup();
  const s = events.subscribe(DEST, '', null, null)!;
  events.unsubscribe(s.id);
  selEntry();
  await flush();
  t.equal(posts.length, 0);
  for (let i = 0; i < MAX_SUBSCRIPTIONS; i++) t.ok(events.subscribe(DEST, '', null, null));
  t.equal(events.subscribe(DEST, '', null, null), null);
  const lines: string[] = [];
  for (let i = 0; i < MAX_STREAMS; i++) t.ok(events.openStream({ write: (text) => { lines.push(text); } }));
  t.notOk(events.openStream({ write: () => {} }));
  selEntry();
  t.equal(lines.length, MAX_STREAMS, 'each stream gets the event');
  t.match(lines[0], /^id: \d+\ndata: \{.*"ResourceEvent\.1\.0\.ResourceCreated".*\}\n\n$/);
});

t.test('EventService routes: subscribe (201, Location), read, delete; bad subscriptions are 400s; SSE needs a login', async (t) => {
  const clock = new ManualClock(1_000_000);
  const bmc = new EmulatedBmc({
    ip: '127.9.2.2', clock, now: clock.now(),
    users: [{ name: 'admin', password: 'password', privilege: Privilege.ADMINISTRATOR }, { name: 'viewer', password: 'viewer', privilege: Privilege.USER }],
  });
  const target = new BmcRedfish(bmc, null, CONFIG, () => {}, clock);
  const table = new RouteTable(REDFISH_ROUTES);
  const basic = (u: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${u === 'admin' ? 'password' : u}`).toString('base64')}` });
  const call = async (method: string, url: string, body?: unknown, user = 'admin', auth = true) => {
    const a = await dispatch(table, target, { method, url, headers: auth ? basic(user) : {}, body: Buffer.from(body === undefined ? '' : JSON.stringify(body)) }, clock.now());
    return { ...a, json: a.body as any, id: (a.body as any)?.error?.['@Message.ExtendedInfo']?.[0]?.MessageId };
  };
  t.match((await call('GET', '/redfish/v1/EventService')).json, { ServerSentEventUri: '/redfish/v1/EventService/SSE', Subscriptions: { '@odata.id': '/redfish/v1/EventService/Subscriptions' } });
  const made = await call('POST', '/redfish/v1/EventService/Subscriptions', { Destination: 'http://127.0.0.1:8000/e', EventTypes: ['Alert'], Context: 'c' });
  t.equal(made.status, 201);
  t.equal(made.headers!.Location, '/redfish/v1/EventService/Subscriptions/1');
  t.match((await call('GET', '/redfish/v1/EventService/Subscriptions/1')).json, { Destination: 'http://127.0.0.1:8000/e', EventTypes: ['Alert'], Context: 'c', Protocol: 'Redfish' });
  t.equal((await call('GET', '/redfish/v1/EventService/Subscriptions')).json['Members@odata.count'], 1);
  t.equal((await call('DELETE', '/redfish/v1/EventService/Subscriptions/1')).status, 204);
  t.equal((await call('GET', '/redfish/v1/EventService/Subscriptions/1')).status, 404);

  const post = (body: unknown, user = 'admin') => call('POST', '/redfish/v1/EventService/Subscriptions', body, user);
  t.equal((await post({})).id, 'Base.1.8.PropertyMissing');
  t.equal((await post({ Destination: 'ftp://x/' })).id, 'Base.1.8.PropertyValueTypeError');
  t.equal((await post({ Destination: 'not a url' })).id, 'Base.1.8.PropertyValueTypeError');
  t.equal((await post({ Destination: 'http://x/', EventTypes: ['Nope'] })).id, 'Base.1.8.PropertyValueNotInList');
  t.equal((await post({ Destination: 'http://x/', RegistryPrefixes: 'Base' })).id, 'Base.1.8.PropertyValueTypeError');
  t.equal((await post({ Destination: 'http://x/', Protocol: 'SNMPv2c' })).id, 'Base.1.8.PropertyValueNotInList');
  t.equal((await post({ Destination: 'http://x/', Bogus: 1 })).id, 'Base.1.8.PropertyUnknown');
  t.equal((await post({ Destination: 'http://x/', Context: 'x'.repeat(300) })).id, 'Base.1.8.PropertyValueTypeError');
  t.equal((await post({ Destination: 'http://x/' }, 'viewer')).status, 403);
  for (let i = 0; i < MAX_SUBSCRIPTIONS; i++) t.equal((await post({ Destination: 'http://127.0.0.1:9/' })).status, 201);
  t.equal((await post({ Destination: 'http://127.0.0.1:9/' })).status, 503, 'bounded');

  t.equal((await call('GET', '/redfish/v1/EventService/SSE', undefined, 'admin', false)).status, 401);
  const sse = await call('GET', '/redfish/v1/EventService/SSE', undefined, 'viewer');
  t.equal(sse.status, 200);
  t.type(sse.stream, 'function');
});

t.test('subscriptions as a state file keeps them come back under their Ids, with their filters, and deliver', async (t) => {
  const first = setup();
  first.events.subscribe(new URL('http://127.0.0.1:9/a'), 'ctx-a', [EventType.StatusChange], null);
  const b = first.events.subscribe(new URL('http://127.0.0.1:9/b'), 'ctx-b', null, ['TaskEvent'])!;
  first.events.subscribe(new URL('http://127.0.0.1:9/c'), '', null, null);
  first.events.unsubscribe('1');
  const saved = JSON.parse(JSON.stringify(first.events.saved()));
  t.same(saved, [
    { id: '2', destination: 'http://127.0.0.1:9/b', context: 'ctx-b', eventTypes: null, registryPrefixes: ['TaskEvent'] },
    { id: '3', destination: 'http://127.0.0.1:9/c', context: '', eventTypes: null, registryPrefixes: null },
  ]);
  t.equal(b.id, '2');

  const next = setup(); // the BMC's next process
  next.events.restore(saved);
  t.same(next.events.list().map((s) => [s.id, s.destination.href, s.context]), [['2', 'http://127.0.0.1:9/b', 'ctx-b'], ['3', 'http://127.0.0.1:9/c', '']]);
  t.equal(next.events.subscribe(DEST, '', null, null)!.id, '4', 'a new one takes the next Id, not a kept one\'s');
  next.powerOff();
  await flush();
  t.same(next.posts.map((p) => p.destination).sort(), ['http://127.0.0.1:9/c', 'http://127.0.0.1:9/c', DEST.href, DEST.href],
    'the kept subscriptions watch the model again (the TaskEvent-only one takes neither the power change nor its SEL entry)');
  t.throws(() => setup().events.restore([{ ...saved[0], destination: 'not a url' }]), RangeError);
  t.throws(() => setup().events.restore([{ ...saved[0], id: '../x' }]), RangeError);
  t.throws(() => setup().events.restore({} as never), RangeError);
});
