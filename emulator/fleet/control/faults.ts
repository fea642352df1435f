// Faults of one BMC or of all, and busy stalls: the fleet file's fault checks apply to every body.
//
//   PUT  /bmcs/IP/faults   {lossPercent, latencyMs, busyStallMs, busyEveryMs, slowCommands, firmwareHang}  (merged)
//   PUT  /faults           same body, every BMC (all or nothing)
//   POST /bmcs/IP/stall    {"ms": 1500}     busy now: requests queue, then are answered in order
//   POST /stall            {"ms": 1500}     every BMC
import type { FaultSettings } from '../../bmc/faults.js';
import { askAllBmcs, askBmc, msBody } from './bmcs.js';
import { checkedBody, type Route } from './route.js';

export const faultRoutes: readonly Route[] = [
  {
    method: 'PUT', path: '/faults',
    answer: async (req, fleet) => summed(await askAllBmcs(fleet, { op: 'faults', ip: null, change: await faultBody(await req.body()) }), 'changed'),
  },
  {
    method: 'PUT', path: '/bmcs/:ip/faults',
    answer: async (req, fleet) => askBmc(fleet, req.params.ip, { op: 'faults', ip: req.params.ip, change: await faultBody(await req.body()) }),
  },
  {
    method: 'POST', path: '/stall',
    answer: async (req, fleet) => {
      const ms = msBody(await req.body());
      return { ...summed(await askAllBmcs(fleet, { op: 'stall', ip: null, ms }), 'stalled'), ms };
    },
  },
  {
    method: 'POST', path: '/bmcs/:ip/stall',
    answer: async (req, fleet) => askBmc(fleet, req.params.ip, { op: 'stall', ip: req.params.ip, ms: msBody(await req.body()) }),
  },
];

/** One answer for the whole fleet, shaped like one BMC's: each shard's count added up ({"changed": 150}). */
function summed<K extends string>(perShard: readonly unknown[], key: K): Record<K, number> {
  let total = 0;
  for (const answer of perShard) total += (answer as Record<K, number>)[key];
  return { [key]: total } as Record<K, number>;
}

async function faultBody(b: Record<string, unknown>): Promise<Partial<FaultSettings>> {
  // The fleet file's checks (and their schema library) load with the first body: the shard processes, which carry
  // these routes but never answer them, do without.
  const { faultsEntry } = await import('../fleet-config.js');
  return checkedBody(() => faultsEntry(b, 'faults'));
}
