// A shard's one listener on 0.0.0.0 at the rollout port (DESIGN "Scale facts": only a socket on 0.0.0.0 hears a
// broadcast to 127.255.255.255). Each datagram is decoded once and handed on in user space: a message addressed to
// one RMC (the header's rmcId) to that RMC if it runs here; one to every RMC (ALL_RMCS) to the RMCs a Prepare or
// Poll targets, or to all of them for any other message. Each RMC then checks it itself and counts what it ignores;
// the signature of the one decoded message is verified once for them all (their shared SignatureVerdicts, rmc-nodes.ts).
import { ALL_RMCS, MessageType } from '../../protocols/rollout/header.js';
import type { DecodedMessage } from '../../protocols/rollout/message.js';
import { rankOf } from '../../protocols/rollout/reply-delay.js';
import type { Peer } from '../../protocols/peer.js';
import type { DatagramHandler } from '../../runtime/udp-endpoint.js';
import { decodeDatagram, type RmcNode } from './rmc-node.js';

export interface BroadcastCounts {
  datagramsIn: number;
  /** Not a rollout message (DecodeError). */
  malformed: number;
  /** For no RMC of this shard. */
  unmatched: number;
}

export class RmcBroadcastListener implements DatagramHandler {
  readonly counts: BroadcastCounts = { datagramsIn: 0, malformed: 0, unmatched: 0 };
  private readonly rmcs: RmcNode[] = [];
  private readonly byId = new Map<number, RmcNode>();

  constructor(rmcs: readonly RmcNode[]) {
    for (const node of rmcs) this.add(node);
  }

  /** Hands broadcasts to `node` too (an RMC added at run time). */
  add(node: RmcNode): void {
    this.rmcs.push(node);
    this.byId.set(node.rmc.rmcId, node);
  }

  /** Hands `node` nothing more (its rack was removed). */
  remove(node: RmcNode): void {
    this.rmcs.splice(this.rmcs.indexOf(node), 1);
    this.byId.delete(node.rmc.rmcId);
  }

  handle(datagram: Buffer, peer: Peer): void {
    this.counts.datagramsIn++;
    const m = decodeDatagram(datagram, () => { this.counts.malformed++; });
    if (!m) return;
    let handed = 0;
    for (const node of this.recipients(m)) {
      node.deliver(m, peer);
      handed++;
    }
    if (handed === 0) this.counts.unmatched++;
  }

  private recipients(m: DecodedMessage): Iterable<RmcNode> {
    if (m.rmcId !== ALL_RMCS) {
      const one = this.byId.get(m.rmcId);
      return one ? [one] : [];
    }
    if (m.type === MessageType.PREPARE || m.type === MessageType.POLL) {
      const targets = m.body.targets;
      return this.rmcs.filter((node) => rankOf(node.rmc.rmcId, targets) !== null);
    }
    return this.rmcs;
  }
}
