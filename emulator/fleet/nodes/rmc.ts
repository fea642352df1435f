// The rack controller (RMC) node kind: one per rack with `rmc:` in the fleet file, on its own address, in the shard
// running its rack's first BMC. Each listens on the rollout port at its address (a Poll is unicast, and its
// answers leave from there), beside the shard's one listener on 0.0.0.0 that hears the manager's broadcasts and
// hands them on (emulator/rack/rmc-broadcast.ts). Controlled through GET /rmcs and /rmcs/IP.
import { RMC, RmcNodes, rmcPositions } from '../../rack/rmc-nodes.js';
import type { RmcNode } from '../../rack/rmc-node.js';
import { rmcRoutes } from '../../rack/rmc-routes.js';
import type { NodeKind } from './node-kind.js';

export const rmcKind: NodeKind<RmcNode, RmcNodes> = {
  name: RMC,
  label: 'RMC',
  positions: rmcPositions,
  create: (config, from, to, context) => new RmcNodes(config, from, to, context),
  address: (node) => node.address,
  endpoints: [{
    transport: 'udp', port: (config) => config.rollout.port, handler: (node) => node,
    reuseAddr: true, attach: (node, send) => node.attach(send),
  }],
  shardEndpoints: [{ transport: 'udp', port: (config) => config.rollout.port, handler: (nodes) => nodes.listener }],
  routes: rmcRoutes,
};
