// The thread behind udp-reader-thread.ts: it owns one UDP socket, reads every datagram as soon as the kernel has it,
// and hands them to the main thread in batches (at most BATCH_WAIT_MS after the first of a batch came, or at once
// when BATCH_MAX are waiting); it sends what the main thread asks. Its loop does nothing else, so it drains the socket's receive buffer even while the main thread is
// busy. Datagrams the main thread has not taken yet are bounded (SharedCounter.UNREAD, at most `maxUnread`): past the
// bound one is dropped and counted, never queued without end.
import { createSocket } from 'node:dgram';
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { SharedCounter, type ReaderRequest, type ReaderStart } from './udp-reader-thread.js';

const start = workerData as ReaderStart;

/** Asks for this thread's nice (setpriority(2) on its thread ID, from /proc/thread-self); its nice afterwards, or null. */
function reniceThisThread(nice: number | null): number | null {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (nice !== null) setPriority(tid, nice);
    return getPriority(tid);
  } catch {
    return null; // not Linux, or not allowed (a nice below 0 needs CAP_SYS_NICE): it reads at the process's priority
  }
}
const nice = reniceThisThread(start.nice);
const counters = new Int32Array(start.counters);
const port = parentPort!;
const socket = createSocket({ type: 'udp4', ...(start.recvBufferSize ? { recvBufferSize: start.recvBufferSize } : {}) });

/**
 * How long a datagram waits for others to share its post. Spread replies come one or two per read; a post each
 * (tens of thousands a second) cost the main thread more, in message events, than handling the replies themselves.
 */
const BATCH_WAIT_MS = 1;
/** Datagrams posted at once at most: a burst goes on without waiting. */
const BATCH_MAX = 256;

let pending: Buffer[] = [];
let pendingBytes = 0;
let flushTimer: NodeJS.Timeout | null = null;

/** Posts what was read since the last batch: the bytes end to end in one transferred buffer, and their lengths. */
function flush(): void {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = null;
  const bytes = new Uint8Array(pendingBytes);
  const lengths = new Uint32Array(pending.length);
  let at = 0;
  pending.forEach((d, i) => { bytes.set(d, at); at += d.length; lengths[i] = d.length; });
  pending = [];
  pendingBytes = 0;
  port.postMessage({ kind: 'datagrams', bytes, lengths }, [bytes.buffer, lengths.buffer]);
}

socket.on('message', (datagram) => {
  if (Atomics.add(counters, SharedCounter.UNREAD, 1) >= start.maxUnread) {
    Atomics.sub(counters, SharedCounter.UNREAD, 1);
    Atomics.add(counters, SharedCounter.DROPPED, 1);
    return;
  }
  pending.push(datagram);
  pendingBytes += datagram.length;
  if (pending.length >= BATCH_MAX) flush();
  else flushTimer ??= setTimeout(flush, BATCH_WAIT_MS);
});

const onSent = (err: Error | null) => { if (err) Atomics.add(counters, SharedCounter.SEND_ERRORS, 1); };

port.on('message', (m: ReaderRequest) => {
  if (m.kind === 'close') {
    if (flushTimer) clearTimeout(flushTimer);
    socket.close();
    port.close();
    return;
  }
  let at = 0;
  m.lengths.forEach((length, i) => {
    socket.send(m.bytes.subarray(at, at + length), m.ports[i], m.addresses[i], onSent);
    at += length;
  });
});

socket.once('error', (err: NodeJS.ErrnoException) => {
  port.postMessage({ kind: 'bind-error', code: err.code ?? err.message });
  socket.close();
  port.close();
});
socket.bind(start.port, start.address, () => {
  socket.removeAllListeners('error');
  socket.on('error', () => { /* a send the OS refused: counted by its callback */ });
  if (start.broadcast) socket.setBroadcast(true);
  port.postMessage({ kind: 'bound', port: socket.address().port, recvBufferSize: socket.getRecvBufferSize(), nice });
});
