// Writes URBs as a Linux usbmon capture (pcap LINKTYPE_USB_LINUX_MMAPPED, 220: a 64-byte struct usbmon_packet
// per submission 'S' and completion 'C', Documentation/usb/usbmon.rst "binary API"), so the real tshark can
// decode a mass-storage session with Wireshark's USB, USBMS and SCSI dissectors. Also a UsbFunction wrapper
// that records every bulk URB, halt clear and reset a test sends through it.
import { writeFileSync } from 'node:fs';
import { UrbStatus, type UrbOutcome, type UsbFunction } from '../../protocols/usb-mass-storage/usb-function.js';

const LINKTYPE_USB_LINUX_MMAPPED = 220;
const XFER_CONTROL = 2;
const XFER_BULK = 3;
const EINPROGRESS = -115;
const NO_SETUP = 0x2d; // '-'
const NO_DATA_IN_SUBMIT = 0x3c; // '<'
const NO_DATA_IN_COMPLETE = 0x3e; // '>'

interface Record {
  id: number;
  type: 'S' | 'C';
  xferType: number;
  endpoint: number;
  setup?: Buffer;
  status: number;
  length: number;
  data?: Buffer;
}

export class UsbmonCapture {
  private readonly records: Record[] = [];
  private nextId = 1;
  private readonly devnum: number;
  private readonly busnum: number;

  constructor(devnum = 2, busnum = 1) {
    this.devnum = devnum;
    this.busnum = busnum;
  }

  /** A control transfer on endpoint 0: `setup` (8 bytes), and the IN data it returned or the OUT data it sent. */
  control(setup: Buffer, inData?: Buffer, status: number = UrbStatus.ok): void {
    const id = this.nextId++;
    const dirIn = (setup[0] & 0x80) !== 0;
    const wLength = setup.readUInt16LE(6);
    this.records.push({ id, type: 'S', xferType: XFER_CONTROL, endpoint: dirIn ? 0x80 : 0x00, setup, status: EINPROGRESS, length: wLength });
    this.records.push({ id, type: 'C', xferType: XFER_CONTROL, endpoint: dirIn ? 0x80 : 0x00, status, length: inData?.length ?? 0, data: inData });
  }

  bulkOut(endpoint: number, data: Buffer, outcome: UrbOutcome): void {
    const id = this.nextId++;
    this.records.push({ id, type: 'S', xferType: XFER_BULK, endpoint, status: EINPROGRESS, length: data.length, data: Buffer.from(data) });
    this.records.push({ id, type: 'C', xferType: XFER_BULK, endpoint, status: outcome.status, length: outcome.actualLength });
  }

  bulkIn(endpoint: number, length: number, outcome: UrbOutcome): void {
    const id = this.nextId++;
    this.records.push({ id, type: 'S', xferType: XFER_BULK, endpoint, status: EINPROGRESS, length });
    this.records.push({
      id, type: 'C', xferType: XFER_BULK, endpoint, status: outcome.status, length: outcome.actualLength,
      data: outcome.data ? Buffer.from(outcome.data) : undefined,
    });
  }

  write(file: string): void {
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2c3d4, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeUInt32LE(262144, 16);
    header.writeUInt32LE(LINKTYPE_USB_LINUX_MMAPPED, 20);
    const packets = this.records.map((r, i) => {
      const data = r.data ?? Buffer.alloc(0);
      const mon = Buffer.alloc(64);
      mon.writeUInt32LE(r.id, 0); // id (u64, low half)
      mon[8] = r.type.charCodeAt(0);
      mon[9] = r.xferType;
      mon[10] = r.endpoint; // epnum, bit 7 = IN
      mon[11] = this.devnum;
      mon.writeUInt16LE(this.busnum, 12);
      mon[14] = r.setup ? 0 : NO_SETUP; // flag_setup
      mon[15] = r.data ? 0 : r.type === 'S' ? NO_DATA_IN_SUBMIT : NO_DATA_IN_COMPLETE; // flag_data
      mon.writeUInt32LE(1_700_000_000 + Math.floor(i / 1000), 16); // ts_sec (s64, low half)
      mon.writeInt32LE((i % 1000) * 1000, 24); // ts_usec
      mon.writeInt32LE(r.status, 28);
      mon.writeUInt32LE(r.length, 32); // length
      mon.writeUInt32LE(data.length, 36); // len_cap
      if (r.setup) r.setup.copy(mon, 40);
      const rec = Buffer.alloc(16);
      rec.writeUInt32LE(1_700_000_000 + Math.floor(i / 1000), 0);
      rec.writeUInt32LE((i % 1000) * 1000, 4);
      rec.writeUInt32LE(64 + data.length, 8);
      rec.writeUInt32LE(64 + data.length, 12);
      return Buffer.concat([rec, mon, data]);
    });
    writeFileSync(file, Buffer.concat([header, ...packets]));
  }
}

/** A UsbFunction that records everything going through it into `capture`. */
export class RecordingFunction implements UsbFunction {
  readonly capture: UsbmonCapture;
  private readonly inner: UsbFunction;
  private readonly inEp = 0x81;
  private readonly outEp = 0x02;

  constructor(inner: UsbFunction, capture: UsbmonCapture) {
    this.inner = inner;
    this.capture = capture;
  }

  async bulkOut(data: Buffer): Promise<UrbOutcome> {
    const o = await this.inner.bulkOut(data);
    this.capture.bulkOut(this.outEp, data, o);
    return o;
  }

  async bulkIn(maxLength: number): Promise<UrbOutcome> {
    const o = await this.inner.bulkIn(maxLength);
    this.capture.bulkIn(this.inEp, maxLength, o);
    return o;
  }

  reset(): void {
    this.inner.reset();
    this.capture.control(Buffer.from('21ff000000000000', 'hex'));
  }

  maxLun(): number {
    return this.inner.maxLun();
  }

  clearHalt(endpointAddress: number): void {
    this.inner.clearHalt(endpointAddress);
    this.capture.control(Buffer.from([0x02, 0x01, 0x00, 0x00, endpointAddress, 0x00, 0x00, 0x00]));
  }

  close(): void {
    this.inner.close();
  }
}
