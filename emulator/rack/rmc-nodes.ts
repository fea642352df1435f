// The RMCs one shard runs (README "The rollout protocol"): one per rack whose fleet file entry has `rmc:`, in the
// shard that runs the rack's first BMC, each on its own address, with the shard's broadcast listener
// (rmc-broadcast.ts), and the control requests on them (rmc-routes.ts).
import { RackPhase } from '../../protocols/rollout/rack-status.js';
import { SignatureVerdicts } from '../../protocols/rollout/command-verifier.js';
import { trustedKeyFromRaw } from '../../protocols/rollout/keys.js';
import type { Clock } from '../../runtime/clock.js';
import { ControlError } from '../fleet/control-error.js';
import type { FleetConfig, RackConfig, RmcConfig } from '../fleet/fleet-config.js';
import type { ShardContext, ShardNodes } from '../fleet/nodes/node-kind.js';
import { addressIndex } from '../fleet/plan.js';
import { RackController } from './rack-controller.js';
import { RmcBroadcastListener, type BroadcastCounts } from './rmc-broadcast.js';
import { RmcNode } from './rmc-node.js';

/** The RMC kind's name in control requests. */
export const RMC = 'rmc';

export type RmcRequest = { op: 'list' } | { op: 'rmc'; ip: string };

/** One RMC as GET /rmcs lists it. */
export interface RmcSummary {
  ip: string;
  id: number;
  rack: string;
  bmcs: number;
  shard: number;
  /** The rollout it answered, and its phase there. */
  rollout: { id: number; phase: string } | null;
  accepted: number;
  /** Commands ignored (unsigned, forged, stale, replayed...), all reasons together. */
  rejected: number;
  repliesSent: number;
}

/** One RMC in detail (GET /rmcs/IP): its counters, the rejections by reason, the keys it trusts. */
export interface RmcDetail extends RmcSummary {
  counters: RackController['counts'];
  rejectedBy: RackController['rejected'];
  trustedKeyIds: string[];
}

/** GET /rmcs from one shard: its RMCs and what its broadcast listener saw. */
export interface ShardRmcs { shard: number; listener: BroadcastCounts; rmcs: RmcSummary[] }

/** A rack with an RMC, at the fleet position (BMC number) of its first BMC. */
interface RackRmc { rack: RackConfig; rmc: RmcConfig; position: number }

function racksWithRmcs(config: FleetConfig): RackRmc[] {
  const out: RackRmc[] = [];
  let position = 0;
  for (const rack of config.racks) {
    if (rack.rmc) out.push({ rack, rmc: rack.rmc, position });
    position += rack.count;
  }
  return out;
}

/** Each RMC's address -> the fleet position it runs with; RangeError when an RMC sits on a BMC's address. */
export function rmcPositions(config: FleetConfig): Map<string, number> {
  const racks = racksWithRmcs(config);
  const out = new Map<string, number>();
  if (racks.length === 0) return out;
  const bmcs = addressIndex(config);
  for (const { rack, rmc, position } of racks) {
    if (bmcs.has(rmc.ip)) throw new RangeError(`rack ${rack.name}'s RMC is on ${rmc.ip}, BMC number ${bmcs.get(rmc.ip)}'s address: an RMC needs its own`);
    out.set(rmc.ip, position);
  }
  return out;
}

const PHASE_NAMES = new Map<number, string>(Object.entries(RackPhase).map(([name, value]) => [value, name.toLowerCase().replace(/_/g, '-')]));

export class RmcNodes implements ShardNodes<RmcNode> {
  readonly nodes: RmcNode[] = [];
  readonly listener: RmcBroadcastListener;
  private readonly shardNo: number;
  private readonly byIp = new Map<string, RmcNode>();

  constructor(config: FleetConfig, from: number, to: number, context: ShardContext) {
    this.shardNo = context.shard;
    const clock: Clock = context.clock;
    const trustedKeys = config.rollout.managerKeys.map((k) => trustedKeyFromRaw(Buffer.from(k, 'base64')));
    // The listener hands one decoded broadcast to each RMC in turn: its signature is checked once, not once per RMC.
    const signatures = new SignatureVerdicts();
    for (const { rack, rmc, position } of racksWithRmcs(config)) {
      if (position < from || position >= to) continue;
      const controller = new RackController({
        rmcId: rmc.id, address: rmc.ip, rackName: rack.name, bmcCount: rack.count, trustedKeys, startedAtMs: clock.now(), signatures,
      });
      const node = new RmcNode(controller, clock);
      this.nodes.push(node);
      this.byIp.set(rmc.ip, node);
    }
    this.listener = new RmcBroadcastListener(this.nodes);
  }

  at(ip: string): RmcNode | undefined {
    return this.byIp.get(ip);
  }

  run(req: RmcRequest): unknown {
    switch (req.op) {
      case 'list':
        return { shard: this.shardNo, listener: this.listener.counts, rmcs: this.nodes.map((n) => this.summary(n)) } satisfies ShardRmcs;
      case 'rmc': {
        const node = this.byIp.get(req.ip);
        if (!node) throw new ControlError(404, `no RMC at ${req.ip}`);
        return this.detail(node);
      }
    }
  }

  close(): void {
    for (const node of this.nodes) node.close();
  }

  private summary({ rmc }: RmcNode): RmcSummary {
    const rollout = rmc.rollout && { id: rmc.rollout.rolloutId, phase: PHASE_NAMES.get(rmc.rollout.phase) ?? String(rmc.rollout.phase) };
    const rejected = Object.values(rmc.rejected).reduce((a, b) => a + b, 0);
    return {
      ip: rmc.address, id: rmc.rmcId, rack: rmc.rackName, bmcs: rmc.bmcCount, shard: this.shardNo,
      rollout, accepted: rmc.accepted, rejected, repliesSent: rmc.counts.repliesSent,
    };
  }

  private detail(node: RmcNode): RmcDetail {
    return {
      ...this.summary(node),
      counters: { ...node.rmc.counts },
      rejectedBy: { ...node.rmc.rejected },
      trustedKeyIds: node.rmc.trustedKeyIds.map((id) => Buffer.from(id).toString('hex')),
    };
  }
}
