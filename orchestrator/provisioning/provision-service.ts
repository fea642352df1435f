// What the manager's API offers of provisioning (issue 14, steps 4-5): start installing a role on hosts the policy
// picks, and show every host with its install. The policy file is read for each request, so an edit needs no restart.
import type { HostRecord } from '../store/host-records.js';
import type { ProvisioningStore } from '../store/provisioning-store.js';
import type { InstallRunner } from './install-runner.js';
import { planRole, type RolePlan } from './policy-match.js';
import type { Policy } from './policy.js';

/** Fewer hosts fit than were asked for: nothing was started. */
export class NotEnoughHostsError extends Error {
  readonly plan: RolePlan;
  constructor(plan: RolePlan) {
    const hosts = plan.picked.length + plan.notPicked.length;
    super(plan.picked.length === 0
      ? `no host matches role ${plan.role}: ${hosts === 0 ? 'no hosts yet (bmcfleet provision discover, inventory)' : `each of the ${hosts} hosts misses something (see notPicked)`}`
      : `only ${plan.picked.length} of the ${plan.count} hosts role ${plan.role} asks for fit; nothing started`);
    this.name = 'NotEnoughHostsError';
    this.plan = plan;
  }
}

export interface ProvisionRunStarted {
  role: string;
  image: string;
  hosts: string[];
  plan: RolePlan;
}

export class ProvisionService {
  private readonly o: { store: ProvisioningStore; runner: InstallRunner; policy(): Policy };

  constructor(o: { store: ProvisioningStore; runner: InstallRunner; policy(): Policy }) {
    this.o = o;
  }

  /** Picks `count` hosts for `role` and starts installing them; NotEnoughHostsError (nothing started) when too few fit. */
  run(role: string, count: number): ProvisionRunStarted {
    const policy = this.o.policy();
    const plan = planRole(policy, role, count, this.o.store.hosts());
    if (!plan.satisfied) throw new NotEnoughHostsError(plan);
    const hosts = plan.picked.map((h) => h.address);
    this.o.runner.start(hosts, role, plan.policy.image);
    return { role, image: plan.policy.image, hosts, plan };
  }

  hosts(): HostRecord[] {
    return this.o.store.hosts();
  }
}
