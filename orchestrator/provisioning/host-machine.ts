// One host's way through provisioning (issue 14), sans-I/O: each function takes a host's record, what happened and
// the time, and returns its next record, for the glue to save. The stages (store/host-records.ts):
//
//   found --identify--> identified --inventory--> inventoried      (steps 4-5 go on from inventoried)
//
// A step that fails leaves the stage where it was and records why (`failure`); the next success clears it. Identifying
// again refreshes a host in any stage; a BMC that answers with another GUID is another machine at that address, and
// what was read of the old one (its hardware) is dropped.
import { HostStage, HostStep, type AuthCapabilities, type BmcIdentity, type HostHardware, type HostRecord } from '../store/host-records.js';

/** The steps a host may take in each stage; steps 4-5 add theirs. */
const STEPS_FROM: Record<HostStage, readonly HostStep[]> = {
  [HostStage.FOUND]: [HostStep.IDENTIFY],
  [HostStage.IDENTIFIED]: [HostStep.IDENTIFY, HostStep.INVENTORY],
  [HostStage.INVENTORIED]: [HostStep.IDENTIFY, HostStep.INVENTORY],
};

/** A device that answered a presence ping. */
export interface Sighting {
  address: string;
  port: number;
  /** Its answer to Get Channel Authentication Capabilities, when it gave one. */
  authCaps: AuthCapabilities | null;
}

/** A host seen (again): a new one is found; a known one keeps its stage and what was read of it. */
export function sighted(prev: HostRecord | null, s: Sighting, nowMs: number): HostRecord {
  if (prev) return { ...prev, port: s.port, lastSeenMs: nowMs, authCaps: s.authCaps ?? prev.authCaps };
  return {
    address: s.address, port: s.port, stage: HostStage.FOUND, stageSinceMs: nowMs, firstSeenMs: nowMs, lastSeenMs: nowMs,
    authCaps: s.authCaps, identity: null, identifiedAtMs: null, hardware: null, inventoriedAtMs: null, failure: null, install: null,
  };
}

/** Why `host` cannot take `step` now, or null when it can. */
export function refusal(host: HostRecord, step: HostStep): string | null {
  if (STEPS_FROM[host.stage].includes(step)) return null;
  if (step === HostStep.INVENTORY && host.stage === HostStage.FOUND) {
    return host.failure ? `its BMC was not identified: ${host.failure.message}` : 'its BMC is not identified yet (bmcfleet provision discover)';
  }
  return `a host ${host.stage} does not ${step}`;
}

/** The identify step read the BMC's identity. */
export function identified(host: HostRecord, identity: BmcIdentity, nowMs: number): HostRecord {
  requireStep(host, HostStep.IDENTIFY);
  const anotherMachine = host.identity !== null && host.identity.guid !== identity.guid;
  const stage = host.stage === HostStage.FOUND || anotherMachine ? HostStage.IDENTIFIED : host.stage;
  return {
    ...host, identity, identifiedAtMs: nowMs, failure: null,
    ...(stage === host.stage ? {} : { stage, stageSinceMs: nowMs }),
    ...(anotherMachine ? { hardware: null, inventoriedAtMs: null } : {}),
  };
}

/** The inventory step read the host's hardware. */
export function inventoried(host: HostRecord, hardware: HostHardware, nowMs: number): HostRecord {
  requireStep(host, HostStep.INVENTORY);
  return {
    ...host, hardware, inventoriedAtMs: nowMs, failure: null,
    ...(host.stage === HostStage.INVENTORIED ? {} : { stage: HostStage.INVENTORIED, stageSinceMs: nowMs }),
  };
}

/** A step failed (or timed out): the stage stays, the failure says why. */
export function stepFailed(host: HostRecord, step: HostStep, cause: string, message: string, nowMs: number): HostRecord {
  requireStep(host, step);
  return { ...host, failure: { step, cause, message, atMs: nowMs } };
}

function requireStep(host: HostRecord, step: HostStep): void {
  const why = refusal(host, step);
  if (why !== null) throw new Error(`${host.address}: ${why}`);
}
