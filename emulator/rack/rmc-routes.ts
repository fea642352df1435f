// The control API's RMC routes (README "The control API"):
//
//   GET /rmcs      every RMC in fleet order (address, ID, rack, rollout and phase, commands accepted and ignored,
//                  replies sent), and per shard what its broadcast listener received
//   GET /rmcs/IP   one RMC: its counters, the commands it ignored by reason, the manager keys it trusts
import type { Route } from '../fleet/control/route.js';
import { RMC, type RmcRequest, type ShardRmcs } from './rmc-nodes.js';

export const rmcRoutes: readonly Route[] = [
  {
    method: 'GET', path: '/rmcs',
    async answer(_req, fleet) {
      const shards = await fleet.shards.callAll(RMC, { op: 'list' } satisfies RmcRequest) as ShardRmcs[];
      return {
        rmcs: shards.flatMap((s) => s.rmcs),
        listeners: shards.map((s) => ({ shard: s.shard, ...s.listener })),
      };
    },
  },
  {
    method: 'GET', path: '/rmcs/:ip',
    answer: (req, fleet) => fleet.shards.callFor(RMC, req.params.ip, { op: 'rmc', ip: req.params.ip } satisfies RmcRequest),
  },
];
