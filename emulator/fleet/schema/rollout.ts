// rollout: the fleet's side of the rollout protocol (the port RMCs listen on, the manager key they trust), and
// firmwareTimings: how long each HPM.1 upgrade step of every BMC takes.
import { z } from 'zod';
import type { FirmwareTimings } from '../../bmc/firmware-upgrade.js';
import { DEFAULT_ROLLOUT_PORT } from '../../../protocols/rollout/header.js';
import { PUBLIC_KEY_LENGTH } from '../../../protocols/rollout/keys.js';
import { shown, text, wholeNumber } from './kinds.js';

export interface RolloutConfig {
  port: number;
  /** Raw Ed25519 public keys (32 bytes each), base64; none: every RMC ignores every signed command. */
  managerKeys: string[];
}

const managerKey = text().refine((key) => /^[A-Za-z0-9+/]+={0,2}$/.test(key) && Buffer.from(key, 'base64').length === PUBLIC_KEY_LENGTH, {
  error: (issue) => `expected the manager's raw Ed25519 public key, ${PUBLIC_KEY_LENGTH} bytes in base64 (44 characters), got ${shown(issue.input)}`,
});

export const rolloutSection = z.strictObject({
  port: wholeNumber(1, 65535).prefault(DEFAULT_ROLLOUT_PORT).describe('UDP port every RMC listens on, at its own address'),
  managerKey: managerKey.nullable().optional().describe('the manager\'s raw Ed25519 public key in base64 (what `bmcfleet manager key` prints); none: RMCs ignore every signed command'),
}).transform(({ port, managerKey }): RolloutConfig => ({ port, managerKeys: managerKey ? [Buffer.from(managerKey, 'base64').toString('base64')] : [] }))
  .prefault({}).describe('firmware rollout (README "The rollout protocol")');

const stepMs = () => wholeNumber(0, 3_600_000).optional();

export const firmwareTimingsSection = z.strictObject({
  backupMs: stepMs(),
  prepareMs: stepMs(),
  writeMs: stepMs().describe('the flash write after Finish Firmware Upload'),
  activateMs: stepMs(),
  rollbackMs: stepMs(),
  rebootMs: stepMs().describe('how long a BMC is silent after activation or rollback (sessions lost)'),
} satisfies Record<keyof FirmwareTimings, z.ZodType>).prefault({}).describe('how long each HPM.1 upgrade step of every BMC takes, ms; unset ones keep their defaults');
