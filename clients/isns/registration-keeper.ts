// Keeping a registration alive — RFC 4171 §6.2.6 (Registration Period: the entity is removed unless it
// re-registers, or sends any message, within the period). Registers an entity, then re-registers it at a
// fraction of the period the server granted (half by default), on the Clock; a failed refresh is retried
// sooner. For emulated iSCSI targets: entity + portals + nodes + portal groups + LUN attributes, SCNs.
import type { Clock } from '../../runtime/clock.js';
import type { EntitySpec, IsnsClient, RegistrationResult } from './isns-client.js';

export interface KeeperOptions {
  /** Refresh after this fraction of the granted period (0-1). */
  refreshFraction: number;
  /** After a failed refresh, try again this much later (ms). */
  retryMs: number;
  /** Called after every refresh attempt (for logs and counters). */
  onRefresh?: (ok: boolean, err?: Error) => void;
}

export class RegistrationKeeper {
  readonly client: IsnsClient;
  readonly clock: Clock;
  readonly options: KeeperOptions;
  private spec: EntitySpec;
  private timer: { cancel(): void } | null = null;
  private stopped = false;
  /** The last successful registration. */
  current: RegistrationResult | null = null;
  refreshes = 0;
  failures = 0;

  constructor(client: IsnsClient, spec: EntitySpec, clock: Clock, options: Partial<KeeperOptions> = {}) {
    this.client = client;
    this.spec = spec;
    this.clock = clock;
    this.options = { refreshFraction: 0.5, retryMs: 5000, ...options };
  }

  /** Registers and starts refreshing. */
  async start(): Promise<RegistrationResult> {
    const r = await this.client.register(this.spec);
    this.current = r;
    // refreshes name the entity the server assigned, and never replace
    this.spec = { ...this.spec, eid: r.eid, replace: false };
    this.schedule(r.registrationPeriod);
    return r;
  }

  private schedule(periodSeconds: number): void {
    if (this.stopped || periodSeconds <= 0) return; // 0: the registration never expires
    this.timer = this.clock.setTimeout(() => void this.refresh(), Math.max(1, Math.floor(periodSeconds * 1000 * this.options.refreshFraction)));
  }

  private async refresh(): Promise<void> {
    this.timer = null;
    if (this.stopped) return;
    try {
      const r = await this.client.register(this.spec);
      this.current = r;
      this.refreshes++;
      this.options.onRefresh?.(true);
      this.schedule(r.registrationPeriod);
    } catch (err) {
      this.failures++;
      this.options.onRefresh?.(false, err as Error);
      if (!this.stopped) this.timer = this.clock.setTimeout(() => void this.refresh(), this.options.retryMs);
    }
  }

  /** Stops refreshing; with `deregister`, also removes the entity from the server. */
  /** Changes what is registered (e.g. a LUN's state) and re-registers now with Replace (§5.6.5.1), same entity. */
  async update(spec: EntitySpec): Promise<RegistrationResult> {
    this.spec = { ...spec, eid: this.current?.eid ?? spec.eid, replace: true };
    const r = await this.client.register(this.spec);
    this.current = r;
    this.spec = { ...this.spec, eid: r.eid, replace: false };
    return r;
  }

  async stop(deregister = false): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    if (deregister && this.current) await this.client.deregisterEntity(this.current.eid);
  }
}
