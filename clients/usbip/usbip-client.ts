// A USB/IP client (what `usbip list -r` and `usbip attach` plus the kernel's vhci_hcd do, in user space) —
// Documentation/usb/usbip_protocol.rst over protocols/usb-mass-storage/usbip-*.ts:
//   - UsbipClient.list(): OP_REQ_DEVLIST on its own connection, the exported devices back;
//   - UsbipClient.import(): OP_REQ_IMPORT of a busid; granted, the same connection carries URBs: submit() control and
//     bulk transfers (several may be in flight, answers matched by seqnum), unlink() one, close().
// Every wait has a timeout on the Clock. A URB whose wait timed out stays on record, so its late answer is read and
// dropped rather than breaking the stream (vhci_rx.c treats an answer to an unknown seqnum as fatal).
import net from 'node:net';
import { systemClock, type Clock } from '../../runtime/clock.js';
import { formatHostPort } from '../../runtime/host-port.js';
import { batchWrites } from '../../runtime/write-batch.js';
import { DecodeError } from '../../protocols/errors.js';
import { UrbStatus } from '../../protocols/usb-mass-storage/usb-function.js';
import { encodeSetup, isDeviceToHost, type SetupPacket } from '../../protocols/usb-mass-storage/usb-setup.js';
import { encodeDevlistRequest, encodeImportRequest, OpStatus, USBIP_PORT, type ExportedDevice, type OpReply, type UsbipDevice } from '../../protocols/usb-mass-storage/usbip-op.js';
import { UsbipReplyStream } from '../../protocols/usb-mass-storage/usbip-stream.js';
import {
  Direction, encodeUrbHeader, type RetSubmit, type RetUnlink, type UrbReplyMessage,
} from '../../protocols/usb-mass-storage/usbip-urb.js';


export interface UsbipClientOptions {
  host: string;
  /** Default 3240. */
  port?: number;
  /** Each wait: connecting, a reply, a URB's answer. Default 10 s. */
  timeoutMs?: number;
  clock?: Clock;
  /** The address to connect from (default: the one the system picks). */
  localAddress?: string;
}

/** The server could not be reached, or the connection ended before the answer came. */
export class UsbipConnectionError extends Error {
  /** HOST:PORT of the server. */
  readonly server: string;
  constructor(server: string, message: string) {
    super(message);
    this.name = 'UsbipConnectionError';
    this.server = server;
  }
}

/** usbip_op_common_status_string (tools/usb/usbip/libsrc/usbip_common.c): what the usbip tool prints for each status. */
const STATUS_TEXT = ['Request Completed Successfully', 'Request Failed', 'Device busy (exported)', 'Device in error state', 'Device not found', 'Unexpected response'];

/** An OP_REP_* with a status other than 0. */
export class UsbipStatusError extends Error {
  readonly status: number;
  constructor(request: string, status: number) {
    super(`${request}: status ${status} (${STATUS_TEXT[status] ?? 'unknown status'})`);
    this.name = 'UsbipStatusError';
    this.status = status;
  }
}

export class UsbipTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what}: no answer within ${ms} ms`);
    this.name = 'UsbipTimeoutError';
  }
}

/** A transfer to submit. IN: `length` bytes at most come back; OUT: `data` goes (`length` is its size). */
export interface Transfer {
  ep: number;
  direction: Direction;
  /** IN: the buffer size asked for (default: `buffer`'s length). Ignored for OUT. */
  length?: number;
  /** IN: the transfer buffer, where the data lands as it is read (default: a new one of `length` bytes). */
  buffer?: Uint8Array;
  data?: Uint8Array;
  /** The 8-byte SETUP packet of a control transfer (endpoint 0). */
  setup?: Uint8Array;
  transferFlags?: number;
}

export interface Submitted {
  readonly seqnum: number;
  readonly result: Promise<RetSubmit>;
}

interface Waiting {
  direction: Direction;
  /** An IN URB's transfer buffer; dropped once the caller stopped waiting (its memory is the caller's again). */
  buffer: Uint8Array | undefined;
  /** Null once the caller stopped waiting (timed out): the answer is read and dropped. */
  settle: ((m: UrbReplyMessage | Error) => void) | null;
}

interface Resolved {
  server: string;
  timeoutMs: number;
  clock: Clock;
}

function resolved(o: UsbipClientOptions): Resolved {
  return { server: formatHostPort(o.host, o.port ?? USBIP_PORT), timeoutMs: o.timeoutMs ?? 10_000, clock: o.clock ?? systemClock };
}

/** `promise`, or a UsbipTimeoutError after `ms` on the clock (then `onTimeout` runs). */
function within<T>(clock: Clock, ms: number, what: string, promise: Promise<T>, onTimeout: () => void = () => {}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      onTimeout();
      reject(new UsbipTimeoutError(what, ms));
    }, ms);
    promise.then((v) => { timer.cancel(); resolve(v); }, (e: unknown) => { timer.cancel(); reject(e); });
  });
}

/** With `stream` (an import): each read goes where the stream's room() says, once the read before it was handled. */
async function connect(o: UsbipClientOptions, r: Resolved, stream?: UsbipReplyStream): Promise<net.Socket> {
  const socket = net.connect({
    host: o.host, port: o.port ?? USBIP_PORT, localAddress: o.localAddress,
    onread: stream === undefined ? undefined : {
      buffer: () => stream.room(),
      callback(this: net.Socket, n: number, room: Uint8Array) {
        this.emit('data', room.subarray(0, n));
        return true; // keep reading, as a 'data' listener does
      },
    },
  });
  socket.setNoDelay(true); // as usbip_net_tcp_connect does
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', (err: NodeJS.ErrnoException) => reject(new UsbipConnectionError(r.server, `cannot connect to ${r.server}: ${err.code ?? err.message}`)));
  });
  try {
    await within(r.clock, r.timeoutMs, `connecting to ${r.server}`, connected, () => socket.destroy());
  } catch (err) {
    socket.destroy();
    throw err;
  }
  return socket;
}

export class UsbipClient {
  /** The record OP_REP_IMPORT sent: busid, busnum, devnum, speed, IDs. */
  readonly device: UsbipDevice;
  /** (busnum << 16) | devnum, in every command (usbip_protocol.rst). */
  readonly devid: number;
  private readonly socket: net.Socket;
  private readonly stream: UsbipReplyStream;
  private readonly r: Resolved;
  private readonly waiting: Map<number, Waiting>;
  private nextSeqnum = 1;
  private failure: Error | null = null;

  private constructor(socket: net.Socket, stream: UsbipReplyStream, device: UsbipDevice, r: Resolved, waiting: Map<number, Waiting>) {
    this.socket = socket;
    this.stream = stream;
    this.device = device;
    this.devid = ((device.busnum & 0xffff) << 16 | (device.devnum & 0xffff)) >>> 0;
    this.r = r;
    this.waiting = waiting;
  }

  /** The devices `host` exports (OP_REQ_DEVLIST); the connection is closed after. */
  static async list(options: UsbipClientOptions): Promise<ExportedDevice[]> {
    const r = resolved(options);
    const socket = await connect(options, r);
    try {
      const reply = await opExchange(socket, new UsbipReplyStream(() => undefined), encodeDevlistRequest(), r, 'OP_REQ_DEVLIST');
      if (reply.kind !== 'devlist-reply') throw new UsbipConnectionError(r.server, `OP_REQ_DEVLIST answered with ${reply.kind}`);
      if (reply.status !== OpStatus.ok) throw new UsbipStatusError('OP_REQ_DEVLIST', reply.status);
      return reply.devices;
    } finally {
      socket.destroy();
    }
  }

  /** Imports `busid` (OP_REQ_IMPORT): a client for its URBs, or UsbipStatusError (the server refused it). */
  static async import(options: UsbipClientOptions & { busid: string }): Promise<UsbipClient> {
    const r = resolved(options);
    const waiting = new Map<number, Waiting>();
    const stream = new UsbipReplyStream((seqnum) => waiting.get(seqnum)?.direction, {}, (seqnum) => waiting.get(seqnum)?.buffer);
    const socket = await connect(options, r, stream);
    try {
      const reply = await opExchange(socket, stream, encodeImportRequest(options.busid), r, `OP_REQ_IMPORT ${options.busid}`);
      if (reply.kind !== 'import-reply') throw new UsbipConnectionError(r.server, `OP_REQ_IMPORT answered with ${reply.kind}`);
      if (reply.status !== OpStatus.ok || reply.device === null) throw new UsbipStatusError(`OP_REQ_IMPORT ${options.busid}`, reply.status);
      // usbip_attach.c query_import_device: "recv different busid"
      if (reply.device.busid !== options.busid) throw new UsbipConnectionError(r.server, `asked for ${options.busid}, the server sent ${reply.device.busid}`);
      const client = new UsbipClient(socket, stream, reply.device, r, waiting);
      client.listen();
      return client;
    } catch (err) {
      socket.destroy();
      throw err;
    }
  }

  /** The connection is gone (closed, reset, or a malformed answer): every later call fails with this. */
  get closed(): boolean {
    return this.failure !== null;
  }

  /** URBs sent and not answered (including those whose wait timed out). */
  get inFlight(): number {
    return this.waiting.size;
  }

  /** Sends CMD_SUBMIT; `result` resolves with its RET_SUBMIT (a stall is status -32, not an error). */
  submit(t: Transfer): Submitted {
    const seqnum = this.take();
    const data = t.direction === Direction.out ? t.data ?? new Uint8Array(0) : new Uint8Array(0);
    const length = t.direction === Direction.out ? data.length : t.length ?? t.buffer?.length ?? 0;
    const buffer = t.direction === Direction.out || length === 0 ? undefined : t.buffer ?? Buffer.allocUnsafe(length);
    if (buffer !== undefined && buffer.length < length) throw new RangeError(`a transfer buffer of ${buffer.length} bytes for ${length} asked`);
    const header = encodeUrbHeader({
      kind: 'cmd-submit', seqnum, devid: this.devid, direction: t.direction, ep: t.ep,
      transferFlags: t.transferFlags ?? 0,
      transferBufferLength: length,
      startFrame: 0, numberOfPackets: 0, interval: 0, // PEERS.md: 0 for non-ISO transfers
      setup: t.setup ?? new Uint8Array(8), data, iso: [],
    });
    const result = this.send(seqnum, t.direction, buffer, data.length > 0 ? [header, data] : [header], `CMD_SUBMIT ${seqnum}`) as Promise<RetSubmit>;
    return { seqnum, result };
  }

  /** A control transfer on endpoint 0: direction from bmRequestType, wLength bytes asked for (IN) or `data` sent (OUT). */
  control(setup: SetupPacket, data?: Uint8Array): Promise<RetSubmit> {
    const direction = isDeviceToHost(setup) ? Direction.in : Direction.out;
    return this.submit({ ep: 0, direction, length: setup.length, data, setup: encodeSetup(setup) }).result;
  }

  bulkIn(ep: number, length: number): Promise<RetSubmit> {
    return this.submit({ ep, direction: Direction.in, length }).result;
  }

  bulkOut(ep: number, data: Uint8Array): Promise<RetSubmit> {
    return this.submit({ ep, direction: Direction.out, data }).result;
  }

  /**
   * Sends CMD_UNLINK for `seqnum`. RET_UNLINK status -104 (-ECONNRESET): unlinked, and the URB's own wait ends with a
   * RET_SUBMIT of that status made here (the server sends none); status 0: it had completed, and its answer comes.
   */
  async unlink(seqnum: number): Promise<RetUnlink> {
    const own = this.take();
    const header = encodeUrbHeader({ kind: 'cmd-unlink', seqnum: own, devid: this.devid, direction: Direction.out, ep: 0, unlinkSeqnum: seqnum });
    const reply = await this.send(own, Direction.out, undefined, [header], `CMD_UNLINK ${seqnum}`) as RetUnlink;
    const victim = this.waiting.get(seqnum);
    if (reply.status === UrbStatus.unlinked && victim) {
      this.waiting.delete(seqnum);
      victim.settle?.({
        kind: 'ret-submit', seqnum, devid: 0, direction: victim.direction, ep: 0, status: UrbStatus.unlinked, actualLength: 0,
        startFrame: 0, numberOfPackets: 0, errorCount: 0, data: new Uint8Array(0), iso: [],
      });
    }
    return reply;
  }

  /** Closes the connection (the server releases the device); URBs still waiting fail. */
  close(): void {
    this.fail(new UsbipConnectionError(this.r.server, 'connection closed by the client'));
  }

  private take(): number {
    if (this.failure) throw this.failure;
    const seqnum = this.nextSeqnum;
    this.nextSeqnum = (this.nextSeqnum % 0xffffffff) + 1;
    return seqnum;
  }

  private send(seqnum: number, direction: Direction, buffer: Uint8Array | undefined, parts: Uint8Array[], what: string): Promise<UrbReplyMessage> {
    const answered = new Promise<UrbReplyMessage>((resolve, reject) => {
      this.waiting.set(seqnum, { direction, buffer, settle: (m) => (m instanceof Error ? reject(m) : resolve(m)) });
    });
    batchWrites(this.socket); // a command's CBW, data and CSW URBs, sent together, leave together
    for (const p of parts) this.socket.write(p);
    return within(this.r.clock, this.r.timeoutMs, what, answered, () => {
      const w = this.waiting.get(seqnum);
      if (w) {
        w.settle = null; // the answer may still come: read and dropped, and not into the caller's buffer
        w.buffer = undefined;
        this.stream.forget(seqnum);
      }
    });
  }

  private listen(): void {
    this.socket.on('data', (chunk: Buffer) => {
      this.stream.write(chunk);
      try {
        for (let m = this.stream.read(); m !== null; m = this.stream.read()) this.deliver(m);
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
        this.fail(err);
      }
    });
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.fail(new UsbipConnectionError(this.r.server, `connection to ${this.r.server}: ${err.code ?? err.message}`)));
    this.socket.on('close', () => this.fail(new UsbipConnectionError(this.r.server, `${this.r.server} closed the connection`)));
    // a reply the import exchange read past (the server answered quickly) is already in the stream
    for (let m = this.stream.read(); m !== null; m = this.stream.read()) this.deliver(m);
  }

  private deliver(m: OpReply | UrbReplyMessage): void {
    if (m.kind !== 'ret-submit' && m.kind !== 'ret-unlink') {
      this.fail(new UsbipConnectionError(this.r.server, `${m.kind} in the URB phase`));
      return;
    }
    const w = this.waiting.get(m.seqnum);
    if (!w) {
      // a RET_UNLINK for a seqnum we never sent (RET_SUBMITs for those are refused by the stream itself)
      this.fail(new DecodeError('usbip', 'seqnum', 4, `RET_UNLINK for seqnum ${m.seqnum}, which was never sent`, 'ERR_UNKNOWN_SEQNUM'));
      return;
    }
    this.waiting.delete(m.seqnum);
    // the answer's data is a view into bytes the stream no longer uses: it is the caller's now
    w.settle?.(m);
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.socket.destroy();
    for (const w of this.waiting.values()) w.settle?.(err);
    this.waiting.clear();
    this.stream.clear();
  }
}

/** Sends one OP_REQ_* and reads its reply off `stream` (which keeps any bytes after it). */
function opExchange(socket: net.Socket, stream: UsbipReplyStream, request: Buffer, r: Resolved, what: string): Promise<OpReply> {
  const reply = new Promise<OpReply>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      stream.write(chunk);
      try {
        const m = stream.read();
        if (m === null) return;
        done();
        if (m.kind === 'devlist-reply' || m.kind === 'import-reply') resolve(m);
        else reject(new UsbipConnectionError(r.server, `${what} answered with ${m.kind}`));
      } catch (err) {
        done();
        reject(err);
      }
    };
    const onClose = () => { done(); reject(new UsbipConnectionError(r.server, `${r.server} closed the connection before answering ${what}`)); };
    const onError = (err: NodeJS.ErrnoException) => { done(); reject(new UsbipConnectionError(r.server, `connection to ${r.server}: ${err.code ?? err.message}`)); };
    const done = () => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
    };
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onError);
  });
  socket.write(request);
  return within(r.clock, r.timeoutMs, what, reply, () => socket.destroy());
}
