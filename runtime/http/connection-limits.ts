// Bounds on an HTTP API's connections, so that slow or idle clients cannot hold every slot: a limit in all and per
// source address (a connection past either is closed at once), and timeouts on each stage of a request. Each API
// chooses its own numbers.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { ConnectionTable } from './connection-table.js';

export interface ConnectionLimits {
  /** Connections open at once, in all. */
  maxConnections: number;
  /** Connections open at once from one source address. */
  maxConnectionsPerSource: number;
  /** From a connection's first byte until its request's headers are in (then 408). */
  headersTimeoutMs: number;
  /** From a connection's first byte until its whole request, body included, is in (then 408). */
  requestTimeoutMs: number;
  /** A connection with no traffic either way (nothing sent yet, or an answer not read) for this long is closed. */
  idleTimeoutMs: number;
}

/** The options of http.createServer that apply `limits` (Node checks the header and request timeouts periodically). */
export function serverTimeouts(limits: Pick<ConnectionLimits, 'headersTimeoutMs' | 'requestTimeoutMs'>): { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number } {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/**
 * Applies the connection counts and the idle timeout to `server`. A connection past its source's share is closed at
 * once. When the table is full, the oldest connection that has not yet sent a whole request makes room (slow and
 * idle clients from many loopback addresses could otherwise hold every slot until their timeouts); when every open
 * connection has sent one, the new connection is closed.
 */
export function limitConnections(server: Server, limits: ConnectionLimits): void {
  server.setTimeout(limits.idleTimeoutMs); // no 'timeout' listener: Node destroys the idle socket
  // one group (no per-BMC share); a connection is never told it was answered, so only one that has not yet sent a
  // request is ever displaced, never one idle between requests
  const table = new ConnectionTable<Socket>({ maxConnections: limits.maxConnections, maxPerSource: limits.maxConnectionsPerSource, maxPerBmc: Infinity });
  server.on('request', (req) => table.requested(req.socket));
  server.on('connection', (socket: Socket) => {
    const admission = table.admit(socket, '', socket.remoteAddress ?? '');
    if (!admission.admitted) {
      socket.destroy();
      return;
    }
    admission.evicted?.destroy();
    socket.once('close', () => table.closed(socket));
  });
}
