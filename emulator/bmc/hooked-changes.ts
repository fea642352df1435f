// Which requests change what hooks watch, and how, told before the change is made so a gating hook can refuse it:
// Chassis Control (IPMI 2.0 §28.3), Set System Boot Options' boot flags (§28.12, parameter 5), Cold and Warm Reset
// (§20.2, §20.3) and the bmcfleet Set Virtual Media command. Any other request, or one that would change nothing,
// is null. Only a BMC with hooks asks.
import { DecodeError } from '../../protocols/errors.js';
import { SetSystemBootOptions } from '../../protocols/ipmi/commands/boot-options.js';
import { ChassisControl } from '../../protocols/ipmi/commands/chassis.js';
import { ColdReset, WarmReset } from '../../protocols/ipmi/commands/device.js';
import type { IpmiRequest } from '../../protocols/ipmi/message.js';
import { MediaAction, SetVirtualMedia, VirtualDrive } from '../../protocols/ipmi/oem/virtual-media.js';
import { isBmcfleetRequest } from '../../protocols/ipmi/oem/iana.js';
import { DriveKind } from '../../protocols/scsi/medium.js';
import { bootDeviceName } from './boot-options.js';
import { HookEvent, type HookChange } from './hook-port.js';
import type { BmcModel } from './model.js';
import { POWER_ACTIONS } from './power.js';
import type { VirtualMediaPort } from './virtual-media-port.js';

const ACTION_NAMES = new Map(Object.entries(POWER_ACTIONS).map(([name, code]) => [code, name]));

const is = (req: IpmiRequest, def: { netFn: number; cmd: number }) => req.netFn === def.netFn && req.cmd === def.cmd;

/** The change `req` would make, or null. */
export function hookedChange(req: IpmiRequest, model: BmcModel, media: VirtualMediaPort | null): HookChange | null {
  try {
    if (is(req, ChassisControl)) return powerChange(model, ChassisControl.decodeRequest(req.data).action, 'ipmi');
    if (is(req, SetSystemBootOptions)) return bootDeviceChange(model, SetSystemBootOptions.decodeRequest(req.data).parameter);
    if (is(req, ColdReset) || is(req, WarmReset)) {
      return { event: HookEvent.BMC_RESET, action: is(req, ColdReset) ? 'cold' : 'warm', old: {}, new: {}, source: 'ipmi' };
    }
    if (is(req, SetVirtualMedia) && media && isBmcfleetRequest(req.data)) return mediaChange(media, SetVirtualMedia.decodeRequest(req.data));
  } catch (err) {
    if (err instanceof DecodeError) return null; // refused by its handler: nothing changes
    throw err;
  }
  return null;
}

/** The change Chassis Control `action` would make to the host's power (IPMI or the control API), null for none. */
export function powerChange(model: BmcModel, action: number, source: HookChange['source']): HookChange | null {
  const outcome = model.chassis.preview(action);
  const before = model.powerOn ? 'on' : 'off';
  const name = ACTION_NAMES.get(action) ?? String(action);
  switch (outcome) {
    case 'powered-on': return { event: HookEvent.POWER, action: name, old: { power: before }, new: { power: 'on' }, source };
    case 'powered-off': return { event: HookEvent.POWER, action: name, old: { power: before }, new: { power: 'off' }, source };
    case 'power-cycled': case 'diagnostic-interrupt':
      return { event: HookEvent.POWER, action: name, old: { power: before }, new: { power: 'on' }, source };
    case 'reset': return { event: HookEvent.RESET, action: name, old: { power: before }, new: { power: 'on' }, source };
    default: return null; // unchanged, refused
  }
}

function bootDeviceChange(model: BmcModel, parameter: ReturnType<typeof SetSystemBootOptions.decodeRequest>['parameter']): HookChange | null {
  if (parameter.kind !== 'boot-flags') return null;
  const now = model.bootOptions.override;
  const old = { device: model.bootDevice, persistent: now.persistent, efi: now.efi };
  const next = { device: parameter.valid ? bootDeviceName(parameter.device) : 'none', persistent: parameter.persistent, efi: parameter.efi };
  if (old.device === next.device && old.persistent === next.persistent && old.efi === next.efi) return null;
  return { event: HookEvent.BOOT_DEVICE, action: 'set', old, new: next, source: 'ipmi' };
}

function mediaChange(media: VirtualMediaPort, req: { drive: number; action: number; source: string }): HookChange | null {
  const drive = req.drive === VirtualDrive.CDROM ? DriveKind.cdrom : req.drive === VirtualDrive.DISK ? DriveKind.disk : null;
  if (drive === null || (req.action !== MediaAction.INSERT && req.action !== MediaAction.EJECT)) return null;
  const insert = req.action === MediaAction.INSERT;
  return mediaEvent(drive, media.status(drive).source || null, insert ? req.source : null, 'ipmi');
}

/** A virtual drive's image changing from `before` to `after` (null: empty). */
export function mediaEvent(drive: DriveKind, before: string | null, after: string | null, source: HookChange['source']): HookChange {
  return { event: HookEvent.MEDIA, action: after === null ? 'eject' : 'insert', old: { drive, image: before }, new: { drive, image: after }, source };
}
