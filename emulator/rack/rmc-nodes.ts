// The RMCs one shard runs (README "Rack controllers in the emulator"): one per rack whose fleet file entry has
// `rmc:`, in the shard that runs the rack's first BMC, each on its own address, with the shard's broadcast listener
// (rmc-broadcast.ts), and the control requests on them (rmc-routes.ts). Each knows its BMCs' addresses, the IPMI
// port and the fleet's first administrator (to log in to them), and whom they say they are (the rack's template).
// What it keeps across a crash goes to the fleet's stateDir (rmcs/<ip>/), or memory without one; the faults and
// manager keys set at run time are kept by the supervisor for the shard's next process.
import type { BmcFlasher, BmcLogin } from '../../clients/ipmi/bmc-flasher.js';
import { Privilege } from '../../protocols/ipmi/users.js';
import { SignatureVerdicts } from '../../protocols/rollout/command-verifier.js';
import { trustedKeyFromRaw, type TrustedKey } from '../../protocols/rollout/keys.js';
import { BmcOutcome, FailureReason, RackPhase } from '../../protocols/rollout/rack-status.js';
import type { Clock } from '../../runtime/clock.js';
import { BmcModel } from '../bmc/model.js';
import { ControlError } from '../fleet/control-error.js';
import type { FleetConfig, RackConfig, RmcConfig } from '../fleet/fleet-config.js';
import type { ShardContext, ShardNodes } from '../fleet/nodes/node-kind.js';
import { addressIndex, bmcOptions, rackPlacements } from '../fleet/plan.js';
import type { BmcIdentity } from './image-verifier.js';
import { RackController, type RackControllerOptions } from './rack-controller.js';
import { RmcBroadcastListener, type BroadcastCounts } from './rmc-broadcast.js';
import type { RmcFaultCounts, RmcFaults } from './rmc-faults.js';
import { RmcNode } from './rmc-node.js';
import { FileRmcStore, MemoryRmcStore, type RmcStore } from './rmc-store.js';

/** The RMC kind's name in control requests. */
export const RMC = 'rmc';

export type RmcRequest =
  | { op: 'list' }
  | { op: 'rmc'; ip: string }
  /** Merged into the faults of the RMC at `ip`, or of every RMC (null). */
  | { op: 'faults'; ip: string | null; change: Partial<RmcFaults> }
  | { op: 'crash'; ip: string; offMs: number }
  /** A manager's raw Ed25519 public key, base64, trusted by every RMC from now on. */
  | { op: 'trust'; key: string };

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
  /** Silent after a crash. */
  down: boolean;
}

/** One BMC's progress in the flash. */
export interface BmcProgressView { ip: string; outcome: string; reason: string | null; firmware: string }

/** One RMC in detail (GET /rmcs/IP): its counters, the rejections by reason, the keys it trusts, the flash per BMC. */
export interface RmcDetail extends RmcSummary {
  counters: RackController['counts'];
  rejectedBy: RackController['rejected'];
  trustedKeyIds: string[];
  image: RackController['image'];
  faults: RmcFaults;
  faultCounters: RmcFaultCounts;
  bmcProgress: BmcProgressView[] | null;
}

/** GET /rmcs from one shard: its RMCs and what its broadcast listener saw. */
export interface ShardRmcs { shard: number; listener: BroadcastCounts; rmcs: RmcSummary[] }

/** What the supervisor keeps of an RMC for the shard's next process. */
interface KeptRmc { faults: RmcFaults; keys: string[] }

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

const nameOf = (e: Record<string, number>) => new Map<number, string>(Object.entries(e).map(([name, value]) => [value, name.toLowerCase().replace(/_/g, '-')]));
const PHASE_NAMES = nameOf(RackPhase);
const OUTCOME_NAMES = nameOf(BmcOutcome);
const REASON_NAMES = nameOf(FailureReason);

/** Whom the rack's BMCs say they are in Get Device ID: its first BMC's model, built as the fleet builds it. */
function rackIdentity(config: FleetConfig, rack: RackConfig, position: number): BmcIdentity {
  const { device } = new BmcModel(bmcOptions(config, { index: position, ip: rack.firstIp, rack }));
  return { deviceId: device.deviceId, manufacturerId: device.manufacturerId, productId: device.productId };
}

/** The fleet's first administrator, whom an RMC logs in to its BMCs as. */
function adminOf(config: FleetConfig): { username: string; password: string } {
  const admin = config.users.find((u) => u.privilege === Privilege.ADMINISTRATOR) ?? config.users[0];
  return { username: admin?.name ?? '', password: admin?.password ?? '' };
}

export class RmcNodes implements ShardNodes<RmcNode> {
  readonly nodes: RmcNode[] = [];
  readonly listener: RmcBroadcastListener;
  private readonly shardNo: number;
  private readonly context: ShardContext;
  private readonly byIp = new Map<string, { node: RmcNode; options: Omit<RackControllerOptions, 'startedAtMs' | 'restored'>; store: RmcStore }>();
  private readonly flasher: BmcFlasher;
  /** The listener hands one decoded broadcast to each RMC in turn: its signature is checked once, not once per RMC. */
  private readonly signatures = new SignatureVerdicts();
  /** Shared by every RMC here (read, never copied): a key trusted at run time reaches them all at once. */
  private readonly trustedKeys: TrustedKey[] = [];
  /** The same keys as the fleet file gives them (base64 of the raw key), for the supervisor to keep. */
  private readonly trustedRaw: string[] = [];

  constructor(config: FleetConfig, from: number, to: number, context: ShardContext, flasher: BmcFlasher) {
    this.shardNo = context.shard;
    this.context = context;
    this.flasher = flasher;
    for (const key of config.rollout.managerKeys) this.addKey(key);
    this.listener = new RmcBroadcastListener([], context.clock);
    this.grow(config, from, to);
  }

  /** Builds the RMCs of the racks whose first BMC is at a fleet position in [from, to), and returns them. */
  grow(config: FleetConfig, from: number, to: number): RmcNode[] {
    const clock: Clock = this.context.clock;
    const admin = adminOf(config);
    const added: RmcNode[] = [];
    for (const { rack, rmc, position } of racksWithRmcs(config)) {
      if (position < from || position >= to) continue;
      const kept = this.context.kept(rmc.ip) as KeptRmc | undefined;
      for (const key of kept?.keys ?? []) this.addKey(key);
      const bmcAddresses = rackPlacements(config, rack, position).map((p) => p.ip);
      const logins: BmcLogin[] = bmcAddresses.map((host) => ({ host, port: config.ipmiPort, ...admin }));
      const options = {
        rmcId: rmc.id, address: rmc.ip, rackName: rack.name, bmcCount: rack.count, trustedKeys: this.trustedKeys,
        bmcAddresses, bmcIdentity: rackIdentity(config, rack, position), signatures: this.signatures,
      };
      const store: RmcStore = config.stateDir ? new FileRmcStore(config.stateDir, rmc.ip, this.context.log) : new MemoryRmcStore();
      const controller = new RackController({ ...options, startedAtMs: clock.now(), restored: store.load() });
      const node = new RmcNode(controller, clock, { flasher: this.flasher, logins, store });
      if (kept) node.faults = { ...kept.faults };
      this.nodes.push(node);
      this.byIp.set(rmc.ip, { node, options, store });
      this.listener.add(node);
      added.push(node);
    }
    return added;
  }

  /** Stops the RMC at `ip` (its rack was removed), with `forget` deleting what it kept in the state directory. */
  drop(ip: string, forget: boolean): RmcNode | undefined {
    const found = this.byIp.get(ip);
    if (!found) return undefined;
    found.node.close();
    this.nodes.splice(this.nodes.indexOf(found.node), 1);
    this.byIp.delete(ip);
    this.listener.remove(found.node);
    if (forget) found.store.remove();
    return found.node;
  }

  at(ip: string): RmcNode | undefined {
    return this.byIp.get(ip)?.node;
  }

  run(req: RmcRequest): unknown {
    switch (req.op) {
      case 'list':
        return { shard: this.shardNo, listener: this.listener.counts, rmcs: this.nodes.map((n) => this.summary(n)) } satisfies ShardRmcs;
      case 'rmc':
        return this.detail(this.one(req.ip).node);
      case 'faults': {
        const nodes = req.ip === null ? this.nodes : [this.one(req.ip).node];
        for (const node of nodes) node.faults = { ...node.faults, ...req.change };
        this.keep(nodes);
        return nodes.map((node) => ({ ip: node.address, faults: node.faults }));
      }
      case 'crash': {
        const { node, options } = this.one(req.ip);
        node.crash(req.offMs, options);
        return { ip: node.address, offMs: req.offMs };
      }
      case 'trust': {
        const added = this.addKey(req.key);
        this.keep(this.nodes);
        return { shard: this.shardNo, rmcs: this.nodes.length, added };
      }
    }
  }

  close(): void {
    this.listener.close();
    for (const node of this.nodes) node.close();
  }

  private one(ip: string) {
    const found = this.byIp.get(ip);
    if (!found) throw new ControlError(404, `no RMC at ${ip}`);
    return found;
  }

  /** Trusts one more manager key (base64 of its 32 raw bytes); false when trusted already. */
  private addKey(base64: string): boolean {
    const key = trustedKeyFromRaw(Buffer.from(base64, 'base64'));
    if (this.trustedKeys.some((k) => Buffer.compare(k.keyId, key.keyId) === 0)) return false;
    this.trustedKeys.push(key);
    this.trustedRaw.push(base64);
    return true;
  }

  private keep(nodes: readonly RmcNode[]): void {
    this.context.keep(nodes.map((node) => [node.address, { faults: node.faults, keys: [...this.trustedRaw] } satisfies KeptRmc]));
  }

  private summary(node: RmcNode): RmcSummary {
    const rmc = node.rmc;
    const rollout = rmc.rollout && { id: rmc.rollout.rolloutId, phase: PHASE_NAMES.get(rmc.rollout.phase) ?? String(rmc.rollout.phase) };
    const rejected = Object.values(rmc.rejected).reduce((a, b) => a + b, 0);
    return {
      ip: rmc.address, id: rmc.rmcId, rack: rmc.rackName, bmcs: rmc.bmcCount, shard: this.shardNo,
      rollout, accepted: rmc.accepted, rejected, repliesSent: rmc.counts.repliesSent, down: node.down,
    };
  }

  private detail(node: RmcNode): RmcDetail {
    const rmc = node.rmc;
    const bmcs = rmc.bmcs;
    return {
      ...this.summary(node),
      counters: { ...rmc.counts },
      rejectedBy: { ...rmc.rejected },
      trustedKeyIds: rmc.trustedKeyIds.map((id) => Buffer.from(id).toString('hex')),
      image: rmc.image,
      faults: { ...node.faults },
      faultCounters: { ...node.faultCounts },
      bmcProgress: bmcs && bmcs.map((b, i) => ({
        ip: rmc.bmcAddresses[i],
        outcome: OUTCOME_NAMES.get(b.outcome) ?? String(b.outcome),
        reason: b.reason === FailureReason.NONE ? null : REASON_NAMES.get(b.reason) ?? String(b.reason),
        firmware: `${b.firmware.major}.${String(b.firmware.minor).padStart(2, '0')}`,
      })),
    };
  }
}
