// Closing a service that listens on TCP and UDP at once (the iSNS server, an SCN/ESI listener).
import type { Socket as UdpSocket } from 'node:dgram';
import type { Server, Socket } from 'node:net';

/** Ends every open connection, then closes both listeners; resolves when both have closed. */
export async function closeTcpUdp(tcp: Server | null, udp: UdpSocket | null, connections: Iterable<Socket>): Promise<void> {
  for (const s of connections) s.destroy();
  await Promise.all([
    tcp ? new Promise<void>((r) => tcp.close(() => r())) : undefined,
    udp ? new Promise<void>((r) => udp.close(() => r())) : undefined,
  ]);
}
