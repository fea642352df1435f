// The smallest node kind, for tests, and what adding a kind takes: this file and a line in a kind list
// (emulator/fleet/nodes/index.ts). On every BMC's address: a UDP echo on the IPMI port + 1 and a TCP echo on the
// IPMI port + 2, and a control route, GET /echoes/IP, answering how much that node echoed.
import type { Socket } from 'node:net';
import type { Peer } from '../../protocols/peer.js';
import type { SendAnswer } from '../../runtime/udp-endpoint.js';
import { ControlError } from '../../emulator/fleet/control-error.js';
import type { FleetConfig } from '../../emulator/fleet/fleet-config.js';
import type { NodeKind, ShardNodes } from '../../emulator/fleet/nodes/node-kind.js';
import { addressIndex, placements } from '../../emulator/fleet/plan.js';

export class EchoNode {
  readonly ip: string;
  readonly shard: number;
  datagrams = 0;
  connections = 0;
  constructor(ip: string, shard: number) {
    this.ip = ip;
    this.shard = shard;
  }

  handle(datagram: Buffer, peer: Peer, send: SendAnswer): void {
    this.datagrams++;
    send(datagram, peer);
  }

  accept(socket: Socket): void {
    this.connections++;
    socket.on('error', () => {});
    socket.pipe(socket);
  }
}

type EchoRequest = { op: 'count'; ip: string };

class EchoNodes implements ShardNodes<EchoNode> {
  readonly nodes: EchoNode[];
  constructor(config: FleetConfig, from: number, to: number, shard: number) {
    this.nodes = placements(config, from, to).map((p) => new EchoNode(p.ip, shard));
  }

  at(ip: string): EchoNode | undefined {
    return this.nodes.find((n) => n.ip === ip);
  }

  run(req: EchoRequest): unknown {
    const node = this.at(req.ip);
    if (!node) throw new ControlError(404, `no echo at ${req.ip} in this shard`);
    return { ip: node.ip, shard: node.shard, datagrams: node.datagrams, connections: node.connections };
  }

  close(): void {}
}

export const echoKind: NodeKind<EchoNode> = {
  name: 'echo',
  label: 'echo node',
  positions: addressIndex,
  create: (config, from, to, context) => new EchoNodes(config, from, to, context.shard),
  address: (node) => node.ip,
  endpoints: [
    { transport: 'udp', port: (config) => config.ipmiPort + 1, handler: (node) => node },
    { transport: 'tcp', port: (config) => config.ipmiPort + 2, handler: (node) => node },
  ],
  routes: [
    {
      method: 'GET', path: '/echoes/:ip',
      answer: (req, fleet) => fleet.shards.callFor('echo', req.params.ip, { op: 'count', ip: req.params.ip } satisfies EchoRequest),
    },
  ],
};
