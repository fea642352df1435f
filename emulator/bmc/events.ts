// What changes in a BMC's model, as its listeners (the SEL, the host console, the state store) hear it.
import type { IdentifyState } from '../../protocols/ipmi/commands/chassis.js';
import type { ChassisControlOutcome } from './chassis-state.js';

export type BmcChange =
  | { kind: 'power'; outcome: ChassisControlOutcome; powerOn: boolean }
  | { kind: 'identify'; state: IdentifyState }
  | { kind: 'power-restore-policy'; policy: number }
  | { kind: 'boot-option'; parameter: number }
  | { kind: 'bmc-reset'; cold: boolean }
  | { kind: 'user'; userId: number; field: 'name' | 'password' | 'enabled' | 'access' }
  | { kind: 'channel-access' }
  | { kind: 'lan'; parameter: number };

/** A change, numbered in the order it happened (for the SEL and logs). */
export type BmcEvent = BmcChange & { seq: number; at: number };
export type BmcListener = (event: BmcEvent) => void;
