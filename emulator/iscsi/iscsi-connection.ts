// One initiator's TCP connection to an emulated target: the socket glue around protocols/iscsi's TargetSession.
// Bytes go through the framer into the session; what it answers is written out; its read actions are run against
// the LUN's medium and handed back. A stream that breaks (a data segment over the limit) is dropped and counted;
// a connection that says nothing for the idle timeout is closed.
import type { Socket } from 'node:net';
import type { Clock } from '../../runtime/clock.js';
import { DecodeError } from '../../protocols/errors.js';
import { PduFramer } from '../../protocols/iscsi/framer.js';
import { TargetSession, type TargetStep } from '../../protocols/iscsi/target-session.js';
import type { Medium } from '../../protocols/scsi/medium.js';
import type { IscsiCounters } from './iscsi-counters.js';

/** Bytes waiting in the socket beyond which the next medium read waits for them to drain. */
const WRITE_HIGH_WATER = 1 << 20;

export interface ConnectionHost {
  readonly clock: Clock;
  readonly counters: IscsiCounters;
  readonly idleTimeoutMs: number;
  medium(lun: number): Medium | undefined;
  closed(connection: IscsiConnection): void;
}

export class IscsiConnection {
  private readonly socket: Socket;
  private readonly session: TargetSession;
  private readonly host: ConnectionHost;
  private readonly framer = new PduFramer();
  private idle: { cancel(): void } | null = null;
  private ended = false;
  private loggedIn = false;

  constructor(socket: Socket, session: TargetSession, host: ConnectionHost) {
    this.socket = socket;
    this.session = session;
    this.host = host;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('error', () => this.end());
    socket.on('close', () => this.end());
    this.armIdle();
    socket.resume();
  }

  /** Closes the connection (the target stops). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.idle?.cancel();
    this.socket.destroy();
    this.host.closed(this);
  }

  private armIdle(): void {
    this.idle?.cancel();
    this.idle = this.host.clock.setTimeout(() => {
      this.host.counters.drop('idle-timeout');
      this.end();
    }, this.host.idleTimeoutMs);
  }

  private received(chunk: Buffer): void {
    if (this.ended) return;
    this.armIdle();
    this.framer.write(chunk);
    try {
      for (let pdu = this.framer.next(); pdu !== null && !this.ended; pdu = this.framer.next()) {
        this.host.counters.count('pdusIn');
        this.apply(this.session.receive(pdu));
        this.framer.maxDataSegmentLength = this.session.maxRecvDataSegmentLength;
      }
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.host.counters.drop('stream-broken');
      this.end();
    }
  }

  private apply(step: TargetStep): void {
    if (this.ended) return;
    if (!this.loggedIn && this.session.inFullFeaturePhase) {
      this.loggedIn = true;
      this.host.counters.count(this.session.sessionType === 'discovery' ? 'discoveryLogins' : 'normalLogins');
    }
    if (step.send.length > 0) {
      this.socket.cork();
      for (const b of step.send) this.socket.write(b);
      this.socket.uncork();
    }
    for (const action of step.actions) void this.read(action.task, action.lun, action.lba, action.blocks);
    if (step.close) {
      const refused = this.session.stats.loginRefused;
      if (refused !== null) this.host.counters.drop(`login-refused-${refused.toString(16).padStart(4, '0')}`);
      this.ended = true;
      this.idle?.cancel();
      this.socket.end();
      this.host.closed(this);
    }
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  private async read(task: number, lun: number, lba: number, blocks: number): Promise<void> {
    // an initiator that does not read what it asked for holds up its next burst, not this process's memory
    while (this.socket.writableLength > WRITE_HIGH_WATER && !this.ended) await this.drained();
    if (this.ended) return;
    const medium = this.host.medium(lun);
    let data: Buffer;
    try {
      if (medium === undefined) throw new Error(`no LUN ${lun}`);
      data = await medium.read(lba, blocks);
    } catch {
      this.host.counters.drop('read-failed');
      this.apply(this.session.readFailed(task));
      return;
    }
    this.host.counters.add('bytesRead', data.length);
    this.apply(this.session.readDone(task, data));
  }
}
