// A fleet of one BMC serving Redfish over plain HTTP with virtual media, and a Range server holding boot.iso
// (64 CD blocks) for InsertMedia: what the Redfish tests that need media resources start.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator, type EmulatorProcess } from './emulator-process.js';
import { freeTcpPort, freeUdpPort } from './free-port.js';
import { startRangeServer, type RangeServer } from './range-server.js';

export interface RedfishMediaFleet { emu: EmulatorProcess; images: RangeServer; port: number }

/** Writes `dir`/fleet.yaml for one BMC at `bmc` and starts it; `port` is its Redfish port. */
export async function startRedfishMediaFleet(dir: string, bmc: string): Promise<RedfishMediaFleet> {
  const port = await freeTcpPort();
  const images = await startRangeServer();
  images.put('boot.iso', Buffer.alloc(64 * 2048, 1));
  writeFileSync(join(dir, 'fleet.yaml'), [
    `ipmiPort: ${await freeUdpPort()}`, 'control: none', `virtualMedia: { port: ${await freeTcpPort()} }`,
    `redfish: { port: ${port}, tls: false }`, 'racks:', `  - { name: r, bmcs: 1, firstIp: ${bmc} }`, '',
  ].join('\n'));
  const emu = await startEmulator(['--config', join(dir, 'fleet.yaml')]);
  return { emu, images, port };
}
