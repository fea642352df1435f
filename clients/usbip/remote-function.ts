// A USB mass-storage function reached over USB/IP: the same shape as the device's own UsbFunction, each call a URB on
// an imported UsbipClient — bulk IN and OUT on the endpoints enumeration found (81h and 02h on the emulated drives),
// CLEAR_FEATURE(ENDPOINT_HALT) (USB 2.0 §9.4.1) and Bulk-Only Mass Storage Reset (BOT 1.0 §3.1) on endpoint 0. So the
// Bulk-Only host that drives a function in memory drives a BMC's drive over TCP alike. attach() is what a host does
// with a drive: import its busid, enumerate it (GET_DESCRIPTOR, SET_CONFIGURATION, Get Max LUN).
import { UrbStatus, type UrbOutcome, type UsbFunction } from '../../protocols/usb-mass-storage/usb-function.js';
import {
  BulkOnlyRequest, Feature, Recipient, RequestDirection, RequestType, StandardRequest, type SetupPacket,
} from '../../protocols/usb-mass-storage/usb-setup.js';
import { Direction, type RetSubmit } from '../../protocols/usb-mass-storage/usbip-urb.js';
import type { QueueingTransport, UrbInFlight } from './bulk-only-host.js';
import { enumerateMassStorage, type MassStorageDevice } from './enumerate.js';
import { UsbipClient, type Submitted, type UsbipClientOptions } from './usbip-client.js';

/** A control request the device answered with an error status (a stall is -32). */
export class ControlRequestError extends Error {
  readonly request: string;
  readonly status: number;
  constructor(request: string, status: number) {
    super(`${request}: status ${status}${status === UrbStatus.stall ? ' (stall)' : ''}`);
    this.name = 'ControlRequestError';
    this.request = request;
    this.status = status;
  }
}

const ENDPOINT_NUMBER = 0x0f;

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** What a bulk OUT URB's RET_SUBMIT says. */
function outOutcome(r: RetSubmit): UrbOutcome {
  return { status: r.status, actualLength: r.actualLength };
}

/** What a bulk IN URB's RET_SUBMIT says: its data, when it succeeded. */
function inOutcome(r: RetSubmit): UrbOutcome {
  return r.status === UrbStatus.ok ? { status: r.status, data: asBuffer(r.data), actualLength: r.data.length } : { status: r.status, actualLength: 0 };
}

export class RemoteFunction implements UsbFunction, QueueingTransport {
  readonly client: UsbipClient;
  /** What enumeration found: descriptors, strings, the Bulk-Only interface and its endpoints, the highest LUN. */
  readonly device: MassStorageDevice;
  private readonly inEp: number;
  private readonly outEp: number;

  constructor(client: UsbipClient, device: MassStorageDevice) {
    this.client = client;
    this.device = device;
    this.inEp = device.bulkIn & ENDPOINT_NUMBER;
    this.outEp = device.bulkOut & ENDPOINT_NUMBER;
  }

  /** Imports `busid` and enumerates it; the connection is closed again if enumeration fails. */
  static async attach(options: UsbipClientOptions & { busid: string }): Promise<RemoteFunction> {
    const client = await UsbipClient.import(options);
    try {
      return new RemoteFunction(client, await enumerateMassStorage(client));
    } catch (err) {
      client.close();
      throw err;
    }
  }

  // a URB awaited at once (one command at a time) needs no handle to take it back: none is made
  bulkOut(data: Buffer): Promise<UrbOutcome> {
    return this.client.submit({ ep: this.outEp, direction: Direction.out, data }).result.then(outOutcome);
  }

  bulkIn(maxLength: number, into?: Buffer): Promise<UrbOutcome> {
    return this.client.submit({ ep: this.inEp, direction: Direction.in, length: maxLength, buffer: into }).result.then(inOutcome);
  }

  /** A bulk OUT URB in flight, which unlink() takes back (CMD_UNLINK). */
  submitBulkOut(data: Buffer): UrbInFlight {
    return this.inFlight(this.client.submit({ ep: this.outEp, direction: Direction.out, data }), outOutcome);
  }

  /** A bulk IN URB in flight (its data read into `into` when given), which unlink() takes back (CMD_UNLINK). */
  submitBulkIn(maxLength: number, into?: Buffer): UrbInFlight {
    return this.inFlight(this.client.submit({ ep: this.inEp, direction: Direction.in, length: maxLength, buffer: into }), inOutcome);
  }

  /** CLEAR_FEATURE(ENDPOINT_HALT) on `endpointAddress`; a refusal is a ControlRequestError. */
  clearHalt(endpointAddress: number): Promise<void> {
    return this.request(`CLEAR_FEATURE(ENDPOINT_HALT) ${endpointAddress.toString(16)}h`, {
      requestType: RequestDirection.hostToDevice | RequestType.standard | Recipient.endpoint, request: StandardRequest.clearFeature,
      value: Feature.endpointHalt, index: endpointAddress, length: 0,
    });
  }

  /** Bulk-Only Mass Storage Reset to the interface; a refusal is a ControlRequestError. */
  reset(): Promise<void> {
    return this.request('Bulk-Only Mass Storage Reset', {
      requestType: RequestDirection.hostToDevice | RequestType.class | Recipient.interface, request: BulkOnlyRequest.reset,
      value: 0, index: this.device.interfaceNumber, length: 0,
    });
  }

  maxLun(): number {
    return this.device.maxLun;
  }

  /** Detaches: the connection closes and the server releases the busid. */
  close(): void {
    this.client.close();
  }

  private inFlight(s: Submitted, outcomeOf: (r: RetSubmit) => UrbOutcome): UrbInFlight {
    const outcome = s.result.then(outcomeOf);
    return {
      outcome,
      unlink: async () => {
        await this.client.unlink(s.seqnum);
        await outcome.catch(() => undefined);
      },
    };
  }

  private async request(name: string, setup: SetupPacket): Promise<void> {
    const r = await this.client.control(setup);
    if (r.status !== UrbStatus.ok) throw new ControlRequestError(name, r.status);
  }
}
