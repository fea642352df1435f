// A fleet of emulated BMCs in this process: one UDP socket per BMC on consecutive loopback addresses.
import type { Socket } from 'node:dgram';
import { EmulatedBmc, type EmulatedBmcOptions } from './bmc/emulated-bmc.js';
import { consecutiveAddresses } from './net/ipv4.js';
import { bindUdp } from './net/udp-endpoint.js';

export interface FleetOptions {
  count: number;
  firstIp: string;
  ipmiPort: number;
  /** Options every BMC shares (credentials, security settings). */
  bmc: Omit<EmulatedBmcOptions, 'ip' | 'index'>;
}

export interface RunningFleet {
  bmcs: EmulatedBmc[];
  addresses: string[];
  close(): Promise<void>;
}

export async function startFleet(opts: FleetOptions): Promise<RunningFleet> {
  const addresses = consecutiveAddresses(opts.firstIp, opts.count);
  const bmcs = addresses.map((ip, index) => new EmulatedBmc({ ...opts.bmc, ip, index }));
  const sockets: Socket[] = [];
  const close = async () => {
    await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
    sockets.length = 0;
  };
  try {
    const BATCH = 256;
    for (let i = 0; i < bmcs.length; i += BATCH) {
      const batch = bmcs.slice(i, i + BATCH);
      const bound = await Promise.allSettled(batch.map((bmc, j) => bindUdp(addresses[i + j], opts.ipmiPort, bmc)));
      for (const b of bound) if (b.status === 'fulfilled') sockets.push(b.value);
      const failed = bound.find((b) => b.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { bmcs, addresses, close };
}
