// The service root and what points to everything else (DSP0266 §9.4.1 "Service root"; ServiceRoot.v1_5_0): read
// without credentials, as sushy does before it logs in.
import { formatGuid } from '../../../protocols/ipmi/commands/device.js';
import { link, ok, type Route } from '../route.js';

export const REDFISH_VERSION = '1.11.0';

export const serviceRootRoutes: readonly Route[] = [
  { method: 'GET', path: '/redfish', privilege: null, handle: () => ok({ v1: '/redfish/v1/' }) },
  {
    method: 'GET', path: '/redfish/v1', privilege: null,
    handle: ({ target }) => ok({
      '@odata.id': '/redfish/v1/', '@odata.type': '#ServiceRoot.v1_5_0.ServiceRoot', Id: 'RootService', Name: 'Root Service',
      RedfishVersion: REDFISH_VERSION, UUID: formatGuid(target.bmc.model.deviceGuid), Product: target.bmc.model.hardware.product,
      Vendor: 'bmcfleet',
      ProtocolFeaturesSupported: { ExpandQuery: { ExpandAll: false }, FilterQuery: false, SelectQuery: false, OnlyMemberQuery: false },
      Systems: link('/redfish/v1/Systems'), Managers: link('/redfish/v1/Managers'), Chassis: link('/redfish/v1/Chassis'),
      SessionService: link('/redfish/v1/SessionService'), AccountService: link('/redfish/v1/AccountService'),
      UpdateService: link('/redfish/v1/UpdateService'), Tasks: link('/redfish/v1/TaskService'), // ServiceRoot names the TaskService Tasks
      EventService: link('/redfish/v1/EventService'),
      Links: { Sessions: link('/redfish/v1/SessionService/Sessions') },
    }),
  },
  {
    // The OData service document (DSP0266 §9.4.2): the root's collections and services by name.
    method: 'GET', path: '/redfish/v1/odata', privilege: null,
    handle: () => ok({
      '@odata.context': '/redfish/v1/$metadata',
      value: ['Systems', 'Managers', 'Chassis', 'SessionService', 'AccountService', 'UpdateService', 'Tasks', 'EventService']
        .map((name) => ({ name, kind: 'Singleton', url: `/redfish/v1/${name === 'Tasks' ? 'TaskService' : name}` })),
    }),
  },
];
