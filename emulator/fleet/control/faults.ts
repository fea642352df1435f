// Faults of one BMC or of all, and busy stalls: the fleet file's fault checks apply to every body.
//
//   PUT  /bmcs/IP/faults   {lossPercent, latencyMs, busyStallMs, busyEveryMs, slowCommands, firmwareHang}  (merged)
//   PUT  /faults           same body, every BMC (all or nothing)
//   POST /bmcs/IP/stall    {"ms": 1500}     busy now: requests queue, then are answered in order
//   POST /stall            {"ms": 1500}     every BMC
import { faultsEntry } from '../fleet-config.js';
import { askAllBmcs, askBmc, msBody } from './bmcs.js';
import { checkedBody, type Route } from './route.js';

export const faultRoutes: readonly Route[] = [
  {
    method: 'PUT', path: '/faults',
    answer: async (req, fleet) => askAllBmcs(fleet, { op: 'faults', ip: null, change: faultBody(await req.body()) }),
  },
  {
    method: 'PUT', path: '/bmcs/:ip/faults',
    answer: async (req, fleet) => askBmc(fleet, req.params.ip, { op: 'faults', ip: req.params.ip, change: faultBody(await req.body()) }),
  },
  {
    method: 'POST', path: '/stall',
    answer: async (req, fleet) => askAllBmcs(fleet, { op: 'stall', ip: null, ms: msBody(await req.body()) }),
  },
  {
    method: 'POST', path: '/bmcs/:ip/stall',
    answer: async (req, fleet) => askBmc(fleet, req.params.ip, { op: 'stall', ip: req.params.ip, ms: msBody(await req.body()) }),
  },
];

function faultBody(b: Record<string, unknown>): ReturnType<typeof faultsEntry> {
  return checkedBody(() => faultsEntry(b, 'faults'));
}
