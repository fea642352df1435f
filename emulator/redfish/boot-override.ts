// The Redfish boot override (ComputerSystem Boot: BootSourceOverrideEnabled, -Target, -Mode) read from and written to
// the same boot flags as IPMI's Set System Boot Options parameter 5 (IPMI 2.0 §28.13, Table 28-14), so
// `ipmitool chassis bootparam get 5` shows what Redfish set, and Redfish shows what ipmitool set.
//   Enabled: Disabled = valid bit clear; Once = valid; Continuous = valid + persistent (data 1 [7], [6])
//   Mode:    UEFI = data 1 [5] (EFI boot), Legacy = clear
//   Target:  data 2 [5:2], by the table below (the boot sources OpenBMC maps between its Redfish and IPMI sides)
import { BootDeviceCode, BootParam, decodeBootParameter, encodeBootParameter, type BootFlags } from '../../protocols/ipmi/commands/boot-options.js';
import { RedfishError } from '../../protocols/redfish/messages.js';
import type { BmcRedfish } from './bmc-redfish.js';

/** Redfish BootSource values (ComputerSystem.BootSource) and the IPMI device each is written as. */
const TARGET_DEVICES = {
  None: BootDeviceCode.NONE,
  Pxe: BootDeviceCode.PXE,
  Hdd: BootDeviceCode.DISK,
  Cd: BootDeviceCode.CDROM,
  /** "primary removable media" */
  Usb: BootDeviceCode.FLOPPY,
  BiosSetup: BootDeviceCode.BIOS,
  Diags: BootDeviceCode.DIAG,
  /** Network boot: IPMI has no HTTP boot, so PXE with the EFI bit (BmcRedfish.uefiHttp tells it apart). */
  UefiHttp: BootDeviceCode.PXE,
} as const;
export type BootTarget = keyof typeof TARGET_DEVICES;
export const BOOT_TARGETS = Object.keys(TARGET_DEVICES) as BootTarget[];

export const BOOT_ENABLED = ['Disabled', 'Once', 'Continuous'] as const;
export const BOOT_MODES = ['Legacy', 'UEFI'] as const;

export interface RedfishBoot {
  BootSourceOverrideEnabled: typeof BOOT_ENABLED[number];
  BootSourceOverrideTarget: BootTarget;
  BootSourceOverrideMode: typeof BOOT_MODES[number];
}

/** Redfish names of IPMI devices, for devices IPMI may have set that Redfish has no own name for. */
function targetOf(device: number, uefiHttp: boolean): BootTarget {
  if (device === BootDeviceCode.PXE) return uefiHttp ? 'UefiHttp' : 'Pxe';
  switch (device) {
    case BootDeviceCode.DISK: case BootDeviceCode.SAFE: case BootDeviceCode.REMOTE_DISK: return 'Hdd';
    case BootDeviceCode.CDROM: case BootDeviceCode.REMOTE_CDROM: return 'Cd';
    case BootDeviceCode.FLOPPY: case BootDeviceCode.REMOTE_FLOPPY: case BootDeviceCode.REMOTE_MEDIA: return 'Usb';
    case BootDeviceCode.BIOS: return 'BiosSetup';
    case BootDeviceCode.DIAG: return 'Diags';
    default: return 'None';
  }
}

function bootFlags(target: BmcRedfish): BootFlags {
  const read = target.bmc.model.bootOptions.read(BootParam.BOOT_FLAGS, 0);
  if (!read.ok) throw new Error(`boot flags unreadable: ${read.error}`); // parameter 5 always reads
  return decodeBootParameter(BootParam.BOOT_FLAGS, read.data, 'response') as BootFlags;
}

export function readBoot(target: BmcRedfish): RedfishBoot {
  const flags = bootFlags(target);
  return {
    BootSourceOverrideEnabled: !flags.valid ? 'Disabled' : flags.persistent ? 'Continuous' : 'Once',
    BootSourceOverrideTarget: targetOf(flags.device, target.uefiHttp && flags.efi),
    BootSourceOverrideMode: flags.efi ? 'UEFI' : 'Legacy',
  };
}

/** Applies the Boot object of a PATCH (only the properties given); throws 400 naming a bad one. */
export function writeBoot(target: BmcRedfish, patch: unknown, now: number): void {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw new RedfishError(400, 'PropertyValueTypeError', [JSON.stringify(patch), 'Boot']);
  const change = patch as Record<string, unknown>;
  const known = ['BootSourceOverrideEnabled', 'BootSourceOverrideTarget', 'BootSourceOverrideMode'];
  for (const key of Object.keys(change)) if (!known.includes(key)) throw new RedfishError(400, 'PropertyUnknown', [`Boot/${key}`]);
  const pick = <T extends string>(key: string, allowed: readonly T[]): T | undefined => {
    const v = change[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new RedfishError(400, 'PropertyValueNotInList', [String(v), key]);
    return v as T;
  };
  const enabled = pick('BootSourceOverrideEnabled', BOOT_ENABLED);
  const targetName = pick('BootSourceOverrideTarget', BOOT_TARGETS);
  const mode = pick('BootSourceOverrideMode', BOOT_MODES);
  const flags = bootFlags(target);
  if (enabled !== undefined) {
    flags.valid = enabled !== 'Disabled';
    flags.persistent = enabled === 'Continuous';
  }
  if (mode !== undefined) flags.efi = mode === 'UEFI';
  if (targetName !== undefined) {
    flags.device = TARGET_DEVICES[targetName];
    target.uefiHttp = targetName === 'UefiHttp';
    if (targetName === 'UefiHttp') flags.efi = true;
    // A target with no Enabled given turns the override on once, as clients that send the target alone expect.
    if (enabled === undefined && targetName !== 'None' && !flags.valid) flags.valid = true;
  }
  const written = target.bmc.model.bootOptions.write(BootParam.BOOT_FLAGS, encodeBootParameter(flags), false);
  if (!written.ok) throw new RedfishError(409, 'ResourceInUse'); // set in progress over IPMI (§28.12)
  target.bmc.model.emit({ kind: 'boot-option', parameter: BootParam.BOOT_FLAGS }, now);
  target.changed();
}
