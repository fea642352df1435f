// EventService.SubmitTestEvent (DSP0266 "Eventing"; EventService.v1_7_0) without sockets, on a manual clock: the
// event it describes reaches an open SSE stream, framed as any other, and the subscriptions whose filters take it; what
// the body leaves out is filled in; the Event is valid against the DMTF schema; a bad body is a 400 naming why.
import t from 'tap';
import { Privilege } from '../../protocols/ipmi/users.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { EmulatedBmc } from '../../emulator/bmc/emulated-bmc.js';
import { BmcRedfish } from '../../emulator/redfish/bmc-redfish.js';
import { dispatch, RouteTable } from '../../emulator/redfish/dispatch.js';
import { RedfishEvents } from '../../emulator/redfish/redfish-events.js';
import { REDFISH_ROUTES } from '../../emulator/redfish/routes.js';
import type { RedfishConfig } from '../../emulator/fleet/schema/redfish.js';
import { dmtfAjv, validatorOf } from '../helpers/dmtf-redfish-schema.js';

const CONFIG: RedfishConfig = {
  port: 443, tls: true, maxSessions: 4, sessionTimeoutSeconds: 60, lockoutThreshold: 3, lockoutSeconds: 30,
  maxBodyKiB: 64, maxConnections: 16, maxConnectionsPerSource: 16,
};
const ACTION = '/redfish/v1/EventService/Actions/EventService.SubmitTestEvent';
const flush = () => new Promise((resolve) => setImmediate(resolve));

function setup() {
  const clock = new ManualClock(1_700_000_000_000);
  const bmc = new EmulatedBmc({
    ip: '127.9.3.1', clock, now: clock.now(),
    users: [{ name: 'admin', password: 'password', privilege: Privilege.ADMINISTRATOR }, { name: 'viewer', password: 'viewer', privilege: Privilege.USER }],
  });
  const target = new BmcRedfish(bmc, null, CONFIG, () => {}, clock);
  const table = new RouteTable(REDFISH_ROUTES);
  const basic = (u: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${u === 'admin' ? 'password' : u}`).toString('base64')}` });
  const call = async (method: string, url: string, body?: unknown, user = 'admin') => {
    const a = await dispatch(table, target, { method, url, headers: basic(user), body: Buffer.from(body === undefined ? '' : JSON.stringify(body)) }, clock.now());
    return { ...a, json: a.body as any, id: (a.body as any)?.error?.['@Message.ExtendedInfo']?.[0]?.MessageId };
  };
  /** Opens the SSE stream at `url` (with its query) as the service would: the text written to it. */
  const openSse = async (url = '/redfish/v1/EventService/SSE') => {
    const answer = await call('GET', url);
    const sse = { status: answer.status, id: answer.id, text: '', closed: [] as (() => void)[] };
    answer.stream?.({ write: (text) => { sse.text += text; }, onClose: (fn) => { sse.closed.push(fn); } });
    return sse;
  };
  return { clock, target, call, openSse };
}

t.test('a test event reaches an SSE stream as given, in SSE framing, and is a valid Event', async (t) => {
  const { call, openSse } = setup();
  t.match((await call('GET', '/redfish/v1/EventService')).json.Actions, { '#EventService.SubmitTestEvent': { target: ACTION } });
  const sse = await openSse();
  const test = {
    EventType: 'Alert', EventId: 'test-1', EventTimestamp: '2025-01-02T03:04:05Z', EventGroupId: 7, MessageId: 'Contoso.1.0.TempAssert',
    Message: 'Temperature too high.', MessageArgs: ['CPU1', '97'], Severity: 'Critical', OriginOfCondition: '/redfish/v1/Chassis/1/Sensors/1',
  };
  const answer = await call('POST', ACTION, test);
  t.equal(answer.status, 204);
  t.equal(answer.body, undefined, 'no body');
  t.equal(sse.text, `id: test-1\ndata: ${JSON.stringify({
    '@odata.type': '#Event.v1_4_0.Event', Id: 'test-1', Name: 'Event', Context: '',
    Events: [{
      MemberId: '0', EventType: 'Alert', EventId: 'test-1', EventTimestamp: '2025-01-02T03:04:05Z', EventGroupId: 7, MessageId: 'Contoso.1.0.TempAssert',
      Message: 'Temperature too high.', MessageArgs: ['CPU1', '97'], Severity: 'Critical', OriginOfCondition: { '@odata.id': '/redfish/v1/Chassis/1/Sensors/1' },
    }],
  })}\n\n`);
  const event = JSON.parse(sse.text.split('\n')[1].slice('data: '.length));
  const validate = validatorOf(dmtfAjv(), event['@odata.type'])!;
  t.ok(validate(event), `valid against the DMTF schema: ${JSON.stringify(validate.errors)}`);
});

t.test('only MessageId is needed: a registry message gets its text and severity, the rest is filled in', async (t) => {
  const { call, openSse } = setup();
  const sse = await openSse();
  t.equal((await call('POST', ACTION, { MessageId: 'ResourceEvent.1.0.ResourceCreated' })).status, 204);
  t.equal((await call('POST', ACTION, { MessageId: 'Contoso.1.0.Unknown' })).status, 204);
  const records = sse.text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)).Events[0]);
  t.match(records, [
    { MemberId: '0', EventType: 'Alert', EventId: '1', EventTimestamp: '2023-11-14T22:13:20Z', MessageId: 'ResourceEvent.1.0.ResourceCreated', Message: 'The resource has been created successfully.', MessageArgs: [], Severity: 'OK' },
    { EventId: '2', MessageId: 'Contoso.1.0.Unknown', Message: 'A test event.', Severity: 'OK' },
  ]);
  t.notOk('OriginOfCondition' in records[0], 'no origin when none is given');
});

t.test('a test event goes to the subscriptions whose EventTypes and RegistryPrefixes take it', async (t) => {
  const clock = new ManualClock(1_000_000);
  const bmc = new EmulatedBmc({ ip: '127.9.3.2', clock, now: clock.now() });
  const posts: { destination: string; body: any }[] = [];
  const events = new RedfishEvents(bmc.model, null, clock, (destination, json) => {
    posts.push({ destination: destination.href, body: JSON.parse(json) });
    return Promise.resolve(true);
  });
  events.subscribe(new URL('http://127.0.0.1:9/all'), 'all', null, null);
  events.subscribe(new URL('http://127.0.0.1:9/tasks'), 'tasks', null, ['TaskEvent']);
  events.subscribe(new URL('http://127.0.0.1:9/status'), 'status', ['StatusChange'], null);
  events.submitTest({ MessageId: 'TaskEvent.1.0.TaskStarted', MessageArgs: ['3'] });
  events.submitTest({ MessageId: 'Update.1.0.UpdateSuccessful', EventType: 'StatusChange' });
  await flush();
  t.same(posts.map((p) => `${p.body.Context} ${p.body.Events[0].MessageId}`).sort(), [
    'all TaskEvent.1.0.TaskStarted', 'all Update.1.0.UpdateSuccessful', 'status Update.1.0.UpdateSuccessful', 'tasks TaskEvent.1.0.TaskStarted',
  ]);
  t.equal(posts.find((p) => p.body.Context === 'tasks')!.body.Events[0].Message, 'The task with Id \'3\' has started.');
});

t.test('a bad body is a 400 naming the parameter; a user without ConfigureManager gets 403', async (t) => {
  const { call, openSse } = setup();
  const sse = await openSse();
  for (const [body, id, what] of [
    [undefined, 'Base.1.8.ActionParameterMissing', 'no body'],
    [[], 'Base.1.8.ActionParameterMissing', 'not an object'],
    [{ Message: 'x' }, 'Base.1.8.ActionParameterMissing', 'no MessageId'],
    [{ MessageId: 'NotAnId' }, 'Base.1.8.ActionParameterValueFormatError', 'a MessageId not Registry.Major.Minor.Key'],
    [{ MessageId: 7 }, 'Base.1.8.ActionParameterValueFormatError', 'a MessageId not a string'],
    [{ MessageId: 'A.1.0.B', MessageArgs: [1] }, 'Base.1.8.ActionParameterValueFormatError', 'MessageArgs not strings'],
    [{ MessageId: 'A.1.0.B', EventGroupId: 1.5 }, 'Base.1.8.ActionParameterValueFormatError', 'EventGroupId not an integer'],
    [{ MessageId: 'A.1.0.B', EventTimestamp: 'yesterday' }, 'Base.1.8.ActionParameterValueFormatError', 'EventTimestamp not a date-time'],
    [{ MessageId: 'A.1.0.B', EventType: 'Nope' }, 'Base.1.8.ActionParameterValueNotInList', 'an EventType not offered'],
    [{ MessageId: 'A.1.0.B', Bogus: 1 }, 'Base.1.8.ActionParameterNotSupported', 'a parameter the action does not have'],
  ] as const) {
    const answer = await call('POST', ACTION, body);
    t.equal(answer.status, 400, what);
    t.equal(answer.id, id, what);
  }
  t.equal((await call('POST', ACTION, { MessageId: 'A.1.0.B' }, 'viewer')).status, 403);
  t.equal(sse.text, '', 'none of them sent anything');
});
