// A device's endpoint 0 — USB 2.0 §9.4 (standard device requests) with the state of §9.1.1 (Address and Configured),
// and BOT 1.0 §3.1-§3.2 (the class requests, handed to the UsbFunction). Sans-I/O: a setup packet and its OUT data
// stage in, the URB's outcome out. A request the device does not support, or one with values §9.4 does not define for
// it, gets a Request Error: a STALL on the data or status stage (§9.2.7), -EPIPE over USB/IP.
//
// Over USB/IP the host controller (vhci_hcd) answers SET_ADDRESS itself; what reaches the device here is
// GET_DESCRIPTOR, SET_CONFIGURATION and the rest. The usbip stub server also passes on CLEAR_FEATURE(ENDPOINT_HALT),
// SET_INTERFACE, SET_CONFIGURATION and a port reset as special cases (drivers/usb/usbip/stub_rx.c): all are answered.
import {
  BULK_IN_ENDPOINT, BULK_OUT_ENDPOINT, type DescriptorSet,
} from './usb-descriptors.js';
import { UrbStatus, type UrbOutcome, type UsbFunction } from './usb-function.js';
import {
  BulkOnlyRequest, DescriptorType, Feature, PORT_FEATURE_RESET, PORT_RESET_REQUEST_TYPE, Recipient, RequestDirection,
  RequestType, StandardRequest, TYPE_MASK, type SetupPacket,
} from './usb-setup.js';

const STALL: UrbOutcome = { status: UrbStatus.stall, actualLength: 0 };
const DONE: UrbOutcome = { status: UrbStatus.ok, actualLength: 0 };
/** bmRequestType of a standard request to each recipient, host-to-device / device-to-host. */
const OUT_DEVICE = RequestDirection.hostToDevice | RequestType.standard | Recipient.device;
const IN_DEVICE = RequestDirection.deviceToHost | RequestType.standard | Recipient.device;
const OUT_INTERFACE = RequestDirection.hostToDevice | RequestType.standard | Recipient.interface;
const IN_INTERFACE = RequestDirection.deviceToHost | RequestType.standard | Recipient.interface;
const OUT_ENDPOINT = RequestDirection.hostToDevice | RequestType.standard | Recipient.endpoint;
const IN_ENDPOINT = RequestDirection.deviceToHost | RequestType.standard | Recipient.endpoint;
/** BOT 1.0 §3.1 (21h) and §3.2 (A1h): class requests to the interface. */
const OUT_CLASS_INTERFACE = RequestDirection.hostToDevice | RequestType.class | Recipient.interface;
const IN_CLASS_INTERFACE = RequestDirection.deviceToHost | RequestType.class | Recipient.interface;
const INTERFACE_NUMBER = 0;
/** GET_STATUS of the device (§9.4.5, Figure 9-4): bit 0 self-powered. */
const SELF_POWERED = 0x01;

export class UsbControlEndpoint {
  private readonly descriptors: DescriptorSet;
  private readonly fn: UsbFunction;
  /** bConfigurationValue now: 0 in the Address state, 1 once configured (§9.1.1.5). */
  private configuration = 0;

  constructor(descriptors: DescriptorSet, fn: UsbFunction) {
    this.descriptors = descriptors;
    this.fn = fn;
  }

  get configured(): boolean {
    return this.configuration !== 0;
  }

  /**
   * Answers one control transfer. `maxLength` bounds the IN data stage (the URB's buffer; at most wLength is sent,
   * §9.3.5). No request answered here has an OUT data stage. IN data may be a view of descriptors held for the
   * device's life: the caller must not modify it.
   */
  handle(setup: SetupPacket, maxLength: number): UrbOutcome {
    if (setup.requestType === PORT_RESET_REQUEST_TYPE) return this.portReset(setup);
    const type = setup.requestType & TYPE_MASK;
    if (type === RequestType.class) return this.classRequest(setup, maxLength);
    if (type !== RequestType.standard) return STALL;
    switch (setup.request) {
      case StandardRequest.getDescriptor:
        return setup.requestType === IN_DEVICE ? this.reply(this.descriptor(setup), setup, maxLength) : STALL;
      case StandardRequest.getConfiguration:
        // §9.4.2: one byte, 0 when not configured
        return setup.requestType === IN_DEVICE && setup.value === 0 && setup.index === 0
          ? this.reply(Buffer.of(this.configuration), setup, maxLength) : STALL;
      case StandardRequest.setConfiguration:
        return setup.requestType === OUT_DEVICE ? this.setConfiguration(setup.value) : STALL;
      case StandardRequest.getInterface:
        // §9.4.4: only in the Configured state, for an interface that exists; one alternate setting (0)
        return setup.requestType === IN_INTERFACE && this.configured && setup.index === INTERFACE_NUMBER
          ? this.reply(Buffer.of(0), setup, maxLength) : STALL;
      case StandardRequest.setInterface:
        return setup.requestType === OUT_INTERFACE ? this.setInterface(setup) : STALL;
      case StandardRequest.getStatus:
        return this.getStatus(setup, maxLength);
      case StandardRequest.clearFeature:
        return this.clearFeature(setup);
      case StandardRequest.setAddress:
        // §9.4.6: vhci_hcd answers it itself; one that reaches the device changes nothing a USB/IP device has
        return setup.requestType === OUT_DEVICE && setup.value <= 127 ? DONE : STALL;
      default:
        // SET_FEATURE (§9.4.9: remote wakeup is not offered, bmAttributes bit 5 is 0; test modes are not emulated),
        // SET_DESCRIPTOR (optional), SYNCH_FRAME (no isochronous endpoint), unknown codes
        return STALL;
    }
  }

  /** The first `min(wLength, maxLength)` bytes of `data` (§9.3.5: a shorter answer ends the data stage early). */
  private reply(data: Buffer | null, setup: SetupPacket, maxLength: number): UrbOutcome {
    if (data === null) return STALL;
    const n = Math.min(data.length, setup.length, maxLength);
    return { status: UrbStatus.ok, data: n === data.length ? data : data.subarray(0, n), actualLength: n };
  }

  /** §9.4.3: wValue high byte the type, low byte the index; wIndex the language ID of a string. */
  private descriptor(setup: SetupPacket): Buffer | null {
    const type = setup.value >> 8;
    const index = setup.value & 0xff;
    const d = this.descriptors;
    switch (type) {
      case DescriptorType.device: return index === 0 ? d.encodedDevice : null;
      case DescriptorType.configuration: return index === 0 ? d.encodedConfiguration : null;
      case DescriptorType.string: return d.encodedStrings[index] ?? null;
      // §9.6.2, §9.6.4: a high-speed capable device describes how it would work at full speed
      case DescriptorType.deviceQualifier: return index === 0 ? d.encodedDeviceQualifier : null;
      case DescriptorType.otherSpeedConfiguration: return index === 0 ? d.encodedOtherSpeedConfiguration : null;
      default: return null; // BOS (bcdUSB 2.00 devices have none), interface and endpoint (not directly readable, §9.4.3)
    }
  }

  /** §9.4.7: 0 back to the Address state, 1 to Configured; anything else a Request Error. Either way the function starts afresh. */
  private setConfiguration(value: number): UrbOutcome {
    if (value !== 0 && value !== this.descriptors.configuration.configurationValue) return STALL;
    this.configuration = value;
    this.fn.reset();
    return DONE;
  }

  /** §9.4.10: the one interface has only alternate setting 0; selecting it resets its endpoints (and the function). */
  private setInterface(setup: SetupPacket): UrbOutcome {
    if (!this.configured || setup.index !== INTERFACE_NUMBER || setup.value !== 0) return STALL;
    this.fn.reset();
    return DONE;
  }

  /** §9.4.5: two bytes. Device: self-powered, no remote wakeup. Interface and endpoints: 0 (halts are the function's). */
  private getStatus(setup: SetupPacket, maxLength: number): UrbOutcome {
    if (setup.value !== 0 || setup.length !== 2) return STALL;
    switch (setup.requestType) {
      case IN_DEVICE: return setup.index === 0 ? this.reply(Buffer.of(SELF_POWERED, 0), setup, maxLength) : STALL;
      case IN_INTERFACE: return this.configured && setup.index === INTERFACE_NUMBER ? this.reply(Buffer.of(0, 0), setup, maxLength) : STALL;
      case IN_ENDPOINT: return this.endpointExists(setup.index) ? this.reply(Buffer.of(0, 0), setup, maxLength) : STALL;
      default: return STALL;
    }
  }

  /** §9.4.1: ENDPOINT_HALT on a bulk endpoint goes to the function (BOT 1.0 §6.6.2 reset recovery); nothing else can be cleared. */
  private clearFeature(setup: SetupPacket): UrbOutcome {
    if (setup.requestType !== OUT_ENDPOINT || setup.value !== Feature.endpointHalt || setup.length !== 0) return STALL;
    if (!this.endpointExists(setup.index)) return STALL;
    if (setup.index !== 0) this.fn.clearHalt(setup.index);
    return DONE;
  }

  /** The hub-class port reset (SET_FEATURE(PORT_RESET)) the usbip stub turns into a device reset (stub_rx.c is_reset_device_cmd). */
  private portReset(setup: SetupPacket): UrbOutcome {
    if (setup.request !== StandardRequest.setFeature || setup.value !== PORT_FEATURE_RESET || setup.length !== 0) return STALL;
    this.configuration = 0; // a reset device is back in the Default state (§9.1.1.3), unconfigured
    this.fn.reset();
    return DONE;
  }

  /** Endpoint 0 always; the bulk endpoints once configured (§9.4.5: a request to another endpoint is a Request Error). */
  private endpointExists(address: number): boolean {
    if (address === 0 || address === RequestDirection.deviceToHost) return true;
    return this.configured && (address === BULK_IN_ENDPOINT || address === BULK_OUT_ENDPOINT);
  }

  /** BOT 1.0 §3.1 Bulk-Only Mass Storage Reset and §3.2 Get Max LUN; wValue 0, wIndex the interface, exact wLength. */
  private classRequest(setup: SetupPacket, maxLength: number): UrbOutcome {
    if (setup.value !== 0 || setup.index !== INTERFACE_NUMBER || !this.configured) return STALL;
    if (setup.request === BulkOnlyRequest.reset && setup.requestType === OUT_CLASS_INTERFACE && setup.length === 0) {
      this.fn.reset();
      return DONE;
    }
    if (setup.request === BulkOnlyRequest.getMaxLun && setup.requestType === IN_CLASS_INTERFACE && setup.length === 1) {
      return this.reply(Buffer.of(this.fn.maxLun()), setup, maxLength);
    }
    return STALL;
  }
}
