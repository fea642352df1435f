// The drives one BMC exports over USB/IP and how OP_REP_DEVLIST / OP_REP_IMPORT describe them: a CD-ROM on busid
// 1-1 and a removable disk on 1-2, high-speed devices on bus 1 behind the BMC's virtual hub (devnum 1 is the hub, as
// the root hub is on Linux). The path has the shape of a Linux sysfs device path (what usbipd sends) under a platform
// device named for what it is: these devices live in bmcfleet, not in any kernel.
import { DriveKind } from '../../protocols/scsi/medium.js';
import { massStorageDescriptors, massStorageSerial, type DescriptorSet } from '../../protocols/usb-mass-storage/usb-descriptors.js';
import { UsbSpeed, type ExportedDevice } from '../../protocols/usb-mass-storage/usbip-op.js';

export const BUSNUM = 1;

export interface ExportedDrive {
  readonly busid: string;
  readonly kind: DriveKind;
  /** (busnum << 16) | devnum: what the client puts in every CMD_SUBMIT (usbip_protocol.rst). */
  readonly devid: number;
  readonly descriptors: DescriptorSet;
  /** The OP_REP_DEVLIST entry; its `device` alone is the OP_REP_IMPORT record. */
  readonly record: ExportedDevice;
}

const PORTS: readonly { busid: string; devnum: number; kind: DriveKind }[] = [
  { busid: '1-1', devnum: 2, kind: DriveKind.cdrom },
  { busid: '1-2', devnum: 3, kind: DriveKind.disk },
];

/** The BMC's drives, in busid order; serial numbers come from its IPv4 address (a number). */
export function exportedDrives(ipv4: number): ExportedDrive[] {
  return PORTS.map(({ busid, devnum, kind }) => {
    const descriptors = massStorageDescriptors(kind, massStorageSerial(ipv4, kind));
    const { device, configuration } = descriptors;
    return {
      busid, kind, descriptors,
      devid: (BUSNUM << 16) | devnum,
      record: {
        device: {
          path: `/sys/devices/platform/bmcfleet/usb${BUSNUM}/${busid}`,
          busid, busnum: BUSNUM, devnum,
          speed: UsbSpeed.high,
          idVendor: device.idVendor, idProduct: device.idProduct, bcdDevice: device.bcdDevice,
          deviceClass: device.deviceClass, deviceSubClass: device.deviceSubClass, deviceProtocol: device.deviceProtocol,
          // the configuration the device has on the exporting side, as usbipd reads bConfigurationValue from sysfs
          configurationValue: configuration.configurationValue,
          numConfigurations: device.numConfigurations,
          numInterfaces: configuration.interfaces.length,
        },
        interfaces: configuration.interfaces.map((i) => ({
          interfaceClass: i.interfaceClass, interfaceSubClass: i.interfaceSubClass, interfaceProtocol: i.interfaceProtocol,
        })),
      },
    };
  });
}
