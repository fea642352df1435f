// What the RMCs sent, as the wire saw it (issue 12's congestion study): dumpcap on the loopback device records every
// datagram from the rollout port, the manager's broadcast included, before any socket's receive buffer can drop it.
// The manager's arrival histogram shows what it read; this shows what was offered to it, so a drop can be told apart
// as a burst of senders (many replies in a few ms) or a stall of the reader (a smooth offer, and still drops).
// Needs dumpcap (Wireshark's, installed with tshark) and the right to capture (root); `start` says why not.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OfferedReplies {
  /** Replies put on the wire per ms since the broadcast ([ms, count] for each ms with any). */
  perMs: [number, number][];
  /** The most replies offered in any 10 ms (about what a 212,992-byte buffer holds: ~256 datagrams, page-rounded truesize). */
  peak10Ms: number;
  /** Datagrams dumpcap itself could not keep (-1: it did not say): the counts above miss them. */
  captureDrops: number;
}

export class LoopbackCapture {
  private readonly child: ChildProcess;
  private readonly dir: string;
  private readonly file: string;
  private readonly port: number;
  private readonly stderr: () => string;

  private constructor(child: ChildProcess, dir: string, file: string, port: number, stderr: () => string) {
    this.child = child;
    this.dir = dir;
    this.file = file;
    this.port = port;
    this.stderr = stderr;
  }

  /** Starts capturing UDP to or from `rmcPort` on lo; resolves once dumpcap captures, or with why it cannot. */
  static start(rmcPort: number): Promise<LoopbackCapture | { unavailable: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'bmcfleet-capture-'));
    const file = join(dir, 'replies.pcapng');
    const child = spawn('dumpcap', ['-q', '-i', 'lo', '-B', '64', '-f', `udp port ${rmcPort}`, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    return new Promise((resolve) => {
      const failed = (why: string) => { rmSync(dir, { recursive: true, force: true }); resolve({ unavailable: why }); };
      const exited = (code: number | null) => failed(`dumpcap exited ${code}: ${err.trim()}`);
      child.once('error', (e) => failed(`dumpcap: ${e.message}`));
      child.once('exit', exited);
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (!err.includes('Capturing on')) return;
        child.off('exit', exited);
        resolve(new LoopbackCapture(child, dir, file, rmcPort, () => err));
      });
    });
  }

  /** Stops and reads the capture: replies (from the rollout port) per ms since the first broadcast (to it). */
  async stop(): Promise<OfferedReplies> {
    await new Promise<void>((resolve) => { this.child.once('exit', () => resolve()); this.child.kill('SIGINT'); });
    try {
      const fields = execFileSync('tshark', ['-r', this.file, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'udp.srcport', '-e', 'ip.dst'],
        { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
      let t0: number | null = null;
      const perMs = new Map<number, number>();
      for (const line of fields.split('\n')) {
        const [at, src, dst] = line.split('\t');
        if (!at) continue;
        if (t0 === null) {
          if (Number(src) !== this.port && dst.endsWith('.255')) t0 = Number(at);
          continue;
        }
        if (Number(src) !== this.port) continue;
        const ms = Math.floor((Number(at) - t0) * 1000);
        perMs.set(ms, (perMs.get(ms) ?? 0) + 1);
      }
      const sorted = [...perMs.entries()].sort((a, b) => a[0] - b[0]);
      // dumpcap -q ends with "Packets received/dropped on interface 'Loopback: lo': R/D (...)"
      const dropped = /received\/dropped on interface '.*?': \d+\/(\d+)/.exec(this.stderr());
      return { perMs: sorted, peak10Ms: peakIn(sorted, 10), captureDrops: dropped ? Number(dropped[1]) : -1 };
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** The most counts in any `spanMs` consecutive ms. */
export function peakIn(perMs: readonly [number, number][], spanMs: number): number {
  let best = 0;
  let sum = 0;
  let from = 0;
  for (let i = 0; i < perMs.length; i++) {
    sum += perMs[i][1];
    while (perMs[from][0] <= perMs[i][0] - spanMs) sum -= perMs[from++][1];
    best = Math.max(best, sum);
  }
  return best;
}
