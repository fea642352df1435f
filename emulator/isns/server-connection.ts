// One client's TCP connection to the iSNS server — RFC 4171 §5.1 (iSNSP over TCP) with §5.2 (a message over
// several PDUs): bytes go through the receive path, each message is answered in order on the same connection
// (requests may be pipelined). What one client may cost is bounded:
//   - output: while more than `maxOutputBytes` of answers wait unsent, the connection is not read (its bytes
//     wait in the kernel, and TCP flow control slows the client) until they drain;
//   - time: `lastMessageAt` moves only when a whole message (or a malformed one) comes through, never for the
//     bytes of a half-finished one; the server closes connections that complete none for too long.
import type net from 'node:net';
import type { IsnsStreamReceiver, Received } from '../../protocols/isns/receive.js';

export type Answer = (item: Received, now: number) => Buffer[];

export class ServerConnection {
  readonly socket: net.Socket;
  /** Who it counts against (source.ts). */
  readonly source: string;
  readonly receiver: IsnsStreamReceiver;
  /** When the last whole message came through (or the connection was accepted). */
  lastMessageAt: number;
  private readonly maxOutputBytes: number;
  private readonly now: () => number;
  private readonly answer: Answer;
  private paused = false;

  constructor(socket: net.Socket, source: string, receiver: IsnsStreamReceiver, opts: { maxOutputBytes: number; now: () => number }, answer: Answer) {
    this.socket = socket;
    this.source = source;
    this.receiver = receiver;
    this.maxOutputBytes = opts.maxOutputBytes;
    this.now = opts.now;
    this.answer = answer;
    this.lastMessageAt = opts.now();
    socket.on('data', (chunk: Buffer) => {
      receiver.write(chunk);
      this.pump();
    });
    socket.on('drain', () => {
      if (!this.paused) return;
      this.paused = false;
      this.pump(); // what the last chunk still holds, before new bytes come
      if (!this.paused) socket.resume();
    });
  }

  /** Answers the messages the receiver holds, in order, up to the output bound; stops reading past it. */
  private pump(): void {
    const now = this.now();
    while (!this.socket.destroyed) {
      const out: Buffer[] = [];
      let bytes = 0;
      let held = true; // the receiver may hold more messages
      while (this.socket.writableLength + bytes < this.maxOutputBytes) {
        const item = this.receiver.next(now);
        if (item === null) { held = false; break; }
        this.lastMessageAt = now;
        for (const b of this.answer(item, now)) {
          out.push(b);
          bytes += b.length;
        }
      }
      if (out.length > 0) this.socket.write(out.length === 1 ? out[0] : Buffer.concat(out, bytes));
      if (this.receiver.isBroken) {
        // what came before the break is answered (above); nothing after it can be framed
        this.socket.end();
        this.socket.destroy();
        return;
      }
      if (!held) return;
      if (this.socket.writableLength >= this.maxOutputBytes) {
        // over the bound the last write returned false, so 'drain' comes once the client reads
        if (!this.paused) {
          this.paused = true;
          this.socket.pause();
        }
        return;
      }
      // the kernel took the batch at once: go on with what the receiver holds
    }
  }
}
