// The manager's one UDP socket (README "The exchange after the prepare round"): every rollout's broadcasts and
// unicasts leave from it, to the RMCs' port, and RMCs answer the address and port a command came from, so every
// answer arrives here too. It counts what it sends; a send the OS refuses (EACCES on a broadcast, ENETUNREACH, ...)
// is counted, never fatal: the machines repeat what goes unanswered. It is read on its own thread
// (runtime/udp-reader-thread.ts), so replies that come while the manager saves, collects garbage or signs a Poll
// round wait in memory rather than overflow the kernel's buffer. That thread asks for nice READER_NICE, which a
// manager allowed to (root, CAP_SYS_NICE) gets: then it reads on time even when the machine's cores are busy.
import { DEFAULT_ROLLOUT_PORT } from '../../protocols/rollout/header.js';
import { UdpReaderThread } from '../../runtime/udp-reader-thread.js';
import type { RoundAction } from './prepare-round.js';

/** Loopback's broadcast address: every socket bound to 0.0.0.0 on the port gets a copy. */
export const LOOPBACK_BROADCAST = '127.255.255.255';

export interface ManagerSocketOptions {
  /** Where broadcasts go. Default 127.255.255.255. */
  broadcastAddress?: string;
  /** The RMCs' port. Default 4623. */
  rmcPort?: number;
  /** The manager's own address and port. Default 0.0.0.0, any port. */
  bindAddress?: string;
  bindPort?: number;
  /** SO_RCVBUF asked for, or null for the system default (net.core.rmem_default). Default MANAGER_RECEIVE_BUFFER. */
  recvBufferSize?: number | null;
}

/**
 * 4 MiB: room for thousands of Prepare Replies that arrive while the reader thread itself waits for a core. Before
 * the socket had its thread, the congestion benchmark lost 3-15% of a paced round with the 212,992-byte default
 * (about 256 small datagrams) and none with this; the kernel caps it at net.core.rmem_max (4 MiB on recent kernels,
 * 212,992 on older ones).
 */
export const MANAGER_RECEIVE_BUFFER = 4 * 1024 * 1024;

/** The reader thread's nice, asked for: ahead of the machine's ordinary work (0), as a latency-bound reader should be. */
export const READER_NICE = -10;

export interface SocketCounters {
  datagramsSent: number;
  bytesSent: number;
  datagramsReceived: number;
  sendErrors: number;
  /** Read but dropped: the reader thread held MAX_UNREAD_DATAGRAMS the manager had not handled yet. */
  unreadDropped: number;
}

export class ManagerSocket {
  private readonly socket: UdpReaderThread;
  private readonly broadcastAddress: string;
  private readonly rmcPort: number;
  private readonly sent = { datagrams: 0, bytes: 0 };
  private received = 0;

  private constructor(socket: UdpReaderThread, o: ManagerSocketOptions) {
    this.socket = socket;
    this.broadcastAddress = o.broadcastAddress ?? LOOPBACK_BROADCAST;
    this.rmcPort = o.rmcPort ?? DEFAULT_ROLLOUT_PORT;
  }

  /** Binds the socket; `receive` gets every datagram that arrives. */
  static async open(o: ManagerSocketOptions, receive: (datagram: Buffer) => void): Promise<ManagerSocket> {
    let glue: ManagerSocket | null = null;
    const socket = await UdpReaderThread.open({
      address: o.bindAddress ?? '0.0.0.0', port: o.bindPort ?? 0, broadcast: true, nice: READER_NICE,
      recvBufferSize: o.recvBufferSize === undefined ? MANAGER_RECEIVE_BUFFER : o.recvBufferSize,
    }, (datagram) => {
      if (glue) glue.received++;
      receive(datagram);
    });
    glue = new ManagerSocket(socket, o);
    return glue;
  }

  get counters(): SocketCounters {
    return {
      datagramsSent: this.sent.datagrams, bytesSent: this.sent.bytes, datagramsReceived: this.received,
      sendErrors: this.socket.sendErrors, unreadDropped: this.socket.dropped,
    };
  }

  /** The port the manager listens on (RMCs answer there). */
  get port(): number { return this.socket.port; }

  /** The receive buffer the kernel gave (Linux reports twice what was asked, for its bookkeeping: socket(7)). */
  get recvBufferSize(): number { return this.socket.recvBufferSize; }

  /** The nice its reader thread got (READER_NICE when allowed), or null where it cannot be read. */
  get readerNice(): number | null { return this.socket.nice; }

  send(a: RoundAction): void {
    this.sent.datagrams++;
    this.sent.bytes += a.bytes.length;
    this.socket.send(a.bytes, this.rmcPort, a.kind === 'broadcast' ? this.broadcastAddress : a.address);
  }

  close(): void {
    this.socket.close();
  }
}
