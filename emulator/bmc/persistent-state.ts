// What of a BMC survives a restart when the fleet has a state directory: users, the SEL, boot options and
// the firmware version (the BMC's non-volatile storage), as plain JSON.
import type { BootOptionsState } from './boot-options.js';
import type { BmcModel } from './model.js';
import type { SelState } from './sel.js';
import type { UserTableState } from './user-table.js';

export const BMC_STATE_VERSION = 1;

export interface BmcState {
  version: typeof BMC_STATE_VERSION;
  users: UserTableState;
  sel: SelState;
  bootOptions: BootOptionsState;
  firmware: { major: number; minor: number };
}

export function captureState(model: BmcModel): BmcState {
  return {
    version: BMC_STATE_VERSION,
    users: model.users.toJSON(),
    sel: model.sel.toJSON(),
    bootOptions: model.bootOptions.toJSON(),
    firmware: { major: model.device.firmwareMajor, minor: model.device.firmwareMinor },
  };
}

/** Restores a saved state; throws RangeError for a file of another version or shape (the caller reports it). */
export function restoreState(model: BmcModel, state: BmcState): void {
  if (state?.version !== BMC_STATE_VERSION || !state.users || !state.sel || !state.bootOptions || !state.firmware) {
    throw new RangeError(`not a version ${BMC_STATE_VERSION} BMC state`);
  }
  model.users.load(state.users);
  model.sel.load(state.sel);
  model.bootOptions.load(state.bootOptions);
  model.device.firmwareMajor = state.firmware.major;
  model.device.firmwareMinor = state.firmware.minor;
}
