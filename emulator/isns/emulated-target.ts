// An emulated iSCSI target as an iSNS client (RFC 4171): it registers its entity, portal, target node, portal
// group and LUNs (the vendor LUN attributes, protocols/isns/vendor-lun.ts) with the fleet's iSNS server, keeps
// the registration alive, registers for SCNs and answers ESIs on its own port, and re-registers (Replace) when
// its LUNs change, so the server notifies everyone watching. It serves its LUNs over iSCSI on its portal
// (emulator/iscsi/): a seeded pattern, LUN 0 a bootable disk, to the initiators it shares a discovery domain
// with, a list it downloads from the iSNS server and fetches again on every SCN (emulator/iscsi/initiator-acl.ts).
import type { Clock } from '../../runtime/clock.js';
import { NodeType, ScnBitmap } from '../../protocols/isns/attributes.js';
import { IsnsClient, type EntitySpec } from '../../clients/isns/isns-client.js';
import { LUN_STATES, type TargetLun, type TargetSpec } from './target-spec.js';
import { RegistrationKeeper } from '../../clients/isns/registration-keeper.js';
import { IsnsClientListener } from '../../clients/isns/isns-client-listener.js';
import { InitiatorAcl } from '../iscsi/initiator-acl.js';
import { IscsiPortal } from '../iscsi/iscsi-portal.js';
import type { IscsiCounterValues } from '../iscsi/iscsi-counters.js';
import { PatternLun } from '../iscsi/pattern-lun.js';

/**
 * The SCNs its initiator list needs: every event, but about initiators and itself only (RFC 4171 §6.4.4, bit 24):
 * another target's registration changes nothing here, and with every target told of every other, a fleet of N
 * targets starting under the default DD made N x N SCNs and list fetches.
 */
const ACL_SCNS = ScnBitmap.OBJECT_ADDED | ScnBitmap.OBJECT_REMOVED | ScnBitmap.OBJECT_UPDATED
  | ScnBitmap.DD_DDS_MEMBER_ADDED | ScnBitmap.DD_DDS_MEMBER_REMOVED | ScnBitmap.INITIATOR_AND_SELF_ONLY;

export interface TargetSummary extends Omit<TargetSpec, 'chap'> {
  /** The CHAP accounts' names; their secrets are never shown. */
  chap?: { name: string; mutual?: { name: string } };
  eid: string | null; refreshes: number; refreshFailures: number; esisAnswered: number; scnsReceived: number;
  /** The initiators allowed to log in now (those the iSNS server shows this target). */
  initiators: string[];
  iscsi: IscsiCounterValues & { open: number; drops: Record<string, number> };
}

/** How often the server should check the target is alive (ESI interval, seconds). */
const ESI_INTERVAL_S = 30;

export class EmulatedTarget {
  spec: TargetSpec;
  private readonly server: { host: string; port: number };
  private readonly clock: Clock;
  private client: IsnsClient | null = null;
  private keeper: RegistrationKeeper | null = null;
  private readonly listener = new IsnsClientListener();
  private readonly acl: InitiatorAcl;
  private readonly portal: IscsiPortal;

  constructor(spec: TargetSpec, server: { host: string; port: number }, clock: Clock) {
    this.spec = spec;
    this.server = server;
    this.clock = clock;
    this.acl = new InitiatorAcl(() => this.client!.queryNodes(NodeType.INITIATOR));
    const luns = new Map(spec.luns.map((l) => [l.lun, new PatternLun({ seed: spec.iqn, lun: l.lun, sizeBytes: l.sizeGB * 1e9, boot: l.lun === 0 })]));
    this.portal = new IscsiPortal({ iqn: spec.iqn, alias: spec.alias, ip: spec.ip, port: spec.port, luns, allows: (i) => this.acl.allows(i), clock,
      ...(spec.chap ? { chap: spec.chap } : {}),
      online: (lun) => this.spec.luns.some((l) => l.lun === lun && (l.state === 'online' || l.state === 'busy')),
    });
    this.listener.on('scn', () => void this.acl.refresh());
  }

  async start(): Promise<void> {
    await this.listener.start(this.spec.ip, 0);
    // from its own portal address, as a target on its own machine registers: the server counts connections per source
    // address, and a fleet of more targets than its limit would otherwise be refused from one address
    this.client = await IsnsClient.connect({ host: this.server.host, port: this.server.port, source: this.spec.iqn, clock: this.clock, localAddress: this.spec.ip });
    this.keeper = new RegistrationKeeper(this.client, this.entity(), this.clock);
    await this.keeper.start();
    await this.client.scnRegister(ACL_SCNS);
    await this.acl.refresh();
    try {
      await this.portal.start();
    } catch (err) {
      await this.stop(true);
      throw err;
    }
  }

  /** Changes one LUN's state (e.g. offline: degraded) and re-registers; throws RangeError for an unknown LUN. */
  async setLunState(lun: number, state: TargetLun['state']): Promise<void> {
    const l = this.spec.luns.find((x) => x.lun === lun);
    if (!l) throw new RangeError(`${this.spec.iqn} has no LUN ${lun}`);
    if (!(state in LUN_STATES)) throw new RangeError(`LUN state must be one of ${Object.keys(LUN_STATES).join(', ')}`);
    l.state = state;
    await this.keeper!.update(this.entity());
    // Replace registers the node anew, without its SCN registration (RFC 4171 §5.6.5.1): ask again, and catch up
    // on what the SCNs missed meanwhile
    await this.client!.scnRegister(ACL_SCNS);
    await this.acl.refresh();
  }

  /** Deregisters (the server tells SCN listeners) and lets go of its connections. */
  async stop(deregister = true): Promise<void> {
    try {
      await this.portal.stop();
      await this.keeper?.stop(deregister);
    } finally {
      await this.client?.close();
      await this.listener.stop();
    }
  }

  summary(): TargetSummary {
    const { chap, ...spec } = this.spec;
    return {
      ...spec, ...(chap ? { chap: { name: chap.name, ...(chap.mutual ? { mutual: { name: chap.mutual.name } } : {}) } } : {}), eid: this.keeper?.current?.eid ?? null, refreshes: this.keeper?.refreshes ?? 0, refreshFailures: this.keeper?.failures ?? 0,
      esisAnswered: this.listener.counters.esis, scnsReceived: this.listener.counters.scns,
      initiators: this.acl.names, iscsi: this.portal.counters.snapshot(),
    };
  }

  private entity(): EntitySpec {
    const { iqn, alias, ip, port } = this.spec;
    const own = { port: this.listener.port, udp: false };
    return {
      replace: true,
      portals: [{ ip, port, scnPort: own, esiPort: own, esiInterval: ESI_INTERVAL_S }],
      nodes: [{
        name: iqn, type: NodeType.TARGET, alias,
        luns: this.spec.luns.map((l) => ({ lun: l.lun, sizeBytes: BigInt(Math.round(l.sizeGB * 1e9)), state: LUN_STATES[l.state] })),
      }],
      portalGroups: [{ name: iqn, ip, port, tag: 1 }],
    };
  }
}
