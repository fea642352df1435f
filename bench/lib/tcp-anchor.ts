// The raw TCP anchor of the USB/IP read benchmark: two processes of their own, so neither the fleet nor the benchmark
// (the host reading USB/IP) carries the anchor's gigabytes of buffers and garbage.
//   `node tcp-anchor.js source HOST`: listens on HOST, port 0, prints "ready PORT", and sends every connection the same
//     1 MiB buffer over and over, as fast as the socket drains, until the reader closes it;
//   `node tcp-anchor.js sink HOST PORT SECONDS`: reads from HOST:PORT for SECONDS from the first byte, prints
//     {"seconds": S, "bytes": B, "cpuUs": C} (C: its own CPU time, user and system, meanwhile) and exits;
//   `node tcp-anchor.js echo HOST`: listens on HOST, port 0, prints "ready PORT", and sends every chunk back (no delay);
//   `node tcp-anchor.js ping HOST PORT SECONDS`: sends 48 bytes (a USB/IP header) and waits for them back, again and
//     again for SECONDS, prints {"seconds": S, "roundTrips": N}: what one request and its answer cost between two Node
//     processes, the floor under each URB.
import net from 'node:net';

const [role, host = '127.0.0.1', port, seconds] = process.argv.slice(2);

function source(): void {
  const chunk = Buffer.alloc(1024 * 1024, 0xa5);
  const pump = (socket: net.Socket) => {
    while (!socket.destroyed && socket.write(chunk));
  };
  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.on('drain', () => pump(socket));
    pump(socket);
  });
  server.listen(0, host, () => process.stdout.write(`ready ${(server.address() as net.AddressInfo).port}\n`));
  process.on('SIGTERM', () => process.exit(0));
}

function sink(): void {
  const socket = net.connect({ host, port: Number(port) });
  let bytes = 0;
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  socket.on('data', (chunk: Buffer) => {
    if (t0 === 0) {
      t0 = performance.now(); // from the first byte: connecting is not throughput
      cpu0 = process.cpuUsage();
      return;
    }
    bytes += chunk.length;
    const elapsed = (performance.now() - t0) / 1000;
    if (elapsed >= Number(seconds)) {
      socket.destroy();
      const cpu = process.cpuUsage(cpu0);
      process.stdout.write(`${JSON.stringify({ seconds: elapsed, bytes, cpuUs: cpu.user + cpu.system })}\n`);
    }
  });
  socket.on('error', (err) => {
    process.stderr.write(`tcp-anchor sink: ${err.message}\n`);
    process.exitCode = 1;
  });
}

const PING_BYTES = 48;

function echo(): void {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => socket.write(chunk));
  });
  server.listen(0, host, () => process.stdout.write(`ready ${(server.address() as net.AddressInfo).port}\n`));
  process.on('SIGTERM', () => process.exit(0));
}

function ping(): void {
  const socket = net.connect({ host, port: Number(port) });
  socket.setNoDelay(true);
  const request = Buffer.alloc(PING_BYTES, 0x5a);
  let roundTrips = 0;
  let got = 0;
  let t0 = 0;
  socket.on('connect', () => {
    t0 = performance.now();
    socket.write(request);
  });
  socket.on('data', (chunk: Buffer) => {
    got += chunk.length;
    if (got < PING_BYTES) return;
    got -= PING_BYTES;
    roundTrips++;
    const elapsed = (performance.now() - t0) / 1000;
    if (elapsed >= Number(seconds)) {
      socket.destroy();
      process.stdout.write(`${JSON.stringify({ seconds: elapsed, roundTrips })}\n`);
      return;
    }
    socket.write(request);
  });
  socket.on('error', (err) => {
    process.stderr.write(`tcp-anchor ping: ${err.message}\n`);
    process.exitCode = 1;
  });
}

if (role === 'source') source();
else if (role === 'sink') sink();
else if (role === 'echo') echo();
else if (role === 'ping') ping();
else {
  process.stderr.write('usage: tcp-anchor.js source HOST | sink HOST PORT SECONDS | echo HOST | ping HOST PORT SECONDS\n');
  process.exitCode = 2;
}
