// A loopback HTTP listener standing in for a Redfish event destination: it keeps each Event POSTed to it (parsed)
// in `received`, answers 204, and calls `onEach` after each, so a test can wait for the one it expects.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EventListener {
  server: Server;
  /** Where subscriptions send events: http://127.0.0.1:PORT/events. */
  destination: string;
}

export async function startEventListener(received: unknown[], onEach: () => void = () => {}): Promise<EventListener> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString()));
      res.writeHead(204).end();
      onEach();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, destination: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events` };
}
