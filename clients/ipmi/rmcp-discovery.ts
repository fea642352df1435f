// BMC discovery by ASF Presence Ping (DMTF ASF 2.0 §3.2.4.1-3): one UDP socket pings many addresses and
// collects the pongs; the pong's "IPMI supported" bit (IPMI 2.0 §13.2) says the device speaks IPMI.
import { createSocket } from 'node:dgram';
import { DecodeError } from '../../protocols/errors.js';
import { AsfMessageType, decodeAsf, decodePresencePong, encodePresencePing } from '../../protocols/rmcp/asf.js';
import { systemClock, type Clock } from '../../runtime/clock.js';

export interface DiscoveredBmc { address: string; ipmi: boolean; iana: number }

export interface DiscoveryOptions {
  port?: number;
  /** How long to wait for pongs after each round of pings. */
  timeoutMs?: number;
  /** Extra rounds for addresses that have not answered yet. */
  retries?: number;
  /** Pings sent before pausing for the socket to drain (keeps the receive buffers from overflowing). */
  burst?: number;
  /** Runs the waits for pongs (default: the system clock). */
  clock?: Clock;
}

/** Pings every address; resolves with those that answered, in the order given. */
export async function discoverBmcs(addresses: readonly string[], opts: DiscoveryOptions = {}): Promise<DiscoveredBmc[]> {
  const port = opts.port ?? 623;
  const burst = opts.burst ?? 200;
  const clock = opts.clock ?? systemClock;
  const socket = createSocket('udp4');
  const found = new Map<string, DiscoveredBmc>();
  socket.on('message', (msg, rinfo) => {
    try {
      const asf = decodeAsf(msg);
      if (asf.messageType !== AsfMessageType.PRESENCE_PONG) return;
      const pong = decodePresencePong(asf);
      found.set(rinfo.address, { address: rinfo.address, ipmi: (pong.supportedEntities & 0x80) !== 0, iana: pong.iana });
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
    }
  });
  socket.on('error', () => { /* ICMP unreachable from an address with no BMC: it just does not answer */ });
  await new Promise<void>((r) => socket.bind(0, r));
  try {
    for (let round = 0; round <= (opts.retries ?? 2); round++) {
      const left = addresses.filter((a) => !found.has(a));
      if (left.length === 0) break;
      for (let i = 0; i < left.length; i++) {
        socket.send(encodePresencePing(0xff, i & 0xff), port, left[i]);
        if ((i + 1) % burst === 0) await new Promise((r) => setImmediate(r));
      }
      await new Promise<void>((r) => clock.setTimeout(r, opts.timeoutMs ?? 1000));
    }
  } finally {
    socket.close();
  }
  return addresses.filter((a) => found.has(a)).map((a) => found.get(a)!);
}
