// One UDP socket bound to one emulated device's address: datagrams in, answers out.
import { createSocket, type Socket } from 'node:dgram';

import type { Peer } from '../protocols/peer.js';

/** Sends one answer to a peer (now, or later for a delayed answer); one per socket, not one per packet. */
export type SendAnswer = (answer: Buffer, peer: Peer) => void;

export interface DatagramHandler {
  /** Handles one datagram; answers through `send`, at once or later, or not at all. Must not throw for bad input. */
  handle(datagram: Buffer, peer: Peer, send: SendAnswer): void;
}

export class BindError extends Error {
  readonly address: string;
  readonly port: number;
  readonly errno: string;
  constructor(address: string, port: number, errno: string) {
    const hint = errno === 'EACCES'
      ? ` (ports below 1024 need root or CAP_NET_BIND_SERVICE; pick another port, e.g. --ipmi-port 9623)`
      : errno === 'EADDRINUSE' ? ' (something else is already listening there)'
        : errno === 'EADDRNOTAVAIL' ? ' (the address is not configured on this machine; loopback 127.0.0.0/8 always is)'
          : errno === 'EMFILE' ? ' (out of file descriptors: raise ulimit -n or use fewer BMCs per process)' : '';
    super(`cannot bind ${address}:${port}: ${errno}${hint}`);
    this.name = 'BindError';
    this.address = address;
    this.port = port;
    this.errno = errno;
  }
}

/** How a socket sends: what a handler is given with each datagram, or a node before any arrives. */
export function sendVia(socket: Socket): SendAnswer {
  return (answer, peer) => socket.send(answer, peer.port, peer.address);
}

/**
 * Binds a socket for `handler`. `reuseAddr` lets it share its port with a socket on 0.0.0.0 (DESIGN "Scale facts":
 * only that one hears broadcasts); both must set it, and then a second bind to the same address is not refused.
 */
export interface BindOptions {
  reuseAddr?: boolean;
  /** SO_RCVBUF asked for, in bytes (the kernel caps it at net.core.rmem_max); default: net.core.rmem_default. */
  recvBufferSize?: number;
}

export function bindUdp(address: string, port: number, handler: DatagramHandler, options: BindOptions = {}): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: 'udp4', reuseAddr: options.reuseAddr ?? false, ...(options.recvBufferSize ? { recvBufferSize: options.recvBufferSize } : {}) });
    const onError = (err: NodeJS.ErrnoException) => {
      socket.close();
      reject(new BindError(address, port, err.code ?? err.message));
    };
    socket.once('error', onError);
    const send = sendVia(socket);
    socket.on('message', (msg, rinfo) => handler.handle(msg, rinfo, send));
    socket.bind(port, address, () => {
      socket.off('error', onError);
      socket.on('error', () => { /* send errors (e.g. peer gone) are not fatal to a BMC */ });
      resolve(socket);
    });
  });
}
