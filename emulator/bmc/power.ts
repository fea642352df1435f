// Host power control shared by Chassis Control (IPMI 2.0 §28.3) and the fleet's control API: one place
// changes the chassis and tells the model's listeners (SEL, console), whoever asked.
import { ChassisAction } from '../../protocols/ipmi/commands/chassis.js';
import type { ChassisControlOutcome } from './chassis-state.js';
import type { BmcModel } from './model.js';

/** Names the control API accepts, as ipmitool spells them (`chassis power on|off|cycle|reset|soft`). */
export const POWER_ACTIONS: Record<string, number> = {
  on: ChassisAction.POWER_UP,
  off: ChassisAction.POWER_DOWN,
  cycle: ChassisAction.POWER_CYCLE,
  reset: ChassisAction.HARD_RESET,
  soft: ChassisAction.SOFT_SHUTDOWN,
  diag: ChassisAction.PULSE_DIAGNOSTIC_INTERRUPT,
};

export function controlPower(model: BmcModel, action: number, now: number, channel: number): ChassisControlOutcome {
  const outcome = model.chassis.control(action, now, channel);
  if (outcome !== 'unchanged' && outcome !== 'invalid' && outcome !== 'not-in-present-state') {
    model.emit({ kind: 'power', outcome, powerOn: model.chassis.powerOn }, now);
  }
  return outcome;
}
