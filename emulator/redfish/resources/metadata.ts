// The service's metadata document, /redfish/v1/$metadata (DSP0266 "Service metadata": an OData CSDL document, read
// without credentials, application/xml): a reference to the DMTF schema file of each type the service's payloads
// name (the schema's namespace and the version served), and the service's entity container, which extends the
// service root's. Some clients fetch it to learn which schemas a service uses; the rest follow the payloads' types.
import type { Route } from '../route.js';

/** The versioned types the resources name (#Namespace.vX_Y_Z.Type); test/unit/redfish-metadata.test.ts checks against the code. */
const VERSIONED = [
  'AccountService.v1_10_0', 'Chassis.v1_15_0', 'ComputerSystem.v1_16_0', 'Drive.v1_9_0', 'EthernetInterface.v1_6_0',
  'Event.v1_4_0', 'EventDestination.v1_7_0', 'EventService.v1_7_0', 'Fan.v1_3_0', 'LogEntry.v1_9_0', 'LogService.v1_1_3',
  'Manager.v1_10_0', 'ManagerAccount.v1_7_0', 'Memory.v1_10_0', 'Message.v1_1_1', 'Power.v1_6_0', 'PowerSubsystem.v1_0_0',
  'PowerSupply.v1_1_0', 'Processor.v1_7_0', 'Role.v1_3_0', 'Sensor.v1_2_0', 'ServiceRoot.v1_5_0', 'Session.v1_3_0',
  'SessionService.v1_1_8', 'SoftwareInventory.v1_2_3', 'Storage.v1_9_0', 'Task.v1_4_3', 'TaskService.v1_1_4',
  'Thermal.v1_7_0', 'ThermalMetrics.v1_0_0', 'ThermalSubsystem.v1_0_0', 'UpdateService.v1_8_0', 'VirtualMedia.v1_4_0',
] as const;

/** The resource collections the resources serve (#XCollection.XCollection: unversioned). */
const COLLECTIONS = [
  'ChassisCollection', 'ComputerSystemCollection', 'EthernetInterfaceCollection', 'EventDestinationCollection',
  'FanCollection', 'LogEntryCollection', 'LogServiceCollection', 'ManagerAccountCollection', 'ManagerCollection',
  'MemoryCollection', 'PowerSupplyCollection', 'ProcessorCollection', 'RoleCollection', 'SensorCollection',
  'SessionCollection', 'SoftwareInventoryCollection', 'StorageCollection', 'TaskCollection', 'VirtualMediaCollection',
] as const;

export const METADATA_PATH = '/redfish/v1/$metadata';
const SCHEMAS = 'http://redfish.dmtf.org/schemas/v1';

/** An edmx:Reference to one DMTF schema file (OData CSDL §3.3), including the namespaces given. */
function reference(file: string, namespaces: readonly string[]): string {
  const includes = namespaces.map((ns) => `    <edmx:Include Namespace="${ns}"/>\n`).join('');
  return `  <edmx:Reference Uri="${SCHEMAS}/${file}_v1.xml">\n${includes}  </edmx:Reference>\n`;
}

/** The whole document, made once: it names what the code serves, which does not change while it runs. */
export const METADATA_XML = [
  '<?xml version="1.0" encoding="UTF-8"?>\n',
  '<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">\n',
  ...VERSIONED.map((versioned) => {
    const namespace = versioned.slice(0, versioned.indexOf('.'));
    return reference(namespace, [namespace, versioned]);
  }),
  ...COLLECTIONS.map((namespace) => reference(namespace, [namespace])),
  // The Redfish annotations the payloads use (@Redfish.AllowableValues): RedfishExtensions, by its usual alias
  `  <edmx:Reference Uri="${SCHEMAS}/RedfishExtensions_v1.xml">\n    <edmx:Include Namespace="RedfishExtensions.v1_0_0" Alias="Redfish"/>\n  </edmx:Reference>\n`,
  '  <edmx:DataServices>\n',
  '    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Service">\n',
  '      <EntityContainer Name="Service" Extends="ServiceRoot.v1_5_0.ServiceContainer"/>\n',
  '    </Schema>\n',
  '  </edmx:DataServices>\n',
  '</edmx:Edmx>\n',
].join('');

export const metadataRoutes: readonly Route[] = [
  { method: 'GET', path: METADATA_PATH, privilege: null, handle: () => ({ status: 200, document: { contentType: 'application/xml', text: METADATA_XML } }) },
];
