// The virtual drives' descriptors and endpoint 0. Expected bytes are assembled by hand from USB 2.0 §9.6 (Tables 9-8
// to 9-16) and the values the drives declare (AMI's IDs 046b:ff20/ff31, class 08h/06h/50h, bulk 81h and 02h of 512
// bytes at high speed, 64 at full speed); requests follow §9.4 and BOT 1.0 §3.1-§3.2.
import t from 'tap';
import { DecodeError } from '../../protocols/errors.js';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { UsbControlEndpoint } from '../../protocols/usb-mass-storage/usb-control.js';
import {
  configurationTotalLength, decodeConfiguration, decodeDeviceDescriptor, decodeLanguageIds, decodeString, encodeConfiguration, encodeString,
  massStorageDescriptors, massStorageSerial,
} from '../../protocols/usb-mass-storage/usb-descriptors.js';
import { UrbStatus, type UrbOutcome } from '../../protocols/usb-mass-storage/usb-function.js';
import { DescriptorType, getDescriptorSetup, type SetupPacket } from '../../protocols/usb-mass-storage/usb-setup.js';
import { parseIpv4 } from '../../protocols/ipv4.js';
import { LoopbackFunction } from '../helpers/loopback-function.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const utf16 = (s: string) => Buffer.from(s, 'utf16le').toString('hex');

const DEVICE_CDROM = '12 01 0002 00 00 00 40 6b04 20ff 0001 01 02 03 01';
const INTERFACE = '09 04 00 00 02 08 06 50 00';
const CONFIGURATION = '09 02 2000 01 01 00 c0 00' + INTERFACE + '07 05 81 02 0002 00' + '07 05 02 02 0002 00';
const OTHER_SPEED = '09 07 2000 01 01 00 c0 00' + INTERFACE + '07 05 81 02 4000 00' + '07 05 02 02 4000 00';
const QUALIFIER = '0a 06 0002 00 00 00 40 01 00';

const serial = massStorageSerial(parseIpv4('127.1.0.1'), DriveKind.cdrom);

function setup(requestType: number, request: number, value: number, index: number, length: number): SetupPacket {
  return { requestType, request, value, index, length };
}

function data(o: UrbOutcome): string {
  t.equal(o.status, UrbStatus.ok);
  return Buffer.from(o.data ?? []).toString('hex');
}

t.test('descriptors: bytes as USB 2.0 §9.6 lays them out', async (t) => {
  t.equal(serial, '7F0100010001', 'BOT §4.1.1: 12 hex digits, the BMC address then the drive');
  t.equal(massStorageSerial(parseIpv4('10.0.0.200'), DriveKind.disk), '0A0000C80002');
  const cd = massStorageDescriptors(DriveKind.cdrom, serial);
  t.same(cd.encodedDevice, hex(DEVICE_CDROM));
  t.same(cd.encodedConfiguration, hex(CONFIGURATION));
  t.same(cd.encodedOtherSpeedConfiguration, hex(OTHER_SPEED));
  t.same(cd.encodedDeviceQualifier, hex(QUALIFIER));
  t.same(cd.encodedStrings[0], hex('04 03 0904'));
  t.same(cd.encodedStrings[1], hex('12 03' + utf16('bmcfleet')));
  t.same(cd.encodedStrings[2], hex('1c 03' + utf16('Virtual CDROM')));
  t.same(cd.encodedStrings[3], hex('1a 03' + utf16(serial)));
  const disk = massStorageDescriptors(DriveKind.disk, '7F0100010002');
  t.same(disk.encodedDevice, hex('12 01 0002 00 00 00 40 6b04 31ff 0001 01 02 03 01'), 'the disk is 046b:ff31');
  t.same(disk.encodedStrings[2], hex('1c 03' + utf16('Virtual HDisk')));
});

t.test('descriptors decode back; malformed ones fail with stable codes', async (t) => {
  const cd = massStorageDescriptors(DriveKind.cdrom, serial);
  t.same(decodeDeviceDescriptor(cd.encodedDevice), cd.device);
  t.same(decodeConfiguration(cd.encodedConfiguration), cd.configuration);
  t.same(encodeConfiguration(decodeConfiguration(hex(CONFIGURATION))), hex(CONFIGURATION));
  t.equal(configurationTotalLength(hex(CONFIGURATION).subarray(0, 9)), 32);
  t.same(decodeLanguageIds(hex('06 03 0904 0704')), [0x0409, 0x0407]);
  t.equal(decodeString(encodeString('Grüße')), 'Grüße');
  // a class-specific descriptor between the interface and its endpoints is skipped, as hosts skip it
  const withExtra = hex('09 02 2500 01 01 00 c0 00' + INTERFACE + '05 24 00 10 01' + '07 05 81 02 0002 00' + '07 05 02 02 0002 00');
  t.same(decodeConfiguration(withExtra), cd.configuration);
  const code = (fn: () => unknown) => { try { fn(); return 'none'; } catch (e) { return e instanceof DecodeError ? e.code : String(e); } };
  t.equal(code(() => decodeDeviceDescriptor(hex(DEVICE_CDROM).subarray(0, 17))), 'ERR_TRUNCATED');
  t.equal(code(() => decodeDeviceDescriptor(hex(CONFIGURATION))), 'ERR_DESCRIPTOR_TYPE');
  t.equal(code(() => decodeDeviceDescriptor(hex('11' + DEVICE_CDROM.slice(2)))), 'ERR_DESCRIPTOR_LENGTH');
  t.equal(code(() => decodeConfiguration(hex(CONFIGURATION).subarray(0, 31))), 'ERR_TRUNCATED', 'wTotalLength past the bytes');
  t.equal(code(() => decodeConfiguration(hex('09 02 1000 01 01 00 c0 00 00 05 81 02 00 02 00'))), 'ERR_DESCRIPTOR_LENGTH', 'a zero bLength would loop');
  t.equal(code(() => decodeConfiguration(hex('09 02 1000 01 01 00 c0 00 07 05 81 02 0002 00'))), 'ERR_DESCRIPTOR_ORDER');
  t.equal(code(() => decodeString(hex('05 03 41 00 42'))), 'ERR_DESCRIPTOR_LENGTH', 'an odd string length');
  t.throws(() => encodeString('x'.repeat(127)), RangeError);
});

t.test('endpoint 0: GET_DESCRIPTOR answers, truncated to wLength and to the URB buffer', async (t) => {
  const fn = new LoopbackFunction();
  const ep0 = new UsbControlEndpoint(massStorageDescriptors(DriveKind.cdrom, serial), fn);
  const get = (type: number, index: number, length: number, max = length, lang = 0) => ep0.handle(getDescriptorSetup(type, index, length, lang), max);
  t.equal(data(get(DescriptorType.device, 0, 64)), hex(DEVICE_CDROM).toString('hex'), 'Linux asks 64, gets 18');
  t.equal(data(get(DescriptorType.device, 0, 8)), hex(DEVICE_CDROM).subarray(0, 8).toString('hex'));
  t.equal(data(get(DescriptorType.device, 0, 64, 4)), hex(DEVICE_CDROM).subarray(0, 4).toString('hex'), 'never past the URB buffer');
  t.equal(data(get(DescriptorType.configuration, 0, 9)), hex(CONFIGURATION).subarray(0, 9).toString('hex'));
  t.equal(data(get(DescriptorType.configuration, 0, 255)), hex(CONFIGURATION).toString('hex'));
  t.equal(data(get(DescriptorType.string, 0, 255)), '04030904');
  t.equal(data(get(DescriptorType.string, 3, 255, 255, 0x0409)), '1a03' + utf16(serial));
  t.equal(data(get(DescriptorType.deviceQualifier, 0, 10)), hex(QUALIFIER).toString('hex'), 'high-speed: a qualifier for full speed');
  t.equal(data(get(DescriptorType.otherSpeedConfiguration, 0, 255)), hex(OTHER_SPEED).toString('hex'));
  for (const [type, index, what] of [[DescriptorType.string, 4, 'string 4'], [DescriptorType.configuration, 1, 'configuration 1'],
    [0x0f, 0, 'BOS (bcdUSB 2.00)'], [DescriptorType.interface, 0, 'an interface descriptor'], [DescriptorType.device, 1, 'device index 1']] as const) {
    t.equal(get(type, index, 255).status, UrbStatus.stall, `${what}: stall`);
  }
  t.equal(ep0.handle(setup(0x81, 6, 0x0100, 0, 18), 18).status, UrbStatus.stall, 'GET_DESCRIPTOR to an interface recipient: stall');
  t.same(fn.calls, []);
});

t.test('endpoint 0: configuration, interface, status and features', async (t) => {
  const fn = new LoopbackFunction();
  const ep0 = new UsbControlEndpoint(massStorageDescriptors(DriveKind.disk, '7F0100010002'), fn);
  t.equal(data(ep0.handle(setup(0x80, 8, 0, 0, 1), 1)), '00', 'GET_CONFIGURATION: 0 in the Address state');
  t.equal(ep0.handle(setup(0x80, 0, 0, 0x81, 2), 2).status, UrbStatus.stall, 'GET_STATUS of 81h before configuration: no such endpoint');
  t.equal(ep0.handle(setup(0x81, 10, 0, 0, 1), 1).status, UrbStatus.stall, 'GET_INTERFACE before configuration');
  t.equal(ep0.handle(setup(0x00, 9, 2, 0, 0), 0).status, UrbStatus.stall, 'SET_CONFIGURATION 2: no such configuration');
  t.equal(ep0.handle(setup(0x00, 9, 1, 0, 0), 0).status, UrbStatus.ok);
  t.ok(ep0.configured);
  t.equal(data(ep0.handle(setup(0x80, 8, 0, 0, 1), 1)), '01');
  t.equal(data(ep0.handle(setup(0x80, 0, 0, 0, 2), 2)), '0100', 'GET_STATUS device: self-powered');
  t.equal(data(ep0.handle(setup(0x81, 0, 0, 0, 2), 2)), '0000');
  t.equal(data(ep0.handle(setup(0x82, 0, 0, 0x81, 2), 2)), '0000');
  t.equal(ep0.handle(setup(0x82, 0, 0, 0x83, 2), 2).status, UrbStatus.stall, 'GET_STATUS of an endpoint that does not exist');
  t.equal(data(ep0.handle(setup(0x81, 10, 0, 0, 1), 1)), '00', 'GET_INTERFACE: alternate 0');
  t.equal(ep0.handle(setup(0x01, 11, 0, 0, 0), 0).status, UrbStatus.ok, 'SET_INTERFACE(0, 0)');
  t.equal(ep0.handle(setup(0x01, 11, 1, 0, 0), 0).status, UrbStatus.stall, 'SET_INTERFACE(0, 1): no alternate 1');
  t.equal(ep0.handle(setup(0x02, 1, 0, 0x81, 0), 0).status, UrbStatus.ok, 'CLEAR_FEATURE(ENDPOINT_HALT) 81h');
  t.equal(ep0.handle(setup(0x02, 1, 0, 0x02, 0), 0).status, UrbStatus.ok, 'CLEAR_FEATURE(ENDPOINT_HALT) 02h');
  t.equal(ep0.handle(setup(0x02, 1, 0, 0x00, 0), 0).status, UrbStatus.ok, 'CLEAR_FEATURE(ENDPOINT_HALT) on endpoint 0: nothing to clear');
  t.equal(ep0.handle(setup(0x02, 1, 0, 0x85, 0), 0).status, UrbStatus.stall, 'CLEAR_FEATURE on a missing endpoint');
  t.equal(ep0.handle(setup(0x00, 1, 1, 0, 0), 0).status, UrbStatus.stall, 'CLEAR_FEATURE(DEVICE_REMOTE_WAKEUP): not offered');
  t.equal(ep0.handle(setup(0x00, 3, 1, 0, 0), 0).status, UrbStatus.stall, 'SET_FEATURE(DEVICE_REMOTE_WAKEUP)');
  t.equal(ep0.handle(setup(0x00, 5, 3, 0, 0), 0).status, UrbStatus.ok, 'SET_ADDRESS, should one reach the device');
  t.equal(ep0.handle(setup(0x00, 7, 0x0100, 0, 18), 0).status, UrbStatus.stall, 'SET_DESCRIPTOR');
  t.equal(ep0.handle(setup(0xc0, 0x33, 0, 0, 4), 4).status, UrbStatus.stall, 'a vendor request');
  t.equal(ep0.handle(setup(0x80, 0x42, 0, 0, 4), 4).status, UrbStatus.stall, 'an undefined standard request');
  t.same(fn.calls, ['reset', 'reset', 'clear-halt 81', 'clear-halt 2'], 'SET_CONFIGURATION and SET_INTERFACE restart the function');
});

t.test('endpoint 0: the Bulk-Only class requests reach the function; a port reset unconfigures', async (t) => {
  const fn = new LoopbackFunction();
  fn.maxLunValue = 0;
  const ep0 = new UsbControlEndpoint(massStorageDescriptors(DriveKind.cdrom, serial), fn);
  t.equal(ep0.handle(setup(0xa1, 0xfe, 0, 0, 1), 1).status, UrbStatus.stall, 'Get Max LUN before configuration');
  ep0.handle(setup(0x00, 9, 1, 0, 0), 0);
  t.equal(data(ep0.handle(setup(0xa1, 0xfe, 0, 0, 1), 1)), '00', 'Get Max LUN: one LUN');
  t.equal(ep0.handle(setup(0xa1, 0xfe, 0, 1, 1), 1).status, UrbStatus.stall, 'to interface 1: none');
  t.equal(ep0.handle(setup(0xa1, 0xfe, 0, 0, 2), 2).status, UrbStatus.stall, 'wLength 2: BOT §3.2 says 1');
  t.equal(ep0.handle(setup(0x21, 0xff, 0, 0, 0), 0).status, UrbStatus.ok, 'Bulk-Only Mass Storage Reset');
  t.equal(ep0.handle(setup(0x21, 0xff, 1, 0, 0), 0).status, UrbStatus.stall, 'reset with wValue 1');
  t.equal(ep0.handle(setup(0x21, 0x01, 0, 0, 0), 0).status, UrbStatus.stall, 'another class request');
  t.equal(ep0.handle(setup(0x23, 3, 4, 1, 0), 0).status, UrbStatus.ok, 'SET_FEATURE(PORT_RESET) as the usbip stub passes it');
  t.notOk(ep0.configured, 'a reset device is unconfigured');
  t.same(fn.calls, ['reset', 'reset', 'reset']);
});
