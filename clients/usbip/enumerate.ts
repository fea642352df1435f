// What a host does with a USB mass-storage device it has just attached, through a UsbipClient: the enumeration of
// USB 2.0 §9.1.2 (Linux hub_port_init / usb_new_device order: the device descriptor, asked with wLength 64 as Linux
// does; the configuration's first 9 bytes, then all wTotalLength; the language IDs and the strings;
// SET_CONFIGURATION), then what usb-storage asks before its first command: Get Max LUN (BOT 1.0 §3.2; a stall means
// one LUN, as Linux usb_stor_Bulk_max_lun takes it).
import {
  ENDPOINT_IN, MassStorage, TransferType, configurationTotalLength, decodeConfiguration, decodeDeviceDescriptor, decodeLanguageIds, decodeString,
  type ConfigurationDescriptor, type DeviceDescriptor, type InterfaceDescriptor,
} from '../../protocols/usb-mass-storage/usb-descriptors.js';
import { UrbStatus } from '../../protocols/usb-mass-storage/usb-function.js';
import {
  BulkOnlyRequest, DescriptorType, Recipient, RequestDirection, RequestType, StandardRequest, getDescriptorSetup, type SetupPacket,
} from '../../protocols/usb-mass-storage/usb-setup.js';
import type { RetSubmit } from '../../protocols/usb-mass-storage/usbip-urb.js';
import type { UsbipClient } from './usbip-client.js';

/** A step of the enumeration the device answered with an error status (a stall is -32). */
export class EnumerationError extends Error {
  readonly step: string;
  /** The URB's status; null when the answers were fine but the device is not what was looked for. */
  readonly status: number | null;
  constructor(step: string, status: number | null) {
    super(status === null ? step : `${step}: status ${status}${status === UrbStatus.stall ? ' (stall)' : ''}`);
    this.name = 'EnumerationError';
    this.step = step;
    this.status = status;
  }
}

export interface MassStorageDevice {
  device: DeviceDescriptor;
  configuration: ConfigurationDescriptor;
  languageIds: number[];
  /** The strings the device descriptor names (null: index 0, no string). */
  manufacturer: string | null;
  product: string | null;
  serial: string | null;
  /** The Bulk-Only interface and its endpoints' addresses (IN with bit 7 set). */
  interfaceNumber: number;
  bulkIn: number;
  bulkOut: number;
  /** Get Max LUN's answer: the highest LUN, 0 for one. */
  maxLun: number;
}

const MAX_STRING_DESCRIPTOR = 255;

async function expectOk(step: string, r: Promise<RetSubmit>): Promise<RetSubmit> {
  const reply = await r;
  if (reply.status !== UrbStatus.ok) throw new EnumerationError(step, reply.status);
  return reply;
}

function massStorageInterface(c: ConfigurationDescriptor): InterfaceDescriptor | undefined {
  return c.interfaces.find((i) => i.interfaceClass === MassStorage.interfaceClass && i.interfaceProtocol === MassStorage.protocolBulkOnly);
}

/** Enumerates and configures the device `client` imported; throws EnumerationError, or a DecodeError for malformed descriptors. */
export async function enumerateMassStorage(client: UsbipClient): Promise<MassStorageDevice> {
  const get = (step: string, setup: SetupPacket) => expectOk(step, client.control(setup));
  const device = decodeDeviceDescriptor((await get('GET_DESCRIPTOR(DEVICE)', getDescriptorSetup(DescriptorType.device, 0, 64))).data);
  const head = await get('GET_DESCRIPTOR(CONFIGURATION) header', getDescriptorSetup(DescriptorType.configuration, 0, 9));
  const total = configurationTotalLength(head.data);
  const configuration = decodeConfiguration((await get('GET_DESCRIPTOR(CONFIGURATION)', getDescriptorSetup(DescriptorType.configuration, 0, total))).data);
  const languageIds = decodeLanguageIds((await get('GET_DESCRIPTOR(STRING 0)', getDescriptorSetup(DescriptorType.string, 0, MAX_STRING_DESCRIPTOR))).data);
  const language = languageIds[0] ?? 0;
  const text = async (index: number, name: string) => index === 0 ? null
    : decodeString((await get(`GET_DESCRIPTOR(STRING ${index}, ${name})`, getDescriptorSetup(DescriptorType.string, index, MAX_STRING_DESCRIPTOR, language))).data);
  const manufacturer = await text(device.iManufacturer, 'manufacturer');
  const product = await text(device.iProduct, 'product');
  const serial = await text(device.iSerialNumber, 'serial number');
  await get('SET_CONFIGURATION', {
    requestType: RequestDirection.hostToDevice | RequestType.standard | Recipient.device, request: StandardRequest.setConfiguration,
    value: configuration.configurationValue, index: 0, length: 0,
  });
  const iface = massStorageInterface(configuration);
  const bulk = (dirIn: boolean) => iface?.endpoints.find((e) => (e.attributes & 0x03) === TransferType.bulk && ((e.endpointAddress & ENDPOINT_IN) !== 0) === dirIn);
  const bulkIn = bulk(true);
  const bulkOut = bulk(false);
  if (!iface || !bulkIn || !bulkOut) throw new EnumerationError('no Bulk-Only interface (08h/50h) with a bulk IN and a bulk OUT endpoint', null);
  const lun = await client.control({
    requestType: RequestDirection.deviceToHost | RequestType.class | Recipient.interface, request: BulkOnlyRequest.getMaxLun,
    value: 0, index: iface.interfaceNumber, length: 1,
  });
  const maxLun = lun.status === UrbStatus.ok && lun.data.length === 1 ? lun.data[0] : 0;
  return {
    device, configuration, languageIds, manufacturer, product, serial,
    interfaceNumber: iface.interfaceNumber, bulkIn: bulkIn.endpointAddress, bulkOut: bulkOut.endpointAddress, maxLun,
  };
}
