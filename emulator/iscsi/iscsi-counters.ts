// What an emulated target's iSCSI portal counts: connections, logins by kind and by refusal, PDUs, bytes read,
// and every drop by reason.

export interface IscsiCounterValues {
  connectionsAccepted: number;
  discoveryLogins: number;
  normalLogins: number;
  pdusIn: number;
  bytesRead: number;
}

export class IscsiCounters {
  readonly values: IscsiCounterValues = { connectionsAccepted: 0, discoveryLogins: 0, normalLogins: 0, pdusIn: 0, bytesRead: 0 };
  /** Drops and refusals by reason: connections-full, stream-broken, idle-timeout, login-refused-0202, ... */
  readonly drops: Record<string, number> = {};
  open = 0;

  count(key: keyof IscsiCounterValues): void {
    this.values[key]++;
  }

  add(key: keyof IscsiCounterValues, n: number): void {
    this.values[key] += n;
  }

  drop(reason: string): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
  }

  snapshot(): IscsiCounterValues & { open: number; drops: Record<string, number> } {
    return { ...this.values, open: this.open, drops: { ...this.drops } };
  }
}
