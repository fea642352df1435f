// The EventService (EventService.v1_7_0, EventDestination.v1_7_0; DSP0266 "Eventing" and "Server-sent
// events"): subscriptions whose events the BMC POSTs to their Destination, an SSE stream for a logged-in client (with a
// $filter, sse-filter.ts), and the SubmitTestEvent action (redfish-events.ts makes and sends the events).
import { DecodeError } from '../../../protocols/errors.js';
import { RedfishError } from '../../../protocols/redfish/messages.js';
import type { BmcRedfish } from '../bmc-redfish.js';
import {
  DELIVERY_RETRY_ATTEMPTS, DELIVERY_RETRY_INTERVAL_MS, EVENT_REGISTRIES, EventType, type EventRecord, type Subscription, type TestEvent,
} from '../redfish-events.js';
import { SSE_FILTER_SUPPORT, sseFilter } from '../sse-filter.js';
import { RedfishPrivilege } from '../roles.js';
import { collection, ENABLED_OK, link, NO_CONTENT, ok, type Route } from '../route.js';

const SERVICE = '/redfish/v1/EventService';
const SUBSCRIPTIONS = `${SERVICE}/Subscriptions`;
const SSE = `${SERVICE}/SSE`;
const SUBSCRIPTION_PROPERTIES = new Set(['Destination', 'EventTypes', 'RegistryPrefixes', 'Context', 'Protocol', 'SubscriptionType']);
const MAX_CONTEXT_CHARS = 256;
const SUBMIT_TEST = 'EventService.SubmitTestEvent';
/** SubmitTestEvent's parameters (EventService.v1_7_0) and the JSON type of each. */
const TEST_EVENT_PARAMETERS: Readonly<Record<string, 'string' | 'integer' | 'strings'>> = {
  EventGroupId: 'integer', EventId: 'string', EventTimestamp: 'string', EventType: 'string', Message: 'string',
  MessageArgs: 'strings', MessageId: 'string', OriginOfCondition: 'string', Severity: 'string',
};
/** DSP0266 "Message identifiers": RegistryName.MajorVersion.MinorVersion.MessageKey. */
const MESSAGE_ID = /^[A-Za-z0-9]+\.\d+\.\d+\.[A-Za-z0-9]+$/;
/** Edm.DateTimeOffset (RFC 3339 date-time). */
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

function subscriptionBody(s: Subscription): object {
  return {
    '@odata.id': `${SUBSCRIPTIONS}/${s.id}`, '@odata.type': '#EventDestination.v1_7_0.EventDestination', Id: s.id,
    Name: `Subscription ${s.id}`, Destination: s.destination.href, Context: s.context, Protocol: 'Redfish', SubscriptionType: 'RedfishEvent',
    ...(s.eventTypes === null ? {} : { EventTypes: [...s.eventTypes] }),
    ...(s.registryPrefixes === null ? {} : { RegistryPrefixes: [...s.registryPrefixes] }),
    Status: ENABLED_OK,
  };
}

/** A list of strings from `allowed`, or null when absent (every one). */
function listOf<T extends string>(value: unknown, property: string, allowed: readonly T[]): T[] | null {
  if (value === undefined) return null;
  if (!Array.isArray(value)) throw new RedfishError(400, 'PropertyValueTypeError', [JSON.stringify(value), property]);
  for (const v of value) if (!allowed.includes(v as T)) throw new RedfishError(400, 'PropertyValueNotInList', [String(v), property]);
  return [...new Set(value as T[])];
}

function subscribe(target: BmcRedfish, body: unknown): Subscription {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new RedfishError(400, 'PropertyMissing', ['Destination']);
  const p = body as Record<string, unknown>;
  for (const key of Object.keys(p)) if (!SUBSCRIPTION_PROPERTIES.has(key)) throw new RedfishError(400, 'PropertyUnknown', [key]);
  if (p.Destination === undefined) throw new RedfishError(400, 'PropertyMissing', ['Destination']);
  let destination: URL | null = null;
  try {
    destination = typeof p.Destination === 'string' ? new URL(p.Destination) : null;
  } catch { /* refused below */ }
  if (!destination || (destination.protocol !== 'http:' && destination.protocol !== 'https:')) {
    throw new RedfishError(400, 'PropertyValueTypeError', [JSON.stringify(p.Destination), 'Destination']);
  }
  if (p.Protocol !== undefined && p.Protocol !== 'Redfish') throw new RedfishError(400, 'PropertyValueNotInList', [String(p.Protocol), 'Protocol']);
  if (p.SubscriptionType !== undefined && p.SubscriptionType !== 'RedfishEvent') {
    throw new RedfishError(400, 'PropertyValueNotInList', [String(p.SubscriptionType), 'SubscriptionType']);
  }
  if (p.Context !== undefined && (typeof p.Context !== 'string' || p.Context.length > MAX_CONTEXT_CHARS)) {
    throw new RedfishError(400, 'PropertyValueTypeError', [JSON.stringify(p.Context).slice(0, 64), 'Context']);
  }
  const types = listOf(p.EventTypes, 'EventTypes', Object.values(EventType));
  const prefixes = listOf(p.RegistryPrefixes, 'RegistryPrefixes', EVENT_REGISTRIES);
  const s = target.events.subscribe(destination, (p.Context as string | undefined) ?? '', types, prefixes);
  if (!s) throw new RedfishError(503, 'ServiceTemporarilyUnavailable', ['60']);
  return s;
}

/** SubmitTestEvent's body, checked: each parameter one the action has, of its type; MessageId present and well formed. */
function testEvent(body: unknown): TestEvent {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new RedfishError(400, 'ActionParameterMissing', [SUBMIT_TEST, 'MessageId']);
  const p = body as Record<string, unknown>;
  const formatError = (name: string) => new RedfishError(400, 'ActionParameterValueFormatError', [JSON.stringify(p[name]).slice(0, 64), name, SUBMIT_TEST]);
  for (const [name, value] of Object.entries(p)) {
    const kind = TEST_EVENT_PARAMETERS[name];
    if (kind === undefined) throw new RedfishError(400, 'ActionParameterNotSupported', [name, SUBMIT_TEST]);
    const fits = kind === 'string' ? typeof value === 'string'
      : kind === 'integer' ? Number.isSafeInteger(value)
      : Array.isArray(value) && value.every((v) => typeof v === 'string');
    if (!fits) throw formatError(name);
  }
  if (p.MessageId === undefined) throw new RedfishError(400, 'ActionParameterMissing', [SUBMIT_TEST, 'MessageId']);
  if (!MESSAGE_ID.test(p.MessageId as string)) throw formatError('MessageId');
  if (p.EventType !== undefined && !(Object.values(EventType) as unknown[]).includes(p.EventType)) {
    throw new RedfishError(400, 'ActionParameterValueNotInList', [String(p.EventType), 'EventType', SUBMIT_TEST]);
  }
  if (p.EventTimestamp !== undefined && !DATE_TIME.test(p.EventTimestamp as string)) throw formatError('EventTimestamp');
  return p as unknown as TestEvent;
}

/** The SSE stream's $filter (DSP0266 "Server-sent events"), or null when the query has none; 400 for one it cannot apply. */
function streamFilter(query: string): ((record: EventRecord) => boolean) | null {
  const text = new URLSearchParams(query).get('$filter');
  if (text === null) return null;
  try {
    return sseFilter(text);
  } catch (err) {
    if (err instanceof DecodeError) throw new RedfishError(400, 'QueryParameterValueFormatError', [text.slice(0, 128), '$filter']);
    throw err;
  }
}

function subscriptionOf(target: BmcRedfish, id: string): Subscription {
  const s = target.events.byId(id);
  if (!s) throw new RedfishError(404, 'ResourceNotFound', ['EventDestination', id]);
  return s;
}

export const eventServiceRoutes: readonly Route[] = [
  {
    method: 'GET', path: SERVICE, privilege: RedfishPrivilege.Login,
    handle: () => ok({
      '@odata.id': SERVICE, '@odata.type': '#EventService.v1_7_0.EventService', Id: 'EventService', Name: 'Event Service',
      ServiceEnabled: true, Status: ENABLED_OK, DeliveryRetryAttempts: DELIVERY_RETRY_ATTEMPTS,
      DeliveryRetryIntervalSeconds: DELIVERY_RETRY_INTERVAL_MS / 1000, EventTypesForSubscription: Object.values(EventType),
      RegistryPrefixes: [...EVENT_REGISTRIES], ServerSentEventUri: SSE, SSEFilterPropertiesSupported: SSE_FILTER_SUPPORT,
      Subscriptions: link(SUBSCRIPTIONS),
      Actions: { [`#${SUBMIT_TEST}`]: { target: `${SERVICE}/Actions/${SUBMIT_TEST}` } },
    }),
  },
  {
    // delivered as any event: to each subscription whose filters take it, and each SSE stream
    method: 'POST', path: `${SERVICE}/Actions/${SUBMIT_TEST}`, privilege: RedfishPrivilege.ConfigureManager,
    handle: ({ target, body }) => {
      target.events.submitTest(testEvent(body));
      return NO_CONTENT;
    },
  },
  {
    method: 'GET', path: SUBSCRIPTIONS, privilege: RedfishPrivilege.Login,
    handle: ({ target }) => ok(collection(SUBSCRIPTIONS, 'EventDestinationCollection', 'Event Subscriptions', target.events.list().map((s) => `${SUBSCRIPTIONS}/${s.id}`))),
  },
  {
    method: 'POST', path: SUBSCRIPTIONS, privilege: RedfishPrivilege.ConfigureManager,
    handle: ({ target, body }) => {
      const s = subscribe(target, body);
      target.changed(); // kept in the state directory
      return { status: 201, body: subscriptionBody(s), headers: { Location: `${SUBSCRIPTIONS}/${s.id}` } };
    },
  },
  { method: 'GET', path: `${SUBSCRIPTIONS}/{id}`, privilege: RedfishPrivilege.Login, handle: ({ target, params }) => ok(subscriptionBody(subscriptionOf(target, params[0]))) },
  {
    method: 'DELETE', path: `${SUBSCRIPTIONS}/{id}`, privilege: RedfishPrivilege.ConfigureManager,
    handle: ({ target, params }) => {
      target.events.unsubscribe(subscriptionOf(target, params[0]).id);
      target.changed();
      return NO_CONTENT;
    },
  },
  {
    method: 'GET', path: SSE, privilege: RedfishPrivilege.Login,
    handle: ({ target, query }) => {
      const accepts = streamFilter(query);
      const events = target.events;
      if (!events.streamRoom) throw new RedfishError(503, 'ServiceTemporarilyUnavailable', ['60']);
      return {
        status: 200,
        stream: (out) => {
          const stream = { write: (text: string) => out.write(text), ...(accepts ? { accepts } : {}) };
          if (!events.openStream(stream)) return;
          out.onClose(() => events.closeStream(stream));
        },
      };
    },
  },
];
