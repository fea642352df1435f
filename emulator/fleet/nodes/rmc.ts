// The rack controller (RMC) node kind: one per rack with `rmc:` in the fleet file, on its own address, in the shard
// running its rack's first BMC. Each listens on the rollout port at its address (a Poll, the image and the schedule
// are unicast, and its answers leave from there), beside the shard's one listener on 0.0.0.0 that hears the
// manager's broadcasts and hands them on (emulator/rack/rmc-broadcast.ts). Controlled through /rmcs (rmc-routes.ts).
import type { BmcFlasher } from '../../../clients/ipmi/bmc-flasher.js';
import { RMC, RmcNodes, rmcPositions } from '../../rack/rmc-nodes.js';
import type { RmcNode } from '../../rack/rmc-node.js';
import { rmcRoutes } from '../../rack/rmc-routes.js';
import { HpmFlasher } from '../../../clients/ipmi/hpm-flasher.js';
import type { NodeKind, ShardContext } from './node-kind.js';

/** The RMC kind whose RMCs read and flash their BMCs through `flasher(context)` (one per shard). */
export function rmcKindWith(flasher: (context: ShardContext) => BmcFlasher): NodeKind<RmcNode, RmcNodes> {
  return {
    name: RMC,
    label: 'RMC',
    positions: rmcPositions,
    create: (config, from, to, context) => new RmcNodes(config, from, to, context, flasher(context)),
    address: (node) => node.address,
    endpoints: [{
      transport: 'udp', port: (config) => config.rollout.port, handler: (node) => node,
      // bound after the BMCs (NODE_KINDS order): an RMC restarted from its store may read them at once
      reuseAddr: true, attach: (node, send) => { node.attach(send); node.start(); },
    }],
    shardEndpoints: [{ transport: 'udp', port: (config) => config.rollout.port, handler: (nodes) => nodes.listener }],
    routes: rmcRoutes,
  };
}

/** RMCs flash their BMCs over real IPMI on loopback: HPM.1 through RMCP+ sessions (clients/ipmi/hpm-flasher.ts). */
export const rmcKind = rmcKindWith((context) => new HpmFlasher({ clock: context.clock }));
