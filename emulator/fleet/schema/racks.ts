// racks: BMCs on consecutive addresses (.0 and .255 skipped), each rack with its hardware template, firmware, faults,
// console and rack controller; console: the hosts' serial consoles (fleet default, a rack's override).
import { z } from 'zod';
import { ALL_RMCS } from '../../../protocols/rollout/header.js';
import { MAX_RACK_NAME_BYTES } from '../../../protocols/rollout/prepare-reply.js';
import { faultsSection } from './faults.js';
import { firmwareVersion, ipv4Text, text, wholeNumber } from './kinds.js';

export const consoleSection = z.strictObject({
  lineIntervalMs: wholeNumber(10, 3_600_000).optional().describe('after the boot log, one numbered log line this often (ms; default 1000)'),
}).describe('the hosts\' serial consoles, what Serial-over-LAN shows');

const rmc = z.strictObject({
  ip: ipv4Text('the RMC\'s own address (it listens on the rollout port there)').describe('the RMC\'s own address, not a BMC\'s'),
  // FFFFFFFFh is the header's "every RMC" (protocols/rollout/header.ts ALL_RMCS).
  id: wholeNumber(0, ALL_RMCS - 1).optional().describe('its RMC ID, what the manager\'s plan names it by; default: the rack\'s number from 1'),
}).describe('the rack\'s controller (README "The rollout protocol")');

/** A bound of ours on one rack (a rack with an RMC: 65535, its reports count BMCs in a u16). */
const MAX_RACK_BMCS = 1_000_000;

export const rack = z.strictObject({
  name: text().optional().describe('unique; default rack-N, N its number in the list from 1'),
  bmcs: wholeNumber(1, MAX_RACK_BMCS).describe('how many BMCs, on consecutive addresses from firstIp'),
  firstIp: ipv4Text().describe('the first BMC\'s address, in 127.0.0.0/8; addresses ending in .0 or .255 are skipped'),
  template: text().optional().describe('a hardware template\'s name (templates:); default: the built-in server'),
  firmware: firmwareVersion().optional().describe('firmware version its BMCs report (Get Device ID); default: the fleet\'s'),
  faults: faultsSection.optional().describe('faults over the fleet\'s, field by field'),
  console: consoleSection.optional(),
  rmc: rmc.nullable().optional(),
}).superRefine((r, ctx) => {
  if (!r.rmc) return;
  // Its Prepare Reply carries both (protocols/rollout/prepare-reply.ts).
  if (r.name !== undefined && Buffer.byteLength(r.name) > MAX_RACK_NAME_BYTES) {
    ctx.addIssue({ code: 'custom', path: ['name'], message: `at most ${MAX_RACK_NAME_BYTES} bytes in a rack with an RMC`, input: r.name });
  }
  if (r.bmcs > 0xffff) ctx.addIssue({ code: 'custom', path: ['bmcs'], message: 'at most 65535 in a rack with an RMC', input: r.bmcs });
});

export const racksSection = z.array(rack, { error: 'expected a list of racks, e.g. [ { bmcs: 4, firstIp: 127.1.0.1 } ]' })
  .min(1, { error: 'at least one rack is needed' })
  .describe('racks of BMCs; each BMC gets its own loopback address and answers on the IPMI port');
