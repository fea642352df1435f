// Which events an SSE stream carries (DSP0266 "Server-sent events": ServerSentEventUri?$filter=...): the filter
// properties this service supports (EventService SSEFilterPropertiesSupported) and what each compares in an event
// record. EventFormatType, MetricReportDefinition and SubordinateResources are not supported: a filter naming them is
// refused (400), as DSP0266 has a service do for a $filter it cannot apply.
import { eventFilterMatches, parseEventFilter } from '../../protocols/redfish/event-filter.js';
import type { EventRecord } from './redfish-events.js';

/** EventService.v1_7_0 SSEFilterPropertiesSupported, as this service has it. */
export const SSE_FILTER_SUPPORT = Object.freeze({
  EventFormatType: false, EventType: true, MessageId: true, MetricReportDefinition: false, OriginResource: true,
  RegistryPrefix: true, ResourceType: true, SubordinateResources: false,
});

/** The properties a $filter may compare: those SSE_FILTER_SUPPORT says are supported. */
export const SSE_FILTER_PROPERTIES: readonly string[] = Object.entries(SSE_FILTER_SUPPORT).filter(([, supported]) => supported).map(([name]) => name);

/** The schema (ResourceType) of the resources events come from, by their URI. */
const RESOURCE_TYPES: readonly [RegExp, string][] = [
  [/^\/redfish\/v1\/Systems\/[^/]+$/, 'ComputerSystem'],
  [/^\/redfish\/v1\/Chassis\/[^/]+$/, 'Chassis'],
  [/^\/redfish\/v1\/Chassis\/[^/]+\/Sensors\/[^/]+$/, 'Sensor'],
  [/^\/redfish\/v1\/Managers\/[^/]+$/, 'Manager'],
  [/\/VirtualMedia\/[^/]+$/, 'VirtualMedia'],
  [/\/LogServices\/[^/]+\/Entries\/[^/]+$/, 'LogEntry'],
  [/^\/redfish\/v1\/TaskService\/Tasks\/[^/]+$/, 'Task'],
  [/^\/redfish\/v1\/UpdateService\/FirmwareInventory\/[^/]+$/, 'SoftwareInventory'],
];

function resourceTypeOf(uri: string): string | undefined {
  return RESOURCE_TYPES.find(([pattern]) => pattern.test(uri))?.[1];
}

/** Whether `record`'s `property` is `value`. A MessageId may be given without its version (ResourceEvent.ResourceCreated). */
function recordIs(record: EventRecord, property: string, value: string): boolean {
  const origin = record.OriginOfCondition?.['@odata.id'];
  switch (property) {
    case 'EventType': return record.EventType === value;
    case 'MessageId': {
      const [registry, , , key] = record.MessageId.split('.');
      return record.MessageId === value || `${registry}.${key}` === value;
    }
    case 'RegistryPrefix': return record.MessageId.split('.')[0] === value;
    case 'OriginResource': return origin !== undefined && origin === value;
    case 'ResourceType': return origin !== undefined && resourceTypeOf(origin) === value;
    default: return false;
  }
}

/** The stream's filter from its $filter text: whether it carries a record. Throws DecodeError for a filter it cannot apply. */
export function sseFilter(text: string): (record: EventRecord) => boolean {
  const filter = parseEventFilter(text, SSE_FILTER_PROPERTIES);
  return (record) => eventFilterMatches(filter, (property, value) => recordIs(record, property, value));
}
