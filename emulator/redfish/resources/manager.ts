// Managers/1, the BMC itself (Manager.v1_10_0): its firmware version, the one IPMI's Get Device ID reports (and HPM.1
// activation changes), its LAN interface as IPMI's LAN configuration parameters hold it, and links to what it manages.
import { formatGuid } from '../../../protocols/ipmi/commands/device.js';
import { IpAddressSource } from '../../../protocols/ipmi/commands/lan-config.js';
import { formatMac } from '../../../protocols/ipmi/mac.js';
import { RedfishError } from '../../../protocols/redfish/messages.js';
import type { DeviceIdentity } from '../../bmc/model.js';
import { RedfishPrivilege } from '../roles.js';
import { collection, ENABLED_OK, link, ok, type Route } from '../route.js';

export const MANAGER = '/redfish/v1/Managers/1';
const MANAGER_NIC = `${MANAGER}/EthernetInterfaces/1`;

/** The firmware version as `ipmitool mc info` prints it: major, then the BCD minor as two digits ("1.02"). */
export function firmwareVersion(d: DeviceIdentity): string {
  return `${d.firmwareMajor}.${String(d.firmwareMinor).padStart(2, '0')}`;
}

export const managerRoutes: readonly Route[] = [
  { method: 'GET', path: '/redfish/v1/Managers', privilege: RedfishPrivilege.Login, handle: () => ok(collection('/redfish/v1/Managers', 'ManagerCollection', 'Manager Collection', [MANAGER])) },
  {
    method: 'GET', path: MANAGER, privilege: RedfishPrivilege.Login,
    handle: ({ target }) => {
      const { model } = target.bmc;
      return ok({
        '@odata.id': MANAGER, '@odata.type': '#Manager.v1_10_0.Manager', Id: '1', Name: 'BMC', ManagerType: 'BMC',
        Manufacturer: 'bmcfleet', Model: 'bmcfleet emulated BMC', UUID: formatGuid(model.deviceGuid),
        FirmwareVersion: firmwareVersion(model.device), PowerState: 'On', Status: ENABLED_OK,
        EthernetInterfaces: link(`${MANAGER}/EthernetInterfaces`), LogServices: link(`${MANAGER}/LogServices`),
        ...(target.media ? { VirtualMedia: link(`${MANAGER}/VirtualMedia`) } : {}),
        Links: { ManagerForServers: [link('/redfish/v1/Systems/1')], ManagerForChassis: [link('/redfish/v1/Chassis/1')] },
      });
    },
  },
  {
    method: 'GET', path: `${MANAGER}/EthernetInterfaces`, privilege: RedfishPrivilege.Login,
    handle: () => ok(collection(`${MANAGER}/EthernetInterfaces`, 'EthernetInterfaceCollection', 'Manager Ethernet Interfaces', [MANAGER_NIC])),
  },
  {
    method: 'GET', path: `${MANAGER}/EthernetInterfaces/{id}`, privilege: RedfishPrivilege.Login,
    handle: ({ target, params }) => {
      if (params[0] !== '1') throw new RedfishError(404, 'ResourceNotFound', ['EthernetInterface', params[0]]);
      const lan = target.bmc.model.lan;
      return ok({
        '@odata.id': MANAGER_NIC, '@odata.type': '#EthernetInterface.v1_6_0.EthernetInterface', Id: '1', Name: 'BMC LAN',
        MACAddress: formatMac(lan.mac), PermanentMACAddress: formatMac(lan.mac), InterfaceEnabled: true, LinkStatus: 'LinkUp',
        IPv4Addresses: [{ Address: lan.ip, SubnetMask: lan.netmask, Gateway: lan.gatewayIp, AddressOrigin: lan.ipSource === IpAddressSource.DHCP ? 'DHCP' : 'Static' }],
        VLAN: { VLANEnable: lan.vlanEnabled, VLANId: lan.vlanId }, Status: ENABLED_OK,
      });
    },
  },
];
