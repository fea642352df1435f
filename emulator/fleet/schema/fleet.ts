// The fleet file's schema: one entry per section, each section's schema in its own file. Values come out checked,
// converted (versions, HOST:PORT, privileges) and with the defaults that need no context; fleet-config.ts fills in
// the rest (a rack's name, firmware, faults and console from the fleet's) and fleet-checks.ts checks across sections.
// A new section: its schema in a file here, one line below, one field in FleetConfig.
import { z } from 'zod';
import { faultsSection } from './faults.js';
import { templatesSection } from './hardware.js';
import { isnsSection, targetsSection } from './isns.js';
import { expected, firmwareVersion, hostPortOrNone, ipv4Text, text, wholeNumber } from './kinds.js';
import { consoleSection, racksSection } from './racks.js';
import { firmwareTimingsSection, rolloutSection } from './rollout.js';
import { securitySection, usersSection } from './users.js';
import { redfishSection } from './redfish.js';
import { virtualMediaSection } from './virtual-media.js';
import { hooksSection } from './hooks.js';

const path = () => text().nullable().optional();

export const fleetSchema = z.strictObject({
  name: text().prefault('fleet').describe('the fleet\'s name'),
  ipmiPort: wholeNumber(1, 65535).prefault(623).describe('UDP port of every BMC; 623 (the IPMI port) needs root, --ipmi-port overrides it'),
  users: usersSection,
  security: securitySection,
  shards: z.union([z.literal('auto'), wholeNumber(1, 64)], { error: expected('"auto" or a whole number from 1 to 64') })
    .transform((n) => n === 'auto' ? 0 : n).prefault('auto')
    .describe('processes the BMCs are spread over; auto: 1 up to 1,000 BMCs, then one per 12,500 (at least 2)'),
  control: hostPortOrNone().prefault('127.0.0.1:0').describe('control API and Prometheus /metrics (HTTP); port 0: a free one; "none": off'),
  controlTokenFile: path().describe('the control API asks every request for the token in this file (made, mode 0600, when missing)'),
  stateDir: path().describe('where BMCs and RMCs keep their state across restarts; default: in memory'),
  templates: templatesSection.prefault({}),
  firmware: firmwareVersion().prefault('1.00').describe('firmware version every BMC reports (Get Device ID) unless its rack says otherwise'),
  faults: faultsSection.prefault({}),
  console: consoleSection.optional(),
  racks: racksSection,
  bmcs: z.record(ipv4Text(), z.strictObject({ faults: faultsSection.prefault({}) }))
    .prefault({}).describe('single BMCs by address: their faults, over their rack\'s'),
  isns: isnsSection.nullable().optional(),
  targets: targetsSection.prefault([]),
  rollout: rolloutSection,
  firmwareTimings: firmwareTimingsSection,
  virtualMedia: virtualMediaSection.nullable().optional(),
  redfish: redfishSection.nullable().optional(),
  hooks: hooksSection.nullable().optional(),
}).describe('a bmcfleet fleet file: racks of emulated BMCs and what they run with (README "bmcfleet emulate", fleets/default.yaml)');

export type FleetDocument = z.output<typeof fleetSchema>;
export type RackDocument = FleetDocument['racks'][number];
export type TargetDocument = FleetDocument['targets'][number];
