// The emulated iSCSI targets and their iSNS registrations: listed, added, removed, LUNs degraded and restored.
//
//   GET    /targets                  emulated iSCSI targets: IQN, portal, LUNs, iSNS entity
//   POST   /targets  {"name", "firstIp", "count"?, "port"?, "luns"?}  (as in the fleet file) add targets
//   DELETE /targets/IQN              deregister and remove a target
//   PUT    /targets/IQN/luns/N  {"state": "online|offline|busy|unknown"}  degrade or restore a LUN
import { ControlError } from '../control-error.js';
import { targetEntry } from '../fleet-config.js';
import type { TargetFleet } from '../target-fleet.js';
import { checkedBody, type FleetControl, type Route } from './route.js';

export const targetRoutes: readonly Route[] = [
  {
    method: 'GET', path: '/targets',
    answer: (_req, fleet) => targetsOf(fleet).list(),
  },
  {
    method: 'POST', path: '/targets',
    async answer(req, fleet) {
      const targets = targetsOf(fleet);
      const b = await req.body();
      const specs = checkedBody(() => targetEntry(b, 'POST /targets'));
      const added = [];
      for (const spec of specs) added.push(await targets.add(spec));
      return added;
    },
  },
  {
    method: 'DELETE', path: '/targets/:iqn',
    async answer(req, fleet) {
      await targetsOf(fleet).remove(req.params.iqn);
      return { removed: req.params.iqn };
    },
  },
  {
    method: 'PUT', path: '/targets/:iqn/luns/:lun',
    async answer(req, fleet) {
      const targets = targetsOf(fleet);
      const b = await req.body();
      const lun = Number(req.params.lun);
      if (!Number.isInteger(lun) || typeof b.state !== 'string') throw new ControlError(400, 'PUT /targets/IQN/luns/N with {"state": "online|offline|busy|unknown"}');
      return targets.setLunState(req.params.iqn, lun, b.state as never);
    },
  },
  {
    method: '*', path: '/targets/**',
    answer(req, fleet) {
      targetsOf(fleet);
      throw new ControlError(404, `no such endpoint: ${req.method} /${req.parts.join('/')}`);
    },
  },
];

function targetsOf(fleet: FleetControl): TargetFleet {
  if (!fleet.targets) throw new ControlError(404, 'this fleet has no iSNS server and no targets (isns: and targets: in the fleet file)');
  return fleet.targets;
}
