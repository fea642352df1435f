// One BMC's Redfish events (EventService.v1_7_0, EventDestination.v1_7_0, Event.v1_4_0; DSP0266 "Eventing"):
// what the BMC model changes (the host's power, the SEL, virtual media) and what update tasks report become event
// records, POSTed to each subscription's destination (one at a time, a bounded queue, bounded retries) and written to
// each open SSE stream (DSP0266 "Server-sent events"). Watches the model only while someone listens.
import { dateTime } from '../../protocols/redfish/messages.js';
import { RegistryMessage, registryMessage, type RegistryMessageId } from '../../protocols/redfish/registry-messages.js';
import type { Clock } from '../../runtime/clock.js';
import type { BmcModel } from '../bmc/model.js';
import type { BmcMedia } from '../media/bmc-media.js';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { postEvent, type PostEvent } from './event-delivery.js';

/** The registries whose messages events carry (RegistryPrefixes). */
export const EVENT_REGISTRIES = ['ResourceEvent', 'TaskEvent', 'Update'] as const;

/** EventService.v1_7_0 EventTypes (deprecated in later versions, still what sushy and Ironic send). */
export const EventType = {
  StatusChange: 'StatusChange',
  ResourceUpdated: 'ResourceUpdated',
  ResourceAdded: 'ResourceAdded',
  Alert: 'Alert',
} as const;
export type EventType = typeof EventType[keyof typeof EventType];

/** Subscriptions one BMC keeps (a POST past it: 503). */
export const MAX_SUBSCRIPTIONS = 8;
/** SSE streams open at once to one BMC. */
export const MAX_STREAMS = 4;
/** Events waiting for one subscription's destination; past it the oldest is dropped. */
export const MAX_QUEUED_EVENTS = 32;
/** EventService DeliveryRetryAttempts and DeliveryRetryIntervalSeconds: then the event is dropped. */
export const DELIVERY_RETRY_ATTEMPTS = 3;
export const DELIVERY_RETRY_INTERVAL_MS = 2000;
/** One POST to a destination, answer included. */
const DELIVERY_TIMEOUT_MS = 5000;

/** One record of an Event (Event.v1_4_0 EventRecord; MemberId, EventType and MessageId required). */
export interface EventRecord {
  MemberId: string;
  EventType: EventType;
  EventId: string;
  EventTimestamp: string;
  EventGroupId?: number;
  MessageId: string;
  Message: string;
  MessageArgs: string[];
  Severity: string;
  OriginOfCondition?: { '@odata.id': string };
}

/** What EventService.SubmitTestEvent asks for: its parameters (EventService.v1_7_0), only MessageId required. */
export interface TestEvent {
  EventType?: EventType;
  EventId?: string;
  EventTimestamp?: string;
  EventGroupId?: number;
  MessageId: string;
  Message?: string;
  MessageArgs?: string[];
  Severity?: string;
  OriginOfCondition?: string;
}

export interface Subscription {
  readonly id: string;
  readonly destination: URL;
  readonly context: string;
  /** null: every type. */
  readonly eventTypes: readonly EventType[] | null;
  /** null: every registry. */
  readonly registryPrefixes: readonly string[] | null;
  /** Event bodies (JSON) not yet delivered, oldest first. */
  queue: string[];
  sending: boolean;
  delivered: number;
  dropped: number;
}

/** What of a subscription a state directory keeps, so that it outlives a restart as a real BMC's does: its request. */
export interface SubscriptionState {
  id: string;
  destination: string;
  context: string;
  eventTypes: EventType[] | null;
  registryPrefixes: string[] | null;
}

/** An open SSE stream (redfish-service.ts writes it to the response). */
export interface EventStream {
  write(text: string): void;
  /** The stream's $filter (sse-filter.ts): whether it carries `record`; absent, every one. */
  accepts?(record: EventRecord): boolean;
}

export class RedfishEvents {
  private readonly model: BmcModel;
  private readonly media: BmcMedia | null;
  private readonly clock: Clock;
  private readonly post: PostEvent;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly streams = new Set<EventStream>();
  private nextSubscription = 1;
  private nextEvent = 1;
  private unwatch: (() => void) | null = null;

  constructor(model: BmcModel, media: BmcMedia | null, clock: Clock, post: PostEvent = postEvent) {
    this.model = model;
    this.media = media;
    this.clock = clock;
    this.post = post;
  }

  /** A new subscription, or null when the BMC has as many as it keeps. */
  subscribe(destination: URL, context: string, eventTypes: EventType[] | null, registryPrefixes: string[] | null): Subscription | null {
    if (this.subscriptions.size >= MAX_SUBSCRIPTIONS) return null;
    const s: Subscription = {
      id: String(this.nextSubscription++), destination, context, eventTypes, registryPrefixes, queue: [], sending: false, delivered: 0, dropped: 0,
    };
    this.subscriptions.set(s.id, s);
    this.listened();
    return s;
  }

  unsubscribe(id: string): boolean {
    const gone = this.subscriptions.delete(id);
    this.listened();
    return gone;
  }

  byId(id: string): Subscription | undefined {
    return this.subscriptions.get(id);
  }

  list(): Subscription[] {
    return [...this.subscriptions.values()];
  }

  /** The subscriptions as the state directory keeps them (the events waiting are not kept). */
  saved(): SubscriptionState[] {
    return this.list().map((s) => ({
      id: s.id, destination: s.destination.href, context: s.context,
      eventTypes: s.eventTypes && [...s.eventTypes], registryPrefixes: s.registryPrefixes && [...s.registryPrefixes],
    }));
  }

  /** Subscriptions saved() gave, under their own Ids; throws RangeError for one that is not (the caller reports it). */
  restore(saved: readonly SubscriptionState[]): void {
    if (!Array.isArray(saved) || saved.length > MAX_SUBSCRIPTIONS) throw new RangeError('not a list of Redfish subscriptions');
    for (const state of saved) {
      const list = (v: unknown) => v === null || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
      if (!/^\d+$/.test(state?.id) || typeof state.context !== 'string' || !URL.canParse(state.destination) || !list(state.eventTypes) || !list(state.registryPrefixes)) {
        throw new RangeError('not a Redfish subscription');
      }
      const s: Subscription = {
        id: state.id, destination: new URL(state.destination), context: state.context, eventTypes: state.eventTypes,
        registryPrefixes: state.registryPrefixes, queue: [], sending: false, delivered: 0, dropped: 0,
      };
      this.subscriptions.set(s.id, s);
      this.nextSubscription = Math.max(this.nextSubscription, Number(s.id) + 1);
    }
    this.listened();
  }

  /** Whether another SSE stream may open. */
  get streamRoom(): boolean {
    return this.streams.size < MAX_STREAMS;
  }

  /** Opens an SSE stream; false when the BMC has as many as it keeps. */
  openStream(stream: EventStream): boolean {
    if (this.streams.size >= MAX_STREAMS) return false;
    this.streams.add(stream);
    this.listened();
    return true;
  }

  closeStream(stream: EventStream): void {
    this.streams.delete(stream);
    this.listened();
  }

  /** An event for everyone listening: a registry message about `origin`. */
  publish(type: EventType, messageId: RegistryMessageId, args: readonly string[], origin: string): void {
    if (!this.listening) return;
    const message = registryMessage(messageId, args);
    this.send({
      MemberId: '0', EventType: type, EventId: String(this.nextEvent++), EventTimestamp: dateTime(this.clock.now()),
      MessageId: messageId, Message: message.Message, MessageArgs: message.MessageArgs, Severity: message.MessageSeverity,
      OriginOfCondition: { '@odata.id': origin },
    });
  }

  /** EventService.SubmitTestEvent: the event it describes, sent as any other; what it leaves out is filled in. */
  submitTest(test: TestEvent): void {
    if (!this.listening) return;
    const known = test.MessageId in RegistryMessage ? registryMessage(test.MessageId as RegistryMessageId, test.MessageArgs ?? []) : null;
    this.send({
      MemberId: '0', EventType: test.EventType ?? EventType.Alert, EventId: test.EventId ?? String(this.nextEvent++),
      EventTimestamp: test.EventTimestamp ?? dateTime(this.clock.now()),
      ...(test.EventGroupId === undefined ? {} : { EventGroupId: test.EventGroupId }),
      MessageId: test.MessageId, Message: test.Message ?? known?.Message ?? 'A test event.', MessageArgs: test.MessageArgs ?? [],
      Severity: test.Severity ?? known?.MessageSeverity ?? 'OK',
      ...(test.OriginOfCondition === undefined ? {} : { OriginOfCondition: { '@odata.id': test.OriginOfCondition } }),
    });
  }

  private get listening(): boolean {
    return this.subscriptions.size > 0 || this.streams.size > 0;
  }

  /** `record` to each subscription whose filters take it, and each stream. */
  private send(record: EventRecord): void {
    for (const s of this.subscriptions.values()) {
      if (s.eventTypes !== null && !s.eventTypes.includes(record.EventType)) continue;
      if (s.registryPrefixes !== null && !s.registryPrefixes.includes(record.MessageId.split('.')[0])) continue;
      if (s.queue.length >= MAX_QUEUED_EVENTS) {
        s.queue.shift();
        s.dropped++;
      }
      s.queue.push(JSON.stringify(eventBody(record, s.context)));
      if (!s.sending) void this.deliver(s);
    }
    if (this.streams.size > 0) {
      const text = `id: ${record.EventId}\ndata: ${JSON.stringify(eventBody(record, ''))}\n\n`;
      for (const stream of this.streams) if (!stream.accepts || stream.accepts(record)) stream.write(text);
    }
  }

  /** Sends the subscription's queue, oldest first, each event tried DELIVERY_RETRY_ATTEMPTS more times before it is dropped. */
  private async deliver(s: Subscription): Promise<void> {
    s.sending = true;
    while (s.queue.length > 0 && this.subscriptions.get(s.id) === s) {
      const json = s.queue[0];
      let ok = false;
      for (let attempt = 0; attempt <= DELIVERY_RETRY_ATTEMPTS && !ok && this.subscriptions.get(s.id) === s; attempt++) {
        if (attempt > 0) await new Promise<void>((resolve) => { this.clock.setTimeout(resolve, DELIVERY_RETRY_INTERVAL_MS); });
        ok = await this.post(s.destination, json, this.clock, DELIVERY_TIMEOUT_MS);
      }
      if (s.queue[0] === json) s.queue.shift();
      if (ok) s.delivered++;
      else s.dropped++;
    }
    s.sending = false;
  }

  /** Watches the model while anyone listens, and stops when nobody does. */
  private listened(): void {
    const listening = this.listening;
    if (listening && this.unwatch === null) {
      const stops = [
        this.model.onChange((e) => { if (e.kind === 'power') this.publish(EventType.StatusChange, 'ResourceEvent.1.0.ResourceChanged', [], '/redfish/v1/Systems/1'); }),
        this.model.sel.onAdded((entry) => {
          this.publish(EventType.Alert, 'ResourceEvent.1.0.ResourceCreated', [], `/redfish/v1/Managers/1/LogServices/SEL/Entries/${entry.recordId}`);
        }),
        ...(this.media ? [this.media.watch((kind) => {
          this.publish(EventType.ResourceUpdated, 'ResourceEvent.1.0.ResourceChanged', [], `/redfish/v1/Managers/1/VirtualMedia/${kind === DriveKind.cdrom ? 'Cd' : 'UsbStick'}`);
        })] : []),
      ];
      this.unwatch = () => { for (const stop of stops) stop(); };
    } else if (!listening && this.unwatch !== null) {
      this.unwatch();
      this.unwatch = null;
    }
  }
}

/** The Event a subscriber receives (Event.v1_4_0), one record. */
function eventBody(record: EventRecord, context: string): object {
  return { '@odata.type': '#Event.v1_4_0.Event', Id: record.EventId, Name: 'Event', Context: context, Events: [record] };
}
