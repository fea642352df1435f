// An IPMI-over-LAN client for one BMC: RMCP+ session with retries and timeouts over a UDP socket.
import { createSocket, type Socket } from 'node:dgram';
import { RmcpPlusClientSession, SessionError } from '../../protocols/ipmi/client-side/rmcpplus-session.js';
import { randomBytesPooled } from '../../protocols/random-pool.js';
import { completionCodeName } from '../../protocols/ipmi/completion-codes.js';
import { SessionCommand, encodeCloseSessionRequest } from '../../protocols/ipmi/commands/session-setup.js';
import { NetFn, type IpmiResponse } from '../../protocols/ipmi/message.js';
import { Privilege } from '../../protocols/ipmi/users.js';

export interface IpmiClientOptions {
  host: string;
  port?: number;
  username: string;
  password: string;
  kg?: Buffer | null;
  cipherSuite?: number;
  privilege?: number;
  /** Per-attempt timeout. */
  timeoutMs?: number;
  /** Retransmissions after the first attempt. */
  retries?: number;
}

export class IpmiTimeoutError extends Error {
  constructor(what: string, host: string) {
    super(`${host}: no answer to ${what}`);
    this.name = 'IpmiTimeoutError';
  }
}

export class CompletionCodeError extends Error {
  readonly completionCode: number;
  constructor(what: string, cc: number) {
    super(`${what}: ${completionCodeName(cc)} (0x${cc.toString(16)})`);
    this.name = 'CompletionCodeError';
    this.completionCode = cc;
  }
}

export class IpmiLanClient {
  private readonly socket: Socket;
  private readonly session: RmcpPlusClientSession;
  private readonly opts: Required<Omit<IpmiClientOptions, 'kg'>> & { kg: Buffer | null };
  private rqSeq = 0;
  private waiter: ((datagram: Buffer) => void) | null = null;
  /** Responses no waiting request() claims: those to post()ed requests, and late ones. */
  onResponse: ((response: IpmiResponse) => void) | null = null;

  private constructor(opts: IpmiClientOptions, socket: Socket) {
    this.opts = { port: 623, cipherSuite: 17, privilege: Privilege.ADMINISTRATOR, timeoutMs: 1000, retries: 3, kg: null, ...opts };
    this.socket = socket;
    this.session = new RmcpPlusClientSession({
      username: opts.username, password: opts.password, kg: this.opts.kg, cipherSuite: this.opts.cipherSuite,
      privilege: this.opts.privilege, random: randomBytesPooled,
    });
    socket.on('message', (msg) => {
      if (this.waiter) this.waiter(msg);
      else if (this.session.state === 'active') this.unclaimed(this.session.response(msg));
    });
    // ICMP port unreachable surfaces as ECONNREFUSED on a connected socket: treat it as "no answer yet".
    socket.on('error', () => {});
  }

  /** Opens an RMCP+ session and raises it to the requested privilege. */
  static async connect(opts: IpmiClientOptions): Promise<IpmiLanClient> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(opts.port ?? 623, opts.host, () => { socket.off('error', reject); resolve(); });
    });
    const client = new IpmiLanClient(opts, socket);
    try {
      await client.handshake();
      const priv = await client.request(NetFn.APP, SessionCommand.SET_SESSION_PRIVILEGE_LEVEL, Buffer.from([client.opts.privilege]));
      if (priv.completionCode !== 0) throw new CompletionCodeError('Set Session Privilege Level', priv.completionCode);
    } catch (err) {
      socket.close();
      throw err;
    }
    return client;
  }

  /** Sends a request and waits for its response (matched by rqSeq, netFn and command), retransmitting on timeout. */
  async request(netFn: number, cmd: number, data: Uint8Array = new Uint8Array(0)): Promise<IpmiResponse> {
    this.rqSeq = (this.rqSeq + 1) & 0x3f;
    const rqSeq = this.rqSeq;
    return this.exchange(`netFn 0x${netFn.toString(16)} cmd 0x${cmd.toString(16)}`,
      () => this.session.request(netFn, cmd, data, rqSeq),
      (msg) => {
        const res = this.session.response(msg);
        if (res && res.rqSeq === rqSeq && res.cmd === cmd && res.netFn === (netFn | 1)) return res;
        this.unclaimed(res);
        return null;
      });
  }

  /**
   * Sends a request without waiting for it and without retransmitting: its response, whenever it comes, goes to
   * onResponse (match it by rqSeq, returned here, or by its contents). For requests that may be outstanding
   * several at a time, such as the console watcher's heartbeats.
   */
  post(netFn: number, cmd: number, data: Uint8Array = new Uint8Array(0)): number {
    this.rqSeq = (this.rqSeq + 1) & 0x3f;
    this.socket.send(this.session.request(netFn, cmd, data, this.rqSeq));
    return this.rqSeq;
  }

  private unclaimed(res: IpmiResponse | null): void {
    if (res) this.onResponse?.(res);
  }

  /** Like request(), but throws CompletionCodeError unless the completion code is 0, and returns the data. */
  async call(netFn: number, cmd: number, data?: Uint8Array): Promise<Uint8Array> {
    const res = await this.request(netFn, cmd, data);
    if (res.completionCode !== 0) throw new CompletionCodeError(`netFn 0x${netFn.toString(16)} cmd 0x${cmd.toString(16)}`, res.completionCode);
    return res.data;
  }

  /** Closes the session (best effort) and the socket. */
  async close(): Promise<void> {
    try {
      if (this.session.state === 'active') {
        await this.request(NetFn.APP, SessionCommand.CLOSE_SESSION, encodeCloseSessionRequest(this.session.bmcId));
      }
    } catch {
      // The BMC may already have dropped the session; closing the socket is what matters.
    } finally {
      this.socket.close();
    }
  }

  private async handshake(): Promise<void> {
    let packet = this.session.open();
    for (;;) {
      let step: ReturnType<RmcpPlusClientSession['handshake']> | null = null;
      await this.exchange('RMCP+ session setup', () => packet, (msg) => {
        const s = this.session.handshake(msg);
        if (s.kind === 'ignored') return null;
        step = s;
        return s;
      });
      const done = step as unknown as { kind: string; datagram?: Buffer };
      if (done.kind === 'established') return;
      packet = done.datagram!;
    }
  }

  /** `build` runs per attempt: a retransmitted request needs a fresh session sequence number (§13.14). */
  private exchange<T>(what: string, build: () => Buffer, match: (msg: Buffer) => T | null): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let attempts = 0;
      let timer: NodeJS.Timeout;
      const finish = (err: Error | null, value?: T) => {
        clearTimeout(timer);
        this.waiter = null;
        if (err) reject(err);
        else resolve(value as T);
      };
      this.waiter = (msg) => {
        try {
          const v = match(msg);
          if (v !== null) finish(null, v);
        } catch (err) {
          finish(err instanceof SessionError ? err : err as Error);
        }
      };
      const send = () => {
        if (attempts++ > this.opts.retries) return finish(new IpmiTimeoutError(what, this.opts.host));
        this.socket.send(build());
        timer = setTimeout(send, this.opts.timeoutMs);
      };
      send();
    });
  }
}
