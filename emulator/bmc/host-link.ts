// The BMC's side of its host: the host's identity comes from the BMC's hardware template and IP, and the
// host's console follows the power the BMC controls (Chassis Control, the control API).
import type { Clock } from '../../runtime/clock.js';
import { HostConsole, type BootHow, type HostConsoleSettings } from '../host/host-console.js';
import { fnv1a, hostIdentityFor, type HostIdentity } from '../host/host-identity.js';
import type { BmcModel } from './model.js';

export function hostIdentityOf(model: BmcModel): HostIdentity {
  return hostIdentityFor(model.ip, model.hardware);
}

/** How the host boots at `at` (its installation agent decides); by default from its disk. */
export type BootChooser = (at: number) => BootHow;

/** A console for `model`'s host that follows its power. */
export function hostConsoleFor(model: BmcModel, clock: Clock, settings: HostConsoleSettings = {}, chooseBoot?: BootChooser): HostConsole {
  const host = new HostConsole({
    ...settings, identity: () => hostIdentityOf(model), seed: fnv1a(model.ip), clock, powerOn: model.powerOn, now: clock.now(),
  });
  followPower(host, model, chooseBoot);
  return host;
}

/** Feeds the model's power changes to the host; returns the unsubscribe function. */
export function followPower(host: HostConsole, model: BmcModel, chooseBoot?: BootChooser): () => void {
  return model.onChange((e) => {
    if (e.kind !== 'power') return;
    if (e.outcome === 'powered-off') host.powerOff(e.at);
    else if (e.outcome === 'powered-on' || e.outcome === 'power-cycled' || e.outcome === 'reset') host.boot(e.at, chooseBoot?.(e.at));
    else if (e.outcome === 'diagnostic-interrupt') host.nmi(e.at);
  });
}
