// The control API's RMC routes (README "The control API"):
//
//   GET  /rmcs             every RMC in fleet order (address, ID, rack, rollout and phase, commands accepted and
//                          ignored, replies sent), and per shard what its broadcast listener received
//   GET  /rmcs/IP          one RMC: its counters, the commands it ignored by reason, the manager keys it trusts, the
//                          image it holds, its faults and what they did, each BMC's progress in the flash
//   PUT  /rmcs/IP/faults   {"lossPercent": 5, "corruptChunkPercent": 10}   merged into one RMC's faults
//   PUT  /rmcs/faults      the same, every RMC
//   POST /rmcs/IP/crash    {"offMs": 3000}   the RMC loses its memory, is silent offMs, then starts from its store
//   POST /rmcs/trust       {"key": BASE64}   every RMC trusts one more manager key (the raw Ed25519 public key)
import { PUBLIC_KEY_LENGTH } from '../../protocols/rollout/keys.js';
import { MAX_TIMER_MS } from '../../runtime/clock.js';
import { ControlError } from '../fleet/control-error.js';
import type { Route } from '../fleet/control/route.js';
import { rmcFaultsBody } from './rmc-faults.js';
import { RMC, type RmcRequest, type ShardRmcs } from './rmc-nodes.js';

function offMsBody(b: Record<string, unknown>): number {
  const offMs = b.offMs;
  if (typeof offMs !== 'number' || !Number.isInteger(offMs) || offMs < 0 || offMs > MAX_TIMER_MS) {
    throw new ControlError(400, `body must be {"offMs": N}, N a whole number of ms from 0 to ${MAX_TIMER_MS}`);
  }
  return offMs;
}

function keyBody(b: Record<string, unknown>): string {
  const key = b.key;
  if (typeof key !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(key) || Buffer.from(key, 'base64').length !== PUBLIC_KEY_LENGTH) {
    throw new ControlError(400, `body must be {"key": BASE64}, the manager's raw Ed25519 public key (${PUBLIC_KEY_LENGTH} bytes)`);
  }
  return key;
}

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
  {
    method: 'PUT', path: '/rmcs/faults',
    async answer(req, fleet) {
      const change = rmcFaultsBody(await req.body());
      const shards = await fleet.shards.callAll(RMC, { op: 'faults', ip: null, change } satisfies RmcRequest) as unknown[][];
      return { rmcs: shards.flat() };
    },
  },
  {
    method: 'PUT', path: '/rmcs/:ip/faults',
    async answer(req, fleet) {
      const change = rmcFaultsBody(await req.body());
      const [one] = await fleet.shards.callFor(RMC, req.params.ip, { op: 'faults', ip: req.params.ip, change } satisfies RmcRequest) as unknown[];
      return one;
    },
  },
  {
    method: 'POST', path: '/rmcs/:ip/crash',
    answer: async (req, fleet) => fleet.shards.callFor(RMC, req.params.ip, { op: 'crash', ip: req.params.ip, offMs: offMsBody(await req.body()) } satisfies RmcRequest),
  },
  {
    method: 'POST', path: '/rmcs/trust',
    async answer(req, fleet) {
      const key = keyBody(await req.body());
      const shards = await fleet.shards.callAll(RMC, { op: 'trust', key } satisfies RmcRequest) as { rmcs: number; added: boolean }[];
      return { rmcs: shards.reduce((n, s) => n + s.rmcs, 0) };
    },
  },
];
