// BMC discovery by ASF Presence Ping over one UDP socket: the glue of the sans-I/O sweep
// (protocols/ipmi/client-side/discovery-sweep.ts), which bounds the probes in flight, sends again what goes
// unanswered and asks each BMC found for its authentication capabilities. Its one timer, for the oldest probe's
// wait, runs on the Clock; the sweep's markers go to the socket's own port on loopback, behind what it has queued.
import { createSocket } from 'node:dgram';
import { DiscoverySweep, type SweepAction, type SweepCounts, type SweepFinding } from '../../protocols/ipmi/client-side/discovery-sweep.js';
import { MAX_TIMER_MS, systemClock, type Clock } from '../../runtime/clock.js';

export type { SweepFinding } from '../../protocols/ipmi/client-side/discovery-sweep.js';

export interface DiscoveredBmc { address: string; ipmi: boolean; iana: number }

export const SWEEP_DEFAULTS = { port: 623, window: 1024, timeoutMs: 500, retries: 2 } as const;

/**
 * Asked for the sweep's socket: room for the answers of a whole window while the process is busy. The kernel caps
 * it at net.core.rmem_max (4 MiB on recent kernels, 212,992 bytes on older ones).
 */
export const SWEEP_RECEIVE_BUFFER = 4 * 1024 * 1024;
/** What one small datagram takes of a receive buffer, its kernel overhead included (212,992 bytes hold about 256). */
const BUFFER_BYTES_PER_ANSWER = 832;

export interface SweepOptions {
  port?: number;
  /** Probes awaiting an answer at once, at most; lowered to what the socket's receive buffer holds. */
  window?: number;
  /** How long each probe waits for its answer. */
  timeoutMs?: number;
  /** Probes sent again to an address that has not answered. */
  retries?: number;
  /** Ask each BMC that answered for its authentication capabilities (default true). */
  authCaps?: boolean;
  /** Runs the waits (default: the system clock). */
  clock?: Clock;
  /** Each device found, as it is found. */
  onFound?: (finding: SweepFinding) => void;
  /** After each step: addresses finished so far. */
  onProgress?: (swept: number, found: number) => void;
}

export interface SweepReport extends SweepCounts {
  /** The window the sweep ran with (the one asked for, or what the receive buffer holds). */
  window: number;
  swept: number;
  found: number;
}

function markerOf(buf: Buffer, token: number): Buffer {
  buf.writeUInt32BE(token >>> 0, 0);
  return buf;
}

/** Probes every address (pulled from `addresses` as the window frees); resolves once each answered or was given up. */
export async function sweepForBmcs(addresses: Iterable<string>, o: SweepOptions = {}): Promise<SweepReport> {
  const port = o.port ?? SWEEP_DEFAULTS.port;
  const clock = o.clock ?? systemClock;
  const socket = createSocket({ type: 'udp4', recvBufferSize: SWEEP_RECEIVE_BUFFER });
  socket.on('error', () => { /* a send refused (ICMP unreachable, no route): that address just does not answer */ });
  await new Promise<void>((resolve) => socket.bind(0, resolve));
  const window = Math.max(1, Math.min(o.window ?? SWEEP_DEFAULTS.window, Math.floor(socket.getRecvBufferSize() / BUFFER_BYTES_PER_ANSWER)));
  const sweep = new DiscoverySweep(addresses, {
    window, timeoutMs: o.timeoutMs ?? SWEEP_DEFAULTS.timeoutMs, retries: o.retries ?? SWEEP_DEFAULTS.retries, authCaps: o.authCaps ?? true,
  });
  const ownPort = socket.address().port;
  const marker = Buffer.alloc(4);
  let timer: { cancel(): void } | null = null;
  let armedAtMs = Infinity;
  let finished!: () => void;
  const over = new Promise<void>((resolve) => { finished = resolve; });
  const run = (actions: SweepAction[]) => {
    for (const a of actions) {
      if (a.kind === 'send') socket.send(a.datagram, port, a.address);
      else if (a.kind === 'mark') socket.send(markerOf(marker, a.token), ownPort, '127.0.0.1');
      else o.onFound?.(a.finding);
    }
    o.onProgress?.(sweep.swept, sweep.found);
    if (sweep.done) {
      timer?.cancel();
      finished();
      return;
    }
    // Set for the next deadline; moved only when that comes earlier, not on every datagram (most leave it later).
    const deadline = sweep.deadlineMs;
    if (deadline !== null && deadline < armedAtMs) {
      timer?.cancel();
      armedAtMs = deadline;
      timer = clock.setTimeout(() => {
        timer = null;
        armedAtMs = Infinity;
        run(sweep.tick(clock.now()));
      }, Math.min(MAX_TIMER_MS, Math.max(0, deadline - clock.now())));
    }
  };
  socket.on('message', (datagram, rinfo) => {
    const now = clock.now();
    if (rinfo.port === ownPort && rinfo.address === '127.0.0.1' && datagram.length === 4) run(sweep.marked(datagram.readUInt32BE(0), now));
    else run(sweep.receive(rinfo.address, datagram, now));
  });
  try {
    run(sweep.start(clock.now()));
    await over;
  } finally {
    socket.close();
  }
  return { ...sweep.counts, window, swept: sweep.swept, found: sweep.found };
}

/** Pings every address (no further question); resolves with those that answered, in the order given. */
export async function discoverBmcs(addresses: readonly string[], opts: Omit<SweepOptions, 'authCaps' | 'onFound'> = {}): Promise<DiscoveredBmc[]> {
  const found = new Map<string, DiscoveredBmc>();
  await sweepForBmcs(addresses, {
    ...opts, authCaps: false,
    onFound: (f) => found.set(f.address, { address: f.address, ipmi: f.ipmi, iana: f.pong.iana }),
  });
  return addresses.filter((a) => found.has(a)).map((a) => found.get(a)!);
}
