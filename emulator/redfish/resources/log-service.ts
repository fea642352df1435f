// Managers/1/LogServices/SEL (LogService.v1_1_3, LogEntry.v1_9_0): the entries of the IPMI SEL, the ones
// `ipmitool sel list` reads (IPMI 2.0 §31, records §32), each a LogEntry of EntryType SEL with the record ID as its Id;
// the ClearLog action clears it as Clear SEL does (§31.9: the BMC then logs "log area reset/cleared").
import { SensorType, isSystemEvent, type SelRecord } from '../../../protocols/ipmi/sel-record.js';
import { dateTime, RedfishError } from '../../../protocols/redfish/messages.js';
import { RedfishPrivilege } from '../roles.js';
import { collection, ENABLED_OK, link, NO_CONTENT, ok, type Route } from '../route.js';
import { MANAGER } from './manager.js';

const SERVICES = `${MANAGER}/LogServices`;
const SEL = `${SERVICES}/SEL`;
const ENTRIES = `${SEL}/Entries`;

/** LogEntry.v1_9_0 SensorType, the enum of the IPMI sensor type names of §42.2 Table 42-3 (DMTF spells some its own way). */
const SENSOR_TYPE_NAMES: Record<number, string> = {
  [SensorType.TEMPERATURE]: 'Temperature',
  [SensorType.VOLTAGE]: 'Voltage',
  [SensorType.CURRENT]: 'Current',
  [SensorType.FAN]: 'Fan',
  [SensorType.POWER_UNIT]: 'PowerUnit',
  [SensorType.OTHER_UNITS]: 'Other Units-based Sensor',
  [SensorType.EVENT_LOGGING_DISABLED]: 'Event Logging Disabled',
  [SensorType.CRITICAL_INTERRUPT]: 'Critical Interrupt',
  [SensorType.SYSTEM_BOOT_INITIATED]: 'SystemBoot/Restart',
  [SensorType.SYSTEM_ACPI_POWER_STATE]: 'System ACPI PowerState',
  [SensorType.MANAGEMENT_SUBSYSTEM_HEALTH]: 'Management Subsystem Health',
};

/** SEL timestamps below 20000000h count seconds since the BMC started, not a date (§37.1). */
const FIRST_DATED_TIMESTAMP = 0x20000000;

const hex = (n: number) => n.toString(16).padStart(2, '0');

function entryBody(r: SelRecord): object {
  const id = String(r.recordId);
  const base = { '@odata.id': `${ENTRIES}/${id}`, '@odata.type': '#LogEntry.v1_9_0.LogEntry', Id: id, Name: `SEL entry ${id}` };
  const created = 'timestamp' in r && r.timestamp >= FIRST_DATED_TIMESTAMP ? { Created: dateTime(r.timestamp * 1000) } : {};
  if (!isSystemEvent(r)) {
    return { ...base, ...created, EntryType: 'Oem', OemRecordFormat: `SEL record type ${hex(r.recordType)}h`, Severity: 'OK', Message: r.oemData.map(hex).join(' ') };
  }
  const sensor = SENSOR_TYPE_NAMES[r.sensorType] ?? `sensor type ${hex(r.sensorType)}h`;
  const state = r.deassertion ? 'Deassert' : 'Assert';
  return {
    ...base, ...created, EntryType: 'SEL', Severity: 'OK', SensorType: SENSOR_TYPE_NAMES[r.sensorType] ?? 'OEM',
    SensorNumber: r.sensorNumber, EntryCode: state,
    Message: `${sensor} #0x${hex(r.sensorNumber)}: ${state}ed, event type ${hex(r.eventType)}h, data ${r.eventData.map(hex).join(' ')}`,
  };
}

export const logServiceRoutes: readonly Route[] = [
  { method: 'GET', path: SERVICES, privilege: RedfishPrivilege.Login, handle: () => ok(collection(SERVICES, 'LogServiceCollection', 'Log Services', [SEL])) },
  {
    method: 'GET', path: SEL, privilege: RedfishPrivilege.Login,
    handle: ({ target }) => ok({
      '@odata.id': SEL, '@odata.type': '#LogService.v1_1_3.LogService', Id: 'SEL', Name: 'IPMI SEL', ServiceEnabled: true,
      MaxNumberOfRecords: target.bmc.model.sel.capacity, OverWritePolicy: 'WrapsWhenFull', Status: ENABLED_OK,
      Entries: link(ENTRIES), Actions: { '#LogService.ClearLog': { target: `${SEL}/Actions/LogService.ClearLog` } },
    }),
  },
  {
    method: 'GET', path: ENTRIES, privilege: RedfishPrivilege.Login,
    handle: ({ target }) => {
      const entries = target.bmc.model.sel.list();
      return ok({ ...collection(ENTRIES, 'LogEntryCollection', 'SEL Entries', []), Members: entries.map(entryBody), 'Members@odata.count': entries.length });
    },
  },
  {
    method: 'GET', path: `${ENTRIES}/{id}`, privilege: RedfishPrivilege.Login,
    handle: ({ target, params }) => {
      const entry = target.bmc.model.sel.list().find((r) => String(r.recordId) === params[0]);
      if (!entry) throw new RedfishError(404, 'ResourceNotFound', ['LogEntry', params[0]]);
      return ok(entryBody(entry));
    },
  },
  {
    method: 'POST', path: `${SEL}/Actions/LogService.ClearLog`, privilege: RedfishPrivilege.ConfigureManager,
    handle: ({ target, now }) => {
      target.bmc.model.sel.clear(now);
      target.changed();
      return NO_CONTENT;
    },
  },
];
