// The manager's view of the iSCSI targets (issue 15, step 2): it registers with the iSNS server as a control node
// (RFC 4171 §2.9: sees every object, whatever the DDs), with a portal whose SCN Port is its own listener, SCNRegs for
// every event and for management registration (§6.4.4), reads every target (portals, and the LUNs from the vendor
// attributes, or over iSCSI with READ CAPACITY when a target publishes none), and keeps the boot disks in the
// database. SCNs keep the list current: a target added or updated is read again, a target removed is gone.
//
// Every refreshMs it registers again (which keeps the registration alive); when that fails (the server restarted, the
// connection is lost) it connects again, re-registers, SCNRegs and reads everything again: SCNs sent while it was away
// are lost, so only a whole inventory can tell what changed.
import { isIPv4 } from 'node:net';
import { IsnsClient, type NodeInfo } from '../../clients/isns/isns-client.js';
import { IsnsClientListener, type ScnNotice } from '../../clients/isns/isns-client-listener.js';
import { NodeType, ScnBitmap, Tag } from '../../protocols/isns/attributes.js';
import { findAttribute } from '../../protocols/isns/tlv.js';
import { LunState } from '../../protocols/isns/vendor-lun.js';
import type { Clock } from '../../runtime/clock.js';
import { InTurn } from '../../runtime/in-turn.js';
import type { SqliteBootcfgStore } from '../store/bootcfg-store.js';
import { DiskState, type BootDisk } from './boot-target.js';
import type { LunCapacity } from './iscsi-capacity.js';

const STATE_OF_LUN: Record<number, DiskState> = {
  [LunState.UNKNOWN]: DiskState.UNKNOWN, [LunState.ONLINE]: DiskState.ONLINE, [LunState.OFFLINE]: DiskState.OFFLINE, [LunState.BUSY]: DiskState.BUSY,
};

/** Node queries in flight during a whole inventory (one connection, pipelined). */
const QUERY_WINDOW = 16;

/** The SCNs the manager asks for: every object and membership change, and those of every node (control node). */
const MANAGER_SCNS = ScnBitmap.OBJECT_ADDED | ScnBitmap.OBJECT_REMOVED | ScnBitmap.OBJECT_UPDATED
  | ScnBitmap.DD_DDS_MEMBER_ADDED | ScnBitmap.DD_DDS_MEMBER_REMOVED | ScnBitmap.MANAGEMENT_REGISTRATION;

export interface TargetInventoryOptions {
  /** The iSNS server, asked at each (re)connection (an address, or an SLP search). */
  server(): Promise<{ host: string; port: number }>;
  /** The manager's iSCSI name (a control node). */
  name: string;
  /** The address the SCN listener binds and the manager's portal names. */
  listenHost: string;
  store: SqliteBootcfgStore;
  clock: Clock;
  /** The LUNs of a target that publishes no LUN attributes (iscsi-capacity.ts); left out: such a target has none. */
  capacityOf?(target: string, portal: { address: string; port: number }): Promise<LunCapacity[]>;
  /** Disks that left the server (a request holding one re-picks). */
  onDisksLost?(disks: { target: string; lun: number }[]): void;
  /** After a connection that is not the first (the server restarted, or was unreachable): its DDs may be lost. */
  onReconnected?(): Promise<void>;
  /** Told of problems (a server unreachable, a target unreadable). */
  onProblem?(message: string): void;
  refreshMs?: number;
  timeoutMs?: number;
}

export class TargetInventory {
  private readonly o: TargetInventoryOptions;
  private readonly listener = new IsnsClientListener();
  private client: IsnsClient | null = null;
  /** Where the connected server is (null before the first connection). */
  private at: { host: string; port: number } | null = null;
  private timer: { cancel(): void } | null = null;
  private stopped = false;
  /** SCNs and refreshes run one at a time, in order. */
  private readonly work = new InTurn();
  /** Whole inventories taken (the first, and one after each reconnection). */
  inventories = 0;

  constructor(o: TargetInventoryOptions) {
    this.o = o;
  }

  /** Starts the SCN listener and the first inventory (its failure is reported, and tried again every refreshMs). */
  async start(): Promise<void> {
    await this.listener.start(this.o.listenHost, 0);
    this.listener.on('scn', (n: ScnNotice) => this.queue(() => this.scn(n)));
    await this.queue(() => this.tick());
  }

  /** The server last connected to, as a host finds it (boot parameter 102): null before any, or not an IPv4 address. */
  serverAddress(): { address: string; port: number } | null {
    return this.at !== null && isIPv4(this.at.host) ? { address: this.at.host, port: this.at.port } : null;
  }

  /** The live connection to the server (for DD registration); throws when there is none now. */
  connection(): IsnsClient {
    if (this.client === null) throw new Error('not connected to the iSNS server (it will be tried again)');
    return this.client;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.work.settled();
    await this.client?.close();
    this.client = null;
    await this.listener.stop();
  }

  private queue(job: () => Promise<void>): Promise<void> {
    return this.work.run(async () => { if (!this.stopped) await job(); });
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.o.clock.setTimeout(() => { this.timer = null; void this.queue(() => this.tick()); }, this.o.refreshMs ?? 5000);
  }

  /** Registers again (or connects and takes a whole inventory when there is no connection). */
  private async tick(): Promise<void> {
    try {
      if (this.client !== null) {
        try {
          await this.register(this.client);
          return;
        } catch (err) {
          this.o.onProblem?.(`iSNS: the registration refresh failed (${(err as Error).message}): connecting again`);
          await this.client.close();
          this.client = null;
        }
      }
      await this.connect();
    } catch (err) {
      this.o.onProblem?.(`iSNS: ${(err as Error).message}`);
    } finally {
      this.schedule();
    }
  }

  private async connect(): Promise<void> {
    const at = await this.o.server();
    const client = await IsnsClient.connect({ ...at, source: this.o.name, clock: this.o.clock, timeoutMs: this.o.timeoutMs ?? 5000 });
    try {
      await this.register(client);
      await client.scnRegister(MANAGER_SCNS);
      await this.inventory(client);
    } catch (err) {
      await client.close();
      throw err;
    }
    this.client = client;
    this.at = at;
    if (this.inventories > 1) await this.o.onReconnected?.();
  }

  private register(client: IsnsClient): Promise<unknown> {
    const scnPort = { port: this.listener.port, udp: false };
    return client.register({
      nodes: [{ name: this.o.name, type: NodeType.CONTROL, alias: 'bmcfleet boot manager' }],
      portals: [{ ip: this.o.listenHost, port: this.listener.port, scnPort }],
    });
  }

  /**
   * Reads every target; disks not seen are gone. One query for every target would be one answer of about 100 bytes a
   * target, past the 1 MiB a message may have from about 8,000 targets: so the targets are found by a DevGetNext
   * walk over the iSCSI names (their node type asked with each), then read by a query each, QUERY_WINDOW at a time.
   */
  private async inventory(client: IsnsClient): Promise<void> {
    const targets: string[] = [];
    for await (const r of client.iterate(Tag.ISCSI_NAME, [Tag.ISCSI_NODE_TYPE])) {
      const name = findAttribute(r.key, Tag.ISCSI_NAME)?.value ?? findAttribute(r.operating, Tag.ISCSI_NAME)?.value;
      const type = findAttribute(r.operating, Tag.ISCSI_NODE_TYPE)?.value;
      if (typeof name === 'string' && typeof type === 'number' && (type & NodeType.TARGET)) targets.push(name);
    }
    const disks: Omit<BootDisk, 'assignedTo'>[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(QUERY_WINDOW, targets.length) }, async () => {
      for (let i = next++; i < targets.length; i = next++) {
        const node = await client.node(targets[i]);
        if (node !== null) disks.push(...await this.disksOf(node));
      }
    }));
    const lost = this.o.store.saveDisks(disks, true);
    this.inventories++;
    if (lost.length > 0) this.o.onDisksLost?.(lost);
  }

  private async scn(n: ScnNotice): Promise<void> {
    const client = this.client;
    if (client === null) return; // the next connection reads everything
    const lost: { target: string; lun: number }[] = [];
    for (const e of n.events) {
      if (e.name === '' || e.name === this.o.name) continue;
      if (e.bits & ScnBitmap.OBJECT_REMOVED) {
        lost.push(...this.o.store.targetGone(e.name));
        continue;
      }
      if (!(e.bits & (ScnBitmap.OBJECT_ADDED | ScnBitmap.OBJECT_UPDATED))) continue;
      try {
        const node = await client.node(e.name);
        if (node === null) lost.push(...this.o.store.targetGone(e.name));
        else if (node.type & NodeType.TARGET) lost.push(...this.o.store.saveDisks(await this.disksOf(node), false));
      } catch (err) {
        this.o.onProblem?.(`iSNS: reading ${e.name} after an SCN: ${(err as Error).message}`);
      }
    }
    if (lost.length > 0) this.o.onDisksLost?.(lost);
  }

  /** A target's disks: its LUN attributes, or else what an iSCSI login finds. */
  private async disksOf(node: NodeInfo): Promise<Omit<BootDisk, 'assignedTo'>[]> {
    const p = node.portals.find((x) => !x.udp) ?? node.portals[0];
    if (p === undefined) return [];
    const portal = { address: p.ip, port: p.port };
    const seenAtMs = this.o.clock.now();
    if (node.luns.length > 0) {
      return node.luns.map((l) => ({
        target: node.name, lun: l.lun, portal, sizeBytes: l.sizeBytes === undefined ? null : Number(l.sizeBytes), sizeFrom: 'isns' as const,
        state: STATE_OF_LUN[l.state ?? LunState.UNKNOWN] ?? DiskState.UNKNOWN, seenAtMs,
      }));
    }
    if (!this.o.capacityOf) return [];
    try {
      const luns = await this.o.capacityOf(node.name, portal);
      return luns.map((l) => ({ target: node.name, lun: l.lun, portal, sizeBytes: l.sizeBytes, sizeFrom: 'iscsi' as const, state: DiskState.ONLINE, seenAtMs }));
    } catch (err) {
      this.o.onProblem?.(`iSCSI: reading the LUNs of ${node.name} at ${portal.address}:${portal.port}: ${(err as Error).message}`);
      return [];
    }
  }
}
