// The BMC node kind: an emulated BMC and its host on the BMC's address, RMCP/IPMI on UDP (the fleet's IPMI port),
// virtual media over USB/IP and Redfish on TCP (when configured), controlled through /bmcs, /faults, /stall,
// /bmcs/IP/media, /bmcs/IP/sensors, /bmcs/IP/sel (and /counters, /metrics for the fleet).
import type { EmulatedBmc } from '../../bmc/emulated-bmc.js';
import { bmcRoutes } from '../control/bmcs.js';
import { faultRoutes } from '../control/faults.js';
import { mediaRoutes } from '../control/media.js';
import { selRoutes } from '../control/sel.js';
import { sensorRoutes } from '../control/sensors.js';
import { addressIndex } from '../plan.js';
import { BMC } from './bmc-requests.js';
import { BmcNodes } from './bmc-nodes.js';
import type { NodeKind } from './node-kind.js';

/** A BMC without virtual media (never asked: the port is not served then) closes the connection. */
const NO_MEDIA = { accept: (socket: { destroy(): void }) => socket.destroy() };

export const bmcKind: NodeKind<EmulatedBmc, BmcNodes> = {
  name: BMC,
  label: 'BMC',
  positions: addressIndex,
  create: (config, from, to, context) => new BmcNodes(config, from, to, context),
  address: (bmc) => bmc.model.ip,
  endpoints: [
    { transport: 'udp', port: (config) => config.ipmiPort, handler: (bmc) => bmc },
    // virtual media over USB/IP, when the fleet file has a virtualMedia section
    { transport: 'tcp', port: (config) => config.virtualMedia?.port ?? null, handler: (bmc) => bmc.virtualMedia ?? NO_MEDIA },
    // Redfish (HTTPS), when the fleet file has a redfish section: one service per shard, routed by address
    { transport: 'tcp', port: (config) => config.redfish?.port ?? null, handler: (bmc, nodes) => nodes.redfishFor(bmc) },
  ],
  routes: [...bmcRoutes, ...faultRoutes, ...mediaRoutes, ...sensorRoutes, ...selRoutes],
};
