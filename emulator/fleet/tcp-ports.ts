// The fleet's TCP services: one listener per port on every address, each connection handed on by the address it
// was made to (DESIGN "Scale facts": a listener per node would not fit under the file descriptor limit). The
// listeners pause new connections, so the process they are handed to reads every byte.
import { createServer, type Server, type Socket } from 'node:net';

/** Where a connection goes: its port, and the socket (paused); destroy it when no node serves it. */
export type RouteConnection = (port: number, socket: Socket) => void;

const ANY_ADDRESS = '0.0.0.0';

export class TcpPorts {
  private readonly servers: Server[] = [];

  /** Listens on each port; all or none: on a failure the others close, and the error names the port. */
  static async listen(ports: Iterable<number>, route: RouteConnection): Promise<TcpPorts> {
    const listening = new TcpPorts();
    try {
      for (const port of ports) listening.servers.push(await listenOn(port, route));
    } catch (err) {
      await listening.close();
      throw err;
    }
    return listening;
  }

  /**
   * Stops listening at once. It does not wait for the connections: they were handed to shard processes and are theirs,
   * and a shard killed meanwhile never reports its sockets closed, so server.close()'s callback would never come.
   */
  async close(): Promise<void> {
    for (const server of this.servers) server.close();
    this.servers.length = 0;
  }
}

function listenOn(port: number, route: RouteConnection): Promise<Server> {
  const server = createServer({ pauseOnConnect: true }, (socket) => {
    socket.on('error', () => { /* a peer that resets before its connection is handed on: only that connection ends */ });
    route(port, socket);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${ANY_ADDRESS}:${port} (TCP): ${err.code ?? err.message}`)));
    server.listen(port, ANY_ADDRESS, () => {
      server.removeAllListeners('error');
      server.on('error', () => { /* accept errors (EMFILE...) are not fatal to the fleet */ });
      resolve(server);
    });
  });
}
