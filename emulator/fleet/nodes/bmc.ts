// The BMC node kind: an emulated BMC and its host on the BMC's address, RMCP/IPMI on UDP (the fleet's IPMI port),
// controlled through /bmcs, /faults, /stall (and /counters, /metrics for the fleet).
import type { EmulatedBmc } from '../../bmc/emulated-bmc.js';
import { bmcRoutes } from '../control/bmcs.js';
import { faultRoutes } from '../control/faults.js';
import { addressIndex } from '../plan.js';
import { BMC } from './bmc-requests.js';
import { BmcNodes } from './bmc-nodes.js';
import type { NodeKind } from './node-kind.js';

export const bmcKind: NodeKind<EmulatedBmc> = {
  name: BMC,
  label: 'BMC',
  positions: addressIndex,
  create: (config, from, to, context) => new BmcNodes(config, from, to, context),
  address: (bmc) => bmc.model.ip,
  endpoints: [{ transport: 'udp', port: (config) => config.ipmiPort, handler: (bmc) => bmc }],
  routes: [...bmcRoutes, ...faultRoutes],
};
