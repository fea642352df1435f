// The host chassis as the BMC sees it — IPMI 2.0 §28.2 (status bits), §28.3 (control actions), §28.5
// (identify), §28.8 (power restore policy), §28.11 (restart cause), §28.14 (power-on hours). No timers:
// every time-dependent answer is computed from the `now` it is given. The codes are the wire's
// (protocols/ipmi/commands/chassis.ts).
import {
  ChassisAction, LastPowerEvent, RestartCause, type IdentifyState,
} from '../../protocols/ipmi/commands/chassis.js';

/** 'unchanged' = accepted with nothing to do; 'not-in-present-state' = the spec's D5h advice for a powered-off host. */
export type ChassisControlOutcome = 'powered-off' | 'powered-on' | 'power-cycled' | 'reset' | 'diagnostic-interrupt'
  | 'unchanged' | 'not-in-present-state' | 'invalid';

export const POH_MINUTES_PER_COUNT = 1;

export class ChassisState {
  powerRestorePolicy: number;
  lastPowerEvent = 0;
  restartCause: number = RestartCause.UNKNOWN;
  /** Channel the restart-causing request came in on (Get System Restart Cause data 2). */
  restartChannel = 0;
  private poweredOnAt: number | null;
  private onMsBefore = 0;
  /** 0 = off, Infinity = on until turned off, else the time it goes off. */
  private identifyUntil = 0;

  constructor(powerOn: boolean, powerRestorePolicy: number, now: number) {
    this.poweredOnAt = powerOn ? now : null;
    this.powerRestorePolicy = powerRestorePolicy;
  }

  get powerOn(): boolean {
    return this.poweredOnAt !== null;
  }

  /** What `action` would do now, changing nothing: hooks are asked before a change is made. */
  preview(action: number): ChassisControlOutcome {
    const on = this.powerOn;
    switch (action) {
      case ChassisAction.POWER_DOWN: return on ? 'powered-off' : 'unchanged';
      case ChassisAction.POWER_UP: return on ? 'unchanged' : 'powered-on';
      case ChassisAction.POWER_CYCLE: return on ? 'power-cycled' : 'not-in-present-state';
      case ChassisAction.HARD_RESET: return on ? 'reset' : 'not-in-present-state';
      case ChassisAction.PULSE_DIAGNOSTIC_INTERRUPT: return on ? 'diagnostic-interrupt' : 'not-in-present-state';
      case ChassisAction.SOFT_SHUTDOWN: return on ? 'powered-off' : 'not-in-present-state'; // the emulated OS honours the ACPI request at once
      default: return 'invalid';
    }
  }

  control(action: number, now: number, channel: number): ChassisControlOutcome {
    const outcome = this.preview(action);
    switch (outcome) {
      case 'powered-off':
        this.setPower(false, now);
        break;
      case 'powered-on':
        this.setPower(true, now);
        this.restarted(channel);
        break;
      case 'power-cycled':
        this.setPower(false, now);
        this.setPower(true, now);
        this.restarted(channel);
        break;
      case 'reset':
        this.restarted(channel);
        break;
      default:
        break;
    }
    return outcome;
  }

  private setPower(on: boolean, now: number): void {
    if (on) {
      this.poweredOnAt = now;
      this.lastPowerEvent = LastPowerEvent.IPMI_COMMAND;
    } else if (this.poweredOnAt !== null) {
      this.onMsBefore += Math.max(0, now - this.poweredOnAt);
      this.poweredOnAt = null;
    }
  }

  private restarted(channel: number): void {
    this.restartCause = RestartCause.CHASSIS_CONTROL;
    this.restartChannel = channel;
  }

  /** Chassis Identify: `seconds` 0 turns it off; `force` keeps it on until turned off. */
  identify(seconds: number, force: boolean, now: number): void {
    if (force) this.identifyUntil = Infinity;
    else this.identifyUntil = seconds === 0 ? 0 : now + seconds * 1000;
  }

  identifyState(now: number): IdentifyState {
    if (this.identifyUntil === Infinity) return 'indefinite';
    return now < this.identifyUntil ? 'temporary' : 'off';
  }

  /** Total minutes the host has been powered on, for Get POH Counter. */
  powerOnMinutes(now: number): number {
    const current = this.poweredOnAt === null ? 0 : Math.max(0, now - this.poweredOnAt);
    return Math.floor((this.onMsBefore + current) / 60_000);
  }
}
