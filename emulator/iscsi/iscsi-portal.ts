// An emulated target's iSCSI portal (RFC 7143 over TCP, port 3260 by default) on the target's own address:
// each connection gets its own TargetSession over the target's LUNs, the ACL deciding who may log in (02/02
// for anyone else) and who SendTargets shows the target to. Connections are bounded (one more is closed at
// once and counted) and an idle one is closed. A target with a CHAP account demands it of every login.
//
// Each target listens on ip:port itself rather than behind one fleet listener on 0.0.0.0: the targets run in
// the supervisor beside tests and tools (tgtd) that use the same port on other loopback addresses.
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { Clock } from '../../runtime/clock.js';
import { formatHostPort } from '../../runtime/host-port.js';
import type { ChapAccount } from '../../protocols/iscsi/chap.js';
import { TargetSession, type TargetNode } from '../../protocols/iscsi/target-session.js';
import type { Medium } from '../../protocols/scsi/medium.js';
import { IscsiConnection, type ConnectionHost } from './iscsi-connection.js';
import { IscsiCounters } from './iscsi-counters.js';

export interface IscsiPortalOptions {
  iqn: string;
  alias: string;
  ip: string;
  port: number;
  /** The LUNs' content, by LUN. */
  luns: ReadonlyMap<number, Medium>;
  /** Whether an initiator may log in (and see the target in SendTargets). */
  allows(initiator: string): boolean;
  /** Whether a LUN is in service now (its iSNS LUN State online or busy). */
  online(lun: number): boolean;
  /** The CHAP account initiators must log in with (RFC 7143 §12.1.3), and the target's own for mutual CHAP; none when left out. */
  chap?: { name: string; secret: string; mutual?: { name: string; secret: string } };
  clock: Clock;
  maxConnections?: number;
  idleTimeoutMs?: number;
}

export const DEFAULT_MAX_CONNECTIONS = 64;

function chapAccount(a: { name: string; secret: string; mutual?: { name: string; secret: string } }): ChapAccount {
  const bytes = (c: { name: string; secret: string }) => ({ name: c.name, secret: Buffer.from(c.secret, 'utf8') });
  return { ...bytes(a), ...(a.mutual ? { mutual: bytes(a.mutual) } : {}) };
}
export const DEFAULT_IDLE_TIMEOUT_MS = 120_000;

export class IscsiPortal implements ConnectionHost {
  readonly counters = new IscsiCounters();
  readonly clock: Clock;
  readonly idleTimeoutMs: number;
  private readonly options: IscsiPortalOptions;
  private readonly maxConnections: number;
  private readonly connections = new Set<IscsiConnection>();
  private readonly node: TargetNode;
  private server: Server | null = null;
  private nextTsih = 1;

  constructor(options: IscsiPortalOptions) {
    this.options = options;
    this.clock = options.clock;
    this.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    const infos = new Map([...options.luns].map(([lun, m]) => [lun, { blockSize: m.blockSize, blockCount: m.blockCount, readOnly: true }]));
    this.node = {
      name: options.iqn, alias: options.alias, address: formatHostPort(options.ip, options.port), portalGroupTag: 1, luns: infos,
      identity: (lun) => ({ vendor: 'BMCFLEET', product: 'iSCSI LUN', revision: '1.0', serial: `${options.ip}-${lun}` }),
      online: (lun) => options.online(lun),
      ...(options.chap ? { chap: chapAccount(options.chap) } : {}),
    };
  }

  /** Listens on the target's ip:port. */
  async start(): Promise<void> {
    const server = createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`iSCSI portal of ${this.options.iqn}: cannot listen on ${this.node.address}: ${err.code ?? err.message}`)));
      server.listen(this.options.port, this.options.ip, () => {
        server.removeAllListeners('error');
        server.on('error', () => { /* accept errors (EMFILE...) end no target */ });
        resolve();
      });
    });
    this.server = server;
  }

  /** A connection to the portal (paused). */
  accept(socket: Socket): void {
    socket.on('error', () => {});
    if (this.connections.size >= this.maxConnections) {
      this.counters.drop('connections-full');
      socket.destroy();
      return;
    }
    this.counters.count('connectionsAccepted');
    this.counters.open++;
    const session = new TargetSession({
      targets: [this.node], authorized: (initiator) => this.options.allows(initiator), tsih: this.takeTsih(),
      random: randomBytes, // a fresh CHAP challenge per login
    });
    this.connections.add(new IscsiConnection(socket, session, this));
  }

  medium(lun: number): Medium | undefined {
    return this.options.luns.get(lun);
  }

  closed(connection: IscsiConnection): void {
    if (this.connections.delete(connection)) this.counters.open--;
  }

  async stop(): Promise<void> {
    for (const c of this.connections) c.end();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  private takeTsih(): number {
    const tsih = this.nextTsih;
    this.nextTsih = this.nextTsih >= 0xffff ? 1 : this.nextTsih + 1;
    return tsih;
  }
}
