// The raw TCP anchor of the USB/IP read benchmark, as a process of its own (the fleet's shard serving USB/IP is one
// too): `node tcp-source.js HOST` listens on HOST, port 0, prints "ready PORT", and sends every connection the same
// 1 MiB buffer over and over, as fast as the socket drains, until the reader closes it.
import net from 'node:net';

const CHUNK = Buffer.alloc(1024 * 1024, 0xa5);

function pump(socket: net.Socket): void {
  while (!socket.destroyed && socket.write(CHUNK));
}

const server = net.createServer((socket) => {
  socket.on('error', () => socket.destroy());
  socket.on('drain', () => pump(socket));
  pump(socket);
});
server.listen(0, process.argv[2] ?? '127.0.0.1', () => {
  process.stdout.write(`ready ${(server.address() as net.AddressInfo).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
