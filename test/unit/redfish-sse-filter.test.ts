// The $filter of the Redfish SSE stream (DSP0266 "Server-sent events"; protocols/redfish/event-filter.ts,
// emulator/redfish/sse-filter.ts): the filter syntax (eq, ne, and, or, not, parentheses, quoted and bare values), each
// property the service supports compared as DSP0266 has it, and a 400 for a filter it cannot apply (an unsupported
// property, bad syntax); through the SSE route, a filtered stream carries only what its filter takes.
import t from 'tap';
import { DecodeError } from '../../protocols/errors.js';
import { parseEventFilter } from '../../protocols/redfish/event-filter.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { ManualClock } from '../../runtime/manual-clock.js';
import { EmulatedBmc } from '../../emulator/bmc/emulated-bmc.js';
import { BmcRedfish } from '../../emulator/redfish/bmc-redfish.js';
import { dispatch, RouteTable } from '../../emulator/redfish/dispatch.js';
import { EventType, type EventRecord } from '../../emulator/redfish/redfish-events.js';
import { REDFISH_ROUTES } from '../../emulator/redfish/routes.js';
import { SSE_FILTER_PROPERTIES, sseFilter } from '../../emulator/redfish/sse-filter.js';
import type { RedfishConfig } from '../../emulator/fleet/schema/redfish.js';

const CONFIG: RedfishConfig = {
  port: 443, tls: true, maxSessions: 4, sessionTimeoutSeconds: 60, lockoutThreshold: 3, lockoutSeconds: 30,
  maxBodyKiB: 64, maxConnections: 16, maxConnectionsPerSource: 16,
};

const record = (messageId: string, origin: string | null, type: EventType = EventType.StatusChange): EventRecord => ({
  MemberId: '0', EventType: type, EventId: '1', EventTimestamp: '2025-01-01T00:00:00Z', MessageId: messageId, Message: '', MessageArgs: [],
  Severity: 'OK', ...(origin === null ? {} : { OriginOfCondition: { '@odata.id': origin } }),
});
const powerChange = record('ResourceEvent.1.0.ResourceChanged', '/redfish/v1/Systems/1');
const selEntry = record('ResourceEvent.1.0.ResourceCreated', '/redfish/v1/Managers/1/LogServices/SEL/Entries/3', EventType.Alert);
const mediaChange = record('ResourceEvent.1.0.ResourceChanged', '/redfish/v1/Managers/1/VirtualMedia/Cd', EventType.ResourceUpdated);
const taskStep = record('TaskEvent.1.0.TaskProgressChanged', '/redfish/v1/TaskService/Tasks/2');
const noOrigin = record('Contoso.1.0.Test', null, EventType.Alert);
const ALL = { powerChange, selEntry, mediaChange, taskStep, noOrigin };

/** The names of the records `text` takes. */
function taken(text: string): string[] {
  const accepts = sseFilter(text);
  return Object.entries(ALL).filter(([, r]) => accepts(r)).map(([name]) => name);
}

t.test('each property, as DSP0266 lists them for SSE', (t) => {
  t.same(taken("EventType eq 'Alert'"), ['selEntry', 'noOrigin']);
  t.same(taken('EventType eq Alert'), ['selEntry', 'noOrigin'], 'a bare value');
  t.same(taken("MessageId eq 'ResourceEvent.1.0.ResourceChanged'"), ['powerChange', 'mediaChange']);
  t.same(taken("MessageId eq 'ResourceEvent.ResourceCreated'"), ['selEntry'], 'a MessageId without its version');
  t.same(taken("RegistryPrefix eq 'TaskEvent'"), ['taskStep']);
  t.same(taken("OriginResource eq '/redfish/v1/Systems/1'"), ['powerChange']);
  t.same(taken("ResourceType eq 'VirtualMedia'"), ['mediaChange']);
  t.same(taken("ResourceType eq 'LogEntry'"), ['selEntry']);
  t.same(taken('ResourceType eq ComputerSystem'), ['powerChange']);
  t.same(taken("ResourceType eq 'Task'"), ['taskStep']);
  t.end();
});

t.test('or, and, not, ne and parentheses', (t) => {
  t.same(taken("(RegistryPrefix eq 'TaskEvent') or (EventType eq 'Alert')"), ['selEntry', 'taskStep', 'noOrigin']);
  t.same(taken("RegistryPrefix eq 'ResourceEvent' and not (ResourceType eq 'VirtualMedia')"), ['powerChange', 'selEntry']);
  t.same(taken("EventType ne 'Alert' and MessageId ne 'TaskEvent.1.0.TaskProgressChanged'"), ['powerChange', 'mediaChange']);
  t.same(taken("EventType eq 'Alert' or EventType eq 'StatusChange' and RegistryPrefix eq 'TaskEvent'"), ['selEntry', 'taskStep', 'noOrigin'], 'and binds tighter than or');
  t.same(taken("  ( ( OriginResource eq '/redfish/v1/Systems/1' ) )  "), ['powerChange'], 'spaces and nested parentheses');
  t.same(parseEventFilter("MessageId eq 'it''s'", SSE_FILTER_PROPERTIES), { op: 'eq', property: 'MessageId', value: "it's" }, "'' is a quote");
  t.end();
});

t.test('what the service cannot apply is a DecodeError with its offset', (t) => {
  for (const [text, offset, code, what] of [
    ["EventFormatType eq 'Event'", 0, 'ERR_FILTER_PROPERTY', 'a property DSP0266 lists that this service does not support'],
    ["(SubordinateResources eq true)", 1, 'ERR_FILTER_PROPERTY', 'SubordinateResources'],
    ["Severity eq 'OK'", 0, 'ERR_FILTER_PROPERTY', 'a property SSE filters do not have'],
    ["MessageId gt 'A'", 10, 'ERR_FILTER_SYNTAX', 'an operator other than eq and ne'],
    ["MessageId eq 'A", 13, 'ERR_FILTER_SYNTAX', 'an unterminated quote'],
    ["(MessageId eq 'A'", 17, 'ERR_FILTER_SYNTAX', 'a ( without its )'],
    ["MessageId eq 'A' MessageId eq 'B'", 17, 'ERR_FILTER_SYNTAX', 'two expressions without or/and'],
    ['MessageId eq', 12, 'ERR_FILTER_SYNTAX', 'no value'],
    ['', 0, 'ERR_FILTER_SYNTAX', 'empty'],
    ['EventType eq "Alert"', 13, 'ERR_FILTER_SYNTAX', 'double quotes'],
    [`MessageId eq '${'x'.repeat(2000)}'`, 1024, 'ERR_FILTER_LENGTH', 'too long'],
  ] as const) {
    const err = t.throws(() => parseEventFilter(text, SSE_FILTER_PROPERTIES), what) as DecodeError;
    t.ok(err instanceof DecodeError, what);
    t.match({ field: err.field, offset: err.offset, code: err.code }, { field: '$filter', offset, code }, what);
  }
  t.end();
});

t.test('through the SSE route: a filtered stream carries what its filter takes; a filter it cannot apply is a 400', async (t) => {
  const clock = new ManualClock(1_700_000_000_000);
  const bmc = new EmulatedBmc({ ip: '127.9.3.3', clock, now: clock.now(), users: [{ name: 'admin', password: 'password', privilege: Privilege.ADMINISTRATOR }] });
  const target = new BmcRedfish(bmc, null, CONFIG, () => {}, clock);
  const table = new RouteTable(REDFISH_ROUTES);
  const call = async (method: string, url: string, body?: unknown) => {
    const a = await dispatch(table, target, {
      method, url, headers: { authorization: `Basic ${Buffer.from('admin:password').toString('base64')}` }, body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
    }, clock.now());
    return { ...a, json: a.body as any, id: (a.body as any)?.error?.['@Message.ExtendedInfo']?.[0]?.MessageId };
  };
  const open = async (query: string) => {
    const answer = await call('GET', `/redfish/v1/EventService/SSE${query}`);
    const sse = { status: answer.status, id: answer.id, text: '' };
    answer.stream?.({ write: (text) => { sse.text += text; }, onClose: () => {} });
    return sse;
  };
  t.match((await call('GET', '/redfish/v1/EventService')).json.SSEFilterPropertiesSupported, { MessageId: true, ResourceType: true, EventFormatType: false });
  const tasks = await open(`?$filter=${encodeURIComponent("RegistryPrefix eq 'TaskEvent'")}`);
  const alerts = await open(`?%24filter=${encodeURIComponent('EventType eq Alert')}`);
  const all = await open('');
  t.equal(tasks.status, 200);
  for (const test of [{ MessageId: 'TaskEvent.1.0.TaskStarted', EventType: 'StatusChange' }, { MessageId: 'ResourceEvent.1.0.ResourceCreated', EventType: 'Alert' }]) {
    t.equal((await call('POST', '/redfish/v1/EventService/Actions/EventService.SubmitTestEvent', test)).status, 204);
  }
  const ids = (text: string) => text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)).Events[0].MessageId);
  t.same(ids(tasks.text), ['TaskEvent.1.0.TaskStarted']);
  t.same(ids(alerts.text), ['ResourceEvent.1.0.ResourceCreated']);
  t.same(ids(all.text), ['TaskEvent.1.0.TaskStarted', 'ResourceEvent.1.0.ResourceCreated']);

  for (const bad of ["EventFormatType eq 'Event'", "MessageId eq 'A", 'MetricReportDefinition eq x']) {
    const refused = await open(`?$filter=${encodeURIComponent(bad)}`);
    t.equal(refused.status, 400, bad);
    t.equal(refused.id, 'Base.1.8.QueryParameterValueFormatError', bad);
  }
});
