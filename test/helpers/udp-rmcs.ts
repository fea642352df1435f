// Scripted RMCs (scripted-rmc.ts) behind real UDP sockets on loopback, for the manager's integration tests: each on
// its own 127.50.x.y address at one port, and one 0.0.0.0 listener on that port taking the broadcast Prepare and
// handing it to every RMC in user space, as an emulator shard does (../shared/DESIGN.md). Each RMC answers the
// address and port a message came from, and sends what its tick produces (the flash time's Rack Report) to the last.
import { createSocket, type Socket } from 'node:dgram';
import { MessageType } from '../../protocols/rollout/header.js';
import type { ScriptedRmc } from './scripted-rmc.js';

function bind(socket: Socket, port: number, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => { socket.off('error', reject); resolve(socket.address().port); });
  });
}

export async function serveRmcs(rmcs: ScriptedRmc[]): Promise<{ port: number; close(): void }> {
  const listener = createSocket({ type: 'udp4', reuseAddr: true });
  const port = await bind(listener, 0, '0.0.0.0');
  const sockets: Socket[] = [listener];
  const timers: NodeJS.Timeout[] = [];
  for (const rmc of rmcs) {
    const own = createSocket({ type: 'udp4', reuseAddr: true });
    await bind(own, port, rmc.address);
    sockets.push(own);
    let manager: { address: string; port: number } | null = null;
    const handle = (d: Buffer, from: { address: string; port: number }) => {
      manager = from;
      for (const answer of rmc.handle(d, Date.now())) own.send(answer, from.port, from.address);
    };
    own.on('message', handle);
    listener.on('message', (d, from) => { if (d[1] === (0x80 | MessageType.PREPARE)) handle(d, from); });
    timers.push(setInterval(() => {
      if (manager) for (const answer of rmc.tick(Date.now())) own.send(answer, manager.port, manager.address);
    }, 20));
  }
  return { port, close: () => { timers.forEach(clearInterval); sockets.forEach((s) => s.close()); } };
}
