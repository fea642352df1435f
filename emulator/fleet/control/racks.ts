// Racks added and removed while the fleet runs (runtime-changes.ts), in the fleet file's rack form.
//
//   POST   /racks {"name", "firstIp", "bmcs", "rmc"?: {"ip", "id"?}, "template"?, ...}   a rack and its RMC
//   DELETE /racks/NAME   its BMCs and RMC stop answering and free their addresses
import { changesOf } from './bmcs.js';
import type { Route } from './route.js';

export const rackRoutes: readonly Route[] = [
  {
    method: 'POST', path: '/racks',
    answer: async (req, fleet) => changesOf(fleet).addRack(await req.body()),
  },
  {
    method: 'DELETE', path: '/racks/:name',
    answer: (req, fleet) => changesOf(fleet).removeRack(req.params.name),
  },
];
