// An emulated BMC serving real UDP on a loopback address, in this process, its answers passing a gate the test
// controls: held back, then let go in any order.
import type { Socket } from 'node:dgram';
import { EmulatedBmc, type EmulatedBmcOptions } from '../../emulator/bmc/emulated-bmc.js';
import { bindUdp } from '../../runtime/udp-endpoint.js';

export interface UdpBmc {
  bmc: EmulatedBmc;
  /** While true, answers wait in `held` instead of going out. */
  holding: boolean;
  /** Held answers in the order the BMC sent them; calling one sends it. */
  held: (() => void)[];
  close(): Promise<void>;
}

export async function startUdpBmc(ip: string, port: number, opts: Partial<EmulatedBmcOptions> = {}): Promise<UdpBmc> {
  const bmc = new EmulatedBmc({ ip, ipmiPort: port, ...opts });
  const gate: UdpBmc = { bmc, holding: false, held: [], close: async () => {} };
  let closed = false;
  const socket: Socket = await bindUdp(ip, port, {
    handle: (datagram, peer, send) => bmc.handle(datagram, peer, (answer, to) => {
      if (closed) return; // an answer a latency fault held past the close
      if (gate.holding) gate.held.push(() => send(answer, to));
      else send(answer, to);
    }),
  });
  gate.close = async () => {
    closed = true;
    bmc.close();
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  };
  return gate;
}

/** Waits until `cond` holds, for real I/O to land (fails after 10 s of real time: it never came). */
export async function until(cond: () => boolean, what: string): Promise<void> {
  const giveUp = performance.now() + 10_000;
  while (!cond()) {
    if (performance.now() > giveUp) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
