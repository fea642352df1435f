// The manager's one UDP socket (README "The exchange after the prepare round"): every rollout's broadcasts and
// unicasts leave from it, to the RMCs' port, and RMCs answer the address and port a command came from, so every
// answer arrives here too. It counts what it sends; a send the OS refuses (EACCES on a broadcast, ENETUNREACH, ...)
// is counted, never fatal: the machines repeat what goes unanswered.
import type { Socket } from 'node:dgram';
import { DEFAULT_ROLLOUT_PORT } from '../../protocols/rollout/header.js';
import { bindUdp } from '../../runtime/udp-endpoint.js';
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
  /** SO_RCVBUF asked for. Default MANAGER_RECEIVE_BUFFER. */
  recvBufferSize?: number;
}

/**
 * 4 MiB: room for thousands of Prepare Replies that arrive while the manager is busy. The congestion benchmark lost
 * 3-15% of a paced round with the 212,992-byte default (about 256 small datagrams) and none with this; the kernel
 * caps it at net.core.rmem_max (4 MiB on recent kernels, 212,992 on older ones).
 */
export const MANAGER_RECEIVE_BUFFER = 4 * 1024 * 1024;

export interface SocketCounters {
  datagramsSent: number;
  bytesSent: number;
  datagramsReceived: number;
  sendErrors: number;
}

export class ManagerSocket {
  readonly counters: SocketCounters = { datagramsSent: 0, bytesSent: 0, datagramsReceived: 0, sendErrors: 0 };
  private readonly socket: Socket;
  private readonly broadcastAddress: string;
  private readonly rmcPort: number;
  private readonly onSendDone = (err: Error | null) => { if (err) this.counters.sendErrors++; };

  private constructor(socket: Socket, o: ManagerSocketOptions) {
    this.socket = socket;
    this.broadcastAddress = o.broadcastAddress ?? LOOPBACK_BROADCAST;
    this.rmcPort = o.rmcPort ?? DEFAULT_ROLLOUT_PORT;
  }

  /** Binds the socket; `receive` gets every datagram that arrives. */
  static async open(o: ManagerSocketOptions, receive: (datagram: Buffer) => void): Promise<ManagerSocket> {
    let glue: ManagerSocket | null = null;
    const socket = await bindUdp(o.bindAddress ?? '0.0.0.0', o.bindPort ?? 0, {
      handle: (datagram) => {
        if (glue) glue.counters.datagramsReceived++;
        receive(datagram);
      },
    }, { recvBufferSize: o.recvBufferSize ?? MANAGER_RECEIVE_BUFFER });
    socket.setBroadcast(true);
    glue = new ManagerSocket(socket, o);
    return glue;
  }

  /** The port the manager listens on (RMCs answer there). */
  get port(): number { return this.socket.address().port; }

  /** The receive buffer the kernel gave (Linux reports twice what was asked, for its bookkeeping: socket(7)). */
  get recvBufferSize(): number { return this.socket.getRecvBufferSize(); }

  send(a: RoundAction): void {
    this.counters.datagramsSent++;
    this.counters.bytesSent += a.bytes.length;
    this.socket.send(a.bytes, this.rmcPort, a.kind === 'broadcast' ? this.broadcastAddress : a.address, this.onSendDone);
  }

  close(): void {
    this.socket.close();
  }
}
