// Whether an update applies to each host of a cluster, and why not (issue 14: "decides whether and where it applies,
// and records why"). A host gets it when its model is one the descriptor names and what it runs of the update is
// older; the others are skipped, each with its reason, before anything goes down.
import { compareVersions, type UpdateDescriptor } from './update-descriptor.js';

export interface HostFacts {
  bmc: string;
  /** From the host's inventory; null when it was never read. */
  model: { vendor: string; product: string } | null;
  /** The version of this update (by its name) the host runs, when known. */
  installedVersion: string | null;
}

export type Applicability = { applies: true } | { applies: false; reason: string };

const same = (a: string, b: string) => a.localeCompare(b, undefined, { sensitivity: 'accent' }) === 0;

export function applicabilityFor(d: UpdateDescriptor, host: HostFacts): Applicability {
  if (host.model === null) return { applies: false, reason: 'not applicable: its model is not known (no inventory read)' };
  const { vendor, product } = host.model;
  if (!d.appliesTo.some((m) => same(m.vendor, vendor) && (m.product === undefined || same(m.product, product)))) {
    return { applies: false, reason: `not applicable: ${vendor} ${product} is not a model ${d.name} ${d.version} is for` };
  }
  if (host.installedVersion !== null && compareVersions(host.installedVersion, d.version) >= 0) {
    return { applies: false, reason: `already current: runs ${d.name} ${host.installedVersion}` };
  }
  return { applies: true };
}
