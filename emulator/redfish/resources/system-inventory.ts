// The host's hardware under Systems/1, from the hardware template the OEM inventory command and FRU read
// (emulator/bmc/hardware.ts): Processors (Processor.v1_7_0), Memory (Memory.v1_10_0), Storage with its Drives
// (Storage.v1_9_0, Drive.v1_9_0) and EthernetInterfaces (EthernetInterface.v1_6_0). Members are numbered from 1 in
// the template's order, the order the inventory command lists them in.
import { RedfishError } from '../../../protocols/redfish/messages.js';
import type { HardwareTemplate } from '../../bmc/hardware.js';
import { RedfishPrivilege } from '../roles.js';
import { collection, ENABLED_OK, link, ok, type Route } from '../route.js';
import { SYSTEM } from './system.js';

const BYTES_PER_GB = 1_000_000_000;
const MIB_PER_GIB = 1024;

/** The item `id` (1-based) of a list, or 404. */
function item<T>(list: readonly T[], id: string, type: string): T {
  const n = /^[1-9]\d*$/.test(id) ? Number(id) : 0;
  if (n < 1 || n > list.length) throw new RedfishError(404, 'ResourceNotFound', [type, id]);
  return list[n - 1];
}

function ids(base: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${base}/${i + 1}`);
}

/** A collection and its members of one template list. */
function listRoutes<T>(name: string, collectionType: string, list: (hw: HardwareTemplate) => readonly T[], member: (x: T, id: string, base: string) => object): Route[] {
  const base = `${SYSTEM}/${name}`;
  return [
    { method: 'GET', path: base, privilege: RedfishPrivilege.Login, handle: ({ target }) => ok(collection(base, collectionType, `${name} Collection`, ids(base, list(target.bmc.model.hardware).length))) },
    {
      method: 'GET', path: `${base}/{id}`, privilege: RedfishPrivilege.Login,
      handle: ({ target, params }) => ok(member(item(list(target.bmc.model.hardware), params[0], name), params[0], base)),
    },
  ];
}

const STORAGE = `${SYSTEM}/Storage/1`;

export const systemInventoryRoutes: readonly Route[] = [
  ...listRoutes('Processors', 'ProcessorCollection', (hw) => hw.cpus, (c, id, base) => ({
    '@odata.id': `${base}/${id}`, '@odata.type': '#Processor.v1_7_0.Processor', Id: id, Name: `Processor ${id}`,
    Socket: `CPU${id}`, ProcessorType: 'CPU', ProcessorArchitecture: 'x86', InstructionSet: 'x86-64', Model: c.model,
    TotalCores: c.cores, TotalThreads: c.threads, MaxSpeedMHz: c.mhz, Status: ENABLED_OK,
  })),
  ...listRoutes('Memory', 'MemoryCollection', (hw) => hw.memory, (m, id, base) => ({
    '@odata.id': `${base}/${id}`, '@odata.type': '#Memory.v1_10_0.Memory', Id: id, Name: `DIMM ${m.slot}`, DeviceLocator: m.slot,
    CapacityMiB: m.sizeGiB * MIB_PER_GIB, MemoryType: 'DRAM', MemoryDeviceType: /DDR5/i.test(m.type) ? 'DDR5' : 'DDR4',
    OperatingSpeedMhz: m.mhz, Status: ENABLED_OK,
  })),
  ...listRoutes('EthernetInterfaces', 'EthernetInterfaceCollection', (hw) => hw.nics, (n, id, base) => ({
    '@odata.id': `${base}/${id}`, '@odata.type': '#EthernetInterface.v1_6_0.EthernetInterface', Id: id, Name: n.name,
    Description: n.model, MACAddress: n.mac.toLowerCase(), PermanentMACAddress: n.mac.toLowerCase(), SpeedMbps: n.speedMbps,
    LinkStatus: 'LinkUp', InterfaceEnabled: true, Status: ENABLED_OK,
  })),
  { method: 'GET', path: `${SYSTEM}/Storage`, privilege: RedfishPrivilege.Login, handle: () => ok(collection(`${SYSTEM}/Storage`, 'StorageCollection', 'Storage Collection', [STORAGE])) },
  {
    method: 'GET', path: STORAGE, privilege: RedfishPrivilege.Login,
    handle: ({ target }) => ok({
      '@odata.id': STORAGE, '@odata.type': '#Storage.v1_9_0.Storage', Id: '1', Name: 'Storage', Status: ENABLED_OK,
      Drives: ids(`${STORAGE}/Drives`, target.bmc.model.hardware.disks.length).map(link),
      'Drives@odata.count': target.bmc.model.hardware.disks.length,
    }),
  },
  {
    method: 'GET', path: `${STORAGE}/Drives/{id}`, privilege: RedfishPrivilege.Login,
    handle: ({ target, params }) => {
      const d = item(target.bmc.model.hardware.disks, params[0], 'Drive');
      return ok({
        '@odata.id': `${STORAGE}/Drives/${params[0]}`, '@odata.type': '#Drive.v1_9_0.Drive', Id: params[0], Name: d.slot,
        Model: d.model, SerialNumber: d.serial, CapacityBytes: d.sizeGB * BYTES_PER_GB,
        MediaType: /SSD|NVMe/i.test(d.model) ? 'SSD' : 'HDD', PhysicalLocation: { PartLocation: { ServiceLabel: d.slot } }, Status: ENABLED_OK,
      });
    },
  },
];
