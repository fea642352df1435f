// Bounds on an HTTP API's connections, so that slow or idle clients cannot hold every slot: a limit in all and per
// source address (a connection past either is closed at once), and timeouts on each stage of a request. Each API
// chooses its own numbers.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

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
  const perSource = new Map<string, number>();
  /** Open connections, oldest first (a Map keeps insertion order), and whether each has sent a whole request. */
  const open = new Map<Socket, { requested: boolean }>();
  server.on('request', (req) => {
    const entry = open.get(req.socket);
    if (entry) entry.requested = true;
  });
  server.on('connection', (socket: Socket) => {
    const source = socket.remoteAddress ?? '';
    const fromSource = perSource.get(source) ?? 0;
    if (fromSource >= limits.maxConnectionsPerSource) {
      socket.destroy();
      return;
    }
    if (open.size >= limits.maxConnections) {
      const oldestWaiting = [...open].find(([, e]) => !e.requested)?.[0];
      if (!oldestWaiting) {
        socket.destroy();
        return;
      }
      oldestWaiting.destroy();
      open.delete(oldestWaiting); // its 'close' comes later: the slot is free now
    }
    open.set(socket, { requested: false });
    perSource.set(source, fromSource + 1);
    socket.once('close', () => {
      open.delete(socket);
      const left = (perSource.get(source) ?? 1) - 1;
      if (left === 0) perSource.delete(source);
      else perSource.set(source, left);
    });
  });
}
