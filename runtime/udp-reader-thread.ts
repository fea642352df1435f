// A UDP socket read on its own thread (udp-reader-worker.ts), for a receiver that must not lose datagrams while it is
// busy: a kernel receive buffer of the default size (net.core.rmem_default, 212,992 bytes) holds about 256 small
// datagrams, a few ms of a burst of replies, and the main thread's garbage collections, SQLite transactions and
// timers stall it about that long (README "Broadcast replies: the congestion benchmark"). The reader thread does
// nothing but read, so the kernel's buffer stays nearly empty; what the main thread has not handled yet waits in
// user memory, up to `maxUnread` (past it, dropped and counted). Sends go out through the same socket, so answers
// come back to its port. `handle` gets the datagrams in the order they were read, on the main thread. The thread may
// ask for a higher priority than the process's (`nice`): on a machine whose cores are busy it then still reads on time.
import { Worker } from 'node:worker_threads';
import { BindError } from './udp-endpoint.js';

/** Datagrams read but not yet handled by the main thread, at most: 65,536 (a few MB of small replies). */
export const MAX_UNREAD_DATAGRAMS = 65_536;

/** The counters both threads keep in one shared Int32Array. */
export const SharedCounter = { UNREAD: 0, DROPPED: 1, SEND_ERRORS: 2 } as const;

/** What the worker is started with. */
export interface ReaderStart {
  address: string;
  port: number;
  /** SO_RCVBUF asked for, or null for the system default. */
  recvBufferSize: number | null;
  broadcast: boolean;
  maxUnread: number;
  nice: number | null;
  counters: SharedArrayBuffer;
}

/** Main thread to worker: datagrams to send (their bytes end to end), or close. */
export type ReaderRequest =
  | { kind: 'send'; bytes: Uint8Array; lengths: Uint32Array; ports: Uint16Array; addresses: string[] }
  | { kind: 'close' };

type ReaderReport =
  | { kind: 'bound'; port: number; recvBufferSize: number; nice: number | null }
  | { kind: 'bind-error'; code: string }
  | { kind: 'datagrams'; bytes: Uint8Array; lengths: Uint32Array };

export interface UdpReaderOptions {
  address: string;
  port: number;
  recvBufferSize?: number | null;
  /** SO_BROADCAST, to send to a broadcast address. */
  broadcast?: boolean;
  /** Datagrams read but not yet handled, at most. Default MAX_UNREAD_DATAGRAMS. */
  maxUnread?: number;
  /** The reader thread's nice, asked for (one below the process's needs CAP_SYS_NICE; refused, it keeps the process's). */
  nice?: number;
}

interface Outgoing { bytes: Uint8Array; port: number; address: string }

export class UdpReaderThread {
  readonly port: number;
  /** SO_RCVBUF as the kernel set it (it doubles what is asked: socket(7)). */
  readonly recvBufferSize: number;
  /** The reader thread's nice, as it got it (null where it cannot be read). */
  readonly nice: number | null;
  private readonly worker: Worker;
  private readonly counters: Int32Array;
  private outgoing: Outgoing[] = [];
  private closed = false;

  private constructor(worker: Worker, counters: Int32Array, bound: { port: number; recvBufferSize: number; nice: number | null }) {
    this.worker = worker;
    this.counters = counters;
    this.port = bound.port;
    this.recvBufferSize = bound.recvBufferSize;
    this.nice = bound.nice;
  }

  /** Binds the socket on its thread; `handle` gets every datagram, on this thread. Rejects with a BindError. */
  static open(o: UdpReaderOptions, handle: (datagram: Buffer) => void): Promise<UdpReaderThread> {
    const counters = new SharedArrayBuffer(Object.keys(SharedCounter).length * Int32Array.BYTES_PER_ELEMENT);
    const start: ReaderStart = {
      address: o.address, port: o.port, recvBufferSize: o.recvBufferSize ?? null, broadcast: o.broadcast ?? false,
      maxUnread: o.maxUnread ?? MAX_UNREAD_DATAGRAMS, nice: o.nice ?? null, counters,
    };
    const worker = new Worker(new URL('./udp-reader-worker.js', import.meta.url), { workerData: start });
    const shared = new Int32Array(counters);
    return new Promise((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (m: ReaderReport) => {
        if (m.kind === 'bound') {
          worker.off('error', reject);
          resolve(new UdpReaderThread(worker, shared, m));
        } else if (m.kind === 'bind-error') {
          reject(new BindError(o.address, o.port, m.code));
        } else {
          let at = 0;
          try {
            for (const length of m.lengths) {
              handle(Buffer.from(m.bytes.buffer, m.bytes.byteOffset + at, length));
              at += length;
            }
          } finally {
            Atomics.sub(shared, SharedCounter.UNREAD, m.lengths.length);
          }
        }
      });
    });
  }

  /** Datagrams dropped because `maxUnread` were waiting for the main thread. */
  get dropped(): number { return Atomics.load(this.counters, SharedCounter.DROPPED); }
  /** Sends the OS refused (EACCES on a broadcast, ENETUNREACH, ...). */
  get sendErrors(): number { return Atomics.load(this.counters, SharedCounter.SEND_ERRORS); }

  /** Sends `bytes` to address:port; the sends of one turn of the event loop go to the reader thread together. */
  send(bytes: Uint8Array, port: number, address: string): void {
    if (this.closed) return;
    if (this.outgoing.length === 0) queueMicrotask(() => this.flushSends());
    this.outgoing.push({ bytes, port, address });
  }

  /** Closes the socket (after the sends already asked for) and ends the thread. */
  close(): void {
    if (this.closed) return;
    this.flushSends();
    this.closed = true;
    this.worker.postMessage({ kind: 'close' } satisfies ReaderRequest);
  }

  private flushSends(): void {
    if (this.outgoing.length === 0 || this.closed) return;
    const out = this.outgoing;
    this.outgoing = [];
    const bytes = new Uint8Array(out.reduce((n, o) => n + o.bytes.length, 0));
    const lengths = new Uint32Array(out.length);
    const ports = new Uint16Array(out.length);
    let at = 0;
    out.forEach((o, i) => { bytes.set(o.bytes, at); at += o.bytes.length; lengths[i] = o.bytes.length; ports[i] = o.port; });
    const request: ReaderRequest = { kind: 'send', bytes, lengths, ports, addresses: out.map((o) => o.address) };
    this.worker.postMessage(request, [bytes.buffer, lengths.buffer, ports.buffer]);
  }
}
